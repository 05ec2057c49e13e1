import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../../src/base.js';
import { usageError } from '../../../src/errors.js';
import { specFromFile } from '../../../src/decide/policy-store.js';
import { setPolicy } from '../../../src/ops/decide-policy-set.js';
import { parseBand } from '../../../src/decide/policy.js';
import { renderPolicy } from '../../../src/decide/render.js';
import { repackageNotice } from '../../../src/decide/stale.js';

/** "3=outreach" items → {"3": "outreach"} */
function parseSegmentActions(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const it of items) {
    const eq = it.indexOf('=');
    if (eq <= 0) throw usageError(`--segment-action "${it}" is not SEGMENT=ACTION`, 'e.g. --segment-action 3=outreach');
    const k = it.slice(0, eq).trim();
    if (k in out) throw usageError(`--segment-action gives segment ${k} twice`);
    out[k] = it.slice(eq + 1).trim();
  }
  return out;
}

export default class PolicySet extends DictlCommand {
  static override summary = 'Create a new version of the decision policy of a model: score bands → actions, owned by a named person.';
  static override description =
    'score >= --act-above gets --action-high; scores in --review-between FROM,TO go to human review; lower scores get --action-low. ' +
    '--sample-rate sends a random share of automatic decisions to review for audit. Autonomy: shadow (log only), human-in-the-loop (review band active), autonomous (audit sample only).';
  static override examples = [
    '<%= config.bin %> decide policy set churn-model --owner ana@example.com --act-above 0.8 --review-between 0.4,0.8 --action-high block --action-review review --action-low allow --sample-rate 0.02',
    '<%= config.bin %> decide policy set churn-model --file policy.yaml',
    '<%= config.bin %> decide policy set churn-model --owner ana@example.com --act-above 0.7 --autonomy shadow --json',
    '<%= config.bin %> decide policy set segments --owner ana@example.com --segment-action 3=outreach --action-low none --autonomy autonomous',
    '<%= config.bin %> decide policy set segments --file segment-policy.yaml   # owner:, autonomy:, segments: { 3: outreach, 5: retain }, actions: { low: none }',
  ];
  static override args = { model: Args.string({ description: 'model name', required: true }) };
  static override flags = {
    ...writeFlags,
    owner: Flags.string({ description: 'email of the accountable person' }),
    'act-above': Flags.string({ description: 'scores at or above this get the high action' }),
    'review-between': Flags.string({ description: 'FROM,TO: scores in [FROM, TO) go to human review' }),
    'action-high': Flags.string({ description: 'action for the high band', default: 'act' }),
    'action-review': Flags.string({ description: 'action for the review band', default: 'review' }),
    'action-low': Flags.string({ description: 'action for the low band', default: 'allow' }),
    'sample-rate': Flags.string({ description: 'share of automatic decisions sampled into review for audit (0..1)', default: '0' }),
    autonomy: Flags.string({ description: 'shadow | human-in-the-loop | autonomous', default: 'human-in-the-loop', options: ['shadow', 'human-in-the-loop', 'autonomous'] }),
    note: Flags.string({ description: 'why this policy' }),
    'segment-action': Flags.string({ description: 'segmentation models: SEGMENT=ACTION (repeatable); other segments get --action-low; no score bands', multiple: true, exclusive: ['act-above', 'review-between'] }),
    file: Flags.string({ description: 'read the policy from a YAML or JSON file instead of flags (segmentations: segments: { 3: outreach })', exclusive: ['act-above', 'review-between', 'segment-action'] }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(PolicySet);
    const num = (name: string, v: string) => {
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x)) throw usageError(`--${name} must be a number, got "${v}"`);
      return x;
    };
    let spec;
    if (flags.file) {
      spec = await specFromFile(flags.file);
      if (flags.owner) spec.owner = flags.owner;
    } else {
      if (!flags.owner) throw usageError('--owner EMAIL is required', 'every policy has an accountable owner: --owner ana@example.com');
      const segmentActions = flags['segment-action'] ? parseSegmentActions(flags['segment-action']) : undefined;
      if (flags['act-above'] === undefined && !segmentActions) throw usageError('--act-above is required (or --segment-action N=ACTION for a segmentation, or --file policy.yaml)');
      spec = {
        owner: flags.owner,
        // a segment policy has no score bands: nothing is "above"
        actAbove: segmentActions ? 1 : num('act-above', flags['act-above']!),
        ...(segmentActions ? { segmentActions } : {}),
        review: flags['review-between'] ? parseBand(flags['review-between']) : null,
        actions: { high: flags['action-high'], review: flags['action-review'], low: flags['action-low'] },
        sampleRate: num('sample-rate', flags['sample-rate']),
        autonomy: flags.autonomy as 'shadow' | 'human-in-the-loop' | 'autonomous',
        note: flags.note,
      };
    }
    const p = await setPolicy(this.workspace, args.model, spec, { wait: flags.wait, source: flags.file ? 'file' : 'set', reason: flags.note });
    return this.emit(p, (x) => `${renderPolicy(x)}\n${repackageNotice(x.model, x.version)}`);
  }
}
