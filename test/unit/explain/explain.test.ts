import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packEnsemble, predictMargin, treeShap, type ShapEnsemble, type ShapTree } from '../../../src/explain/treeshap.js';
import { columnMeans, linearBase, linearContributions } from '../../../src/explain/linear.js';
import { sourceColumns, sumByColumn } from '../../../src/explain/columns.js';
import { makeExplainer, topByMagnitude, type ExplainSpec } from '../../../src/explain/explainer.js';
import { linearColumnsPlan } from '../../../src/explain/linear-columns.js';
import { binaryBlock, resultFields } from '../../../src/score/results-ndjson.js';
import type { FittedPipeline } from '../../../src/types.js';
import { fromXgboostJson, float32Below } from '../../../src/explain/xgboost.js';
import { fitSpec, type FitSpec } from '../../../src/ml/fit.js';
import { linearScores } from '../../../src/ml/predict.js';
import { applyPipeline } from '../../../src/pipeline/apply.js';
import { prepare } from '../../helpers/ml-data.js';
import { seededRng } from '../../../src/util/random.js';
import { loadRefSet } from '../../helpers/gbdt-data.js';
import { fitGbdt, gbdtMargins, GBDT_DEFAULTS } from '../../../src/ml/gbdt/index.js';
import { gbdtFromJSON, gbdtToJSON } from '../../../src/ml/gbdt/serialize.js';
import { fixturePipeline, fixtureRows } from '../../helpers/onnx-fixtures.js';
import { pythonOut } from '../../helpers/python.js';

const SETS = ['churn', 'credit', 'breast_cancer', 'pima'];

// ───────────── brute force: Shapley values by enumerating every coalition ─────────────

/** Σ over coalitions S ∌ j of |S|!(M−|S|−1)!/M! (v(S∪j) − v(S)), for every player j. */
function shapley(M: number, v: (mask: number) => number): number[] {
  const vals = new Float64Array(1 << M);
  for (let s = 0; s < 1 << M; s++) vals[s] = v(s);
  const fact = [1];
  for (let i = 1; i <= M; i++) fact.push(fact[i - 1] * i);
  const phi = new Array(M).fill(0);
  for (let j = 0; j < M; j++)
    for (let s = 0; s < 1 << M; s++) {
      if (s & (1 << j)) continue;
      let size = 0;
      for (let t = s; t; t >>= 1) size += t & 1;
      phi[j] += ((fact[size] * fact[M - size - 1]) / fact[M]) * (vals[s | (1 << j)] - vals[s]);
    }
  return phi;
}

/** E[tree | x_S] over the training rows along the tree's paths (the path-dependent value function) */
function condExpect(t: ShapTree, node: number, x: ArrayLike<number>, inS: (f: number) => boolean): number {
  const l = t.left[node];
  if (l < 0) return t.value[node];
  const r = t.right[node];
  const f = t.feature[node];
  if (inS(f)) {
    const xv = x[f];
    const cats = t.categories?.[node];
    const goLeft = Number.isNaN(xv) ? !!t.missingLeft[node] : cats && cats.length ? Array.from(cats).includes(xv) : Math.fround(xv) <= t.threshold[node];
    return condExpect(t, goLeft ? l : r, x, inS);
  }
  return (t.count[l] * condExpect(t, l, x, inS) + t.count[r] * condExpect(t, r, x, inS)) / t.count[node];
}

/** seeded uniform numbers */
const rng = seededRng;

/**
 * A random tree over p features (features 0..nCat-1 categorical with codes 0..4), grown by sending
 * `rows` down it, so that counts are real training counts; features repeat along paths.
 */
function randomTree(r: () => number, rows: Float64Array[], p: number, nCat: number, depth: number): ShapTree {
  const t = { feature: [] as number[], threshold: [] as number[], missingLeft: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[], categories: [] as (number[] | null)[], count: [] as number[] };
  const grow = (idx: Float64Array[], d: number): number => {
    const me = t.feature.length;
    t.feature.push(-1);
    t.threshold.push(0);
    t.missingLeft.push(0);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push(Math.round((r() - 0.5) * 200) / 16);
    t.categories.push(null);
    t.count.push(idx.length);
    if (d === depth || idx.length < 2 || r() < 0.15) return me;
    const f = Math.floor(r() * p);
    const miss = r() < 0.5 ? 1 : 0;
    let cats: number[] | null = null;
    let thr = 0;
    if (f < nCat) cats = [0, 1, 2, 3, 4].filter(() => r() < 0.5);
    else thr = Math.fround(idx[Math.floor(r() * idx.length)][f]);
    const goes = (x: Float64Array) => (Number.isNaN(x[f]) ? miss === 1 : cats ? cats.includes(x[f]) : Math.fround(x[f]) <= thr);
    const L = idx.filter(goes);
    const R = idx.filter((x) => !goes(x));
    if (L.length === 0 || R.length === 0) return me;
    t.feature[me] = f;
    t.threshold[me] = thr;
    t.missingLeft[me] = miss;
    t.categories[me] = cats;
    t.left[me] = grow(L, d + 1);
    t.right[me] = grow(R, d + 1);
    return me;
  };
  grow(rows, 0);
  return t;
}

function randomRows(r: () => number, n: number, p: number, nCat: number): Float64Array[] {
  return Array.from({ length: n }, () => {
    const x = new Float64Array(p);
    for (let j = 0; j < p; j++) x[j] = r() < 0.1 ? NaN : j < nCat ? Math.floor(r() * 5) : Math.round(r() * 100) / 10;
    return x;
  });
}

// ───────────── trees ─────────────

describe('TreeSHAP', () => {
  it('a hand-computed example: two features, three leaves', () => {
    // root: x0 <= 0.5 (10 rows) → [x1 <= 0.5 (6 rows) → leaf 0 (2 rows) | leaf 6 (4 rows)] | leaf 10 (4 rows)
    const tree: ShapTree = { feature: [0, 1, -1, -1, -1], threshold: [0.5, 0.5, 0, 0, 0], missingLeft: [1, 1, 0, 0, 0], left: [1, 3, -1, -1, -1], right: [2, 4, -1, -1, -1], value: [0, 0, 10, 0, 6], count: [10, 6, 4, 2, 4] };
    const P = packEnsemble({ trees: [tree], treesPerRound: 1, baseScore: 0 });
    const { phi, base } = treeShap(P, [0, 1], 1, 2);
    // E f = (2·0 + 4·6 + 4·10)/10 = 6.4; f{x0} = (2·0 + 4·6)/6 = 4; f{x1} = (6·6 + 4·10)/10 = 7.6; f{x0,x1} = 6
    // φ0 = ½[(4 − 6.4) + (6 − 7.6)] = −2; φ1 = ½[(7.6 − 6.4) + (6 − 4)] = 1.6
    expect(base[0]).toBeCloseTo(6.4, 12);
    expect(phi[0]).toBeCloseTo(-2, 12);
    expect(phi[1]).toBeCloseTo(1.6, 12);
  });

  it('equals brute-force Shapley values (all coalitions, conditional expectation along the paths) on random ensembles with repeated features, missing values and categorical splits', () => {
    const r = rng(17);
    let checked = 0;
    for (let trial = 0; trial < 12; trial++) {
      const p = 3 + (trial % 6); // 3..8 inputs
      const nCat = trial % 3;
      const K = trial % 4 === 3 ? 3 : 1;
      const rows = randomRows(r, 200, p, nCat);
      const trees = Array.from({ length: 3 * K }, () => randomTree(r, rows, p, nCat, 2 + (trial % 5)));
      const ens: ShapEnsemble = { trees, treesPerRound: K, baseScore: Array.from({ length: K }, () => r() - 0.5) };
      const P = packEnsemble(ens, p);
      const X = new Float64Array(20 * p);
      for (let i = 0; i < 20; i++) X.set(i < 10 ? rows[i] : randomRows(r, 1, p, nCat)[0], i * p);
      const { phi, base } = treeShap(P, X, 20, p);
      const margin = new Float64Array(K);
      for (let i = 0; i < 20; i++) {
        const x = X.subarray(i * p, i * p + p);
        predictMargin(P, X, i * p, margin);
        for (let k = 0; k < K; k++) {
          const mine = trees.filter((_, t) => t % K === k);
          const v = (mask: number) => (ens.baseScore as number[])[k] + mine.reduce((s, t) => s + condExpect(t, 0, x, (f) => (mask & (1 << f)) !== 0), 0);
          const want = shapley(p, v);
          const got = Array.from(phi.subarray(i * K * p + k * p, i * K * p + k * p + p));
          for (let j = 0; j < p; j++) expect(Math.abs(got[j] - want[j])).toBeLessThanOrEqual(1e-9);
          // local accuracy
          expect(Math.abs(base[k] + got.reduce((a, b) => a + b, 0) - margin[k])).toBeLessThanOrEqual(1e-9);
          expect(Math.abs(base[k] - v(0))).toBeLessThanOrEqual(1e-9);
          checked++;
        }
      }
    }
    expect(checked).toBe(20 * (9 + 3 * 3));
  });

  it('float32Below gives the float32 just below a condition', () => {
    for (const c of [1, 0.5, -2.25, Math.fround(0.1), 3e-39]) {
      const b = float32Below(c);
      expect(Math.fround(b)).toBe(b);
      expect(b < c).toBe(true);
      expect(Math.fround((b + c) / 2) === b || Math.fround((b + c) / 2) === c).toBe(true);
    }
    expect(float32Below(0) < 0).toBe(true);
  });
});

// ───────────── dictl's own trees (native missing values and categorical splits) ─────────────

describe('TreeSHAP on gbdt models trained by dictl', () => {
  it.each(SETS)('%s: local accuracy on every row against the engine margins (binary and 3-class)', async (name) => {
    const d = loadRefSet(name);
    const rounds = { ...GBDT_DEFAULTS, max_iter: 30, early_stopping: 'off' as const };
    const X = Float64Array.from([...d.Xtr, ...d.Xte]);
    const n = d.ntr + d.nte;
    const p = d.p;
    const first = (() => {
      for (let j = 0; j < p; j++) if (!d.categorical[j]) return j;
      return 0;
    })();
    const y3 = Float64Array.from(d.ytr, (v, i) => (v === 1 ? 2 : d.Xtr[i * p + first] > 0 ? 1 : 0));
    for (const [K, y] of [[2, d.ytr], [3, y3]] as const) {
      const model = await fitGbdt({ X: d.Xtr, n: d.ntr, p, y, K, categorical: d.categorical }, { ...rounds, loss: 'log_loss' }, { seed: 1, threads: 1 });
      if (name === 'credit' && K === 2) expect(model.trees.some((t) => t.categories?.some((c) => c && c.length))).toBe(true);
      const P = packEnsemble(model, p);
      const { phi, base } = treeShap(P, X, n, p);
      const M = gbdtMargins(model, X, n, p);
      const T = model.treesPerRound;
      let worst = 0;
      for (let i = 0; i < n; i++)
        for (let k = 0; k < T; k++) {
          let s = base[k];
          for (let j = 0; j < p; j++) s += phi[(i * T + k) * p + j];
          worst = Math.max(worst, Math.abs(s - M[i * T + k]));
        }
      expect(worst).toBeLessThanOrEqual(1e-9);
    }
  }, 120_000);
});

describe('TreeSHAP on weighted fits: the cover is the weighted training data\'s', () => {
  /** each node's sum of weights over the training rows routed to it (the definition, by brute force) */
  function routedCover(t: ShapTree, X: Float64Array, n: number, p: number, w: Float64Array): number[] {
    const c = new Array<number>(t.feature.length).fill(0);
    for (let i = 0; i < n; i++) {
      let node = 0;
      for (;;) {
        c[node] += w[i];
        const l = t.left[node];
        if (l < 0) break;
        const xv = X[i * p + t.feature[node]];
        const cats = t.categories?.[node];
        const goLeft = Number.isNaN(xv) ? !!t.missingLeft[node] : cats && cats.length ? Array.from(cats).includes(xv) : Math.fround(xv) <= t.threshold[node];
        node = goLeft ? l : t.right[node];
      }
    }
    return c;
  }

  it.each(['pima', 'credit'])('%s: class-weighted fit — covers are the routed weight sums, local accuracy on every row, brute-force Shapley values (pima: 8 inputs) to 1e-9', async (name) => {
    const d = loadRefSet(name);
    const p = d.p;
    // class weights as train --class-weight gives them (yes=4), and a few rows weighted by hand
    const w = Float64Array.from(d.ytr, (v, i) => (v === 1 ? 4 : 1) * (i % 7 === 0 ? 2.5 : 1));
    const model = await fitGbdt({ X: d.Xtr, n: d.ntr, p, y: d.ytr, K: 2, categorical: d.categorical, sampleWeight: w }, { ...GBDT_DEFAULTS, max_iter: 15, early_stopping: 'off' }, { seed: 2, threads: 1 });
    let differs = false;
    for (const t of model.trees) {
      expect(t.cover).toBeDefined();
      const want = routedCover(t, d.Xtr, d.ntr, p, w);
      for (let i = 0; i < want.length; i++) expect(Math.abs(t.cover![i] - want[i])).toBeLessThanOrEqual(1e-9 * want[0]);
      if (t.cover!.some((c, i) => Math.abs(c / t.cover![0] - t.count[i] / t.count[0]) > 1e-3)) differs = true;
    }
    // the weights move the covers away from the row counts (else this test could not tell them apart)
    expect(differs).toBe(true);
    // the explainer's trees: count = the weighted cover (as the gbdt family hands them over)
    const ens = { trees: model.trees.map(({ cover, ...t }) => ({ ...t, count: cover! })), treesPerRound: 1, baseScore: model.baseScore };
    const P = packEnsemble(ens, p);
    const X = Float64Array.from([...d.Xtr, ...d.Xte]);
    const n = d.ntr + d.nte;
    const { phi, base } = treeShap(P, X, n, p);
    const M = gbdtMargins(model, X, n, p);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let s = base[0];
      for (let j = 0; j < p; j++) s += phi[i * p + j];
      worst = Math.max(worst, Math.abs(s - M[i]));
    }
    expect(worst).toBeLessThanOrEqual(1e-9);
    // base = the weighted mean margin over the training rows (path-dependent: Σ_leaves cover·value / root cover)
    let wm = 0;
    let ws = 0;
    const Mt = gbdtMargins(model, d.Xtr, d.ntr, p);
    for (let i = 0; i < d.ntr; i++) {
      wm += w[i] * Mt[i];
      ws += w[i];
    }
    expect(Math.abs(base[0] - wm / ws)).toBeLessThanOrEqual(1e-9);
    if (p <= 8) {
      for (let i = 0; i < 15; i++) {
        const x = d.Xte.subarray(i * p, i * p + p);
        const want = shapley(p, (mask) => model.baseScore[0] + ens.trees.reduce((s, t) => s + condExpect(t, 0, x, (f) => (mask & (1 << f)) !== 0), 0));
        for (let j = 0; j < p; j++) expect(Math.abs(phi[(d.ntr + i) * p + j] - want[j])).toBeLessThanOrEqual(1e-9);
      }
    }
  }, 120_000);

  it('unweighted fits record no cover (the model file is unchanged); a weighted model round-trips through model.json', async () => {
    const d = loadRefSet('pima');
    const plain = await fitGbdt({ X: d.Xtr, n: d.ntr, p: d.p, y: d.ytr, K: 2, categorical: d.categorical }, { ...GBDT_DEFAULTS, max_iter: 3, early_stopping: 'off' }, { seed: 2, threads: 1 });
    expect(plain.trees.every((t) => t.cover === undefined)).toBe(true);
    const w = Float64Array.from(d.ytr, (v) => (v === 1 ? 3 : 1));
    const weighted = await fitGbdt({ X: d.Xtr, n: d.ntr, p: d.p, y: d.ytr, K: 2, categorical: d.categorical, sampleWeight: w }, { ...GBDT_DEFAULTS, max_iter: 3, early_stopping: 'off' }, { seed: 2, threads: 1 });
    const back = gbdtFromJSON(JSON.parse(JSON.stringify(gbdtToJSON(weighted))));
    expect(back.trees.map((t) => t.cover)).toEqual(weighted.trees.map((t) => t.cover));
    const bad = JSON.parse(JSON.stringify(gbdtToJSON(weighted)));
    bad.trees[0].cover = bad.trees[0].cover.slice(1);
    expect(() => gbdtFromJSON(bad)).toThrow(/cover/);
  });

  it('against xgboost with sample weights (squared error: its hessian cover is the weight sum): contributions to 1e-6 of xgboost\'s pred_contribs', () => {
    const d = prepare('pima');
    const n = d.ntr;
    const p = d.p;
    const y = Float64Array.from({ length: n }, (_, i) => d.Xtr[i * p] * 2 + d.ytr[i] * 3 - d.Xtr[i * p + 1]);
    const w = Float64Array.from({ length: n }, (_, i) => (d.ytr[i] === 1 ? 5 : 1) * (1 + (i % 3)));
    const xg = runXgb(d.Xtr, y, n, p, { objective: 'reg:squarederror', rounds: 15, depth: 4, weights: true }, w);
    // the xgboost model's covers are the weight sums, not the row counts
    const root = xg.model.trees[0].count[0];
    expect(Math.abs(root - w.reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(1e-3 * root);
    const P = packEnsemble(xg.model, p);
    const { phi, base } = treeShap(P, d.Xtr, n, p);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) worst = Math.max(worst, Math.abs(phi[i * p + j] - xg.contribs[i * (p + 1) + j]));
      worst = Math.max(worst, Math.abs(base[0] - xg.contribs[i * (p + 1) + p]));
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
  }, 60_000);
});

describe('exactness on real models with 8 inputs (pima): brute-force Shapley values', () => {
  it('a dictl gbdt model: TreeSHAP equals the Shapley values of the path-dependent expectation, to 1e-9', async () => {
    const d = loadRefSet('pima');
    expect(d.p).toBe(8);
    const model = await fitGbdt({ X: d.Xtr, n: d.ntr, p: d.p, y: d.ytr, K: 2, categorical: d.categorical }, { ...GBDT_DEFAULTS, max_iter: 15, early_stopping: 'off' }, { seed: 3, threads: 1 });
    const P = packEnsemble(model, d.p);
    const { phi } = treeShap(P, d.Xte, 20, d.p);
    for (let i = 0; i < 20; i++) {
      const x = d.Xte.subarray(i * d.p, i * d.p + d.p);
      const want = shapley(d.p, (mask) => model.baseScore[0] + model.trees.reduce((s, t) => s + condExpect(t, 0, x, (f) => (mask & (1 << f)) !== 0), 0));
      for (let j = 0; j < d.p; j++) expect(Math.abs(phi[i * d.p + j] - want[j])).toBeLessThanOrEqual(1e-9);
    }
  });

  it('a fitted logistic model: the contributions equal the interventional Shapley values over the training rows, to 1e-9', () => {
    const d = prepare('pima');
    expect(d.p).toBe(8);
    const fit = fitSpec(d.Xtr, d.ntr, d.p, d.ytr, spec('binary', 2));
    const w = fit.coef[0] as ArrayLike<number>;
    const m = { coef: [w], intercept: fit.intercept, means: columnMeans(d.Xtr, d.ntr, d.p) };
    const margin = (z: ArrayLike<number>, zo: number) => {
      let s = m.intercept[0];
      for (let j = 0; j < d.p; j++) s += w[j] * z[zo + j];
      return s;
    };
    for (let i = 0; i < 10; i++) {
      const c = linearContributions(m, 0, d.Xte, i * d.p, new Float64Array(d.p));
      const z = new Float64Array(d.p);
      const want = shapley(d.p, (mask) => {
        let s = 0;
        for (let b = 0; b < d.ntr; b++) {
          for (let j = 0; j < d.p; j++) z[j] = mask & (1 << j) ? d.Xte[i * d.p + j] : d.Xtr[b * d.p + j];
          s += margin(z, 0);
        }
        return s / d.ntr;
      });
      for (let j = 0; j < d.p; j++) expect(Math.abs(c[j] - want[j])).toBeLessThanOrEqual(1e-9);
    }
  });
});

// ───────────── xgboost as the peer ─────────────

const SCRIPT = join(__dirname, '..', '..', '..', 'scripts', 'xgb_contribs.py');

function runXgb(X: Float64Array, y: Float64Array, n: number, p: number, spec: Record<string, unknown>, weights?: Float64Array) {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-xgb-'));
  try {
    if (weights) writeFileSync(join(dir, 'w.f64'), new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    writeFileSync(join(dir, 'X.f64'), new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
    writeFileSync(join(dir, 'y.f64'), new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ n, p, seed: 0, nthread: 1, ...spec }));
    pythonOut([SCRIPT, dir]);
    const f64 = (name: string) => {
      const b = readFileSync(join(dir, name));
      return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8).slice();
    };
    return { model: fromXgboostJson(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'))), contribs: f64('contribs.f64'), margin: f64('margin.f64') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('TreeSHAP against xgboost pred_contribs', () => {
  it.each(SETS)('%s: binary model with missing values, every row: contributions and bias to 1e-6, local accuracy to 1e-9', (name) => {
    const d = prepare(name);
    // punch holes so that the default directions matter
    const r = rng(3);
    const X = d.Xtr.slice();
    for (let i = 0; i < X.length; i++) if (r() < 0.05) X[i] = NaN;
    const n = d.ntr;
    const p = d.p;
    const xg = runXgb(X, d.ytr, n, p, { objective: 'binary:logistic', rounds: 20, depth: 4 });
    const P = packEnsemble(xg.model, p);
    const { phi, base } = treeShap(P, X, n, p);
    const margin = new Float64Array(1);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      let s = base[0];
      for (let j = 0; j < p; j++) {
        worst = Math.max(worst, Math.abs(phi[i * p + j] - xg.contribs[i * (p + 1) + j]));
        s += phi[i * p + j];
      }
      worst = Math.max(worst, Math.abs(base[0] - xg.contribs[i * (p + 1) + p]));
      predictMargin(P, X, i * p, margin);
      expect(Math.abs(s - margin[0])).toBeLessThanOrEqual(1e-9);
      // the trees are xgboost's: the same margin up to float32 sums
      expect(Math.abs(margin[0] - xg.margin[i])).toBeLessThanOrEqual(1e-5);
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
  }, 60_000);

  it('multiclass (3 classes, credit): per class, every row', () => {
    const d = prepare('credit');
    const n = d.ntr;
    const p = d.p;
    // a three-class target from the label and the first (standardised) input
    const y = Float64Array.from(d.ytr, (v, i) => (v === 1 ? 2 : d.Xtr[i * p] > 0 ? 1 : 0));
    const xg = runXgb(d.Xtr, y, n, p, { objective: 'multi:softprob', num_class: 3, rounds: 10, depth: 3 });
    const P = packEnsemble(xg.model, p);
    expect(P.K).toBe(3);
    const { phi, base } = treeShap(P, d.Xtr, n, p);
    const margin = new Float64Array(3);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      predictMargin(P, d.Xtr, i * p, margin);
      for (let k = 0; k < 3; k++) {
        let s = base[k];
        for (let j = 0; j < p; j++) {
          const a = phi[i * 3 * p + k * p + j];
          s += a;
          worst = Math.max(worst, Math.abs(a - xg.contribs[(i * 3 + k) * (p + 1) + j]));
        }
        worst = Math.max(worst, Math.abs(base[k] - xg.contribs[(i * 3 + k) * (p + 1) + p]));
        expect(Math.abs(s - margin[k])).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(margin[k] - xg.margin[i * 3 + k])).toBeLessThanOrEqual(1e-5);
      }
    }
    expect(worst).toBeLessThanOrEqual(1e-6);
  }, 60_000);
});

// ───────────── linear ─────────────

const spec = (task: FitSpec['task'], K: number): FitSpec => ({ task, K, penalty: 'l2', C: 1, l1Ratio: 0.5, tol: 1e-8, maxIter: 500, classWeight: null, threshold: 0.5 });

describe('linear contributions', () => {
  it('a hand-computed example', () => {
    // w = (2, −1), b = 0.5, training means (1, 3), x = (2, 5): contributions 2·(2−1) = 2 and −1·(5−3) = −2,
    // base 0.5 + 2·1 − 1·3 = −0.5, margin 0.5 + 4 − 5 = −0.5
    const m = { coef: [[2, -1]], intercept: [0.5], means: [1, 3] };
    expect(Array.from(linearContributions(m, 0, [2, 5], 0, new Float64Array(2)))).toEqual([2, -2]);
    expect(linearBase(m)[0]).toBe(-0.5);
  });

  it.each(SETS)('%s: local accuracy on every row (logistic, linear and 3-class multinomial)', (name) => {
    const d = prepare(name);
    const p = d.p;
    const y3 = Float64Array.from(d.ytr, (v, i) => (v === 1 ? 2 : d.Xtr[i * p] > 0 ? 1 : 0));
    const yReg = Float64Array.from({ length: d.ntr }, (_, i) => d.Xtr[i * p] * 3 + d.ytr[i]);
    const means = columnMeans(d.Xtr, d.ntr, p);
    for (const [task, K, y] of [['binary', 2, d.ytr], ['regression', 1, yReg], ['multiclass', 3, y3]] as const) {
      const fit = fitSpec(d.Xtr, d.ntr, p, y, spec(task, K));
      const m = { coef: Array.from(fit.coef as ArrayLike<number>[]), intercept: fit.intercept, means };
      const base = linearBase(m);
      const rows = [d.Xte, d.Xtr] as const;
      for (const X of rows) {
        const n = X.length / p;
        const S = linearScores({ task, coef: m.coef as Float64Array[], intercept: m.intercept }, X, n, p);
        const c = new Float64Array(p);
        const Kr = m.coef.length;
        for (let i = 0; i < n; i++)
          for (let k = 0; k < Kr; k++) {
            linearContributions(m, k, X, i * p, c);
            let s = base[k];
            for (let j = 0; j < p; j++) s += c[j];
            expect(Math.abs(s - S[i * Kr + k])).toBeLessThanOrEqual(1e-9);
          }
      }
    }
  }, 60_000);

  it('per source column: one-hot levels sum back to their column, and the sums are the interventional Shapley values of the columns (brute force over the training rows)', () => {
    const pipe = fixturePipeline();
    const cols = sourceColumns(pipe);
    expect(cols.names.length).toBeLessThanOrEqual(8);
    const { X, n, p } = applyPipeline(pipe, [...fixtureRows, ...fixtureRows.map((r) => ({ ...r }))].filter((r) => {
      try {
        applyPipeline(pipe, [r]);
        return true;
      } catch {
        return false;
      }
    }));
    expect(n).toBeGreaterThan(3);
    const r = rng(5);
    const m = { coef: [Array.from({ length: p }, () => r() * 4 - 2)], intercept: [0.3], means: columnMeans(X, n, p) };
    const margin = (x: ArrayLike<number>) => m.intercept[0] + m.coef[0].reduce((s, w, j) => s + w * x[j], 0);
    const M = cols.names.length;
    for (let i = 0; i < n; i++) {
      const c = linearContributions(m, 0, X, i * p, new Float64Array(p));
      const byCol = sumByColumn(c, 0, cols.of, new Float64Array(M));
      // the sum of each column's one-hot outputs
      for (let k = 0; k < M; k++) {
        let s = 0;
        for (let j = 0; j < p; j++) if (cols.of[j] === k) s += c[j];
        expect(byCol[k]).toBe(s);
      }
      // v(S) = mean over training rows b of margin(x on the columns in S, b elsewhere)
      const v = (mask: number) => {
        let s = 0;
        for (let b = 0; b < n; b++) {
          const z = new Float64Array(p);
          for (let j = 0; j < p; j++) z[j] = mask & (1 << cols.of[j]) ? X[i * p + j] : X[b * p + j];
          s += margin(z);
        }
        return s / n;
      };
      const want = shapley(M, v);
      for (let k = 0; k < M; k++) expect(Math.abs(byCol[k] - want[k])).toBeLessThanOrEqual(1e-9);
    }
  });

  it('the explainer gives reasons in |contribution| order that add up to the margin when every column is listed', () => {
    const pipe = fixturePipeline();
    const { X, n, p } = applyPipeline(pipe, fixtureRows.slice(0, 3));
    const r = rng(9);
    const coef = [Array.from({ length: p }, () => r() * 4 - 2)];
    const means = Array.from(columnMeans(X, n, p));
    const s: ExplainSpec = { kind: 'dictl-explainer', formatVersion: 1, family: 'linear', task: 'binary', classes: ['no', 'yes'], pipeline: pipe, featureNames: pipe.outputNames, linear: { coef, intercept: [0.1], means } };
    const ex = makeExplainer(s);
    const batch = ex.explainRows((i) => fixtureRows[i], 3, 99);
    const all = [0, 1, 2].map((i) => batch.at(i));
    for (let i = 0; i < 3; i++) {
      const e = all[i]!;
      const margin = 0.1 + coef[0].reduce((a, w, j) => a + w * X[i * p + j], 0);
      expect(Math.abs(e.base + e.reasons.reduce((a, x) => a + x.contribution, 0) - margin)).toBeLessThanOrEqual(1e-9);
      for (let k = 1; k < e.reasons.length; k++) expect(Math.abs(e.reasons[k - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(e.reasons[k].contribution));
      const top2 = ex.explainRows((j) => fixtureRows[j], 3, 2).at(i)!;
      expect(top2.reasons).toEqual(e.reasons.slice(0, 2));
      for (const x of e.reasons) if (pipe.inputs.some((inp) => inp.name === x.column)) expect(x.value).toEqual(fixtureRows[i][x.column] ?? null);
    }
    expect(topByMagnitude([1, -3, 0, 2, -3], 3)).toEqual([1, 4, 3]);
  });

  it('columnar batches of plain pipelines (numeric and one-hot features of raw inputs) get the very doubles of the row-wise sum over the model inputs', () => {
    const cats = ['a', 'b', 'c', 'd'];
    const pipe: FittedPipeline = {
      inputs: [
        ...['n0', 'n1', 'n2', 'n3', 'n4'].map((name) => ({ name, type: 'number' as const, nullable: true })),
        ...['s0', 's1', 's2', 's3'].map((name) => ({ name, type: 'string' as const, nullable: true })),
      ],
      derived: [],
      features: [
        { kind: 'numeric', name: 'n0_std', input: 'n0', steps: [{ op: 'impute', value: 0.3 }, { op: 'affine', sub: 0.1, div: 0.7 }] },
        { kind: 'numeric', name: 'n1_log', input: 'n1', steps: [{ op: 'clip', min: -0.5, max: 3 }, { op: 'log1p' }, { op: 'impute', value: 1.5 }] },
        { kind: 'numeric', name: 'n2_b', input: 'n2', steps: [{ op: 'bucketize', splits: [-1, 0, 0.5, 2] }, { op: 'impute', value: 2 }] },
        { kind: 'numeric', name: 'n3_raw', input: 'n3', steps: [{ op: 'affine', sub: 1, div: 3 }] }, // missing stays missing: a NaN contribution
        { kind: 'numeric', name: 'n4_c', input: 'n4', steps: [{ op: 'clip', max: 1 }, { op: 'impute', value: -2 }] },
        { kind: 'onehot', name: 's0', input: 's0', impute: 'b', categories: cats, folded: [], otherSlot: false, unknown: 'zeros', outputs: cats.map((c) => `s0=${c}`) },
        { kind: 'onehot', name: 's1', input: 's1', categories: ['a', 'b'], folded: ['c'], otherSlot: true, unknown: 'other', outputs: ['s1=a', 's1=b', 's1=__other__'] },
        { kind: 'onehot', name: 's2', input: 's2', impute: 'a', categories: ['a', 'b', 'c'], folded: ['d'], otherSlot: false, unknown: 'error', outputs: ['s2=a', 's2=b', 's2=c'] },
        { kind: 'onehot', name: 's3', input: 's3', categories: ['a', 'b'], folded: ['c'], otherSlot: true, unknown: 'zeros', outputs: ['s3=a', 's3=b', 's3=__other__'] },
      ],
      outputNames: [],
    };
    pipe.outputNames = pipe.features.flatMap((f) => (f.kind === 'onehot' ? f.outputs : [f.name]));
    const p = pipe.outputNames.length;
    const r = rng(21);
    const n = 3000;
    const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const rows = Array.from({ length: n }, () => {
      const o: Record<string, unknown> = {};
      // missing, the steps' edges (splits, clip bounds, log1p's −1) or anything between
      for (const c of ['n0', 'n1', 'n2', 'n3', 'n4']) o[c] = r() < 0.15 ? null : r() < 0.3 ? pick([0, -1, 0.5, 2, -0.5, 1, 3]) : r() * 6 - 3;
      for (const c of ['s0', 's1', 's2', 's3']) o[c] = pick([null, '', 'a', 'b', 'c', 'd', 'zz', 'a', 'b']);
      return o;
    });
    const cols: Record<string, Float64Array | string[]> = {};
    for (const inp of pipe.inputs)
      cols[inp.name] = inp.type === 'number' ? Float64Array.from(rows, (o) => (o[inp.name] === null ? NaN : (o[inp.name] as number))) : rows.map((o) => (o[inp.name] as string | null) ?? '');
    const coef = [Array.from({ length: p }, () => r() * 4 - 2)];
    const means = Array.from({ length: p }, () => r() * 2 - 1);
    const s: ExplainSpec = { kind: 'dictl-explainer', formatVersion: 1, family: 'linear', task: 'binary', classes: ['no', 'yes'], pipeline: pipe, featureNames: pipe.outputNames, linear: { coef, intercept: [0.2], means } };
    // the plan is taken for this pipeline (not for one with derived columns)
    expect(linearColumnsPlan(pipe, sourceColumns(pipe), coef[0], means)).not.toBeNull();
    expect(linearColumnsPlan(fixturePipeline(), sourceColumns(fixturePipeline()), new Float64Array(fixturePipeline().outputNames.length), new Float64Array(fixturePipeline().outputNames.length))).toBeNull();
    const ex = makeExplainer(s);
    let nan = 0;
    for (const k of [1, 3, 9]) {
      const a = ex.explainColumns(cols, n, k);
      const b = ex.explainRows((i) => rows[i], n, k);
      let rejected = 0;
      for (let i = 0; i < n; i++) {
        expect(a.at(i)).toEqual(b.at(i));
        if (b.at(i) === null) rejected++;
        else {
          if (b.at(i)!.reasons.some((x) => Number.isNaN(x.contribution))) nan++;
          if (Number.isNaN(b.margins[i])) expect(a.margins[i]).toBeNaN();
          else expect(Math.abs(a.margins[i] - b.margins[i])).toBeLessThanOrEqual(1e-12);
        }
      }
      // rows the strict one-hot rejects are there
      expect(rejected).toBeGreaterThan(50);
    }
    // and missing values without impute (a NaN contribution)
    expect(nan).toBeGreaterThan(50);
    // every contribution, not only the top ones: all the columns listed, bit for bit
    const a = ex.explainColumns(cols, n, 9);
    const b = ex.explainRows((i) => rows[i], n, 9);
    for (let i = 0; i < a.col.length; i++) {
      expect(a.col[i]).toBe(b.col[i]);
      expect(Object.is(a.contrib[i], b.contrib[i])).toBe(true);
    }
  });
});

describe('reasons in NDJSON lines', () => {
  it('the binary block writer gives byte for byte the lines of resultFields: non-ASCII names and values, missing values, NaN contributions, rejected rows, any k', () => {
    const pipe: FittedPipeline = {
      inputs: [
        { name: 'città', type: 'string', nullable: true },
        { name: 'x', type: 'number', nullable: true },
        { name: 'y', type: 'number', nullable: true },
        { name: 'plan', type: 'string', nullable: true },
      ],
      derived: [],
      features: [
        { kind: 'onehot', name: 'città', input: 'città', categories: ['zürich', '日本', 'oslo'], folded: [], otherSlot: false, unknown: 'zeros', outputs: ['città=zürich', 'città=日本', 'città=oslo'] },
        { kind: 'numeric', name: 'x', input: 'x', steps: [{ op: 'affine', sub: 0.5, div: 3 }] },
        { kind: 'numeric', name: 'y', input: 'y', steps: [{ op: 'impute', value: 2 }, { op: 'log1p' }] },
        { kind: 'onehot', name: 'plan', input: 'plan', categories: ['yes', 'no'], folded: [], otherSlot: false, unknown: 'error', outputs: ['plan=yes', 'plan=no'] },
      ],
      outputNames: ['città=zürich', 'città=日本', 'città=oslo', 'x', 'y', 'plan=yes', 'plan=no'],
    };
    const r = rng(33);
    const n = 500;
    const pick = <T,>(xs: T[]) => xs[Math.floor(r() * xs.length)];
    const cols = {
      città: Array.from({ length: n }, () => pick(['zürich', '日本', 'oslo', '', 'bern', 'a"b'])),
      x: Float64Array.from({ length: n }, () => (r() < 0.1 ? NaN : r() * 100 - 50)),
      y: Float64Array.from({ length: n }, () => (r() < 0.1 ? NaN : r() * 1e7)),
      plan: Array.from({ length: n }, () => pick(['yes', 'no', 'yes', 'no', 'maybe'])),
    };
    const coef = [[0.7, -1.3, 0.01, 0.25, -0.4, 1.1, -0.9]];
    const ex = makeExplainer({ kind: 'dictl-explainer', formatVersion: 1, family: 'linear', task: 'binary', classes: ['no', 'sì'], pipeline: pipe, featureNames: pipe.outputNames, linear: { coef, intercept: [-0.3], means: [0.3, 0.3, 0.3, 0.1, 1.5, 0.5, 0.5] } });
    const score = Float64Array.from({ length: n }, () => r());
    const probabilities = new Float64Array(2 * n);
    score.forEach((s, i) => {
      probabilities[2 * i] = 1 - s;
      probabilities[2 * i + 1] = s;
    });
    const label = Array.from(score, (s) => (s > 0.5 ? 'sì' : 'no'));
    const ids = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? undefined : i % 3 === 1 ? String(i) : JSON.stringify(`é${i}`)));
    let nan = 0;
    let rejected = 0;
    for (const k of [1, 2, 4]) {
      const explanations = ex.explainColumns(cols, n, k);
      const batch = { n, K: 2, score, probabilities, label, explanations };
      const want = Array.from({ length: n }, (_, j) => (ids[j] === undefined ? `{${resultFields(batch, j)}}` : `{"id":${ids[j]},${resultFields(batch, j)}}`)).join('\n') + '\n';
      const got = binaryBlock(batch, n, ids);
      expect(got.toString('utf8')).toBe(want);
      expect(got.equals(Buffer.from(want, 'utf8'))).toBe(true);
      for (let j = 0; j < n; j++) {
        if (explanations.at(j) === null) rejected++;
        else if (explanations.at(j)!.reasons.some((x) => Number.isNaN(x.contribution))) nan++;
      }
    }
    expect(rejected).toBeGreaterThan(50);
    expect(nan).toBeGreaterThan(50);
  });
});

