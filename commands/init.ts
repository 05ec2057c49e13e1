import { Args } from '@oclif/core';
import { DictlCommand } from '../src/base.js';
import { initWorkspace } from '../src/workspace.js';

export default class Init extends DictlCommand {
  static override summary = 'Create a dictl workspace (dictl.yaml, datasets/, features/, registry/).';
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init my-project --json'];
  static override args = { dir: Args.string({ description: 'folder to make a workspace (default: current folder)', default: '.' }) };

  async run() {
    const { args } = await this.parseCommand(Init);
    const r = initWorkspace(args.dir);
    return this.emit(r, (x) => (x.existed ? `Workspace already exists at ${x.root}` : `Initialised workspace at ${x.root}`));
  }
}
