/**
 * The linear families behind the seam: logistic regression (binary and multinomial) and linear
 * regression, with scikit-learn's C. Their model.json fields (coef, intercept at the top level) and
 * bytes are what dictl always wrote.
 */
import { DictlError, dataError, usageError } from '../../errors.js';
import type { GraphBuilder, TensorRef } from '../../onnx/builder.js';
import type { LinearModelVersion, ModelVersion } from '../../types.js';
import { fitLinear } from '../linear.js';
import { fitLogistic, type LinearFit, type Penalty } from '../logistic.js';
import { linearScores, type Task } from '../predict.js';
import { solverName } from '../fit.js';
import { stopCause } from '../diagnose.js';
import { setSolverThreads } from '../parallel.js';
import { listNames, scanColumn } from './checks.js';
import type { FamilyFit, HyperParams, ModelFamily, TrainingData } from './types.js';

const PENALTIES: Penalty[] = ['l2', 'l1', 'elasticnet', 'none'];

export interface LinearParams {
  C: number;
  penalty: Penalty;
  l1_ratio: number | null;
  max_iter: number;
  tol: number;
}

const LINEAR_KEYS = ['C', 'penalty', 'l1_ratio', 'max_iter', 'tol'];

function asLinear(raw: HyperParams): LinearParams {
  for (const k of Object.keys(raw)) if (!LINEAR_KEYS.includes(k)) throw new RangeError(`unknown linear-model parameter ${k} (known: ${LINEAR_KEYS.join(', ')})`);
  const C = raw.C ?? 1;
  const penalty = (raw.penalty ?? 'l2') as Penalty;
  const maxIter = raw.max_iter ?? 1000;
  const tol = raw.tol ?? 1e-4;
  if (typeof C !== 'number' || !(C > 0) || !Number.isFinite(C)) throw new RangeError(`C must be a positive number, got ${C}`);
  if (!PENALTIES.includes(penalty)) throw new RangeError(`penalty "${penalty}" is not one of ${PENALTIES.join(', ')}`);
  if (typeof maxIter !== 'number' || !Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`max_iter must be a positive integer, got ${maxIter}`);
  if (typeof tol !== 'number' || !(tol > 0)) throw new RangeError(`tol must be > 0, got ${tol}`);
  let l1 = raw.l1_ratio ?? null;
  if (l1 !== null && (typeof l1 !== 'number' || !(l1 >= 0 && l1 <= 1))) throw new RangeError(`l1_ratio must be within [0, 1], got ${l1}`);
  if (penalty === 'elasticnet') l1 = l1 ?? 0.5;
  else l1 = null;
  return { C, penalty, l1_ratio: l1, max_iter: maxIter, tol };
}

/** Whether a binary fit classifies every training row correctly with a positive margin. */
export function isSeparated(scores: Float64Array, y: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if ((y[i] > 0.5 ? scores[i] : -scores[i]) <= 0) return false;
  return true;
}

function nonFinite(coef: Float64Array[], intercept: Float64Array): boolean {
  for (const r of coef) for (const v of r) if (!Number.isFinite(v)) return true;
  for (const v of intercept) if (!Number.isFinite(v)) return true;
  return false;
}

/** Per-column rules of a linear fit: no missing or non-finite value; constant columns and p ≥ n are warnings. */
export function linearColumnChecks(X: Float64Array, n: number, p: number, names: string[], penalty: Penalty): string[] {
  const warnings: string[] = [];
  const bad: string[] = [];
  const constant: string[] = [];
  for (let j = 0; j < p; j++) {
    const s = scanColumn(X, n, p, j);
    const missing = s.nan + s.inf;
    if (missing === n) bad.push(`${names[j]} (all ${n} values missing)`);
    else if (missing > 0) bad.push(`${names[j]} (${missing} missing/non-finite values)`);
    else if (s.constant) constant.push(names[j]);
  }
  if (bad.length) {
    throw new DictlError('data', `feature ${bad[0]} would reach the solver as NaN${bad.length > 1 ? `; also ${bad.slice(1, 4).join(', ')}${bad.length > 4 ? ', …' : ''}` : ''}`, {
      hint: 'add an impute step for it in the feature set (or drop it) and rebuild the features',
      details: { features: bad },
    });
  }
  if (constant.length) warnings.push(`constant feature${constant.length > 1 ? 's' : ''} on the training rows (no information; coefficient ${penalty === 'none' ? 'not identifiable' : 'held at 0 by the penalty'}): ${listNames(constant)}`);
  if (p >= n) {
    if (penalty === 'none') throw usageError(`more features (${p}) than training rows (${n}): an unpenalised fit is not identifiable`, 'use --penalty l2 or l1');
    warnings.push(`more features (${p}) than training rows (${n}): the fit relies on the penalty (C=…); expect overfitting`);
  }
  return warnings;
}

/** The linear fit of one parameter set (what the trainer, the CV workers and the refit share). */
export function fitLinearFamily(d: Pick<TrainingData, 'X' | 'n' | 'p' | 'y' | 'task' | 'K' | 'sampleWeight'>, lp: LinearParams, init?: Float64Array): LinearFit {
  const o = { penalty: lp.penalty, C: lp.C, l1Ratio: lp.l1_ratio ?? 0.5, tol: lp.tol, maxIter: lp.max_iter, sampleWeight: d.sampleWeight };
  if (d.task === 'regression') return fitLinear(d.X, d.n, d.p, d.y, o);
  return fitLogistic(d.X, d.n, d.p, d.y, d.task === 'binary' ? 2 : d.K, { ...o, init });
}

function makeLinearFamily(name: 'logistic' | 'linear', tasks: Task[], description: string): ModelFamily {
  return {
    name,
    description,
    tasks,
    encoding: { numerics: 'scaled', categoricals: 'one-hot', missing: 'impute' },
    paramKeys: ['C', 'penalty', 'l1_ratio'],
    defaults: () => ({ C: 1, penalty: 'l2', l1_ratio: null, max_iter: 1000, tol: 1e-4 }),
    validateParams: (raw) => ({ ...asLinear(raw) }),
    searchSpace: () => [{ key: 'C', kind: 'log', lo: 1e-4, hi: 1e4 }],
    checkData: (d, params) => linearColumnChecks(d.X, d.n, d.p, d.names, asLinear(params).penalty),
    async fit(d, params, ctx): Promise<FamilyFit> {
      const lp = asLinear(params);
      setSolverThreads(ctx.threads);
      let fit: LinearFit;
      try {
        fit = fitLinearFamily(d, lp);
      } finally {
        setSolverThreads(undefined);
      }
      const warnings: string[] = [];
      const what = `the ${solverName({ task: d.task, penalty: lp.penalty }, fit)} fit (${lp.penalty}, C=${lp.C})`;
      if (nonFinite(fit.coef, fit.intercept)) throw dataError(`${what} produced non-finite coefficients`, 'check the features for extreme values (standardize them) or add a penalty');
      if (d.task === 'binary') {
        const scores = linearScores({ task: d.task, coef: fit.coef, intercept: fit.intercept }, d.X, d.n, d.p);
        if (isSeparated(scores, d.y, d.n)) {
          if (lp.penalty === 'none') throw dataError('the training rows are perfectly separable: without a penalty the coefficients grow without bound', 'use --penalty l2 (the default) or l1 with a finite --c');
          warnings.push(`the training rows are perfectly separable: the coefficients are held finite only by the ${lp.penalty} penalty (C=${lp.C}); probabilities will be overconfident`);
        }
      }
      if (!fit.converged) warnings.push(`${what} stopped after ${fit.iterations} iterations with gradient ${fit.gradNorm.toExponential(2)} > --tol ${lp.tol}: ${stopCause(fit.reason, lp.max_iter)}`);
      return {
        part: { coef: fit.coef.map((r) => Array.from(r)), intercept: Array.from(fit.intercept) },
        params: { ...lp },
        convergence: { solver: solverName({ task: d.task, penalty: lp.penalty }, fit), iterations: fit.iterations, converged: fit.converged, gradNorm: fit.gradNorm, warnings },
        warnings,
      };
    },
    checkModel(m) {
      const l = m as Omit<LinearModelVersion, 'version'>;
      if (!Array.isArray(l.coef) || !Array.isArray(l.intercept) || l.coef.length === 0) throw dataError('model draft has no coefficients');
      const p = l.featureNames?.length ?? -1;
      if (l.coef.some((row) => !Array.isArray(row) || row.length !== p)) throw dataError(`model draft has ${l.coef.map((r) => r?.length).join('/')} coefficients per row for ${p} feature names`);
      if (l.intercept.length !== l.coef.length) throw dataError(`model draft has ${l.intercept.length} intercepts for ${l.coef.length} coefficient rows`);
      if ([...l.coef.flat(), ...l.intercept].some((v) => typeof v !== 'number' || !Number.isFinite(v))) throw dataError('model draft has a coefficient that is not a finite number');
    },
    margins(m, X, n, p) {
      const l = m as LinearModelVersion;
      return linearScores({ task: m.task, coef: l.coef, intercept: l.intercept }, X, n, p);
    },
    onnxMargins(g: GraphBuilder, X: TensorRef, m: ModelVersion): TensorRef {
      const l = m as LinearModelVersion;
      const P = X.shape[1] as number;
      const K = l.coef.length;
      if (K === 0 || l.coef.some((r) => r.length !== P)) throw new Error(`coef must be K×${P} (feature count)`);
      if (l.intercept.length !== K) throw new Error(`intercept must have ${K} values`);
      const W: number[] = [];
      for (let j = 0; j < P; j++) for (let k = 0; k < K; k++) W.push(l.coef[k][j]);
      return g.op('Add', [g.op('MatMul', [X, g.constant('double', W, [P, K])], 'double', ['N', K]), g.constant('double', l.intercept, [K])], 'double', ['N', K], {}, '', 'logits');
    },
    async explainPart(m, means) {
      const l = m as LinearModelVersion;
      return { family: 'linear', linear: { coef: l.coef, intercept: l.intercept, means: Array.from(await means()) } };
    },
    summary(m) {
      const p = m.params;
      return { headline: `${name} regression (${p.penalty}${p.l1_ratio !== null && p.l1_ratio !== undefined ? `, l1_ratio=${p.l1_ratio}` : ''}, C=${p.C})` };
    },
  };
}

export const logisticFamily = makeLinearFamily('logistic', ['binary', 'multiclass'], 'logistic regression (L-BFGS / OWL-QN, scikit-learn C)');
export const linearFamily = makeLinearFamily('linear', ['regression'], 'linear regression (ridge / lasso / elastic net, scikit-learn C)');
