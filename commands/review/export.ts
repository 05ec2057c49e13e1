import { Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { exportReviews } from '../../src/ops/review-export.js';

export default class ReviewExport extends DictlCommand {
  static override summary = 'Register the human-reviewed cases as a new dataset version, with lineage to the model, policy and source, ready for retraining.';
  static override examples = [
    '<%= config.bin %> review export --as-dataset churn-reviewed',
    '<%= config.bin %> review export --as-dataset churn-reviewed --model churn-model --steward risk-team',
    '<%= config.bin %> review export --as-dataset churn-reviewed --json',
  ];
  static override flags = {
    ...writeFlags,
    'as-dataset': Flags.string({ description: 'dataset name to register the reviewed cases under', required: true }),
    model: Flags.string({ description: 'the model whose reviews to export (needed when several have reviews)' }),
    steward: Flags.string({ description: 'data steward of the new version (default: the policy owner)' }),
  };

  async run() {
    const { flags } = await this.parseCommand(ReviewExport);
    const r = await exportReviews(this.workspace, flags['as-dataset'], { model: flags.model, steward: flags.steward, wait: flags.wait, progress: this.progress });
    return this.emit(r, (x) =>
      [`${x.existing ? 'Unchanged: already registered as' : 'Registered'} ${x.dataset} (${x.rows} reviewed cases of ${x.model})`, `  parents: ${x.parents.join(', ')}`, `  tags:    ${Object.entries(x.tags).map(([k, v]) => `${k}=${v}`).join(' ')}`].join('\n'),
    );
  }
}
