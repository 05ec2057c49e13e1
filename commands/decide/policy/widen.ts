import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../../src/base.js';
import { usageError } from '../../../src/errors.js';
import { widenPolicy } from '../../../src/ops/decide-policy-widen.js';
import { renderPolicy, renderTrust } from '../../../src/decide/render.js';

export default class PolicyWiden extends DictlCommand {
  static override summary = 'Narrow the review band (widen autonomy) where reviewed cases show the model agrees with humans, as a new policy version with the evidence.';
  static override description = 'Runs the same analysis as `decide trust` and applies its recommendation. Exit 1 (nothing written) when no edge of the review band passes the target.';
  static override examples = ['<%= config.bin %> decide policy widen churn-model --target 0.95', '<%= config.bin %> decide policy widen churn-model --target 0.9 --confidence 0.99 --json'];
  static override args = { model: Args.string({ description: 'model name', required: true }) };
  static override flags = {
    ...writeFlags,
    target: Flags.string({ description: 'lower confidence bound of agreement that a moved score range must reach', default: '0.95' }),
    confidence: Flags.string({ description: 'confidence level of the Wilson interval', default: '0.95' }),
    actor: Flags.string({ description: 'who applies it (recorded in the audit log)', aliases: ['by'] }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(PolicyWiden);
    const target = Number(flags.target);
    const confidence = Number(flags.confidence);
    if (!(target > 0 && target < 1)) throw usageError(`--target must be between 0 and 1, got "${flags.target}"`);
    if (!(confidence > 0 && confidence < 1)) throw usageError(`--confidence must be between 0 and 1, got "${flags.confidence}"`);
    const r = await widenPolicy(this.workspace, args.model, { target, confidence, wait: flags.wait, actor: flags.actor });
    return this.emitVerdict(r, r.applied, `no change: ${r.trust.reason}`, (x) => (x.applied ? `${renderTrust(x.trust)}\n\nApplied:\n${renderPolicy(x.policy!)}` : renderTrust(x.trust)));
  }
}
