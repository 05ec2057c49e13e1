import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { parseCosts } from '../../src/decide/optimize.js';
import { optimizeModel } from '../../src/ops/decide-optimize.js';
import { renderOptimize } from '../../src/decide/render.js';

export default class DecideOptimize extends DictlCommand {
  static override summary = 'Choose the thresholds that minimise expected cost on the model\'s persisted holdout, within a cap on the share sent to review.';
  static override description = 'Exhaustive over every pair of distinct-score cut points. Prints the cost curve; --html writes a report with the chart; --save stores the result as a new policy version.';
  static override examples = [
    '<%= config.bin %> decide optimize churn-model@champion --cost "fp=1,fn=5,review=0.3"',
    '<%= config.bin %> decide optimize churn-model@3 --cost "fp=1,fn=5,review=0.3" --review-capacity 0.1 --save',
    '<%= config.bin %> decide optimize churn-model@latest --cost "fp=2,fn=10" --review-capacity 0 --html cost.html --json',
  ];
  static override args = { ref: Args.string({ description: 'MODEL@REF (version, latest or alias)', required: true }) };
  static override flags = {
    ...writeFlags,
    cost: Flags.string({ description: 'costs: "fp=1,fn=5,review=0.3" (a correct automatic decision costs 0)', required: true }),
    'review-capacity': Flags.string({ description: 'largest share of cases that may go to review (0..1)', default: '1' }),
    save: Flags.boolean({ description: 'save the optimum as a new policy version', default: false }),
    owner: Flags.string({ description: 'policy owner when saving the first policy of a model' }),
    html: Flags.string({ description: 'write an HTML report with the cost-curve chart to this file' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DecideOptimize);
    this.checkOutputs([['--html', flags.html]]);
    const costs = parseCosts(flags.cost);
    const capacity = Number(flags['review-capacity']);
    if (!(capacity >= 0 && capacity <= 1)) throw usageError(`--review-capacity must be a share between 0 and 1, got "${flags['review-capacity']}"`);
    const r = await optimizeModel(this.workspace, args.ref, costs, capacity, { save: flags.save, owner: flags.owner, html: flags.html, wait: flags.wait, progress: this.progress });
    return this.emit(r, (x) => renderOptimize(x));
  }
}
