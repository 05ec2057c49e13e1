/**
 * `dictl model promote MODEL@REF --to champion --gate ...`: scores the candidate and the current alias
 * holder (the baseline) on the same persisted holdout, evaluates every gate condition, and — when all
 * pass and it is not a dry run — moves the alias. Every promotion or rejection is an audit entry with
 * the actor, the gate and the evidence.
 *
 * A real promotion runs entirely under the workspace lock, so the evidence and the alias move are one
 * decision: no other promotion can move the alias between scoring and committing. A dry run is
 * read-only (no lock, no audit, nothing stored).
 */
import { resolve } from 'node:path';
import { usageError } from '../errors.js';
import type { Evaluation } from '../eval/evaluation.js';
import { scoreHoldout } from './evaluate.js';
import { onPromotion } from '../decide/policy-store.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { locked } from '../io/lock.js';
import type { Workspace } from '../workspace.js';
import { appendAudit, defaultActor } from '../io/audit.js';
import { evaluateGate, failureLine, parseGate, type GateResult } from '../registry/gate.js';
import { checkAliasName, evaluationPath, readAliases, resolveModel, writeAliasUnlocked } from '../registry/models.js';
import { renderJunit, renderMarkdown, type VerdictView } from '../registry/verdict.js';
import type { Progress } from '../ui/progress.js';

export interface PromoteOptions {
  to?: string;
  gate: string[];
  reason?: string;
  actor?: string;
  dryRun?: boolean;
  requireChampion?: boolean;
  junit?: string;
  markdown?: string;
  wait?: number;
  progress?: Progress;
  /** keep the decision policy's autonomy on promotion to champion (default: reset to human-in-the-loop) */
  keepAutonomy?: boolean;
}

export interface PromoteResult {
  candidate: string;
  alias: string;
  /** the version the alias pointed at before (the baseline), if any */
  baseline: string | null;
  previous: number | null;
  holdout: string;
  passed: boolean;
  /** the alias was moved */
  promoted: boolean;
  dryRun: boolean;
  /** the candidate already held the alias: nothing to do */
  unchanged: boolean;
  actor: string;
  reason: string | null;
  gate: GateResult;
  /** one line per failed condition: metric, candidate, baseline, needed */
  failures: string[];
  notices: string[];
  candidateMetrics: Record<string, number | null>;
  baselineMetrics: Record<string, number | null> | null;
  junit?: string;
  markdown?: string;
  /** the decision policy version written by the promotion, if the model has a policy */
  policy?: { version: number; autonomy: string; review: [number, number] | null } | null;
}

export async function promoteModel(ws: Workspace, refText: string, opts: PromoteOptions): Promise<PromoteResult> {
  const alias = checkAliasName(opts.to ?? 'champion');
  if (!opts.gate.length) throw usageError('a promotion needs at least one --gate condition', 'e.g. --gate "auc>=0.80" --gate "auc>=champion+0.002"');
  const conditions = parseGate(opts.gate); // bad conditions fail before anything is read or written
  resolveModel(ws, refText); // unknown models fail before the lock
  const actor = opts.actor ?? defaultActor();
  const decide = () => decideAndCommit(ws, refText, alias, conditions, actor, opts);
  const result = opts.dryRun ? await decide() : await locked(ws, opts.wait, `model promote ${refText} --to ${alias}`, decide);
  const view: VerdictView = { ...result, results: result.gate.results };
  if (opts.junit) {
    result.junit = resolve(opts.junit);
    writeFileAtomic(result.junit, renderJunit(view));
  }
  if (opts.markdown) {
    result.markdown = resolve(opts.markdown);
    writeFileAtomic(result.markdown, renderMarkdown(view));
  }
  return result;
}

async function decideAndCommit(
  ws: Workspace,
  refText: string,
  alias: string,
  conditions: ReturnType<typeof parseGate>,
  actor: string,
  opts: PromoteOptions,
): Promise<PromoteResult> {
  const cand = resolveModel(ws, refText);
  const { name, version } = cand.model;
  if (cand.archived) throw usageError(`${cand.ref} is archived and cannot be promoted`, `restore it first: dictl model archive ${cand.ref} --restore`);
  const holdout = cand.model.lineage.holdout;
  if (holdout === null) throw usageError(`${cand.ref} is a segmentation without a holdout: it has no metrics for a gate`, `point an alias at it instead: dictl model alias ${cand.ref} champion`);
  const previous = readAliases(ws, name)[alias] ?? null;
  const baselineRef = previous === null ? null : `${name}@${previous}`;

  const base = {
    candidate: cand.ref,
    alias,
    baseline: baselineRef,
    previous,
    holdout,
    dryRun: Boolean(opts.dryRun),
    actor,
    reason: opts.reason ?? null,
  };
  if (previous === version && !opts.dryRun) {
    const gate: GateResult = { passed: true, results: [], failed: [], notices: [`${cand.ref} already is @${alias}`] };
    return { ...base, passed: true, promoted: false, unchanged: true, gate, failures: [], notices: gate.notices, candidateMetrics: {}, baselineMetrics: null };
  }
  if (previous === version) {
    // a dry run always evaluates and reports: the holder of the alias is its own baseline
    const c = await scoreHoldout(ws, cand.ref, opts.progress);
    const gate = evaluateGate(conditions, c.evaluation.metrics, c.evaluation.metrics, { requireChampion: opts.requireChampion });
    const notices = [`${cand.ref} already is @${alias}: the gate was evaluated with it as its own baseline`, ...gate.notices];
    return { ...base, passed: gate.passed, promoted: false, unchanged: true, gate, failures: gate.failed.map(failureLine), notices, candidateMetrics: c.evaluation.metrics, baselineMetrics: c.evaluation.metrics };
  }

  const c = await scoreHoldout(ws, cand.ref, opts.progress);
  let b: Evaluation | null = null;
  if (baselineRef) {
    b = (await scoreHoldout(ws, baselineRef, opts.progress)).evaluation;
    if (b.holdout !== c.evaluation.holdout)
      throw usageError(
        `${cand.ref} was trained against holdout ${c.evaluation.holdout.slice(0, 12)} but ${baselineRef} (@${alias}) against ${b.holdout.slice(0, 12)}: the gate needs both on the same holdout`,
        `retrain ${name} on a feature build that uses holdout ${b.holdout.slice(0, 12)}`,
      );
    if (b.task !== c.evaluation.task) throw usageError(`${cand.ref} is a ${c.evaluation.task} model but ${baselineRef} is ${b.task}`);
  }
  const gate = evaluateGate(conditions, c.evaluation.metrics, b ? b.metrics : null, { requireChampion: opts.requireChampion });
  const result: PromoteResult = {
    ...base,
    passed: gate.passed,
    promoted: false,
    unchanged: false,
    gate,
    failures: gate.failed.map(failureLine),
    notices: gate.notices,
    candidateMetrics: c.evaluation.metrics,
    baselineMetrics: b ? b.metrics : null,
  };
  if (opts.dryRun) return result;

  // the evidence is kept with the versions
  writeJsonAtomic(evaluationPath(ws, name, version), c.evaluation);
  if (b && previous !== null) writeJsonAtomic(evaluationPath(ws, name, previous), b);

  const evidence = {
    alias,
    previous,
    baseline: baselineRef,
    gate: conditions.map((x) => x.text),
    results: gate.results,
    holdout: c.evaluation.holdout,
    candidateMetrics: c.evaluation.metrics,
    baselineMetrics: b ? b.metrics : null,
    requireChampion: Boolean(opts.requireChampion),
  };
  if (!gate.passed) {
    appendAudit(ws, { action: 'model.reject', subject: cand.ref, actor, reason: opts.reason, details: evidence });
    return result;
  }
  writeAliasUnlocked(ws, name, alias, version);
  appendAudit(ws, { action: 'model.promote', subject: cand.ref, actor, reason: opts.reason, details: evidence });
  result.promoted = true;
  // ── after a promotion (still under the lock): follow-up effects go here, e.g. resetting the model's
  //    decision policy to human-in-the-loop. ──
  if (alias === 'champion') {
    const p = onPromotion(ws, name, version, Boolean(opts.keepAutonomy));
    result.policy = p ? { version: p.version, autonomy: p.autonomy, review: p.review } : null;
  }
  return result;
}
