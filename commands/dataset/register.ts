import { Args, Flags } from '@oclif/core';
import { DictlCommand, memoryFlags, writeFlags } from '../../src/base.js';
import { withMemoryBudget } from '../../src/io/memory.js';
import { CONSENTS, parseTags, splitList } from '../../src/datasets/register.js';
import { registerDataset } from '../../src/ops/dataset-register.js';
import { renderRegistered } from '../../src/datasets/render.js';
import { usageError } from '../../src/errors.js';
import type { Consent } from '../../src/types.js';

export default class DatasetRegister extends DictlCommand {
  static override summary = 'Register a CSV or Parquet file as a new immutable dataset version (stored as Parquet, hashed and profiled).';
  static override description =
    'Identical source bytes return the existing version instead of a new one. Empty CSV fields are missing values. Row order is kept: row numbers name rows in holdouts.';
  static override examples = [
    '<%= config.bin %> dataset register churn --file data/churn.csv --steward data-team@example.com --source "MLC++ churn, via modeldata" --consent opt-in',
    '<%= config.bin %> dataset register credit --file credit.csv --steward risk@example.com --license MIT --consent not-required --tag domain=credit --tag owner=risk',
    '<%= config.bin %> dataset register customers --file customers.parquet --steward crm-team --consent opt-in --pii email,phone --json',
    '<%= config.bin %> dataset register events --file events.parquet --steward data-team --consent opt-in --memory-limit 1GB',
    '<%= config.bin %> dataset register sales --file sales.txt --delimiter ";" --na NA --type zip=string --steward bi@example.com',
  ];
  static override args = { name: Args.string({ description: 'dataset name (letters, digits, ".", "_", "-")', required: true }) };
  static override flags = {
    ...writeFlags,
    ...memoryFlags,
    file: Flags.string({ char: 'f', description: 'CSV (with header) or Parquet file', required: true }),
    steward: Flags.string({ description: 'who answers for this data: an e-mail address or a team id', required: true }),
    source: Flags.string({ description: 'where the data came from' }),
    license: Flags.string({ description: 'licence of the data' }),
    consent: Flags.string({ description: 'consent basis for using the data', options: CONSENTS, default: 'unknown' }),
    pii: Flags.string({ description: 'columns holding personal data (comma separated or repeated)', multiple: true }),
    description: Flags.string({ description: 'free-text description' }),
    tag: Flags.string({ description: 'KEY=VALUE tag (repeatable)', multiple: true }),
    format: Flags.string({ description: 'input format (default: from the extension / magic bytes)', options: ['csv', 'parquet'] }),
    delimiter: Flags.string({ description: 'CSV delimiter (default: detected from the header: , ; TAB |)' }),
    quote: Flags.string({ description: 'CSV quote character', default: '"' }),
    na: Flags.string({ description: 'extra CSV text read as missing, besides the empty field (repeatable)', multiple: true }),
    type: Flags.string({ description: 'force a column type, COL=string|number|integer|boolean|date|timestamp (repeatable)', multiple: true }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetRegister);
    const types: Record<string, string> = {};
    for (const t of flags.type ?? []) {
      const i = t.lastIndexOf('=');
      if (i <= 0) throw usageError(`--type "${t}" is not COL=TYPE`, 'e.g. --type zip=string');
      types[t.slice(0, i)] = t.slice(i + 1);
    }
    const r = await withMemoryBudget(this.workspace, flags['memory-limit'], () => registerDataset(
      this.workspace,
      {
        name: args.name,
        file: flags.file,
        steward: flags.steward,
        source: flags.source,
        license: flags.license,
        consent: flags.consent as Consent,
        pii: splitList(flags.pii),
        description: flags.description,
        tags: parseTags(flags.tag),
        format: flags.format as 'csv' | 'parquet' | undefined,
        delimiter: flags.delimiter,
        quote: flags.quote,
        na: flags.na,
        types,
        wait: flags.wait,
      },
      this.progress,
    ));
    if (r.existing) this.progress.log(`${flags.file} has the same bytes as ${r.ref}: no new version`);
    return this.emit(r, (x) => (x.existing ? `Already registered as ${x.ref} (identical source bytes; no new version)` : renderRegistered(x)));
  }
}
