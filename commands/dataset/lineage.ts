import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { lineageOf, toDot, toMermaid, toText } from '../../src/datasets/lineage.js';

export default class DatasetLineage extends DictlCommand {
  static override summary = 'Show the lineage graph of a dataset version: parents upstream; derived data, holdouts, feature sets, models and packages downstream.';
  static override examples = [
    '<%= config.bin %> dataset lineage churn@1',
    '<%= config.bin %> dataset lineage churn@1 --format mermaid > lineage.mmd',
    '<%= config.bin %> dataset lineage churn --format dot | dot -Tsvg > lineage.svg',
    '<%= config.bin %> dataset lineage credit-clean@1 --json',
  ];
  static override args = { ref: Args.string({ description: 'NAME, NAME@VERSION or NAME@latest', required: true }) };
  static override flags = {
    format: Flags.string({ description: 'text (default), mermaid, dot or json', options: ['text', 'mermaid', 'dot', 'json'], default: 'text' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetLineage);
    const g = lineageOf(this.workspace, args.ref);
    if (flags.format === 'json' && !this.jsonMode) {
      process.stdout.write(JSON.stringify(g, null, 2) + '\n');
      return g;
    }
    const render = flags.format === 'mermaid' ? toMermaid : flags.format === 'dot' ? toDot : toText;
    // under --json the graph is the document; mermaid/dot text is included for drawing
    return this.emit(this.jsonMode && flags.format !== 'text' && flags.format !== 'json' ? { ...g, [flags.format]: render(g) } : g, () => render(g));
  }
}
