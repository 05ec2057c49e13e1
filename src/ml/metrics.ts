/**
 * Evaluation metrics, pure and allocation-light. They follow scikit-learn's definitions so every
 * figure dictl prints can be compared with sklearn's:
 * - rocAuc = roc_auc_score (trapezoid over distinct thresholds; tied scores form one step)
 * - prAuc  = average_precision_score (Σ (R_n − R_{n−1}) · P_n over distinct thresholds)
 * - logLoss clips probabilities to [1e-15, 1 − 1e-15] (sklearn's log_loss(eps=1e-15); 1.2's 'auto' uses
 *   2.2e-16 instead, which differs only for probabilities within 1e-15 of 0 or 1).
 * y holds 0/1 labels (binary) or values (regression); p holds P(positive) or predictions.
 * Degenerate inputs (one class present for AUC, empty arrays) return NaN rather than throwing.
 */

/**
 * The direction of every metric dictl reports: true = greater is better. The one place it is said;
 * the gate, evaluate's comparisons and the tuning/CV selection read it from here.
 */
export const GREATER_IS_BETTER: Readonly<Record<string, boolean>> = {
  auc: true,
  pr_auc: true,
  accuracy: true,
  precision: true,
  recall: true,
  f1: true,
  r2: true,
  logloss: false,
  brier: false,
  rmse: false,
  mae: false,
};

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

const EPS = 1e-15;

function check(y: ArrayLike<number>, p: ArrayLike<number>): void {
  if (y.length !== p.length) throw new RangeError(`metric inputs differ in length: ${y.length} labels, ${p.length} predictions`);
}

/** Indices ordered by descending score (stable on index for equal scores). */
function orderDesc(p: ArrayLike<number>): Uint32Array {
  const n = p.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const s = Float64Array.from(p as ArrayLike<number>);
  idx.sort((a, b) => s[b] - s[a] || a - b);
  return idx;
}

/**
 * Area under the ROC curve. Equal to the Mann–Whitney statistic with ties counted ½, which is what
 * sklearn's trapezoidal rule over distinct thresholds yields.
 */
export function rocAuc(y: ArrayLike<number>, p: ArrayLike<number>, w?: ArrayLike<number>): number {
  check(y, p);
  const n = y.length;
  const idx = orderDesc(p);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  while (i < n) {
    const s = p[idx[i]];
    let dtp = 0;
    let dfp = 0;
    while (i < n && p[idx[i]] === s) {
      const wi = w ? w[idx[i]] : 1;
      if (y[idx[i]] > 0.5) dtp += wi;
      else dfp += wi;
      i++;
    }
    // trapezoid between (fp, tp) and (fp + dfp, tp + dtp)
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
  }
  if (tp === 0 || fp === 0) return NaN;
  return area / (tp * fp);
}

/** Average precision as sklearn's average_precision_score (no interpolation). */
export function prAuc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p);
  const n = y.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (y[i] > 0.5) pos++;
  if (pos === 0) return NaN;
  const idx = orderDesc(p);
  let tp = 0;
  let k = 0;
  let ap = 0;
  let prevRecall = 0;
  let i = 0;
  while (i < n) {
    const s = p[idx[i]];
    while (i < n && p[idx[i]] === s) {
      if (y[idx[i]] > 0.5) tp++;
      k++;
      i++;
    }
    const recall = tp / pos;
    const precision = tp / k;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return ap;
}

/** Mean binary cross-entropy with probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>, w?: ArrayLike<number>): number {
  check(y, p);
  const n = y.length;
  if (n === 0) return NaN;
  let s = 0;
  let sw = 0;
  for (let i = 0; i < n; i++) {
    let q = p[i];
    q = q < EPS ? EPS : q > 1 - EPS ? 1 - EPS : q;
    const wi = w ? w[i] : 1;
    s -= wi * (y[i] > 0.5 ? Math.log(q) : Math.log(1 - q));
    sw += wi;
  }
  return s / sw;
}

/**
 * Multiclass log loss: y holds class indices 0..K−1, P is row-major n×K. Rows are clipped to
 * [1e-15, 1 − 1e-15] and renormalised, as sklearn 1.2 does.
 */
export function logLossMulti(y: ArrayLike<number>, P: ArrayLike<number>, K: number): number {
  const n = y.length;
  if (P.length !== n * K) throw new RangeError(`probability matrix has ${P.length} values, expected ${n}×${K}`);
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const q = P[i * K + k];
      sum += q < EPS ? EPS : q > 1 - EPS ? 1 - EPS : q;
    }
    let q = P[i * K + y[i]];
    q = q < EPS ? EPS : q > 1 - EPS ? 1 - EPS : q;
    s -= Math.log(q / sum);
  }
  return s / n;
}

/** Fraction of rows whose class index equals the arg-max of its probability row (first max wins). */
export function accuracyMulti(y: ArrayLike<number>, P: ArrayLike<number>, K: number): number {
  const n = y.length;
  if (P.length !== n * K) throw new RangeError(`probability matrix has ${P.length} values, expected ${n}×${K}`);
  if (n === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (P[i * K + k] > P[i * K + best]) best = k;
    if (best === y[i]) ok++;
  }
  return ok / n;
}

/** Counts with the rule "predicted positive ⇔ p ≥ thr". */
export function confusion(y: ArrayLike<number>, p: ArrayLike<number>, thr = 0.5): Confusion {
  check(y, p);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const pos = p[i] >= thr;
    if (y[i] > 0.5) {
      if (pos) tp++;
      else fn++;
    } else if (pos) fp++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

export function accuracy(y: ArrayLike<number>, p: ArrayLike<number>, thr = 0.5): number {
  if (y.length === 0) return NaN;
  const c = confusion(y, p, thr);
  return (c.tp + c.tn) / y.length;
}

/** Precision, recall and F1 of the positive class; 0 where sklearn's zero_division default gives 0. */
export function precisionRecallF1(y: ArrayLike<number>, p: ArrayLike<number>, thr = 0.5): { precision: number; recall: number; f1: number } {
  const c = confusion(y, p, thr);
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Mean squared difference between P(positive) and the 0/1 outcome. */
export function brier(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p);
  if (y.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = p[i] - (y[i] > 0.5 ? 1 : 0);
    s += d * d;
  }
  return s / y.length;
}

export function rmse(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p);
  if (y.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = p[i] - y[i];
    s += d * d;
  }
  return Math.sqrt(s / y.length);
}

export function mae(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p);
  if (y.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(p[i] - y[i]);
  return s / y.length;
}

/** Coefficient of determination; as sklearn, 1 for a perfect fit of a constant target, else 0 there. */
export function r2(y: ArrayLike<number>, p: ArrayLike<number>): number {
  check(y, p);
  const n = y.length;
  if (n === 0) return NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (y[i] - p[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** All binary metrics at once (the set stored as a model's trainMetrics and printed by evaluate). */
export function binaryMetrics(y: ArrayLike<number>, p: ArrayLike<number>, thr = 0.5): Record<string, number> {
  const prf = precisionRecallF1(y, p, thr);
  return {
    auc: rocAuc(y, p),
    logloss: logLoss(y, p),
    accuracy: accuracy(y, p, thr),
    precision: prf.precision,
    recall: prf.recall,
    f1: prf.f1,
    brier: brier(y, p),
    prAuc: prAuc(y, p),
  };
}

export function regressionMetrics(y: ArrayLike<number>, p: ArrayLike<number>): Record<string, number> {
  return { rmse: rmse(y, p), mae: mae(y, p), r2: r2(y, p) };
}
