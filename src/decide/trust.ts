/**
 * Earned autonomy (pure, no I/O): agreement between the model's calls and human labels on reviewed and
 * audit-sampled cases, with Wilson score intervals, per band; and a recommendation to narrow the review
 * band only where the lower confidence bound of the agreement passes a target.
 *
 * The model's call: band high → "yes", band low → "no", review band → score >= model threshold.
 * Narrowing: the lowest-scored reviewed cases of the current review band would become automatic "low"
 * decisions (call "no") and the highest-scored would become automatic "high" ("yes"). The longest run of
 * cases from each edge whose agreement with that call has a Wilson lower bound >= target is moved out of
 * the band (cuts fall midway between adjacent distinct scores, never inside a tie).
 */
import { usageError } from '../errors.js';
import type { Band } from './policy.js';
import { wilson } from '../stats/wilson.js';

export interface LabelledCase {
  score: number;
  band: Band;
  /** the model's own yes/no call when the case was scored */
  call: 'yes' | 'no';
  /** the human's label */
  label: 'yes' | 'no';
  sampled: boolean;
}

export interface Agreement {
  n: number;
  agree: number;
  rate: number;
  lower: number;
  upper: number;
}

export interface EdgeEvidence extends Agreement {
  /** the call the moved cases would get automatically */
  call: 'yes' | 'no';
  /** score range of the moved cases [from, to) */
  from: number;
  to: number;
}

export interface TrustReport {
  target: number;
  confidence: number;
  total: Agreement;
  bands: ({ band: Band } & Agreement)[];
  currentReview: [number, number] | null;
  /** cases within the current review band (by score) used for the recommendation */
  inBand: number;
  lowEdge: EdgeEvidence | null;
  highEdge: EdgeEvidence | null;
  recommendation: null | { review: [number, number] | null; actAbove: number; reason: string };
  reason: string;
}

/** Two-sided normal quantile for common confidence levels (Acklam's inverse normal otherwise). */
export function zFor(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw usageError(`confidence must be between 0 and 1, got ${confidence}`);
  const exact: Record<string, number> = { '0.9': 1.6448536269514722, '0.95': 1.959963984540054, '0.99': 2.5758293035489004 };
  return exact[String(confidence)] ?? invNorm(1 - (1 - confidence) / 2);
}

function invNorm(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let q: number, r: number;
  if (p < pl) {
    q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p <= 1 - pl) {
    q = p - 0.5;
    r = q * q;
    return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  q = Math.sqrt(-2 * Math.log(1 - p));
  return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
}

export function agreement(agree: number, n: number, z: number): Agreement {
  const w = wilson(agree, n, z);
  return { n, agree, rate: n ? agree / n : 0, lower: w.lower, upper: w.upper };
}

/** Longest run from one end of `sorted` (by score) whose agreement with `call` has lower bound >= target. */
function edge(sorted: LabelledCase[], call: 'yes' | 'no', target: number, z: number, fromTop: boolean): { k: number; agree: number } {
  const cases = fromTop ? [...sorted].reverse() : sorted;
  let best = { k: 0, agree: 0 };
  let agree = 0;
  for (let i = 0; i < cases.length; i++) {
    if (cases[i].label === call) agree++;
    const k = i + 1;
    // cut only between distinct scores
    if (k < cases.length && cases[k].score === cases[i].score) continue;
    if (wilson(agree, k, z).lower >= target) best = { k, agree };
  }
  return best;
}

export function computeTrust(cases: LabelledCase[], current: { review: [number, number] | null; actAbove: number }, opts: { target: number; confidence?: number }): TrustReport {
  const currentReview = current.review;
  const target = opts.target;
  const confidence = opts.confidence ?? 0.95;
  if (!(target > 0 && target < 1)) throw usageError(`target must be between 0 and 1, got ${target}`);
  const z = zFor(confidence);
  const agreeOf = (cs: LabelledCase[]) => agreement(cs.filter((c) => c.call === c.label).length, cs.length, z);
  const bands = (['high', 'review', 'low'] as Band[]).map((band) => ({ band, ...agreeOf(cases.filter((c) => c.band === band)) }));
  const base = { target, confidence, total: agreeOf(cases), bands, currentReview };
  if (!currentReview) {
    return { ...base, inBand: 0, lowEdge: null, highEdge: null, recommendation: null, reason: 'the current policy has no review band to narrow' };
  }
  const [from, to] = currentReview;
  const inBand = cases.filter((c) => c.score >= from && c.score < to).sort((a, b) => a.score - b.score);
  const low = edge(inBand, 'no', target, z, false);
  const rest = inBand.slice(low.k);
  // the upper edge can only move into the act band when the band ends at act-above
  const high = to === current.actAbove ? edge(rest, 'yes', target, z, true) : { k: 0, agree: 0 };
  let newFrom = from;
  let newTo = to;
  let lowEdge: EdgeEvidence | null = null;
  let highEdge: EdgeEvidence | null = null;
  if (low.k > 0) {
    newFrom = low.k < inBand.length ? (inBand[low.k - 1].score + inBand[low.k].score) / 2 : to;
    lowEdge = { call: 'no', from, to: newFrom, ...agreement(low.agree, low.k, z) };
  }
  if (high.k > 0) {
    const hiStart = rest.length - high.k;
    newTo = hiStart > 0 ? (rest[hiStart - 1].score + rest[hiStart].score) / 2 : newFrom;
    highEdge = { call: 'yes', from: newTo, to, ...agreement(high.agree, high.k, z) };
  }
  if (!lowEdge && !highEdge) {
    const reason =
      inBand.length === 0
        ? 'no labelled cases inside the current review band'
        : `no edge of the review band reaches a lower confidence bound of ${target} (${inBand.length} labelled cases in the band)`;
    return { ...base, inBand: inBand.length, lowEdge, highEdge, recommendation: null, reason };
  }
  const review: [number, number] | null = newFrom < newTo ? [newFrom, newTo] : null;
  const parts: string[] = [];
  if (lowEdge) parts.push(`scores ${fmt(lowEdge.from)}–${fmt(lowEdge.to)} agree with "no" ${lowEdge.agree}/${lowEdge.n} (lower bound ${fmt(lowEdge.lower)})`);
  if (highEdge) parts.push(`scores ${fmt(highEdge.from)}–${fmt(highEdge.to)} agree with "yes" ${highEdge.agree}/${highEdge.n} (lower bound ${fmt(highEdge.lower)})`);
  const reason = `narrow the review band to ${review ? `${fmt(review[0])}–${fmt(review[1])}` : 'nothing (autonomous)'}: ${parts.join('; ')}`;
  return { ...base, inBand: inBand.length, lowEdge, highEdge, recommendation: { review, actAbove: highEdge ? newTo : current.actAbove, reason }, reason };
}

const fmt = (v: number) => (Math.round(v * 10000) / 10000).toString();
