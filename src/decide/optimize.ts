/**
 * Cost-optimal decision thresholds (pure, no I/O). Given holdout scores P(positive), true labels and a
 * cost matrix (false positive, false negative, one human review; a correct automatic decision costs 0
 * and a reviewed case is decided correctly by the human), choose
 *   reviewFrom <= actAbove:  score >= actAbove → act (high), reviewFrom <= score < actAbove → review,
 *                             below → allow (low)
 * minimising the expected cost per case, with at most `capacity` (a share of cases) sent to review.
 *
 * Exhaustive over the distinct score cut points: every pair of cuts (a <= b) between groups of equal
 * scores is considered. For a fixed upper cut b the cost is fn·P(a) − review·C(a) + terms in b only, and
 * the capacity makes the feasible a a sliding window, so a monotone deque finds the exact optimum in
 * O(n log n) (the sort) + O(m). Thresholds are placed midway between adjacent distinct scores.
 */
import { usageError } from '../errors.js';

export interface Costs {
  fp: number;
  fn: number;
  review: number;
}

export interface ThresholdEval {
  actAbove: number;
  review: [number, number] | null;
  /** expected cost per case */
  cost: number;
  /** total cost over the holdout */
  totalCost: number;
  n: number;
  counts: { high: number; review: number; low: number; fp: number; fn: number; tp: number; tn: number };
  reviewShare: number;
}

export interface CurvePoint {
  /** act-above threshold of this row */
  actAbove: number;
  /** cost with no review band at this threshold */
  costNoReview: number;
  /** best cost with a review band under this act-above, within capacity */
  costWithReview: number;
  reviewFrom: number;
  reviewShare: number;
}

export interface OptimizeResult {
  costs: Costs;
  capacity: number;
  n: number;
  positives: number;
  distinctScores: number;
  /** the optimum */
  best: ThresholdEval;
  /** the best threshold with no review band at all (for comparison) */
  bestNoReview: ThresholdEval;
  /** the cost curve over act-above on a fixed grid */
  curve: CurvePoint[];
}

/** Parses "fp=1,fn=5,review=0.3". */
export function parseCosts(text: string): Costs {
  const out: Partial<Costs> = {};
  for (const part of text.split(',')) {
    const m = /^\s*(fp|fn|review)\s*=\s*([^\s]+)\s*$/.exec(part);
    if (!m) throw usageError(`cannot read cost "${part.trim()}" in "${text}"`, 'use --cost "fp=1,fn=5,review=0.3"');
    const v = Number(m[2]);
    if (!Number.isFinite(v) || v < 0) throw usageError(`cost ${m[1]} must be a number >= 0, got "${m[2]}"`);
    out[m[1] as keyof Costs] = v;
  }
  for (const k of ['fp', 'fn'] as const) if (out[k] === undefined) throw usageError(`cost "${k}" is missing in "${text}"`, 'use --cost "fp=1,fn=5,review=0.3"');
  return { fp: out.fp!, fn: out.fn!, review: out.review ?? 0 };
}

/** Applies thresholds to labelled scores and returns the cost (same band rule as policy.bandOf). */
export function evaluateThresholds(scores: ArrayLike<number>, labels: ArrayLike<number>, costs: Costs, actAbove: number, review: [number, number] | null): ThresholdEval {
  const n = scores.length;
  const c = { high: 0, review: 0, low: 0, fp: 0, fn: 0, tp: 0, tn: 0 };
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    const y = labels[i] === 1;
    if (s >= actAbove) {
      c.high++;
      if (y) c.tp++;
      else c.fp++;
    } else if (review && s >= review[0] && s < review[1]) c.review++;
    else {
      c.low++;
      if (y) c.fn++;
      else c.tn++;
    }
  }
  const totalCost = costs.fp * c.fp + costs.fn * c.fn + costs.review * c.review;
  return { actAbove, review, cost: n ? totalCost / n : 0, totalCost, n, counts: c, reviewShare: n ? c.review / n : 0 };
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>, costs: Costs, capacity: number): void {
  if (scores.length !== labels.length) throw usageError(`${scores.length} scores but ${labels.length} labels`);
  if (scores.length === 0) throw usageError('no scored cases to optimise on');
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw usageError(`score ${i} is not a finite number`);
    if (labels[i] !== 0 && labels[i] !== 1) throw usageError(`label ${i} must be 0 or 1, got ${labels[i]}`);
  }
  for (const k of ['fp', 'fn', 'review'] as const) if (!(costs[k] >= 0)) throw usageError(`cost ${k} must be >= 0`);
  if (!(capacity >= 0 && capacity <= 1)) throw usageError(`review capacity must be a share between 0 and 1, got ${capacity}`);
}

interface Groups {
  /** distinct scores ascending */
  s: number[];
  /** prefix sums over groups: P[k] positives, N[k] negatives, C[k] cases in groups < k */
  P: number[];
  N: number[];
  C: number[];
}

function group(scores: ArrayLike<number>, labels: ArrayLike<number>): Groups {
  // sort positives and negatives separately with the native numeric typed-array sort, then merge
  const n = scores.length;
  let np = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) np++;
  const pos = new Float64Array(np);
  const neg = new Float64Array(n - np);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (labels[i] === 1) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  pos.sort();
  neg.sort();
  const s: number[] = [];
  const P = [0];
  const N = [0];
  const C = [0];
  let i = 0;
  let j = 0;
  while (i < pos.length || j < neg.length) {
    const v = i < pos.length && (j >= neg.length || pos[i] <= neg[j]) ? pos[i] : neg[j];
    let dp = 0;
    let dn = 0;
    while (i < pos.length && pos[i] === v) {
      i++;
      dp++;
    }
    while (j < neg.length && neg[j] === v) {
      j++;
      dn++;
    }
    s.push(v);
    P.push(P[P.length - 1] + dp);
    N.push(N[N.length - 1] + dn);
    C.push(C[C.length - 1] + dp + dn);
  }
  return { s, P, N, C };
}

/** The threshold value for cut k (between group k-1 and group k). */
function cutValue(s: number[], k: number): number {
  const m = s.length;
  if (k <= 0) return Math.min(0, s[0]);
  if (k >= m) return s[m - 1] < 1 ? (s[m - 1] + 1) / 2 : s[m - 1] + 1e-9;
  return (s[k - 1] + s[k]) / 2;
}

/** Grid of act-above values for the cost curve. */
export const CURVE_GRID = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

export function optimizeThresholds(scores: ArrayLike<number>, labels: ArrayLike<number>, costs: Costs, capacity = 1): OptimizeResult {
  checkInputs(scores, labels, costs, capacity);
  const n = scores.length;
  const { s, P, N, C } = group(scores, labels);
  const m = s.length;
  const NT = N[m];
  const capCount = Math.floor(capacity * n + 1e-9);
  const f = (a: number) => costs.fn * P[a] - costs.review * C[a];
  const total = (a: number, b: number) => costs.fn * P[a] + costs.review * (C[b] - C[a]) + costs.fp * (NT - N[b]);

  // sliding-window minimum of f(a) over a in [lo(b), b]
  const bestA = new Array<number>(m + 1);
  const dq: number[] = [];
  let head = 0;
  let lo = 0;
  let bestPair: [number, number] = [m, m];
  let bestTotal = Infinity;
  let bestReviews = Infinity;
  for (let b = 0; b <= m; b++) {
    // push a = b (keep later a on ties: fewer reviews)
    while (dq.length > head && f(dq[dq.length - 1]) >= f(b)) dq.pop();
    dq.push(b);
    while (C[b] - C[lo] > capCount) lo++;
    while (dq[head] < lo) head++;
    const a = dq[head];
    bestA[b] = a;
    const t = total(a, b);
    const r = C[b] - C[a];
    if (t < bestTotal - 1e-12 * Math.max(1, Math.abs(bestTotal)) || (Math.abs(t - bestTotal) <= 1e-12 * Math.max(1, Math.abs(bestTotal)) && r < bestReviews)) {
      bestTotal = t;
      bestReviews = r;
      bestPair = [a, b];
    }
  }
  const asEval = (a: number, b: number): ThresholdEval => {
    const actAbove = cutValue(s, b);
    const review: [number, number] | null = a < b ? [cutValue(s, a), actAbove] : null;
    return evaluateThresholds(scores, labels, costs, actAbove, review);
  };
  const best = asEval(bestPair[0], bestPair[1]);

  let nb = m;
  let nbTotal = Infinity;
  for (let b = 0; b <= m; b++) {
    const t = total(b, b);
    if (t < nbTotal) {
      nbTotal = t;
      nb = b;
    }
  }
  const bestNoReview = asEval(nb, nb);

  const curve: CurvePoint[] = CURVE_GRID.map((t) => {
    // first group with score >= t
    let b = 0;
    let hi = m;
    while (b < hi) {
      const mid = (b + hi) >> 1;
      if (s[mid] >= t) hi = mid;
      else b = mid + 1;
    }
    const a = bestA[b];
    return {
      actAbove: t,
      costNoReview: total(b, b) / n,
      costWithReview: total(a, b) / n,
      reviewFrom: a < b ? cutValue(s, a) : t,
      reviewShare: (C[b] - C[a]) / n,
    };
  });
  return { costs, capacity, n, positives: P[m], distinctScores: m, best, bestNoReview, curve };
}
