import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { exportSchema } from '../../src/datasets/schema-export.js';

export default class DatasetSchema extends DictlCommand {
  static override summary = 'Export a dataset version’s schema as an Avro record schema (nullable → union with null) or JSON Schema.';
  static override examples = [
    '<%= config.bin %> dataset schema churn@1',
    '<%= config.bin %> dataset schema churn@1 --format avro --out churn.avsc',
    '<%= config.bin %> dataset schema credit --format json',
  ];
  static override args = { ref: Args.string({ description: 'NAME, NAME@VERSION or NAME@latest', required: true }) };
  static override flags = {
    format: Flags.string({ description: 'schema language', options: ['avro', 'json'], default: 'avro' }),
    out: Flags.string({ char: 'o', description: 'also write the schema to this file' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetSchema);
    this.checkOutputs([['--out', flags.out]]);
    const r = exportSchema(this.workspace, args.ref, flags.format as 'avro' | 'json');
    // a file outside the workspace, chosen by the user: written atomically, no lock needed
    if (flags.out) writeFileAtomic(flags.out, JSON.stringify(r.schema, null, 2) + '\n');
    return this.emit(r, (x) => JSON.stringify(x.schema, null, 2));
  }
}
