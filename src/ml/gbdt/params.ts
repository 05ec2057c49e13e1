/** Hyper-parameters of the boosting engine: defaults, validation and the search space for random trials. */
import type { GbdtLoss, GbdtParams } from './types.js';

/**
 * Defaults chosen so that a plain fit reaches the holdout AUC of the better of scikit-learn HGB
 * and xgboost on the shared reference sets (checked by test/unit/ml/gbdt-parity.test.ts): depth-6 trees
 * with xgboost's regularisation (λ = 1, a leaf needs a hessian sum ≥ 1) rather than HGB's 31
 * leaves of ≥ 20 rows, which underfits the churn set (0.916 against 0.927 AUC).
 */
export const GBDT_DEFAULTS: GbdtParams = Object.freeze({
  loss: 'log_loss',
  learning_rate: 0.1,
  max_iter: 100,
  max_leaf_nodes: null,
  max_depth: 6,
  min_samples_leaf: 20,
  min_hessian: 0.5,
  l2_regularization: 1,
  max_bins: 255,
  subsample: 1,
  colsample: 1,
  early_stopping: 'auto',
  n_iter_no_change: 10,
  validation_fraction: 0.1,
  tol: 1e-7,
}) as GbdtParams;

export type SearchDim =
  | { kind: 'log-float'; min: number; max: number }
  | { kind: 'float'; min: number; max: number }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'choice'; values: readonly (string | number | null)[] };

/** Ranges sampled by random trials (a subset of what validation accepts). */
export const GBDT_SEARCH_SPACE: Readonly<Record<string, SearchDim>> = Object.freeze({
  learning_rate: { kind: 'log-float', min: 0.01, max: 0.3 },
  max_iter: { kind: 'int', min: 50, max: 500 },
  max_leaf_nodes: { kind: 'int', min: 7, max: 63 },
  max_depth: { kind: 'choice', values: [null, 3, 4, 6, 8] },
  min_samples_leaf: { kind: 'int', min: 1, max: 100 },
  l2_regularization: { kind: 'log-float', min: 1e-3, max: 10 },
  subsample: { kind: 'float', min: 0.5, max: 1 },
  colsample: { kind: 'float', min: 0.5, max: 1 },
});

const LOSSES: readonly GbdtLoss[] = ['log_loss', 'squared_error', 'absolute_error', 'huber'];
const KEYS = new Set<string>([...Object.keys(GBDT_DEFAULTS), 'huber_delta']);

function num(raw: Record<string, unknown>, key: string): number | undefined {
  const v = raw[key];
  if (v === undefined) return undefined;
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || Number.isNaN(x)) throw new RangeError(`${key} must be a number, got ${JSON.stringify(v)}`);
  return x;
}

function real(raw: Record<string, unknown>, key: string, lo: number, hi: number, loOpen: boolean, hiOpen: boolean, dflt: number): number {
  const x = num(raw, key) ?? dflt;
  const ok = (loOpen ? x > lo : x >= lo) && (hiOpen ? x < hi : x <= hi);
  if (!ok) throw new RangeError(`${key} must be within ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen ? ')' : ']'}, got ${x}`);
  return x;
}

function int(raw: Record<string, unknown>, key: string, lo: number, hi: number, dflt: number): number {
  const x = num(raw, key) ?? dflt;
  if (!Number.isInteger(x) || x < lo || x > hi) throw new RangeError(`${key} must be an integer in [${lo}, ${hi}], got ${x}`);
  return x;
}

function intOrNull(raw: Record<string, unknown>, key: string, lo: number, hi: number, dflt: number | null): number | null {
  const v = raw[key];
  if (v === null || v === 'null' || v === 'none' || v === 'None') return null;
  if (v === undefined && dflt === null) return null;
  return int(raw, key, lo, hi, dflt as number);
}

/**
 * Checks and completes raw parameters (numbers or numeric strings, as from a grid): unknown keys,
 * wrong types and out-of-range values throw a RangeError naming the key and the allowed range.
 */
export function validateGbdtParams(raw: Record<string, unknown>): GbdtParams {
  for (const k of Object.keys(raw)) if (!KEYS.has(k)) throw new RangeError(`unknown gbdt parameter ${k} (known: ${[...KEYS].join(', ')})`);
  const d = GBDT_DEFAULTS;
  const loss = (raw.loss ?? d.loss) as GbdtLoss;
  if (!LOSSES.includes(loss)) throw new RangeError(`loss must be one of ${LOSSES.join(', ')}, got ${JSON.stringify(raw.loss)}`);
  const es = (raw.early_stopping ?? d.early_stopping) as GbdtParams['early_stopping'];
  if (es !== 'auto' && es !== 'on' && es !== 'off') throw new RangeError(`early_stopping must be one of auto, on, off, got ${JSON.stringify(raw.early_stopping)}`);
  const p: GbdtParams = {
    loss,
    learning_rate: real(raw, 'learning_rate', 0, 1, true, false, d.learning_rate),
    max_iter: int(raw, 'max_iter', 1, 10000, d.max_iter),
    max_leaf_nodes: intOrNull(raw, 'max_leaf_nodes', 2, 4096, d.max_leaf_nodes),
    max_depth: intOrNull(raw, 'max_depth', 1, 30, d.max_depth),
    min_samples_leaf: int(raw, 'min_samples_leaf', 1, 1e9, d.min_samples_leaf),
    min_hessian: real(raw, 'min_hessian', 0, Infinity, false, true, d.min_hessian),
    l2_regularization: real(raw, 'l2_regularization', 0, Infinity, false, true, d.l2_regularization),
    max_bins: int(raw, 'max_bins', 2, 255, d.max_bins),
    subsample: real(raw, 'subsample', 0, 1, true, false, d.subsample),
    colsample: real(raw, 'colsample', 0, 1, true, false, d.colsample),
    early_stopping: es,
    n_iter_no_change: int(raw, 'n_iter_no_change', 1, 1000, d.n_iter_no_change),
    validation_fraction: real(raw, 'validation_fraction', 0, 0.5, true, false, d.validation_fraction),
    tol: real(raw, 'tol', 0, Infinity, false, true, d.tol),
  };
  if (p.max_leaf_nodes === null && p.max_depth === null) throw new RangeError('max_leaf_nodes and max_depth cannot both be null (the tree size would be unbounded); set at least one');
  if (loss === 'huber') p.huber_delta = real(raw, 'huber_delta', 0, Infinity, true, true, 1);
  else if (raw.huber_delta !== undefined) throw new RangeError(`huber_delta applies to loss huber only, got loss ${loss}`);
  return p;
}
