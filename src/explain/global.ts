/**
 * The global view of a model's contributions on its holdout: mean |contribution| per source column
 * (largest first) and, for the top columns, every holdout row's (value, contribution) pair for a
 * dependence plot. Computed with the same explainer a package carries, so the report, the scorer's
 * outputs and the review queue agree for the same row. Pure apart from the caller's value reader.
 */
import type { Explainer } from './explainer.js';

export interface DependenceSeries {
  column: string;
  /** 'number': x is the value; 'category': one strip per category */
  kind: 'number' | 'category';
  points: { value: string | number | null; contribution: number }[];
}

export interface GlobalExplanation {
  rows: number;
  /** base value of class 0 (binary: log-odds; regression: the value); multiclass reports the predicted class of each row */
  base: number;
  explainedClass: 'positive' | 'predicted' | 'value';
  columns: { column: string; meanAbs: number; mean: number }[];
  dependence: DependenceSeries[];
}

/**
 * `values(column)` gives the raw values of a source column for the holdout rows (in X's row order),
 * or null when the column is not a raw input (derived from several, an interaction).
 */
export async function globalExplanation(ex: Explainer, X: Float64Array, n: number, values: (column: string) => Promise<(string | number | boolean | null)[] | null>, top = 4): Promise<GlobalExplanation> {
  const C = ex.columns.names.length;
  const out = new Float64Array(n * C);
  const multi = ex.spec.task === 'multiclass';
  ex.contributions(X, n, out, multi ? new Int32Array(n) : undefined);
  const abs = new Float64Array(C);
  const sum = new Float64Array(C);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++) {
      abs[c] += Math.abs(out[i * C + c]);
      sum[c] += out[i * C + c];
    }
  const order = Array.from({ length: C }, (_, c) => c).sort((a, b) => abs[b] - abs[a] || a - b);
  const columns = order.map((c) => ({ column: ex.columns.names[c], meanAbs: abs[c] / n, mean: sum[c] / n }));
  const dependence: DependenceSeries[] = [];
  for (const c of order) {
    if (dependence.length >= top) break;
    if (ex.columns.value[c].kind !== 'input') continue;
    const v = await values(ex.columns.names[c]);
    if (!v) continue;
    const kind = v.every((x) => x === null || typeof x === 'number') ? 'number' : 'category';
    dependence.push({ column: ex.columns.names[c], kind, points: v.map((x, i) => ({ value: x === null ? null : typeof x === 'boolean' ? String(x) : x, contribution: out[i * C + c] })) });
  }
  return { rows: n, base: ex.base[0], explainedClass: multi ? 'predicted' : ex.spec.task === 'binary' ? 'positive' : 'value', columns, dependence };
}
