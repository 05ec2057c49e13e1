/**
 * Pure evaluation tables for binary scores: ROC and PR curve points, a 10-bin calibration table,
 * lift/gain by decile, and a side-by-side metric comparison. No I/O; y is 0/1, p is P(positive).
 */

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** predictions ≥ threshold count as positive (Infinity for the (0,0) corner) */
  threshold: number;
}

export interface PrPoint {
  recall: number;
  precision: number;
  threshold: number;
}

export interface CalibrationBin {
  bin: number;
  lo: number;
  hi: number;
  count: number;
  positives: number;
  /** mean predicted probability in the bin (null when empty) */
  meanPredicted: number | null;
  /** observed positive rate in the bin (null when empty) */
  observedRate: number | null;
}

export interface LiftRow {
  /** 1 = the highest-scored tenth */
  decile: number;
  count: number;
  positives: number;
  rate: number;
  /** rate / overall positive rate */
  lift: number;
  cumCount: number;
  cumPositives: number;
  /** share of all positives captured so far */
  cumGain: number;
  cumLift: number;
  minScore: number;
  maxScore: number;
}

export interface MetricDiff {
  metric: string;
  candidate: number | null;
  baseline: number | null;
  /** candidate − baseline */
  diff: number | null;
  /** true when the candidate is better in the metric's direction (null when equal or unknown) */
  better: boolean | null;
}

/**
 * Indices sorted by score descending, ties by index ascending (deterministic). Compute it once and
 * pass it to rocCurve, prCurve and liftTable when evaluating the same scores.
 */
export function orderDesc(p: ArrayLike<number>): Uint32Array {
  const s = Float64Array.from(p);
  const idx = new Uint32Array(s.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => s[b] - s[a] || a - b);
}

function thin<T>(pts: T[], maxPoints: number): T[] {
  if (pts.length <= maxPoints) return pts;
  const out: T[] = [];
  const step = (pts.length - 1) / (maxPoints - 1);
  let last = -1;
  for (let k = 0; k < maxPoints; k++) {
    const i = Math.round(k * step);
    if (i !== last) out.push(pts[i]);
    last = i;
  }
  return out;
}

/** ROC points at every distinct threshold (as sklearn's roc_curve with drop_intermediate=false), thinned to maxPoints. */
export function rocCurve(y: ArrayLike<number>, p: ArrayLike<number>, maxPoints = 201, order: Uint32Array = orderDesc(p)): RocPoint[] {
  const n = y.length;
  let P = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) P++;
  const N = n - P;
  const pts: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (y[i] === 1) tp++;
    else fp++;
    if (k === n - 1 || p[order[k + 1]] !== p[i]) pts.push({ fpr: N ? fp / N : 0, tpr: P ? tp / P : 0, threshold: p[i] });
  }
  return thin(pts, maxPoints);
}

/** Precision/recall at every distinct threshold, highest threshold first, thinned to maxPoints. */
export function prCurve(y: ArrayLike<number>, p: ArrayLike<number>, maxPoints = 201, order: Uint32Array = orderDesc(p)): PrPoint[] {
  const n = y.length;
  let P = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) P++;
  const pts: PrPoint[] = [];
  let tp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (y[i] === 1) tp++;
    if (k === n - 1 || p[order[k + 1]] !== p[i]) pts.push({ recall: P ? tp / P : 0, precision: tp / (k + 1), threshold: p[i] });
  }
  return thin(pts, maxPoints);
}

/** Equal-width probability bins [i/bins, (i+1)/bins); p = 1 falls in the last bin. */
export function calibrationTable(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0);
  const pos = new Array<number>(bins).fill(0);
  const sum = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    count[b]++;
    sum[b] += p[i];
    if (y[i] === 1) pos[b]++;
  }
  return count.map((c, b) => ({
    bin: b + 1,
    lo: b / bins,
    hi: (b + 1) / bins,
    count: c,
    positives: pos[b],
    meanPredicted: c ? sum[b] / c : null,
    observedRate: c ? pos[b] / c : null,
  }));
}

/** Expected calibration error: Σ count/n · |observed − mean predicted| over the bins. */
export function expectedCalibrationError(table: CalibrationBin[]): number {
  const n = table.reduce((s, b) => s + b.count, 0);
  if (!n) return 0;
  return table.reduce((s, b) => (b.count ? s + (b.count / n) * Math.abs(b.observedRate! - b.meanPredicted!) : s), 0);
}

/**
 * Lift and cumulative gain by group (deciles by default): rows sorted by score descending (ties by
 * row order), group k holds rows floor(k·n/g) … floor((k+1)·n/g) − 1.
 */
export function liftTable(y: ArrayLike<number>, p: ArrayLike<number>, groups = 10, order: Uint32Array = orderDesc(p)): LiftRow[] {
  const n = y.length;
  if (n === 0) return [];
  let P = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) P++;
  const base = P / n;
  const rows: LiftRow[] = [];
  let cumCount = 0;
  let cumPos = 0;
  for (let g = 0; g < groups; g++) {
    const lo = Math.floor((g * n) / groups);
    const hi = Math.floor(((g + 1) * n) / groups);
    if (hi <= lo) continue;
    let pos = 0;
    for (let k = lo; k < hi; k++) if (y[order[k]] === 1) pos++;
    const count = hi - lo;
    cumCount += count;
    cumPos += pos;
    const rate = pos / count;
    rows.push({
      decile: g + 1,
      count,
      positives: pos,
      rate,
      lift: base ? rate / base : 0,
      cumCount,
      cumPositives: cumPos,
      cumGain: P ? cumPos / P : 0,
      cumLift: base ? cumPos / cumCount / base : 0,
      minScore: p[order[hi - 1]],
      maxScore: p[order[lo]],
    });
  }
  return rows;
}

/** Side-by-side metrics; `greaterIsBetter` decides the direction of "better" per metric. */
export function compareMetrics(
  candidate: Record<string, number | null>,
  baseline: Record<string, number | null>,
  greaterIsBetter: Record<string, boolean>,
): MetricDiff[] {
  const keys = [...new Set([...Object.keys(candidate), ...Object.keys(baseline)])].sort();
  return keys.map((metric) => {
    const c = candidate[metric] ?? null;
    const b = baseline[metric] ?? null;
    const diff = c !== null && b !== null ? c - b : null;
    const dir = greaterIsBetter[metric];
    const better = diff === null || diff === 0 || dir === undefined ? null : dir ? diff > 0 : diff < 0;
    return { metric, candidate: c, baseline: b, diff, better };
  });
}
