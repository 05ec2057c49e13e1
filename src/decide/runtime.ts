/**
 * Applying a policy to scored rows at scoring time: every output gets score, action, band, model
 * version and policy version; review-band and audit-sampled cases become ReviewCases for a sink (the
 * workspace file store or a Redis stream). Pure apart from the sink, which the caller flushes.
 */
import { usageError } from '../errors.js';
import { applyPolicy, applySegmentPolicy, modelCall, type Band, type DecisionPolicy } from './policy.js';
import { seededRng } from '../util/random.js';
import { caseId, type ReviewCase, type ReviewSink } from '../review/queue.js';
import type { ChallengerFields } from './shadow.js';

/** the reasons a queued case keeps (asked for only for the cases that go to review) */
export type ReviewExplanation = Pick<ReviewCase, 'reasons'> & { base: number };

export interface DecisionFields {
  score: number;
  action: string;
  band: Band;
  model: string;
  modelVersion: number;
  policyVersion: number;
  autonomy: DecisionPolicy['autonomy'];
  review: boolean;
  reviewId?: string;
  /** shadow mode: the action that would have been taken */
  intended?: string;
  /** true when the case went to review only as an audit sample of an automatic decision */
  sampled?: true;
  /** the challenger scored beside this model (dictl score --challenger): logged, not acted on */
  challenger?: ChallengerFields;
}

export interface Decider {
  policy: DecisionPolicy;
  /**
   * decides a batch; queued cases accumulate until flush(). `rows` is an array or a getter of row i
   * (called only for the cases that go to review, so columnar callers build no row objects otherwise).
   */
  decide(rows: Record<string, unknown>[] | ((i: number) => Record<string, unknown>), scores: ArrayLike<number>, keys?: (string | undefined)[], segments?: ArrayLike<number>, explain?: (i: number) => ReviewExplanation | null | undefined): DecisionFields[];
  /** writes accumulated review cases to the sink; returns how many */
  flush(): Promise<number>;
  stats(): { decided: number; review: number; sampled: number; byBand: Record<Band, number>; byAction: Record<string, number> };
}

export interface DeciderOptions {
  modelName: string;
  modelVersion: number;
  /** the model's own decision threshold (for its yes/no call in the review band) */
  threshold: number;
  /** seed of the audit sampler (same seed + same input order → same sample) */
  seed?: number;
  source: string;
  sink?: ReviewSink;
  now?: () => string;
}

export function makeDecider(policy: DecisionPolicy, o: DeciderOptions): Decider {
  const rng = seededRng(o.seed ?? 0);
  const pendingCases: ReviewCase[] = [];
  const now = o.now ?? (() => new Date().toISOString());
  const st = { decided: 0, review: 0, sampled: 0, byBand: { high: 0, review: 0, low: 0 } as Record<Band, number>, byAction: {} as Record<string, number> };
  // the common case inlined (same rule as applyPolicy, tested to agree): no per-row validation object
  const fast = policy.autonomy !== 'shadow';
  const hasBand = policy.review !== null && policy.autonomy !== 'autonomous';
  const [rFrom, rTo] = policy.review ?? [0, 0];
  const D = {
    high: { action: policy.actions.high, band: 'high' as Band, intended: policy.actions.high, review: false, sampled: false },
    low: { action: policy.actions.low, band: 'low' as Band, intended: policy.actions.low, review: false, sampled: false },
    review: { action: policy.actions.review, band: 'review' as Band, intended: policy.actions.review, review: true, sampled: false },
    highS: { action: policy.actions.high, band: 'high' as Band, intended: policy.actions.high, review: true, sampled: true },
    lowS: { action: policy.actions.low, band: 'low' as Band, intended: policy.actions.low, review: true, sampled: true },
  };
  const fastApply = (score: number) => {
    if (!Number.isFinite(score)) return applyPolicy(policy, score, rng); // throws the usage error
    if (score >= policy.actAbove) return policy.sampleRate > 0 && rng() < policy.sampleRate ? D.highS : D.high;
    if (hasBand && score >= rFrom && score < rTo) return D.review;
    return policy.sampleRate > 0 && rng() < policy.sampleRate ? D.lowS : D.low;
  };
  return {
    policy,
    decide(rows, scores, keys, segments, explain) {
      const out: DecisionFields[] = new Array(scores.length);
      const bySegment = policy.segmentActions !== undefined;
      if (bySegment && !segments) throw usageError(`policy ${policy.model}/policy@${policy.version} is keyed on segments, but the model gives none`);
      for (let i = 0; i < scores.length; i++) {
        const score = scores[i];
        const d = bySegment ? applySegmentPolicy(policy, segments![i], rng) : fast ? fastApply(score) : applyPolicy(policy, score, rng);
        const f: DecisionFields = { score, action: d.action, band: d.band, model: `${o.modelName}@${o.modelVersion}`, modelVersion: o.modelVersion, policyVersion: policy.version, autonomy: policy.autonomy, review: d.review };
        if (policy.autonomy === 'shadow') f.intended = d.intended;
        st.decided++;
        st.byBand[d.band]++;
        st.byAction[d.action] = (st.byAction[d.action] ?? 0) + 1;
        if (d.review) {
          st.review++;
          if (d.sampled) {
            st.sampled++;
            f.sampled = true;
          }
          const input = typeof rows === 'function' ? rows(i) : rows[i];
          const base = { model: o.modelName, modelVersion: o.modelVersion, policyVersion: policy.version, source: o.source, key: keys?.[i], input };
          const id = caseId(base);
          f.reviewId = id;
          const c: ReviewCase = {
            id,
            ...base,
            score,
            band: d.band,
            action: d.intended,
            call: modelCall(d.band, score, o.threshold),
            sampled: d.sampled,
            reason: d.sampled ? `audit sample (${policy.sampleRate}) of an automatic "${d.intended}"` : `score in review band ${policy.review![0]}–${policy.review![1]}`,
            at: now(),
          };
          if (c.key === undefined) delete c.key;
          const e = explain?.(i);
          if (e) {
            c.base = e.base;
            c.reasons = e.reasons;
          }
          pendingCases.push(c);
        }
        out[i] = f;
      }
      return out;
    },
    async flush() {
      const n = pendingCases.length;
      if (n && o.sink) await o.sink.add(pendingCases.splice(0));
      else pendingCases.length = 0;
      return n;
    },
    stats: () => st,
  };
}
