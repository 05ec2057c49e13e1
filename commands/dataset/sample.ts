import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { sampleDataset } from '../../src/ops/dataset-sample.js';
import { renderTable } from '../../src/ui/table.js';

export default class DatasetSample extends DictlCommand {
  static override summary = 'Print a few rows of a dataset version: a table, or NDJSON events to pipe into dictl score.';
  static override examples = [
    '<%= config.bin %> dataset sample churn@1',
    '<%= config.bin %> dataset sample churn@1 --holdout --rows 5 --drop churn --ndjson > events.ndjson',
    '<%= config.bin %> dataset sample churn --rows 100 --seed 7 --json',
  ];
  static override args = { dataset: Args.string({ description: 'DATASET, DATASET@VERSION or DATASET@latest', required: true }) };
  static override flags = {
    rows: Flags.integer({ char: 'n', description: 'how many rows', default: 5, min: 1 }),
    holdout: Flags.boolean({ description: "only the test rows of the dataset version's latest holdout", default: false }),
    drop: Flags.string({ description: 'leave out these columns (comma separated or repeated), e.g. the label', multiple: true }),
    seed: Flags.integer({ description: 'a reproducible random sample instead of the first rows' }),
    ndjson: Flags.boolean({ description: 'one JSON object a line on stdout (events for dictl score)', default: false, exclusive: ['json'] }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetSample);
    const drop = ((flags.drop ?? []) as string[]).flatMap((s: string) => s.split(',')).map((s: string) => s.trim()).filter(Boolean);
    const r = await sampleDataset(this.workspace, args.dataset, { rows: flags.rows, holdout: flags.holdout, drop, seed: flags.seed });
    if (flags.ndjson) {
      this.progress.done();
      process.stdout.write(r.rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
      return r;
    }
    return this.emit(r, (x) =>
      [`${x.rows.length} rows of ${x.dataset} (${x.from})`, renderTable(['row', ...x.columns], x.rows.map((row, i) => [String(x.rowNumbers[i]), ...x.columns.map((c) => fmtCell(row[c]))]))].join('\n'),
    );
  }
}

function fmtCell(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}
