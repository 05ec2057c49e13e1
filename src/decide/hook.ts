/**
 * The one call the score path makes: wraps a loaded Scorer so that, when its package carries a decision
 * policy (manifest.decisionPolicy), every scored row also gets `decision` (action, band, model and policy
 * versions, review flag and case id) and review cases are queued: in the workspace file store, or on a
 * Redis stream (reviews:MODEL) when scoring from Redis. With a challenger package (shadow deployment)
 * both are scored on the same validated rows; the challenger's score and intended action go under
 * `challenger` in each output and to the shadow log (shadow-store.ts), never acted on. Without a
 * policy or a challenger the scorer is returned as is.
 */
import { usageError } from '../errors.js';
import type { Workspace } from '../workspace.js';
import type { DecisionPolicy } from './policy.js';
import { makeDecider, type Decider, type DecisionFields, type ReviewExplanation } from './runtime.js';
import { decisionLogFor, inputsJson } from './decision-log.js';
import { explainMembers } from '../explain/render.js';

/** reasons a review case keeps when the output asks for none */
const REVIEW_REASONS = 5;
import type { ReviewCase, ReviewSink } from '../review/queue.js';
import type { ShadowSink } from './shadow-store.js';
import { challengerFields, challengerInputProblems, failedSide, shadowId, shadowSide, type ChallengerFields, type ShadowEntry } from './shadow.js';

interface ScorerShape {
  manifest: { model: { name: string; version: number; threshold: number; task: string }; decisionPolicy?: unknown; inputs?: { name: string; type: string }[] };
  scoreRows(rows: Record<string, unknown>[], keys?: (string | undefined)[]): Promise<{ score: number }[]>;
  scoreColumns?(cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]): Promise<{ n: number; score: Float64Array }>;
  close?(): void;
}

export interface DecisionOptions {
  /** workspace flag / env, for the file review queue and the shadow log */
  workspace?: string;
  /** Redis URL when scoring from Redis: review cases go to the stream reviews:MODEL there, shadow entries to shadow:MODEL */
  redis?: string;
  /** where events come from (file path, stream key, "stdin") */
  source: string;
  seed?: number;
  /**
   * a second package scored beside this one on the same validated rows (shadow deployment): its score
   * and the action its policy (else the champion's) would take are logged and shown under `challenger`
   * in each output line, never acted on
   */
  challenger?: ScorerShape;
  /** told when decisions cannot be logged (no workspace) */
  onWarn?: (msg: string) => void;
}

export function packagedPolicy(m: ScorerShape['manifest']): DecisionPolicy | null {
  const p = m.decisionPolicy as DecisionPolicy | null | undefined;
  return p && typeof p === 'object' && p.kind === 'decision-policy' ? p : null;
}

/** XADDs each item as one JSON field to a Redis stream (client made on first use). */
function redisJsonStream<T>(url: string, key: string, field: string): { add(items: T[]): Promise<void>; describe(): string; close(): void } {
  let client: import('ioredis').Redis | undefined;
  return {
    async add(items: T[]) {
      if (items.length === 0) return;
      if (!client) {
        const { Redis } = await import('ioredis');
        client = new Redis(url, { maxRetriesPerRequest: 2 });
        client.on('error', () => {}); // a failed XADD rejects add(); no "Unhandled error event" noise on stderr
      }
      const pipe = client.pipeline();
      for (const x of items) pipe.xadd(key, '*', field, JSON.stringify(x));
      const res = await pipe.exec();
      for (const [err] of res ?? []) if (err) throw err;
    },
    describe: () => `${url} stream ${key}`,
    close() {
      client?.disconnect();
    },
  };
}

export function redisReviewSink(url: string, model: string): ReviewSink & { close(): void } {
  return redisJsonStream<ReviewCase>(url, `reviews:${model}`, 'case'); // = reviewStreamKey in src/review/redis.ts
}

export function redisShadowSink(url: string, model: string): ShadowSink & { close(): void } {
  return redisJsonStream<ShadowEntry>(url, `shadow:${model}`, 'entry'); // = shadowStreamKey in shadow-store.ts
}

type RowsArg = Record<string, unknown>[] | ((i: number) => Record<string, unknown>);

/** The challenger beside the champion: scores a batch, builds the shadow entries and the output members. */
interface Shadow {
  /** challenger scores of a batch, or the error it failed with (never thrown: the champion goes on) */
  scoreRows(rows: Record<string, unknown>[]): Promise<ArrayLike<number> | Error>;
  scoreColumns(cols: Record<string, Float64Array | string[]>, n: number, rowAt: (i: number) => Record<string, unknown>): Promise<ArrayLike<number> | Error>;
  /** entries for the sink (queued until flush) and the `challenger` member of each output */
  compare(rows: RowsArg, scores: ArrayLike<number>, ch: ArrayLike<number> | Error, decisions?: DecisionFields[], keys?: (string | undefined)[], explain?: (i: number) => ReviewExplanation | null | undefined): ChallengerFields[];
  flush(): Promise<number>;
  close(): void;
}

async function makeShadow(champion: ScorerShape, ch: ScorerShape, policy: DecisionPolicy | null, o: DecisionOptions, workspace: (why: string) => Promise<Workspace>): Promise<Shadow> {
  const cm = champion.manifest.model;
  const xm = ch.manifest.model;
  if (cm.task !== 'binary' || xm.task !== 'binary')
    throw usageError(`--challenger compares binary classifiers; ${cm.task !== 'binary' ? `the champion ${cm.name}@${cm.version}` : `the challenger ${xm.name}@${xm.version}`} is ${cm.task !== 'binary' ? cm.task : xm.task}`);
  const champRef = `${cm.name}@${cm.version}`;
  const chRef = `${xm.name}@${xm.version}`;
  const { missing, mistyped } = challengerInputProblems(champion.manifest.inputs ?? [], ch.manifest.inputs ?? []);
  if (missing.length || mistyped.length) {
    const parts = [];
    if (missing.length) parts.push(`needs input column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the champion ${champRef} does not validate`);
    if (mistyped.length) parts.push(`takes ${mistyped.map((m) => `${m.name} as ${m.challenger} (champion: ${m.champion})`).join(', ')}`);
    throw usageError(`the challenger ${chRef} ${parts.join(' and ')}`, 'both packages are scored on the same validated rows: package a challenger whose inputs are a subset of the champion\'s');
  }
  const chPolicy = (xm.task === 'binary' ? packagedPolicy(ch.manifest) : null) ?? policy;
  const champPolicy = policy ?? chPolicy;
  let sink: ShadowSink & { close?(): void };
  if (o.redis) sink = redisShadowSink(o.redis, cm.name);
  else {
    const { fileShadowSink } = await import('./shadow-store.js');
    sink = fileShadowSink(await workspace(`--challenger logs both models to the workspace's shadow log (registry/shadow/${cm.name}), but no workspace was found`), cm.name);
  }
  const pending: ShadowEntry[] = [];
  const fail = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));
  return {
    async scoreRows(rows) {
      try {
        return (await ch.scoreRows(rows)).map((s) => s.score);
      } catch (e) {
        return fail(e);
      }
    },
    async scoreColumns(cols, n, rowAt) {
      try {
        if (ch.scoreColumns) return (await ch.scoreColumns(cols, n)).score.subarray(0, n);
        return (await ch.scoreRows(Array.from({ length: n }, (_, i) => rowAt(i)))).map((s) => s.score);
      } catch (e) {
        return fail(e);
      }
    },
    compare(rows, scores, chScores, decisions, keys, explain) {
      const at = new Date().toISOString();
      const out = new Array<ChallengerFields>(scores.length);
      for (let i = 0; i < scores.length; i++) {
        const champ = shadowSide(champPolicy, champRef, scores[i], cm.threshold);
        const d = decisions?.[i];
        if (d) {
          champ.emitted = d.action;
          if (d.reviewId) champ.reviewId = d.reviewId;
        }
        // the log keeps why the champion scored the event so (when its package can explain)
        const why = explain?.(i);
        if (why) {
          champ.base = why.base;
          champ.reasons = why.reasons;
        }
        const chal = chScores instanceof Error ? failedSide(chRef, chPolicy, chScores.message) : shadowSide(chPolicy, chRef, chScores[i], xm.threshold);
        const input = typeof rows === 'function' ? rows(i) : rows[i];
        const e: ShadowEntry = { id: '', at, source: o.source, ...(keys?.[i] !== undefined ? { key: keys[i] } : {}), input, champion: champ, challenger: chal };
        e.id = shadowId(e);
        pending.push(e);
        out[i] = challengerFields(chal);
      }
      return out;
    },
    async flush() {
      const n = pending.length;
      if (n) await sink.add(pending.splice(0));
      return n;
    },
    close() {
      ch.close?.();
      sink.close?.();
    },
  };
}

export async function withDecisions<S extends ScorerShape>(scorer: S, o: DecisionOptions): Promise<S & { decider?: Decider }> {
  const task = scorer.manifest.model.task;
  const packaged = packagedPolicy(scorer.manifest);
  // binary models decide on their score; segmentations on their segment (a policy with segment actions)
  const policy = task === 'binary' ? packaged : task === 'segmentation' && packaged?.segmentActions ? packaged : null;
  if (!policy && !o.challenger) return scorer;
  let ws: Workspace | undefined;
  const workspace = async (why: string): Promise<Workspace> => {
    if (ws) return ws;
    const { findWorkspace } = await import('../workspace.js');
    try {
      ws = findWorkspace(o.workspace ?? process.env.DICTL_WORKSPACE);
    } catch {
      throw usageError(why, 'run inside the workspace or pass --workspace DIR');
    }
    return ws;
  };
  let sink: ReviewSink | undefined;
  let decider: Decider | undefined;
  if (policy) {
    const routes = (policy.review !== null && policy.autonomy !== 'autonomous') || policy.sampleRate > 0;
    if (routes) {
      if (o.redis) sink = redisReviewSink(o.redis, policy.model);
      else {
        const { fileReviewSink } = await import('../review/queue.js');
        sink = fileReviewSink(await workspace(`the package's decision policy (${policy.model}/policy@${policy.version}) sends cases to human review, but no workspace was found for the review queue`));
      }
    }
    const m = scorer.manifest.model;
    decider = makeDecider(policy, { modelName: m.name, modelVersion: m.version, threshold: m.threshold, seed: o.seed ?? 0, source: o.source, sink });
  }
  // every decision (with its reasons) goes to the workspace's decision log, written before the outputs
  const log = policy ? await decisionLogFor(policy.model, workspace, o.onWarn) : undefined;
  let shadow: Shadow | undefined;
  try {
    shadow = o.challenger ? await makeShadow(scorer, o.challenger, policy, o, workspace) : undefined;
  } catch (e) {
    (sink as { close?: () => void } | undefined)?.close?.();
    throw e;
  }
  const inner = scorer.scoreRows.bind(scorer);
  // review cases keep the reasons of the output (--explain) or, without it, the top reasons of the case
  const ex = scorer as { explainOne?: (row: Record<string, unknown>, k: number) => ReviewExplanation | null; explainer?: { explainColumns(cols: Record<string, Float64Array | string[]>, n: number, k: number): { at(i: number): ReviewExplanation | null } } };
  const explainOne = ex.explainOne ? (row: Record<string, unknown>) => ex.explainOne!(row, REVIEW_REASONS) : undefined;
  const wrapped = Object.assign(Object.create(Object.getPrototypeOf(scorer)), scorer) as S & { decider?: Decider };
  if (decider) wrapped.decider = decider;
  const innerClose = scorer.close?.bind(scorer);
  wrapped.close = () => {
    innerClose?.();
    shadow?.close();
    (sink as { close?: () => void } | undefined)?.close?.();
  };
  const flush = async () => {
    await Promise.all([decider?.flush(), shadow?.flush(), log?.flush()]);
  };
  wrapped.scoreRows = async (rows: Record<string, unknown>[], keys?: (string | undefined)[]) => {
    const [scored, ch] = await Promise.all([inner(rows), shadow?.scoreRows(rows)]);
    const scores = Float64Array.from(scored, (s) => s.score);
    const segs = task === 'segmentation' ? Int32Array.from(scored, (s) => (s as { segment?: number }).segment ?? -1) : undefined;
    const why = (i: number) => (scored[i] as { explanation?: ReviewExplanation }).explanation ?? explainOne?.(rows[i]);
    const d = decider?.decide(rows, scores, keys, segs, why);
    if (d) log?.record(d, { keys, row: (i) => rows[i], explain: why, source: o.source });
    const c = shadow?.compare(rows, scores, ch!, d, keys, why);
    for (let i = 0; i < scored.length; i++) {
      if (d && c) d[i].challenger = c[i];
      (scored[i] as { decision?: Partial<DecisionFields> }).decision = d ? d[i] : { challenger: c![i] };
    }
    await flush();
    return scored;
  };
  if (scorer.scoreColumns) {
    // the columnar path (files and pipes): decisions ride on the result as `decisions[j]`
    const innerCols = scorer.scoreColumns.bind(scorer);
    const inputs = scorer.manifest.inputs ?? [];
    wrapped.scoreColumns = async (cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]) => {
      const rowAt = (i: number) => {
        const o: Record<string, unknown> = {};
        for (const inp of inputs) {
          const c = cols[inp.name];
          const v = c ? c[i] : undefined;
          o[inp.name] = v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
        }
        return o;
      };
      const [r, ch] = await Promise.all([innerCols(cols, n), shadow?.scoreColumns(cols, n, rowAt)]);
      const scores = r.score.subarray(0, n);
      // the output's reasons (--explain), else — when the shadow log records every event — one batch of them
      const batch = (r as { explanations?: { at(i: number): ReviewExplanation | null } }).explanations ?? ((shadow || log) && ex.explainer ? ex.explainer.explainColumns(cols, n, REVIEW_REASONS) : undefined);
      const why = (i: number) => batch?.at(i) ?? explainOne?.(rowAt(i));
      const d = decider?.decide(rowAt, scores, keys, (r as { segment?: Int32Array }).segment, why);
      if (d) log?.record(d, { keys, row: rowAt, source: o.source, rowJson: inputsJson(cols, inputs), explainJson: batch ? (i) => explainMembers({ explanations: batch }, i) : undefined, explain: why });
      const c = shadow?.compare(rowAt, scores, ch!, d, keys, why);
      if (d && c) for (let i = 0; i < n; i++) d[i].challenger = c[i];
      (r as { decisions?: Partial<DecisionFields>[] }).decisions = d ?? c!.map((challenger) => ({ challenger }));
      await flush();
      return r;
    };
  }
  return wrapped;
}

/**
 * The decision fields as JSON members to splice into an output line ("" when none): of a scored row
 * (`decision`), or of row j of a columnar result (`decisions[j]`).
 */
export function decisionMembers(s: object, j?: number): string {
  const d = j === undefined ? (s as { decision?: Partial<DecisionFields> }).decision : (s as { decisions?: Partial<DecisionFields>[] }).decisions?.[j];
  if (!d) return '';
  const { score: _s, ...rest } = d;
  return ',' + JSON.stringify(rest).slice(1, -1);
}
