import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { planFeatureSet } from '../../src/ops/feature-plan.js';

export default class FeaturePlan extends DictlCommand {
  static override summary = 'Say what `feature build` would do (new version or no-op, and why), reading no data and writing nothing.';
  static override examples = ['<%= config.bin %> feature plan churn', '<%= config.bin %> feature plan churn --json', '<%= config.bin %> feature plan credit --allow-unconsented'];
  static override args = { name: Args.string({ description: 'feature set name (features/NAME.yaml)', required: true }) };
  static override flags = { 'allow-unconsented': Flags.boolean({ description: 'plan as if --allow-unconsented were given to build', default: false }) };

  async run() {
    const { args, flags } = await this.parseCommand(FeaturePlan);
    const r = await planFeatureSet(this.workspace, args.name, { allowUnconsented: flags['allow-unconsented'] });
    return this.emit(r, (x) => {
      const why = x.changes ? Object.entries(x.changes).filter(([, v]) => v).map(([k]) => k) : [];
      return [
        x.action === 'unchanged'
          ? `No change: ${x.name}@${x.nextVersion} already holds this definition, data and holdout.`
          : `Would build ${x.name}@${x.nextVersion}${x.latest ? ` (changed since @${x.latest.version}: ${why.join(', ') || 'build identity'})` : ' (first build)'}`,
        `  source ${x.dataset}, ${x.holdout ? `holdout ${x.holdout.slice(0, 12)}` : 'no holdout (unsupervised)'}: fit on ${x.trainRows} training rows, ${x.testRows} test rows kept out`,
        `  inputs: ${x.inputs.join(', ')}`,
        ...(x.derived.length ? [`  expressions: ${x.derived.join(', ')}`] : []),
        `  ${x.features.length} features (${x.features.filter((f) => f.kind === 'categorical').length} categorical)`,
      ].join('\n');
    });
  }
}
