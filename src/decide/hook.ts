/**
 * The one call the score path makes: wraps a loaded Scorer so that, when its package carries a decision
 * policy (manifest.decisionPolicy), every scored row also gets `decision` (action, band, model and policy
 * versions, review flag and case id) and review cases are queued: in the workspace file store, or on a
 * Redis stream (reviews:MODEL) when scoring from Redis. Without a policy the scorer is returned as is.
 */
import { usageError } from '../errors.js';
import type { Workspace } from '../workspace.js';
import type { DecisionPolicy } from './policy.js';
import { makeDecider, type Decider, type DecisionFields } from './runtime.js';
import type { ReviewCase, ReviewSink } from '../review/queue.js';

interface ScorerShape {
  manifest: { model: { name: string; version: number; threshold: number; task: string }; decisionPolicy?: unknown; inputs?: { name: string; type: string }[] };
  scoreRows(rows: Record<string, unknown>[]): Promise<{ score: number }[]>;
  scoreColumns?(cols: Record<string, Float64Array | string[]>, n: number): Promise<{ n: number; score: Float64Array }>;
  close?(): void;
}

export interface DecisionOptions {
  /** workspace flag / env, for the file review queue */
  workspace?: string;
  /** Redis URL when scoring from Redis: review cases go to the stream reviews:MODEL there */
  redis?: string;
  /** where events come from (file path, stream key, "stdin") */
  source: string;
  seed?: number;
}

export function packagedPolicy(m: ScorerShape['manifest']): DecisionPolicy | null {
  const p = m.decisionPolicy as DecisionPolicy | null | undefined;
  return p && typeof p === 'object' && p.kind === 'decision-policy' ? p : null;
}

export function redisReviewSink(url: string, model: string): ReviewSink & { close(): void } {
  let client: import('ioredis').Redis | undefined;
  const key = `reviews:${model}`; // = reviewStreamKey in src/review/redis.ts
  return {
    async add(cases: ReviewCase[]) {
      if (!client) {
        const { Redis } = await import('ioredis');
        client = new Redis(url, { maxRetriesPerRequest: 2 });
      }
      const pipe = client.pipeline();
      for (const c of cases) pipe.xadd(key, '*', 'case', JSON.stringify(c));
      await pipe.exec();
    },
    describe: () => `${url} stream ${key}`,
    close() {
      client?.disconnect();
    },
  };
}

export async function withDecisions<S extends ScorerShape>(scorer: S, o: DecisionOptions): Promise<S & { decider?: Decider }> {
  const policy = packagedPolicy(scorer.manifest);
  if (!policy || scorer.manifest.model.task !== 'binary') return scorer;
  const routes = (policy.review !== null && policy.autonomy !== 'autonomous') || policy.sampleRate > 0;
  let sink: ReviewSink | undefined;
  if (routes) {
    if (o.redis) sink = redisReviewSink(o.redis, policy.model);
    else {
      const { findWorkspace } = await import('../workspace.js');
      const { fileReviewSink } = await import('../review/queue.js');
      let ws: Workspace;
      try {
        ws = findWorkspace(o.workspace ?? process.env.DICTL_WORKSPACE);
      } catch {
        throw usageError(
          `the package's decision policy (${policy.model}/policy@${policy.version}) sends cases to human review, but no workspace was found for the review queue`,
          'run inside the workspace or pass --workspace DIR',
        );
      }
      sink = fileReviewSink(ws);
    }
  }
  const m = scorer.manifest.model;
  const decider = makeDecider(policy, { modelName: m.name, modelVersion: m.version, threshold: m.threshold, seed: o.seed ?? 0, source: o.source, sink });
  const inner = scorer.scoreRows.bind(scorer);
  const wrapped = Object.assign(Object.create(Object.getPrototypeOf(scorer)), scorer) as S & { decider?: Decider };
  wrapped.decider = decider;
  const innerClose = scorer.close?.bind(scorer);
  wrapped.close = () => {
    innerClose?.();
    (sink as { close?: () => void } | undefined)?.close?.();
  };
  wrapped.scoreRows = async (rows: Record<string, unknown>[]) => {
    const scored = await inner(rows);
    const d = decider.decide(rows, Float64Array.from(scored, (s) => s.score));
    for (let i = 0; i < scored.length; i++) (scored[i] as { decision?: DecisionFields }).decision = d[i];
    await decider.flush();
    return scored;
  };
  if (scorer.scoreColumns) {
    // the columnar path (files and pipes): decisions ride on the result as `decisions[j]`
    const innerCols = scorer.scoreColumns.bind(scorer);
    const inputs = scorer.manifest.inputs ?? [];
    wrapped.scoreColumns = async (cols: Record<string, Float64Array | string[]>, n: number) => {
      const r = await innerCols(cols, n);
      const rowAt = (i: number) => {
        const o: Record<string, unknown> = {};
        for (const inp of inputs) {
          const c = cols[inp.name];
          const v = c ? c[i] : undefined;
          o[inp.name] = v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
        }
        return o;
      };
      (r as { decisions?: DecisionFields[] }).decisions = decider.decide(rowAt, r.score.subarray(0, n));
      await decider.flush();
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
  const d = j === undefined ? (s as { decision?: DecisionFields }).decision : (s as { decisions?: DecisionFields[] }).decisions?.[j];
  if (!d) return '';
  const { score: _s, ...rest } = d;
  return ',' + JSON.stringify(rest).slice(1, -1);
}
