import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../src/base.js';
import { copyExample, EXAMPLES } from '../src/examples/bundled.js';
import { initWorkspace, workspaceAt } from '../src/workspace.js';

export default class Init extends DictlCommand {
  static override summary = 'Create a dictl workspace (dictl.yaml, datasets/, features/, registry/).';
  static override description = `With --example the workspace starts with a bundled data set and its feature set, ready for the README's lifecycle. Examples: ${Object.values(EXAMPLES)
    .map((e) => `${e.name} (${e.description})`)
    .join('; ')}.`;
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init my-project --example churn     # copies churn.csv and features/churn.yaml',
    '<%= config.bin %> init my-project --json',
  ];
  static override args = { dir: Args.string({ description: 'folder to make a workspace (default: current folder)', default: '.' }) };
  static override flags = {
    example: Flags.string({ description: 'start from a bundled example: its data file and feature set', options: Object.keys(EXAMPLES) }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(Init);
    const r = initWorkspace(args.dir);
    const example = flags.example ? copyExample(workspaceAt(r.root), flags.example) : undefined;
    return this.emit({ ...r, example }, (x) => {
      const lines = [x.existed ? `Workspace already exists at ${x.root}` : `Initialised workspace at ${x.root}`];
      if (x.example) {
        if (x.example.files.length) lines.push(`Example "${x.example.example}": ${x.example.files.join(', ')}`);
        if (x.example.kept.length) lines.push(`Kept existing ${x.example.kept.join(', ')}`);
        lines.push(`Next: dictl dataset register ${x.example.example} --file ${EXAMPLES[x.example.example].data.split('/').pop()} --steward YOU@example.com --consent opt-in`);
      }
      return lines.join('\n');
    });
  }
}
