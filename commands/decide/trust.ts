import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { trustFor } from '../../src/ops/decide-trust.js';
import { renderTrust } from '../../src/decide/render.js';

export default class DecideTrust extends DictlCommand {
  static override summary = 'Agreement between the model\'s calls and human review labels, per band, with confidence intervals; recommends narrowing the review band.';
  static override examples = [
    '<%= config.bin %> decide trust churn-model',
    '<%= config.bin %> decide trust churn-model --target 0.95',
    '<%= config.bin %> decide trust churn-model --target 0.9 --model-version 3 --json',
  ];
  static override args = { model: Args.string({ description: 'model name', required: true }) };
  static override flags = {
    target: Flags.string({ description: 'lower confidence bound of agreement needed to recommend narrowing', default: '0.95' }),
    confidence: Flags.string({ description: 'confidence level of the Wilson interval', default: '0.95' }),
    'model-version': Flags.integer({ description: 'count cases scored by this model version (default: the version the policy was written for)' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DecideTrust);
    const target = Number(flags.target);
    const confidence = Number(flags.confidence);
    if (!(target > 0 && target < 1)) throw usageError(`--target must be between 0 and 1, got "${flags.target}"`);
    if (!(confidence > 0 && confidence < 1)) throw usageError(`--confidence must be between 0 and 1, got "${flags.confidence}"`);
    return this.emit(trustFor(this.workspace, args.model, { target, confidence, modelVersion: flags['model-version'] }), (t) => renderTrust(t));
  }
}
