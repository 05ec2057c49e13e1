/**
 * Checks of the training matrix shared by every family (rows, features, labels) and the per-column
 * scan the families read their own rules from (linear: no missing value at all; trees: missing is
 * fine, ±Inf is not).
 */
import { dataError } from '../../errors.js';
import type { LabelSpec } from '../../types.js';

/** Errors for an empty matrix, a missing or out-of-range label and a one-class label; warnings for absent classes. */
export function checkLabels(y: Float64Array, n: number, p: number, label: LabelSpec, K: number): string[] {
  const warnings: string[] = [];
  if (n === 0) throw dataError('the feature build has no training rows', 'check the holdout: every row is on the test side');
  if (p === 0) throw dataError('the feature build has no feature columns', 'add features to the feature set and rebuild it');
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) throw dataError(`the label ${label.column} is missing (null/NaN) in training row ${i + 1} of ${n}`, 'drop or fill rows without a label before building features');
    if (label.task === 'multiclass' && (!Number.isInteger(v) || v < 0 || v >= K)) throw dataError(`label ${label.column} holds class index ${v}, outside 0..${K - 1}`);
  }
  if (label.task !== 'regression') {
    const counts = new Array(K).fill(0);
    for (let i = 0; i < n; i++) counts[label.task === 'binary' ? (y[i] > 0.5 ? 1 : 0) : y[i]]++;
    const present = counts.filter((c) => c > 0).length;
    if (present < 2) {
      const only = label.task === 'binary' ? (counts[1] > 0 ? `"${label.positive}"` : `not "${label.positive}"`) : `"${label.classes?.[counts.findIndex((c) => c > 0)]}"`;
      throw dataError(`the label ${label.column} has one class in the ${n} training rows (all ${only}): nothing to learn`, 'check the label column and the positive class of the feature set');
    }
    if (label.task === 'multiclass' && present < K) warnings.push(`label ${label.column}: ${K - present} of ${K} classes never occur in the training rows`);
  }
  return warnings;
}

export interface ColumnScan {
  /** NaN values (missing) */
  nan: number;
  /** +Inf / -Inf values */
  inf: number;
  /** every finite value is the same (or there is none) */
  constant: boolean;
  /** first row (0-based) holding ±Inf, -1 if none */
  firstInf: number;
}

/** One pass over column j of a row-major n × p matrix. */
export function scanColumn(X: Float64Array, n: number, p: number, j: number): ColumnScan {
  let nan = 0;
  let inf = 0;
  let firstInf = -1;
  let first = NaN;
  let varies = false;
  for (let i = 0; i < n; i++) {
    const v = X[i * p + j];
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) {
      if (inf++ === 0) firstInf = i;
    } else if (Number.isNaN(first)) first = v;
    else if (v !== first) varies = true;
  }
  return { nan, inf, constant: !varies, firstInf };
}

export function listNames(names: string[], max = 6): string {
  return `${names.slice(0, max).join(', ')}${names.length > max ? `, … (${names.length})` : ''}`;
}
