import { Args, Flags } from '@oclif/core';
import { DictlCommand, memoryFlags, writeFlags } from '../../src/base.js';
import { withMemoryBudget } from '../../src/io/memory.js';
import { buildFeatureSet } from '../../src/ops/feature-build.js';

export default class FeatureBuild extends DictlCommand {
  static override summary = 'Fit a feature set on the training rows of its holdout and write the feature matrix (Parquet) and fitted state.';
  static override description =
    'Reads features/NAME.yaml, resolves its source dataset and holdout (pinned with holdout: HASH, else the latest for that dataset version), fits every stateful transform on the training rows only, and writes registry/features/NAME/VERSION/{features.parquet,state.json}. A build is keyed by the hash of (definition, source data, holdout): rebuilding an unchanged set does nothing and says so.\n\n' +
    'features/NAME.yaml: source (NAME@N|NAME@latest), optional holdout (hash), label {column, positive | classes | task: regression}, optional entity {key, time} and aggregates [{name, events, column, agg: count|sum|avg|min|max|last, window: 7d}], and features: a column name, or {column | columns: [...] | expr: "a / nullif(b, 0)" | interaction: [a, b], name, transforms: [...]}. ' +
    'Transforms: impute (mean|median|mode|constant + value), standardize {with_mean, with_std}, min_max, robust, log1p, clip {min, max}, bucketize {splits | quantiles}, string_index {order: frequency|alphabet, handle_invalid: error|skip|keep}, one_hot {drop_last, min_frequency, max_categories, unknown: zeros|other|error}. ' +
    'Expressions allow numbers, columns, + - * / and nullif, coalesce, abs, ln, log1p, sqrt, exp, greatest, least.';
  static override examples = [
    '<%= config.bin %> feature build churn',
    '<%= config.bin %> feature build churn --json',
    '<%= config.bin %> feature build churn --wait 30',
    '<%= config.bin %> feature build big --memory-limit 1GB',
    '<%= config.bin %> feature build credit --allow-unconsented',
  ];
  static override args = { name: Args.string({ description: 'feature set name (features/NAME.yaml)', required: true }) };
  static override flags = {
    ...writeFlags,
    ...memoryFlags,
    'allow-unconsented': Flags.boolean({ description: 'use a dataset whose consent is opt-out/unknown (recorded in the build)', default: false }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(FeatureBuild);
    const r = await withMemoryBudget(this.workspace, flags['memory-limit'], () =>
      buildFeatureSet(this.workspace, args.name, { allowUnconsented: flags['allow-unconsented'], wait: flags.wait, progress: this.progress }),
    );
    return this.emit(r, (x) =>
      x.unchanged
        ? `Unchanged: ${x.ref} already holds this definition, data (${x.dataset}) and ${x.holdout ? `holdout (${x.holdout.slice(0, 12)})` : 'rows (all: no label, no holdout)'}; nothing written.`
        : [
            `Built ${x.ref} from ${x.dataset} (${x.holdout ? `holdout ${x.holdout.slice(0, 12)}` : 'no label, no holdout: all rows'})`,
            `  rows: ${x.rows.train} train, ${x.rows.test} test${x.rows.skipped ? `, ${x.rows.skipped} skipped` : ''}`,
            `  ${x.outputs.length} output columns: ${x.outputs.slice(0, 8).join(', ')}${x.outputs.length > 8 ? ', …' : ''}`,
            `  ${x.path}`,
            `  fit ${x.timings.fitMs} ms, write ${x.timings.writeMs} ms, total ${x.timings.totalMs} ms`,
          ].join('\n'),
    );
  }
}
