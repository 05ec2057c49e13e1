/**
 * The decision stage of the score engine: when a package carries a decision policy
 * (manifest.decisionPolicy), every scored row of a batch gets its decision (action, band, model and
 * policy versions, review flag and case id) and review cases are queued: in the workspace file
 * store, or on a Redis stream (reviews:MODEL) when scoring from Redis. With a challenger package
 * (shadow deployment) the challenger is scored on the same validated rows beside the champion; its
 * score and intended action go under `challenger` in each output and to the shadow log
 * (shadow-store.ts), never acted on. No policy and no challenger: no stage.
 */
import { usageError } from '../errors.js';
import { findWorkspace, type Workspace } from '../workspace.js';
import type { DecisionPolicy } from './policy.js';
import { makeDecider, type Decider, type DecisionFields, type ReviewExplanation } from './runtime.js';
import { decisionLogFor, inputsJson } from './decision-log.js';
import { explainMembers } from '../explain/render.js';
import type { BatchExplanations, Explainer } from '../explain/explainer.js';
import { fileReviewSink, type ReviewCase, type ReviewSink } from '../review/queue.js';
import { openRedis, type Redis } from '../io/redis.js';
import type { BatchInputs } from '../pipeline/batch.js';
import { fileShadowSink, type ShadowSink } from './shadow-store.js';
import { challengerFields, challengerInputProblems, failedSide, shadowId, shadowSide, type ChallengerFields, type ShadowEntry } from './shadow.js';
import type { Progress } from '../ui/progress.js';

/** reasons a review case keeps when the output asks for none */
const REVIEW_REASONS = 5;

/** A scorer package as the stage reads its manifest: the model, its policy and its inputs (the champion's and the challenger's). */
export interface DecidedPackage {
  manifest: { model: { name: string; version: number; threshold: number; task: string }; decisionPolicy?: unknown; inputs?: { name: string; type: string }[] };
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
  challenger?: DecidedPackage;
  /** the package's explainer: review cases and shadow entries keep the top reasons */
  explainer?: Explainer | null;
  /** told when decisions cannot be logged (no workspace) */
  onWarn?: Progress['warn'];
}

export function packagedPolicy(m: { decisionPolicy?: unknown }): DecisionPolicy | null {
  const p = m.decisionPolicy as DecisionPolicy | null | undefined;
  return p && typeof p === 'object' && p.kind === 'decision-policy' ? p : null;
}

/** XADDs each item as one JSON field to a Redis stream (client made on first use). */
function redisJsonStream<T>(url: string, key: string, field: string): { add(items: T[]): Promise<void>; describe(): string; close(): void } {
  let client: Redis | undefined;
  return {
    async add(items: T[]) {
      if (items.length === 0) return;
      client ??= await openRedis(url, { kind: 'writer', retries: 2 }); // a failed XADD rejects add()
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
  return redisJsonStream<ReviewCase>(url, `reviews:${model}`, 'case'); // = reviewStreamKey in src/review/redis-queue.ts
}

export function redisShadowSink(url: string, model: string): ShadowSink & { close(): void } {
  return redisJsonStream<ShadowEntry>(url, `shadow:${model}`, 'entry'); // = shadowStreamKey in shadow-store.ts
}

/** The challenger beside the champion: builds the shadow entries and the output members of a batch both scored. */
interface Shadow {
  /** entries for the sink (queued until flush) and the `challenger` member of each output */
  compare(inputs: BatchInputs, scores: ArrayLike<number>, ch: ArrayLike<number> | Error, decisions?: DecisionFields[], explain?: (i: number) => ReviewExplanation | null | undefined): ChallengerFields[];
  flush(): Promise<number>;
  close(): void;
}

async function makeShadow(champion: DecidedPackage, ch: DecidedPackage, policy: DecisionPolicy | null, o: DecisionOptions, workspace: (why: string) => Promise<Workspace>): Promise<Shadow> {
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
    sink = fileShadowSink(await workspace(`--challenger logs both models to the workspace's shadow log (registry/shadow/${cm.name}), but no workspace was found`), cm.name);
  }
  const pending: ShadowEntry[] = [];
  return {
    compare(inputs, scores, chScores, decisions, explain) {
      const keys = inputs.keys;
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
        const input = inputs.row(i);
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
      sink.close?.();
    },
  };
}

/** The decisions (and challenger members) of one scored batch. */
export interface DecisionStage {
  decider?: Decider;
  /**
   * decides the batch (binary models on their scores, segmentations on their segments), compares the
   * challenger's scores of the same rows (or the error it failed with), and writes the queued review
   * cases and shadow entries before it returns
   */
  decide(inputs: BatchInputs, scored: { score: Float64Array; segment?: ArrayLike<number> }, reasons: BatchExplanations | undefined, challenger: ArrayLike<number> | Error | undefined): Promise<Partial<DecisionFields>[]>;
  close(): void;
}

/** The decision stage of a scorer's package, or null when it has no policy to apply and no challenger. */
export async function decisionStage(scorer: DecidedPackage, o: DecisionOptions): Promise<DecisionStage | null> {
  const task = scorer.manifest.model.task;
  const packaged = packagedPolicy(scorer.manifest);
  // binary models decide on their score; segmentations on their segment (a policy with segment actions)
  const policy = task === 'binary' ? packaged : task === 'segmentation' && packaged?.segmentActions ? packaged : null;
  if (!policy && !o.challenger) return null;
  let ws: Workspace | undefined;
  const workspace = async (why: string): Promise<Workspace> => {
    if (ws) return ws;
    try {
      ws = findWorkspace(o.workspace ?? process.env.DICTL_WORKSPACE);
    } catch {
      throw usageError(why, 'run inside the workspace or pass --workspace DIR');
    }
    return ws;
  };
  let sink: (ReviewSink & { close?(): void }) | undefined;
  let decider: Decider | undefined;
  if (policy) {
    const routes = (policy.review !== null && policy.autonomy !== 'autonomous') || policy.sampleRate > 0;
    if (routes) {
      if (o.redis) sink = redisReviewSink(o.redis, policy.model);
      else {
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
    sink?.close?.();
    throw e;
  }
  // review cases keep the reasons of the output (--explain) or, without it, the top reasons of the case
  const explainer = o.explainer ?? undefined;
  const explainOne = explainer ? (row: Record<string, unknown>) => explainer.explainRows(() => row, 1, REVIEW_REASONS).at(0) : undefined;
  return {
    decider,
    async decide(inputs, scored, reasons, ch) {
      const n = inputs.n;
      const scores = scored.score.length === n ? scored.score : scored.score.subarray(0, n);
      // the output's reasons (--explain), else — when the shadow or decision log records every event of a columnar batch — one batch of them
      const batch = reasons ?? ((shadow || log) && explainer && inputs.cols ? explainer.explainColumns(inputs.cols, n, REVIEW_REASONS) : undefined);
      const why = (i: number) => batch?.at(i) ?? explainOne?.(inputs.row(i));
      const d = decider?.decide(inputs.rows ?? inputs.row, scores, inputs.keys, task === 'segmentation' ? scored.segment : undefined, why);
      if (d)
        log?.record(
          d,
          inputs.cols
            ? { keys: inputs.keys, row: inputs.row, source: o.source, rowJson: inputsJson(inputs.cols, scorer.manifest.inputs ?? []), explainJson: batch ? (i) => explainMembers({ explanations: batch }, i) : undefined, explain: why }
            : { keys: inputs.keys, row: inputs.row, explain: why, source: o.source },
        );
      const c = shadow?.compare(inputs, scores, ch!, d, why);
      if (d && c) for (let i = 0; i < n; i++) d[i].challenger = c[i];
      await Promise.all([decider?.flush(), shadow?.flush(), log?.flush()]);
      return d ?? c!.map((challenger) => ({ challenger }));
    },
    close() {
      shadow?.close();
      sink?.close?.();
    },
  };
}

/**
 * The decision fields as JSON members to splice into an output line ("" when none): of a scored row
 * (`decision`), or of row j of a columnar result (`decisions[j]`).
 */
export function decisionMembers(s: { decision?: Partial<DecisionFields>; decisions?: Partial<DecisionFields>[] }, j?: number): string {
  const d = j === undefined ? s.decision : s.decisions?.[j];
  if (!d) return '';
  const { score: _s, ...rest } = d;
  return ',' + JSON.stringify(rest).slice(1, -1);
}
