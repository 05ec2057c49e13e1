/**
 * Cross-validation folds as row blocks of one matrix: the training rows are laid out fold by fold
 * (each fold's rows in training-row order), so fold f's validation rows are one contiguous block and
 * its training rows the two ranges around it. Fits read those ranges in place: no per-fold copies.
 *
 * A FoldSource hands out each fold's matrix in that layout. With per-fold preprocessing (the default
 * for feature builds, see src/features/folds.ts) every fold has its own matrix, whose feature state
 * (imputation values, scales, category lists) was fitted on that fold's training rows only, as a
 * scikit-learn Pipeline inside GridSearchCV does; `sharedMatrixFolds` serves one already-prepared
 * matrix for every fold. Any model family can consume a FoldSource. Pure apart from allocation.
 */
import { toShared } from './parallel.js';

export interface FoldLayout {
  k: number;
  /** position in the fold-ordered matrix → training-row index */
  order: Int32Array;
  /** fold f's rows are positions starts[f] … starts[f + 1] − 1 (length k + 1) */
  starts: Int32Array;
}

/** The fold of every training row → the fold-by-fold layout (stable: row order kept within a fold). */
export function foldLayout(foldOf: ArrayLike<number>, k: number): FoldLayout {
  const n = foldOf.length;
  const counts = new Int32Array(k + 1);
  for (let i = 0; i < n; i++) counts[foldOf[i] + 1]++;
  for (let f = 0; f < k; f++) counts[f + 1] += counts[f];
  const starts = Int32Array.from(counts);
  const next = Int32Array.from(counts);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[next[foldOf[i]]++] = i;
  return { k, order, starts };
}

/** Row ranges [start, end, …] of fold f's training part. */
export function trainRanges(l: FoldLayout, f: number): number[] {
  const n = l.order.length;
  const out: number[] = [];
  if (l.starts[f] > 0) out.push(0, l.starts[f]);
  if (l.starts[f + 1] < n) out.push(l.starts[f + 1], n);
  return out;
}

/** One fold's data in the fold-by-fold layout. */
export interface FoldData {
  /** row-major, n × p, rows in layout order (shared memory) */
  X: Float64Array;
  p: number;
  /** labels in layout order */
  y: Float64Array;
  /** output column names of this fold's feature state */
  names?: string[];
}

export interface FoldSource {
  layout: FoldLayout;
  /** 'per-fold': feature state refitted on each fold's training rows; 'shared': one matrix for all */
  preprocessing: 'per-fold' | 'shared';
  /** fold f's matrix (folds are asked for in order 0 … k−1) */
  fold(f: number): Promise<FoldData>;
  close(): Promise<void>;
}

/** Reorders rows (layout order) of a row-major matrix and its labels into shared memory. */
export function permuteRows(X: Float64Array, y: Float64Array, p: number, order: Int32Array): { X: Float64Array; y: Float64Array } {
  const n = order.length;
  const Xo = new Float64Array(new SharedArrayBuffer(8 * n * p));
  const yo = new Float64Array(new SharedArrayBuffer(8 * n));
  for (let m = 0; m < n; m++) {
    const i = order[m];
    Xo.set(X.subarray(i * p, (i + 1) * p), m * p);
    yo[m] = y[i];
  }
  return { X: Xo, y: toShared(yo) };
}

/** Every fold served from one matrix prepared beforehand (one reordered copy, made once). */
export function sharedMatrixFolds(X: Float64Array, y: Float64Array, p: number, layout: FoldLayout, names?: string[]): FoldSource {
  let data: FoldData | undefined;
  return {
    layout,
    preprocessing: 'shared',
    async fold() {
      if (!data) data = { ...permuteRows(X, y, p, layout.order), p, names };
      return data;
    },
    async close() {
      data = undefined;
    },
  };
}
