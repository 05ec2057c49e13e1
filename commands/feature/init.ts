import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { initFeatureSet } from '../../src/ops/feature-init.js';

export default class FeatureInit extends DictlCommand {
  static override summary = "Write a commented starter feature set (features/NAME.yaml) from a dataset's schema and profile.";
  static override description =
    'Numbers: impute median, standardize. Text with few values: impute mode, one-hot. Text with many values: one-hot of the frequent values, the rest as "other". ' +
    'The label, ID-like columns (a distinct value per row), constant columns and dates are left out, each with a comment saying why. Review the file, then run dictl feature build NAME.';
  static override examples = [
    '<%= config.bin %> feature init churn --from churn@1 --label churn --positive yes',
    '<%= config.bin %> feature init credit --from credit@latest --label risk --positive bad --force',
  ];
  static override args = { name: Args.string({ description: 'feature set name (writes features/NAME.yaml)', required: true }) };
  static override flags = {
    from: Flags.string({ description: 'the source dataset, DATASET@VERSION or DATASET@latest', required: true }),
    label: Flags.string({ description: 'the label column', required: true }),
    positive: Flags.string({ description: 'the positive class (binary label); default: the rarer of two values' }),
    force: Flags.boolean({ description: 'replace an existing features/NAME.yaml', default: false }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(FeatureInit);
    const r = initFeatureSet(this.workspace, { name: args.name, from: flags.from, label: flags.label, positive: flags.positive, force: flags.force });
    return this.emit(r, (x) =>
      [
        `Wrote ${x.file}: ${x.numeric.length} numeric, ${x.oneHot.length + x.frequent.length} text feature columns; label ${x.label.column} (${x.label.task}${x.label.positive !== undefined ? `, positive "${x.label.positive}"` : ''})`,
        ...x.leftOut.map((l) => `  left out ${l.column}: ${l.why}`),
        `Next: review ${x.file}, then dictl feature build ${x.name}`,
      ].join('\n'),
    );
  }
}
