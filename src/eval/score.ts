/**
 * Pure: from labels and predictions to the evaluation tables, per task. Metric names are the gate's
 * (src/ml/metrics.ts GREATER_IS_BETTER). NaN (e.g. AUC of a one-class segment) becomes null.
 */
import { accuracy, accuracyMulti, brier, confusion, logLoss, logLossMulti, mae, prAuc, precisionRecallF1, r2, rmse, rocAuc, type Confusion } from '../ml/metrics.js';
import { calibrationTable, expectedCalibrationError, liftTable, orderDesc, prCurve, rocCurve, type CalibrationBin, type LiftRow, type PrPoint, type RocPoint } from './curves.js';

export type Task = 'binary' | 'multiclass' | 'regression';

export interface ScoreTables {
  n: number;
  /** binary: number of positives */
  positives?: number;
  metrics: Record<string, number | null>;
  confusion?: Confusion;
  calibration?: CalibrationBin[];
  ece?: number | null;
  lift?: LiftRow[];
  roc?: RocPoint[];
  pr?: PrPoint[];
}

const fin = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * binary: pred = P(positive) per row, threshold applies; multiclass: pred = n×K probabilities row-major,
 * y = class index; regression: pred = predicted values.
 */
export function scoreTables(task: Task, y: Float64Array, pred: Float64Array, opts: { threshold?: number; classes?: number; curves?: boolean } = {}): ScoreTables {
  const n = y.length;
  if (task === 'regression') return { n, metrics: { rmse: fin(rmse(y, pred)), mae: fin(mae(y, pred)), r2: fin(r2(y, pred)) } };
  if (task === 'multiclass') {
    const K = opts.classes ?? (n ? pred.length / n : 0);
    return { n, metrics: { logloss: fin(logLossMulti(y, pred, K)), accuracy: fin(accuracyMulti(y, pred, K)) } };
  }
  const thr = opts.threshold ?? 0.5;
  let positives = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) positives++;
  const prf = precisionRecallF1(y, pred, thr);
  const out: ScoreTables = {
    n,
    positives,
    metrics: {
      auc: fin(rocAuc(y, pred)),
      pr_auc: fin(prAuc(y, pred)),
      logloss: fin(logLoss(y, pred)),
      brier: fin(brier(y, pred)),
      accuracy: fin(accuracy(y, pred, thr)),
      precision: fin(prf.precision),
      recall: fin(prf.recall),
      f1: fin(prf.f1),
    },
    confusion: confusion(y, pred, thr),
  };
  if (opts.curves !== false) {
    out.calibration = calibrationTable(y, pred, 10);
    out.ece = fin(expectedCalibrationError(out.calibration));
    const order = orderDesc(pred);
    out.lift = liftTable(y, pred, 10, order);
    out.roc = rocCurve(y, pred, 201, order); // the (0,0) corner's threshold Infinity is null in JSON
    out.pr = prCurve(y, pred, 201, order);
  }
  return out;
}

/** Selects rows of a label vector and a prediction vector (K values per row for multiclass). */
export function subset(y: Float64Array, pred: Float64Array, idx: number[], K = 1): { y: Float64Array; pred: Float64Array } {
  const ys = new Float64Array(idx.length);
  const ps = new Float64Array(idx.length * K);
  idx.forEach((i, j) => {
    ys[j] = y[i];
    for (let k = 0; k < K; k++) ps[j * K + k] = pred[i * K + k];
  });
  return { y: ys, pred: ps };
}

/**
 * Segment labels for --by: strings (and numbers with few distinct values) are their own segment; a
 * numeric column with more than `maxDistinct` distinct values is cut into quintiles "[lo, hi]"; missing
 * values form "(missing)".
 */
export function segmentLabels(values: (string | number | boolean | null)[], maxDistinct = 12): string[] {
  const numeric = values.every((v) => v === null || typeof v === 'number');
  const distinct = new Set(values.filter((v) => v !== null));
  if (!numeric || distinct.size <= maxDistinct) return values.map((v) => (v === null ? '(missing)' : String(v)));
  const sorted = (values.filter((v) => v !== null) as number[]).sort((a, b) => a - b);
  const q = [1, 2, 3, 4].map((k) => sorted[Math.floor((k * sorted.length) / 5)]);
  const edges = [...new Set(q)];
  const fmt = (x: number) => String(Number(x.toPrecision(6)));
  const bounds = [sorted[0], ...edges, sorted[sorted.length - 1]];
  return values.map((v) => {
    if (v === null) return '(missing)';
    const x = v as number;
    let b = 0;
    while (b < edges.length && x >= edges[b]) b++;
    return `${b + 1}: [${fmt(bounds[b])}, ${fmt(bounds[b + 1])}${b === edges.length ? ']' : ')'}`;
  });
}
