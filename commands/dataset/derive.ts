import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { deriveDataset } from '../../src/ops/dataset-derive.js';
import { parseTags, splitList } from '../../src/datasets/register.js';
import { renderDatasetVersion } from '../../src/datasets/render.js';

export default class DatasetDerive extends DictlCommand {
  static override summary = 'Register the result of a SQL query over dataset versions as a new dataset, with its parents and SQL as lineage.';
  static override description =
    'Each parent is a table named after the dataset (and NAME_vN). The query cannot read files. Consent is inherited (the most restrictive parent) and PII marks carry over by column name.';
  static override examples = [
    `<%= config.bin %> dataset derive churn-intl --from churn@1 --sql "SELECT * FROM churn WHERE international_plan = 'yes'"`,
    `<%= config.bin %> dataset derive credit-clean --from credit@1 --sql "SELECT * FROM credit WHERE Income IS NOT NULL" --description "rows with known income"`,
    `<%= config.bin %> dataset derive joined --from a@2 --from b@1 --sql "SELECT a.*, b.score FROM a JOIN b USING (id)" --json`,
    `<%= config.bin %> dataset derive churn-segmented --from churn@1 --segments segments@1`,
  ];
  static override args = { name: Args.string({ description: 'name of the derived dataset', required: true }) };
  static override flags = {
    ...writeFlags,
    from: Flags.string({ description: 'parent dataset version NAME@VERSION (repeatable)', required: true, multiple: true }),
    sql: Flags.string({ description: 'one SELECT query over the parents (optional with --segments and one parent: all its rows)' }),
    segments: Flags.string({ description: 'segmentation model NAME@VERSION: adds its segment of every row as a "segment" column (lineage records the model)' }),
    steward: Flags.string({ description: 'steward of the result (default: the first parent’s)' }),
    description: Flags.string({ description: 'free-text description' }),
    pii: Flags.string({ description: 'extra PII columns of the result (parents’ PII marks carry over)', multiple: true }),
    tag: Flags.string({ description: 'KEY=VALUE tag (repeatable)', multiple: true }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetDerive);
    const r = await deriveDataset(
      this.workspace,
      { name: args.name, from: flags.from, sql: flags.sql ?? '', segments: flags.segments, steward: flags.steward, description: flags.description, pii: splitList(flags.pii), tags: parseTags(flags.tag), wait: flags.wait },
      this.progress,
    );
    return this.emit(r, (x) => (x.existing ? `Already registered as ${x.ref} (same parents and SQL; no new version)` : `Derived ${x.ref}\n` + renderDatasetVersion(x)));
  }
}
