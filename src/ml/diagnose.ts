/**
 * Plain-language diagnostics of a linear fit: rank deficiency of the training matrix (which columns
 * are collinear) and why a solver stopped. Pure apart from the Gram-matrix pass.
 */
import { dataError } from '../errors.js';
import type { FittedPipeline } from '../types.js';
import type { TrialParams } from './cv.js';
import { gramRank, hessianStride, type Penalty } from './logistic.js';

/** "C=1 (l2)", "C=0.1 (elasticnet, l1_ratio=0.3)" */
export function describeTrial(t: TrialParams): string {
  return `C=${t.C} (${t.penalty}${t.penalty === 'elasticnet' ? `, l1_ratio=${t.l1_ratio ?? 0.5}` : ''})`;
}

/** What a solver's stop reason means for the user. */
export function stopCause(reason: string, maxIter: number): string {
  if (reason === 'maxIter') return `it reached the iteration cap --max-iter ${maxIter}; raise --max-iter (or lower --c)`;
  if (reason === 'lineSearch') return 'no step lowered the objective any more at double precision (an ill-conditioned matrix: nearly collinear columns); a larger --max-iter cannot help, a smaller --c or dropping one of the collinear columns can';
  return `stop reason ${reason}`;
}

const listNames = (xs: string[], max = 8) => (xs.length > max ? `${xs.slice(0, max).join(', ')}, … (${xs.length} columns)` : xs.join(', '));

/**
 * Rank of [X, 1] on all training rows. Full rank → undefined. Rank-deficient: for logistic regression
 * without a penalty an error (the coefficients are not identifiable), for least squares a warning; with one, a warning unless the deficiency is just
 * one-hot groups without drop_last summing to the intercept (the penalty then shares the weight, as
 * scikit-learn does silently) — e.g. still deficient with drop_last, or duplicated columns. The
 * message gives rank r of p and names the collinear columns.
 */
export function checkRank(X: Float64Array, n: number, p: number, names: string[], penalty: Penalty, pipeline?: FittedPipeline, task: 'binary' | 'regression' = 'binary'): string | undefined {
  // a row sample first: its rank is at most the full one, so full rank (or, with a penalty, no more
  // deficiency than the one-hot groups explain) settles it without a pass over every row
  const sample = gramRank(X, n, p, undefined, [0, n], hessianStride(n, p + 1));
  if (sample.rank === sample.q) return undefined;
  if (penalty !== 'none' && explain(sample, p, names, pipeline).harmless) return undefined;
  const r = hessianStride(n, p + 1) === 1 ? sample : gramRank(X, n, p);
  if (r.rank === r.q) return undefined;
  const e = explain(r, p, names, pipeline);
  const fix = e.hint ? `${e.hint}, or train with --penalty l2` : 'drop one of the collinear columns from the feature set, or train with --penalty l2';
  // least squares stays well defined (every solution predicts the same; the minimum-norm-like one is
  // kept, as scikit-learn's LinearRegression does); a logistic fit has no finite unique optimum
  if (penalty === 'none' && task === 'regression') return `${e.what}; the least-squares coefficients are not unique (one solution is kept; predictions do not depend on which): ${fix}`;
  if (penalty === 'none') throw dataError(`${e.what}; without a penalty their coefficients are not identifiable`, fix);
  if (e.harmless) return undefined;
  return `${e.what}; the ${penalty} penalty keeps the fit unique by sharing their weight${e.hint ? ` (${e.hint})` : ''}`;
}

/** The message for a rank-deficient Gram matrix; harmless = only one-hot groups summing to the intercept. */
function explain(r: ReturnType<typeof gramRank>, p: number, names: string[], pipeline?: FittedPipeline): { what: string; hint?: string; harmless: boolean } {
  const name = (j: number) => (j === p ? 'the intercept' : names[j]);
  const involved = new Set<number>();
  for (const d of r.dependent) {
    involved.add(d.column);
    for (const j of d.on) involved.add(j);
  }
  // the intercept first, then the feature columns in order
  const cols = [...involved].sort((a, b) => (a === p ? -1 : b === p ? 1 : a - b));
  const groups: string[] = [];
  for (const f of pipeline?.features ?? []) {
    if (f.kind !== 'onehot') continue;
    const idx = f.outputs.map((o) => names.indexOf(o));
    if (idx.length > 0 && idx.every((j) => j >= 0 && involved.has(j)) && involved.has(p)) groups.push(f.name);
  }
  const hint = groups.length ? `the one-hot columns of ${groups.join(', ')} each sum to 1 like the intercept: add drop_last: true to ${groups.length > 1 ? 'their' : 'its'} one_hot` : undefined;
  const what = `the training matrix has rank ${r.rank} of ${r.q} (${p} features + intercept): ${listNames(cols.map(name))} are collinear (${r.dependent.length === 1 ? `${name(r.dependent[0].column)} is a combination of the others` : `${r.q - r.rank} of them are combinations of the others`})`;
  return { what, hint, harmless: r.q - r.rank <= groups.length };
}
