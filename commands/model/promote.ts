import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { formatGateNumber as fmt } from '../../src/registry/gate.js';
import { promoteModel } from '../../src/ops/model-promote.js';
import { renderTable } from '../../src/ui/table.js';

export default class ModelPromote extends DictlCommand {
  static override summary = 'Promote a model version to an alias (champion) if every gate condition passes on the shared holdout; exit 1 when rejected.';
  static override description =
    'Scores the candidate and the current alias holder on the same persisted holdout and evaluates every --gate condition: absolute ("auc>=0.80"), minimum change ("auc>=champion+0.002") or relative change against |champion| ("logloss<=champion*1.01", "f1>=champion+1%"). "champion" in a condition means the current holder of the --to alias. With no champion yet, champion conditions pass with a notice, or fail with --require-champion. The promotion or rejection is recorded in the audit log with the actor, the gate and the evidence.';
  static override examples = [
    '<%= config.bin %> model promote churn-model@latest --to champion --gate "auc>=0.80" --gate "auc>=champion+0.002" --gate "logloss<=champion*1.01" --reason "weekly retrain"',
    '<%= config.bin %> model promote churn-model@4 --gate "auc>=champion" --dry-run',
    '<%= config.bin %> model promote churn-model@latest --gate "auc>=0.8" --require-champion --junit gate.xml --markdown gate.md --actor ci-bot --wait 60',
    '<%= config.bin %> model promote churn-model@5 --to challenger --gate "pr_auc>=0.4" --json',
  ];
  static override args = { model: Args.string({ description: 'candidate: NAME@3, NAME@latest, NAME@ALIAS', required: true }) };
  static override flags = {
    ...writeFlags,
    to: Flags.string({ description: 'alias to move', default: 'champion' }),
    gate: Flags.string({ description: 'a condition; repeat for several (all must pass)', multiple: true, required: true }),
    reason: Flags.string({ description: 'why (kept in the audit log)' }),
    actor: Flags.string({ description: 'who decides (default: the OS user)' }),
    'dry-run': Flags.boolean({ description: 'evaluate the gate without moving the alias or writing anything', default: false }),
    'require-champion': Flags.boolean({ description: 'fail champion-relative conditions when there is no champion yet', default: false }),
    junit: Flags.string({ description: 'write the verdict as JUnit XML to this file' }),
    markdown: Flags.string({ description: 'write the verdict as a Markdown summary table to this file' }),
    'keep-autonomy': Flags.boolean({ description: "keep the model's decision-policy autonomy (default: a new champion goes back to human-in-the-loop)", default: false }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(ModelPromote);
    this.checkOutputs([['--junit', flags.junit], ['--markdown', flags.markdown]]);
    const r = await promoteModel(this.workspace, args.model, {
      to: flags.to,
      gate: flags.gate,
      reason: flags.reason,
      actor: flags.actor,
      dryRun: flags['dry-run'],
      requireChampion: flags['require-champion'],
      junit: flags.junit,
      markdown: flags.markdown,
      keepAutonomy: flags['keep-autonomy'],
      wait: flags.wait,
      progress: this.progress,
    });
    for (const n of r.notices) this.progress.warn(n);
    const reason = `${r.candidate} rejected for @${r.alias}: ${r.failures.length} of ${r.gate.results.length} gate condition(s) failed`;
    return this.emitVerdict(r, r.passed, reason, (x) => {
      if (x.unchanged && !x.dryRun) return `${x.candidate} already is @${x.alias}; nothing to do.`;
      const head = x.passed
        ? x.unchanged
          ? `Gate passed (dry run): ${x.candidate} already is @${x.alias} and meets every condition.`
          : x.dryRun
          ? `Gate passed (dry run): ${x.candidate} would become @${x.alias}${x.baseline ? ` (replacing ${x.baseline})` : ''}.`
          : `Promoted ${x.candidate} to @${x.alias}${x.baseline ? ` (was ${x.baseline})` : ''}.`
        : x.unchanged
          ? `REJECTED (dry run): ${x.candidate} is @${x.alias} but would not pass this gate now.`
          : `REJECTED: ${x.candidate} stays off @${x.alias}${x.baseline ? ` (${x.baseline} remains)` : ''}${x.dryRun ? ' (dry run)' : ''}.`;
      const table = renderTable(
        ['condition', 'candidate', x.baseline ?? 'champion', 'needed', 'result'],
        x.gate.results.map((c) => [c.condition, fmt(c.candidate), fmt(c.baseline), `${c.op} ${fmt(c.needed)}`, c.passed ? 'pass' : 'FAIL']),
      );
      const policy = x.policy ? [`Decision policy: now ${x.policy.autonomy} (policy@${x.policy.version})`] : [];
      return [head, table, ...x.failures.map((f) => `FAILED ${f}`), ...policy].join('\n');
    });
  }
}
