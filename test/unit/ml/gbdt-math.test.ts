/**
 * The boosting engine's math on small data, against direct computations: histograms and their
 * subtraction, the best split against a brute-force search over every threshold, missing values,
 * categorical splits, float32 threshold routing, determinism across thread counts, losses, weights,
 * early stopping, input and parameter checks, and the JSON form.
 */
import { describe, expect, test } from 'vitest';
import { binMatrix, binOf, fitBins, MISSING_BIN } from '../../../src/ml/gbdt/bins.js';
import { findBestSplit, leafOfBinned, type BuiltTree, type GrowParams } from '../../../src/ml/gbdt/grow.js';
import { buildHistograms, COUNT_STRIDE, countHistogram, countsAt, GH_STRIDE, histLength, subtractHistograms } from '../../../src/ml/gbdt/hist.js';
import { compileGbdt, fitGbdt, GBDT_DEFAULTS, gbdtFromJSON, gbdtSplit, gbdtMargins, gbdtMarginsColumns, gbdtMarginsInto, gbdtPredict, gbdtToJSON, GbdtInputError, validateGbdtParams, type GbdtModel, type GbdtTree } from '../../../src/ml/gbdt/index.js';
import { FitThreads, threadStats } from '../../../src/ml/gbdt/threads.js';
import { gbdtWalk } from '../../../src/ml/gbdt/predict.js';
import { expFit, LOSS } from '../../../src/ml/gbdt/kernels.js';
import { makeRng } from '../../../src/ml/splits.js';

function data(n: number, p: number, seed: number, opts: { missing?: number; round?: number } = {}) {
  const rng = makeRng(seed);
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      let v = rng.next() * 4 - 2;
      if (opts.round) v = Math.round(v * opts.round) / opts.round;
      X[i * p + j] = opts.missing && rng.next() < opts.missing ? NaN : v;
    }
    const a = X[i * p];
    const b = p > 1 ? X[i * p + 1] : 0;
    const z = (a === a ? Math.sin(2 * a) : 0.7) + (b === b ? b * 0.5 : -0.5);
    y[i] = rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
  }
  return { X, y, n, p };
}

const all = (p: number) => Int32Array.from({ length: p }, (_, j) => j);
const gp = (o: Partial<GrowParams> = {}): GrowParams => ({ maxLeaves: null, maxDepth: 6, minSamplesLeaf: 1, minHessian: 0, lambda: 1, learningRate: 1, ...o });

/** binned data with log-loss gradients at margin 0 */
function binned(d: { X: Float64Array; y: Float64Array; n: number; p: number }, cat?: Uint8Array) {
  const mapper = fitBins(d.X, d.p, all(d.n), 255, cat, 0);
  const bins = binMatrix(d.X, d.n, d.p, mapper, 255);
  const g = Float32Array.from(d.y, (v) => 0.5 - v);
  const h = new Float32Array(d.n).fill(0.25);
  return { mapper, bins, g, h };
}

/** a node's histograms, with every bin count (counts) or the missing bins' only */
function histOf(bins: Uint8Array, n: number, p: number, rows: number[], g: Float32Array, h: Float32Array, counts = true): Float64Array {
  const hist = new Float64Array(histLength(p));
  const r = Int32Array.from(rows);
  buildHistograms(bins, n, all(p), 0, p, r, 0, r.length, false, Float32Array.from(rows, (i) => g[i]), Float32Array.from(rows, (i) => h[i]), hist, countsAt(p), counts);
  return hist;
}

/** what the split search knows of the node `rows`: counts built on demand (and how often) */
function nodeOf(bins: Uint8Array, n: number, p: number, rows: number[], hist: Float64Array, h: Float32Array, counted: boolean, hmax?: number) {
  const r = Int32Array.from(rows);
  const asked: number[] = [];
  return {
    asked,
    node: {
      count: rows.length,
      hmax: hmax ?? Math.max(...rows.map((i) => h[i])),
      countAt: countsAt(p),
      withCounts: new Uint8Array(p).fill(counted ? 1 : 0),
      countsOf: (f: number) => {
        asked.push(f);
        countHistogram(bins, n, f, r, 0, r.length, false, hist, countsAt(p));
      },
    },
  };
}

describe('binning', () => {
  test('the bin matrix (a branch-free search) gives every value the bin of a plain binary search over the edges, values on and next to the edges included', () => {
    const rng = makeRng(31);
    const n = 6000;
    const p = 5;
    const X = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      const gauss = Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
      X[i * p] = gauss; // dense centre
      X[i * p + 1] = Math.exp(4 * gauss); // heavy tail
      X[i * p + 2] = rng.int(3); // three values
      X[i * p + 3] = rng.next() < 0.1 ? NaN : Math.round(gauss * 100) / 100;
      X[i * p + 4] = 7; // constant
    }
    const mapper = fitBins(X, p, Int32Array.from({ length: n }, (_, i) => i), 255, undefined, 0);
    // probe: each edge, its float32 neighbours, and values beyond both ends
    const probes: number[] = [];
    for (let f = 0; f < p; f++) for (const e of mapper.edges[f]) {
      const b = new Float32Array([e]);
      const u = new Uint32Array(b.buffer);
      u[0] += 1;
      const up = b[0];
      u[0] -= 2;
      probes.push(e, up, b[0], -1e30, 1e30);
    }
    const m = probes.length;
    const P = new Float64Array(m * p);
    for (let i = 0; i < m; i++) for (let f = 0; f < p; f++) P[i * p + f] = probes[i];
    for (const [A, rows] of [[X, n], [P, m]] as const) {
      const bins = binMatrix(A, rows, p, mapper, 255);
      for (let f = 0; f < p; f++) for (let i = 0; i < rows; i++) {
        const x = A[i * p + f];
        expect(bins[f * rows + i]).toBe(x !== x ? MISSING_BIN : binOf(mapper.edges[f], x));
      }
    }
  });

  test('the bin edges are the quantiles of a comparison sort of the sampled float32 values (the radix sort skips digits every value shares)', () => {
    const rng = makeRng(41);
    const n = 5000;
    const cols: ((i: number) => number)[] = [
      () => (rng.next() < 0.1 ? NaN : 1 + rng.next()), // one sign and exponent: the top digit is shared (and missing values)
      () => (rng.next() < 0.1 ? NaN : 1 + rng.int(1 << 12) / (1 << 23)), // only the low bits differ: two digits shared
      () => (rng.next() < 0.5 ? -0 : 0) + (rng.next() - 0.5) * 1e-3, // both signs, ±0
      () => -1 - rng.next() * 100, // negative only
      (i) => i % 40, // few distinct values: one bin each
    ];
    const p = cols.length;
    const X = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) X[i * p + f] = cols[f](i);
    const mapper = fitBins(X, p, Int32Array.from({ length: n }, (_, i) => i), 255, undefined, 0);
    const mid = (a: number, b: number) => {
      const m = Math.fround(a + (b - a) / 2);
      return m >= b || m < a ? a : m;
    };
    for (let f = 0; f < p; f++) {
      const v = Float32Array.from({ length: n }, (_, i) => X[i * p + f]).filter((x) => x === x).sort();
      const m = v.length;
      const distinct = v.filter((x, i) => i === 0 || x !== v[i - 1]);
      const want: number[] = [];
      if (distinct.length <= 255) for (let i = 1; i < distinct.length; i++) want.push(mid(distinct[i - 1], distinct[i]));
      else {
        for (let q = 1; q < 255; q++) {
          const pos = (q / 255) * (m - 1);
          const lo = v[Math.floor(pos)];
          const hi = v[Math.ceil(pos)];
          const t = lo === hi ? lo : mid(lo, hi);
          if (want.length === 0 || t > want[want.length - 1]) want.push(t);
        }
        while (want.length > 0 && want[want.length - 1] >= v[m - 1]) want.pop();
      }
      expect(Array.from(mapper.edges[f]), `feature ${f}`).toEqual(want);
    }
  });

  test('the fit threads bin the matrix (staged float32 blocks, the wasm search, one or two threads, rows in order or by index) to binMatrix\'s bytes', async () => {
    const rng = makeRng(37);
    const n = 100_000;
    const p = 6;
    const X = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      const gauss = Math.sqrt(-2 * Math.log(rng.next() || 1e-12)) * Math.cos(2 * Math.PI * rng.next());
      X[i * p] = gauss;
      X[i * p + 1] = rng.next() < 0.05 ? NaN : Math.exp(6 * gauss);
      X[i * p + 2] = rng.int(9); // categorical codes
      X[i * p + 3] = Math.round(gauss * 10) / 10;
      X[i * p + 4] = -3;
      X[i * p + 5] = rng.next() < 0.2 ? NaN : gauss * 1e-3;
    }
    const cat = Uint8Array.from([0, 0, 1, 0, 0, 0]);
    const mapper = fitBins(X, p, Int32Array.from({ length: n }, (_, i) => i), 255, cat, 0);
    // rows that sit on the edges, next to them, at ±0 and beyond float32's range
    for (let i = 0, f = 0; f < p; f++) {
      if (cat[f]) continue;
      for (const e of mapper.edges[f]) {
        const b = new Float32Array([e, e, e]);
        const u = new Uint32Array(b.buffer);
        u[1] += 1;
        u[2] -= 1;
        for (const v of [...b, 0, -0, 1e39, -1e39]) X[(i++ % n) * p + f] = v;
      }
    }
    const idx = Int32Array.from({ length: n - 7 }, (_, i) => (i * 7919) % n);
    for (const rows of [null, idx]) {
      const m = rows === null ? n : rows.length;
      const want = binMatrix(X, m, p, mapper, 255, undefined, rows);
      for (const threads of [1, 2]) {
        const t = await FitThreads.create(m, p, threads, m, { y: new Float64Array(m), w: null, T: 1, K: 2 }, 'wasm');
        try {
          t.binRows(X, mapper, 255, rows);
          expect(Buffer.from(t.bufs.bins).equals(Buffer.from(want))).toBe(true);
        } finally {
          await t.close();
        }
      }
    }
  });
});

describe('histograms', () => {
  test('the identity pass, the partition pass and a direct count agree; parent − child = sibling', () => {
    const d = data(500, 5, 1, { missing: 0.1 });
    const { bins, g, h } = binned(d);
    const everyRow = Array.from({ length: d.n }, (_, i) => i);
    const viaRows = histOf(bins, d.n, d.p, everyRow, g, h);
    const identity = new Float64Array(histLength(d.p));
    buildHistograms(bins, d.n, all(d.p), 0, d.p, new Int32Array(d.n), 0, d.n, true, g, h, identity, countsAt(d.p), true);
    expect(identity).toEqual(viaRows);
    // without counts: the same sums and missing counts, and countHistogram fills the rest
    const bare = histOf(bins, d.n, d.p, everyRow, g, h, false);
    const C = countsAt(d.p);
    expect(bare.subarray(0, C)).toEqual(viaRows.subarray(0, C));
    for (let f = 0; f < d.p; f++) {
      expect(bare[C + f * COUNT_STRIDE + MISSING_BIN]).toBe(viaRows[C + f * COUNT_STRIDE + MISSING_BIN]);
      countHistogram(bins, d.n, f, Int32Array.from(everyRow), 0, d.n, false, bare, C);
    }
    expect(bare).toEqual(viaRows);
    // direct: per feature, per bin
    for (let f = 0; f < d.p; f++) {
      for (const b of [0, 3, 17, MISSING_BIN]) {
        let gs = 0;
        let c = 0;
        for (let i = 0; i < d.n; i++) if (bins[f * d.n + i] === b) {
          gs += g[i];
          c++;
        }
        expect(viaRows[countsAt(d.p) + f * COUNT_STRIDE + b]).toBe(c);
        expect(viaRows[f * GH_STRIDE + 2 * b]).toBeCloseTo(gs, 12);
      }
    }
    expect(viaRows[countsAt(d.p) + MISSING_BIN]).toBeGreaterThan(0); // missing values have their own bin
    const left = everyRow.filter((i) => d.X[i * d.p + 2] < 0.3);
    const right = everyRow.filter((i) => !(d.X[i * d.p + 2] < 0.3));
    const parent = viaRows.slice();
    subtractHistograms(parent, histOf(bins, d.n, d.p, left, g, h), all(d.p), countsAt(d.p), new Uint8Array(d.p).fill(1));
    const direct = histOf(bins, d.n, d.p, right, g, h);
    for (let i = 0; i < parent.length; i++) expect(parent[i]).toBeCloseTo(direct[i], 10);
  });
});

/** brute force over every float32 threshold between distinct values and both sides for missing values */
function bruteForce(d: { X: Float64Array; n: number; p: number }, g: Float64Array, h: Float64Array, lam: number, msl: number) {
  const score = (a: number, b: number) => (a * a) / (b + lam);
  let best = { gain: 0, feature: -1, left: new Set<number>() };
  for (let f = 0; f < d.p; f++) {
    const present: number[] = [];
    const miss: number[] = [];
    for (let i = 0; i < d.n; i++) (d.X[i * d.p + f] === d.X[i * d.p + f] ? present : miss).push(i);
    const vals = [...new Set(present.map((i) => Math.fround(d.X[i * d.p + f])))].sort((a, b) => a - b);
    let G = 0;
    let H = 0;
    for (let i = 0; i < d.n; i++) {
      G += g[i];
      H += h[i];
    }
    for (let k = 0; k < vals.length; k++) {
      for (const missLeft of [false, true]) {
        if (k === vals.length - 1 && (missLeft || miss.length === 0)) continue;
        const left = present.filter((i) => Math.fround(d.X[i * d.p + f]) <= vals[k]).concat(missLeft ? miss : []);
        if (left.length < msl || d.n - left.length < msl) continue;
        let gl = 0;
        let hl = 0;
        for (const i of left) {
          gl += g[i];
          hl += h[i];
        }
        const gain = score(gl, hl) + score(G - gl, H - hl) - score(G, H);
        if (gain > best.gain + 1e-9) best = { gain, feature: f, left: new Set(left) };
      }
    }
  }
  return best;
}

describe('split search', () => {
  test('the chosen split is the brute-force optimum over every threshold and missing side', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const d = data(120, 3, seed, { missing: seed % 2 ? 0.15 : 0, round: seed > 3 ? 4 : 0 });
      const { mapper, bins, g, h } = binned(d);
      const hist = histOf(bins, d.n, d.p, Array.from({ length: d.n }, (_, i) => i), g, h);
      const msl = seed > 4 ? 10 : 1;
      const rows = Array.from({ length: d.n }, (_, i) => i);
      const s = findBestSplit(hist, all(d.p), mapper, gp({ minSamplesLeaf: msl }), nodeOf(bins, d.n, d.p, rows, hist, h, true).node)!;
      const bf = bruteForce(d, g, h, 1, msl);
      // built without counts: the same split, the bounds settling what they can
      const bare = histOf(bins, d.n, d.p, rows, g, h, false);
      expect({ ...findBestSplit(bare, all(d.p), mapper, gp({ minSamplesLeaf: msl }), nodeOf(bins, d.n, d.p, rows, bare, h, false).node), cl: s.cl, cr: s.cr }).toEqual(s);
      expect(s.gain).toBeCloseTo(bf.gain, 9);
      expect(s.feature).toBe(bf.feature);
      // the same rows go left
      const goesLeft = new Set<number>();
      for (let i = 0; i < d.n; i++) {
        const b = bins[s.feature * d.n + i];
        if (b === MISSING_BIN ? s.missingLeft : b <= s.bin) goesLeft.add(i);
        expect(s.missingLeft === null).toBe(!d.X.some((v, k) => k % d.p === s.feature && v !== v)); // null: no missing value
      }
      expect(goesLeft).toEqual(bf.left);
    }
  });

  test('without bin counts the split is the one full counts choose; counts are built only where the hessian bound leaves a doubt', () => {
    let asked = 0;
    let settled = 0;
    for (const seed of [11, 12, 13, 14, 15, 16, 17, 18]) {
      const d = data(3000, 6, seed, { missing: seed % 2 ? 0.1 : 0, round: seed % 3 === 0 ? 3 : 0 });
      const { mapper, bins } = binned(d);
      const rng = makeRng(seed);
      // varying hessians, some rows of hessian 0 (weight 0) and some near the largest
      const g = Float32Array.from({ length: d.n }, () => rng.next() * 2 - 1);
      const h = Float32Array.from({ length: d.n }, () => (rng.next() < 0.05 ? 0 : rng.next() < 0.5 ? 0.25 : rng.next() * 0.25));
      for (const frac of [1, 0.3, 0.05]) {
        const rows = Array.from({ length: d.n }, (_, i) => i).filter(() => rng.next() < frac);
        for (const msl of [1, 5, 20, 60]) {
          const full = histOf(bins, d.n, d.p, rows, g, h, true);
          const want = findBestSplit(full, all(d.p), mapper, gp({ minSamplesLeaf: msl }), nodeOf(bins, d.n, d.p, rows, full, h, true).node);
          const bare = histOf(bins, d.n, d.p, rows, g, h, false);
          const lazy = nodeOf(bins, d.n, d.p, rows, bare, h, false);
          const got = findBestSplit(bare, all(d.p), mapper, gp({ minSamplesLeaf: msl }), lazy.node);
          expect(got === null ? null : { ...got, cl: -1, cr: -1 }).toEqual(want === null ? null : { ...want, cl: -1, cr: -1 });
          asked += lazy.asked.length;
          settled += d.p - lazy.asked.length;
        }
      }
    }
    expect(asked).toBeGreaterThan(0); // the doubtful thresholds were settled with counts
    expect(settled).toBeGreaterThan(asked); // and most features needed none
  });

  test('the numeric scans in WebAssembly (a histogram slot, one thread or two) choose the split the JS scans choose, bit for bit', async () => {
    let compared = 0;
    for (const seed of [21, 22, 23, 24]) {
      const d = data(3000, 9, seed, { missing: seed % 2 ? 0.1 : 0, round: seed === 24 ? 3 : 0 });
      const cat = new Uint8Array(d.p);
      cat[4] = 1;
      for (let i = 0; i < d.n; i++) d.X[i * d.p + 4] = i % 6;
      const { mapper, bins } = binned(d, cat);
      const rng = makeRng(seed);
      const g = Float32Array.from({ length: d.n }, () => rng.next() * 2 - 1);
      const h = Float32Array.from({ length: d.n }, () => (rng.next() < 0.05 ? 0 : rng.next() < 0.5 ? 0.25 : rng.next() * 0.25));
      for (const threads of [1, 2]) {
        const t = await FitThreads.create(d.n, d.p, threads, d.n, { y: d.y, w: null, T: 1, K: 2 }, 'wasm');
        try {
          t.searchSetup(mapper.nBins, mapper.isCat);
          for (const frac of [1, 0.3, 0.05]) {
            const rows = Array.from({ length: d.n }, (_, i) => i).filter(() => rng.next() < frac);
            const feats = frac === 0.3 ? Int32Array.from([8, 0, 4, 2, 5]) : all(d.p);
            for (const o of [{ minSamplesLeaf: 1 }, { minSamplesLeaf: 20 }, { minSamplesLeaf: 5, lambda: 0, minHessian: 0.5 }, { minSamplesLeaf: 60, lambda: 3 }]) {
              const params = gp(o);
              const js = histOf(bins, d.n, d.p, rows, g, h, false);
              const slot = t.takeHist();
              slot.set(js);
              const want = findBestSplit(js, feats, mapper, params, nodeOf(bins, d.n, d.p, rows, js, h, false).node);
              const node = nodeOf(bins, d.n, d.p, rows, slot, h, false).node;
              const got = findBestSplit(slot, feats, mapper, params, { ...node, scanned: () => t.scanNumeric(slot, feats, params.minSamplesLeaf, params.minHessian, params.lambda, node.hmax) });
              expect(got).toEqual(want);
              t.releaseHist(slot);
              compared += want === null ? 0 : 1;
            }
          }
        } finally {
          await t.close();
        }
      }
    }
    expect(compared).toBeGreaterThan(60);
  });

  test('a categorical split on a hand-made set finds the category group', async () => {
    // codes 0..5, 40 rows each; codes 1, 3 and 4 have a high rate
    const n = 240;
    const X = new Float64Array(n * 2);
    const y = new Float64Array(n);
    const rng = makeRng(9);
    for (let i = 0; i < n; i++) {
      const c = i % 6;
      X[i * 2] = c;
      X[i * 2 + 1] = rng.next(); // noise
      y[i] = rng.next() < ([1, 3, 4].includes(c) ? 0.9 : 0.1) ? 1 : 0;
    }
    const m = await fitGbdt({ X, y, n, p: 2, K: 2, categorical: Uint8Array.from([1, 0]) }, validateGbdtParams({ max_depth: 1, max_iter: 1 }), { seed: 0 });
    const t = m.trees[0];
    expect(t.feature[0]).toBe(0);
    const left = t.categories![0]!;
    expect([[1, 3, 4], [0, 2, 5]]).toContainEqual(left);
    // scoring follows the set; an unseen code goes right, a missing value the learned side
    const probe = Float64Array.from([1, 0.5, 0, 0.5, 4, 0.5, 7, 0.5, NaN, 0.5]);
    const mg = gbdtMargins(m, probe, 5, 2);
    const leafL = m.baseScore[0] + t.value[t.left[0]];
    const leafR = m.baseScore[0] + t.value[t.right[0]];
    const high = left.includes(1) ? leafL : leafR;
    const low = left.includes(1) ? leafR : leafL;
    expect([mg[0], mg[1], mg[2], mg[3]]).toEqual([high, low, high, leafR]);
    expect(mg[4]).toBe(t.missingLeft[0] ? leafL : leafR);
    expect(high).toBeGreaterThan(low);
  });

  test('categorical codes must be integers within max_bins', async () => {
    const X = Float64Array.from([0, 1, 2.5, 1]);
    await expect(fitGbdt({ X, y: Float64Array.from([0, 1, 0, 1]), n: 4, p: 1, K: 2, categorical: Uint8Array.from([1]) }, validateGbdtParams({}), { seed: 0 })).rejects.toThrow(/categorical feature 0 holds 2.5/);
  });
});

describe('missing values', () => {
  test('each split learns where missing values go, and scoring follows it', async () => {
    // missing x ⇒ label 1 most of the time, present x: label by x > 0
    const n = 600;
    const rng = makeRng(4);
    const X = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const miss = i % 5 === 0;
      X[i] = miss ? NaN : rng.next() * 2 - 1;
      y[i] = miss ? (rng.next() < 0.95 ? 1 : 0) : X[i] > 0 ? 1 : 0;
    }
    const m = await fitGbdt({ X, y, n, p: 1, K: 2 }, validateGbdtParams({ max_depth: 1, max_iter: 1, min_samples_leaf: 1 }), { seed: 0 });
    const t = m.trees[0];
    const side = t.missingLeft[0] ? t.left[0] : t.right[0];
    // the side missing values take is the high-rate one (x > threshold)
    expect(side).toBe(t.right[0]);
    expect(gbdtMargins(m, Float64Array.from([NaN]), 1, 1)[0]).toBe(m.baseScore[0] + t.value[side]);
  });

  test('with no missing value in training, a missing value follows the child with more training rows', async () => {
    const d = data(400, 2, 7);
    const m = await fitGbdt({ ...d, K: 2 }, validateGbdtParams({ max_iter: 5 }), { seed: 0 });
    for (const t of m.trees) {
      for (let i = 0; i < t.feature.length; i++) {
        if (t.feature[i] < 0) continue;
        expect(t.missingLeft[i]).toBe(t.count[t.left[i]] >= t.count[t.right[i]] ? 1 : 0);
      }
    }
  });

  test('an all-missing or constant column is never split on', async () => {
    const d = data(300, 3, 8);
    for (let i = 0; i < d.n; i++) {
      d.X[i * 3 + 1] = NaN;
      d.X[i * 3 + 2] = 5;
    }
    const m = await fitGbdt({ ...d, K: 2 }, validateGbdtParams({ max_iter: 10 }), { seed: 0 });
    for (const t of m.trees) expect(t.feature.filter((f) => f === 1 || f === 2)).toEqual([]);
    expect(m.importance[1]).toBe(0);
    expect(m.importance[2]).toBe(0);
  });
});

/** leaf of row i through the public tree by its raw value (the scoring rule) */
function leafByValue(t: GbdtTree, x: Float64Array, p: number, i: number): number {
  let node = 0;
  while (t.feature[node] >= 0) {
    const v = x[i * p + t.feature[node]];
    const cats = t.categories?.[node];
    const left = v !== v ? t.missingLeft[node] === 1 : cats ? cats.includes(v) : Math.fround(v) <= t.threshold[node];
    node = left ? t.left[node] : t.right[node];
  }
  return node;
}

describe('float32 thresholds', () => {
  test('every threshold is a float32 value, and scoring by value routes every training row as the bins did', async () => {
    // values that differ only beyond float32 precision: v, v ± half an ulp (rounds to v), and the next float32
    const n = 3000;
    const rng = makeRng(11);
    const X = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const base = Math.fround(Math.round(rng.next() * 40) / 7);
      const ulp = Math.fround(base * (1 + 2 ** -23)) - base || 2 ** -149;
      const k = i % 4;
      X[i] = k === 0 ? base : k === 1 ? base + ulp * 0.4 : k === 2 ? base - ulp * 0.4 : base + ulp;
      y[i] = rng.next() < (X[i] > 2.9 ? 0.8 : 0.3) ? 1 : 0;
    }
    const m = await fitGbdt({ X, y, n, p: 1, K: 2 }, validateGbdtParams({ max_iter: 20, min_samples_leaf: 1 }), { seed: 0 });
    const mapper = fitBins(X, 1, all(n), 255, undefined, 0);
    const bins = binMatrix(X, n, 1, mapper, 255);
    for (const t of m.trees) {
      for (let i = 0; i < t.feature.length; i++) if (t.feature[i] >= 0) expect(Math.fround(t.threshold[i])).toBe(t.threshold[i]);
      const built = { ...t, bin: t.threshold.map((thr, i) => (t.feature[i] < 0 ? -1 : mapper.edges[0].indexOf(thr))), catMask: t.feature.map(() => null) } as unknown as BuiltTree;
      for (let i = 0; i < n; i++) expect(leafByValue(t, X, 1, i)).toBe(leafOfBinned(built, bins, n, i));
    }
    // through the scorer: a value exactly on the threshold and one within half an ulp above it go left, the next float32 goes right
    const stump = await fitGbdt({ X, y, n, p: 1, K: 2 }, validateGbdtParams({ max_iter: 1, max_depth: 1, min_samples_leaf: 1 }), { seed: 0 });
    const t0 = stump.trees[0];
    const thr = t0.threshold[0];
    const next = new Float32Array(Float64Array.from([thr]));
    new Int32Array(next.buffer)[0] += thr >= 0 ? 1 : -1;
    const probe = Float64Array.from([thr, thr + (next[0] - thr) * 0.4, next[0]]);
    const L = stump.baseScore[0] + t0.value[t0.left[0]];
    const R = stump.baseScore[0] + t0.value[t0.right[0]];
    expect(Array.from(gbdtMargins(stump, probe, 3, 1))).toEqual([L, L, R]);
    expect(L).not.toBe(R);
  });
});

describe('scoring', () => {
  // shallow trees walk as complete trees in heap order, trees deeper than 12 through their own child table
  test.each([
    ['shallow', 2, { max_iter: 12, max_depth: 4, min_samples_leaf: 1 }],
    ['shallow multiclass', 3, { max_iter: 5, max_depth: 5, min_samples_leaf: 1 }],
    ['deep', 2, { max_iter: 6, max_depth: null, max_leaf_nodes: 1000, min_samples_leaf: 1 }],
  ] as const)('margins equal a row-by-row walk of every tree, in tree order, for rows with and without missing or extreme values (%s trees)', async (kind, K, params) => {
    const d = data(4000, 4, 21, { missing: 0.05, round: 8 });
    const y = K === 2 ? d.y : Float64Array.from(d.y, (v, i) => (v === 1 ? 1 + (i % 2) : 0));
    const m = await fitGbdt({ ...d, y, K }, validateGbdtParams(params), { seed: 0 });
    const T = m.treesPerRound;
    const depthOf = (t: GbdtTree) => {
      const at = new Array<number>(t.feature.length).fill(0);
      for (let i = 0; i < t.feature.length; i++) if (t.feature[i] >= 0) at[t.left[i]] = at[t.right[i]] = at[i] + 1;
      return Math.max(...at);
    };
    const deepest = Math.max(...m.trees.map(depthOf));
    if (kind === 'deep') expect(deepest).toBeGreaterThan(12);
    else expect(deepest).toBeLessThanOrEqual(12);
    // probes: every threshold itself, its float32 neighbours, ±0, beyond float32 range, infinities, NaN; then the training rows
    const probes: number[] = [0, -0, 3.5e38, -3.5e38, 1e300, -1e300, Infinity, -Infinity, NaN];
    for (const t of m.trees)
      for (let i = 0; i < t.feature.length; i++) {
        if (t.feature[i] < 0) continue;
        const thr = t.threshold[i];
        const up = new Float32Array([thr]);
        new Int32Array(up.buffer)[0] += thr >= 0 ? 1 : -1;
        probes.push(thr, up[0], thr + (up[0] - thr) * 0.4);
      }
    const rng = makeRng(5);
    const nP = 600; // more than one block of rows, with a tail that is not a multiple of 4
    const X = new Float64Array((nP + d.n) * d.p);
    for (let i = 0; i < nP * d.p; i++) X[i] = probes[rng.int(probes.length)];
    X.set(d.X, nP * d.p);
    const n = nP + d.n;
    // the walk as WebAssembly and as JS, on the row-major matrix and on one column per feature (from an offset)
    const cols = Array.from({ length: d.p }, (_, j) => Float64Array.from({ length: n + 3 }, (_, i) => (i < 3 ? 0 : X[(i - 3) * d.p + j])));
    const runs = [gbdtMargins(m, X, n, d.p)];
    for (const wasm of [true, false]) {
      const c = compileGbdt(m, { wasm });
      expect(gbdtWalk(c)).toBe(wasm && kind !== 'deep' ? 'wasm' : 'js');
      runs.push(gbdtMarginsInto(c, X, n, d.p, new Float64Array(n * T)), gbdtMarginsColumns(c, cols, 3, n, new Float64Array(n * T)));
    }
    let walked = 0;
    for (let i = 0; i < n; i++) {
      const z = m.baseScore.slice();
      m.trees.forEach((t, k) => (z[k % T] += t.value[leafByValue(t, X, d.p, i)]));
      for (const [r, got] of runs.entries()) for (let k = 0; k < T; k++) if (got[i * T + k] !== z[k]) throw new Error(`run ${r}, row ${i}, slot ${k}: ${got[i * T + k]} vs ${z[k]}`);
      walked++;
    }
    expect(walked).toBe(n);
  });
});

describe('the fit\'s exp', () => {
  test('expFit is e^x to within an ulp or two over the range the fit uses, and saturates beyond it', () => {
    const rng = makeRng(21);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (rng.next() * 2 - 1) * (i % 10 === 0 ? 700 : 40);
      const want = Math.exp(x);
      const ulp = 2 ** (Math.floor(Math.log2(want)) - 52);
      worst = Math.max(worst, Math.abs(expFit(x) - want) / ulp);
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(expFit(0)).toBe(1);
    expect(expFit(1)).toBeCloseTo(Math.E, 15);
    expect(expFit(-800)).toBe(0);
    expect(expFit(800)).toBe(Infinity);
  });
});

describe('the two threads', () => {
  test('chunked passes on two threads, and the WebAssembly loops, equal one JS pass: stable partition, gather, gradients, histograms', async () => {
    const n = 60_000; // several chunks at the root, two below
    const p = 7; // histogram passes of four, two and one feature
    const rng = makeRng(3);
    const y = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    const runs = [];
    for (const [threads, kernels] of [[1, 'js'], [2, 'js'], [1, 'wasm'], [2, 'wasm']] as const) {
      const t = await FitThreads.create(n, p, threads, n, { y, w: null, T: 1, K: 2 }, kernels);
      expect(t.kernels).toBe(kernels);
      try {
        const b = t.bufs;
        const r2 = makeRng(4);
        for (let i = 0; i < n * p; i++) b.bins[i] = r2.next() < 0.05 ? MISSING_BIN : r2.int(40);
        for (let i = 0; i < n; i++) b.m[i] = r2.next() * 4 - 2;
        t.gradients(LOSS.binary, 0, 1);
        for (let i = 0; i < n; i++) b.rows[i] = i;
        t.build(all(p), 0, n, true, 1);
        const root = Float64Array.from(b.hist);
        expect(root).toEqual(histOf(b.bins, n, p, Array.from({ length: n }, (_, i) => i), b.g, b.h, false));
        // split the root on feature 2 (bins ≤ 17 and missing left), then its right side on feature 4
        for (let v = 0; v < 256; v++) b.left[v] = v <= 17 || v === MISSING_BIN ? 1 : 0;
        const mid = t.partition(2, 0, n);
        for (let v = 0; v < 256; v++) b.left[v] = v % 3 === 0 ? 1 : 0;
        const mid2 = t.partition(4, mid, n);
        t.gather(mid, n);
        t.build(all(p), mid, n, false, 1);
        const node = Array.from(b.rows.subarray(mid, n));
        // the node's histograms against a direct build from its rows
        expect(Float64Array.from(b.hist)).toEqual(histOf(b.bins, n, p, node, b.g, b.h, false));
        expect(Array.from(b.og.subarray(0, n - mid))).toEqual(node.map((r) => b.g[r]));
        // a small node, with and without counts
        const few = Array.from(b.rows.subarray(mid2, mid2 + 250));
        t.gather(mid2, mid2 + 250);
        t.build(all(p), mid2, mid2 + 250, false, 1);
        expect(Float64Array.from(b.hist)).toEqual(histOf(b.bins, n, p, few, b.g, b.h, false));
        t.build(all(p), mid2, mid2 + 250, false, 2);
        expect(Float64Array.from(b.hist)).toEqual(histOf(b.bins, n, p, few, b.g, b.h, true));
        runs.push({ root, mid, mid2, rows: Int32Array.from(b.rows), g: Float32Array.from(b.g), h: Float32Array.from(b.h), hist: Float64Array.from(b.hist) });
        // against a direct stable partition
        const direct = Array.from({ length: n }, (_, i) => i);
        const l1 = direct.filter((r) => b.bins[2 * n + r] <= 17 || b.bins[2 * n + r] === MISSING_BIN);
        const r1 = direct.filter((r) => !(b.bins[2 * n + r] <= 17 || b.bins[2 * n + r] === MISSING_BIN));
        const l2 = r1.filter((r) => b.bins[4 * n + r] % 3 === 0);
        const r22 = r1.filter((r) => b.bins[4 * n + r] % 3 !== 0);
        expect(mid).toBe(l1.length);
        expect(mid2).toBe(l1.length + l2.length);
        expect(Array.from(b.rows)).toEqual([...l1, ...l2, ...r22]);
        expect(b.g[7]).toBe(Math.fround(1 / (1 + expFit(-b.m[7])) - y[7]));
      } finally {
        await t.close();
      }
    }
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
  });
});

describe('determinism', () => {
  test('same inputs and seed → byte-identical JSON, with one thread or two (row and feature samples on)', async () => {
    const d = data(40_000, 30, 12, { missing: 0.05 });
    const params = validateGbdtParams({ max_iter: 4, subsample: 0.8, colsample: 0.7, max_leaf_nodes: 31, max_depth: null });
    const one = JSON.stringify(gbdtToJSON(await fitGbdt({ ...d, K: 2 }, params, { seed: 5, threads: 1 })));
    const before = { ...threadStats };
    const two = JSON.stringify(gbdtToJSON(await fitGbdt({ ...d, K: 2 }, params, { seed: 5, threads: 2 })));
    expect(threadStats.sharedNodes).toBeGreaterThan(before.sharedNodes); // histograms were offered to the worker
    expect(threadStats.workerChunks).toBeGreaterThan(before.workerChunks); // and it ran some of the work
    expect(two).toBe(one);
    // the JS loops (the fallback past wasm32's 4 GiB) give the same bytes as the WebAssembly ones
    expect(JSON.stringify(gbdtToJSON(await fitGbdt({ ...d, K: 2 }, params, { seed: 5, threads: 2, kernels: 'js' })))).toBe(one);
    const other = JSON.stringify(gbdtToJSON(await fitGbdt({ ...d, K: 2 }, params, { seed: 6, threads: 1 })));
    expect(other).not.toBe(one);
  });
});

describe('losses, weights, early stopping', () => {
  test('regression losses fit a step function; absolute error and huber resist outliers', async () => {
    const n = 1000;
    const X = new Float64Array(n);
    const clean = new Float64Array(n);
    const dirty = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X[i] = i / n;
      clean[i] = X[i] > 0.5 ? 3 : -1;
      dirty[i] = clean[i] + (i % 50 === 7 ? 1000 : 0);
    }
    const at = Float64Array.from([0.25, 0.75]);
    const fit = async (loss: string, y: Float64Array) => Array.from(gbdtPredict(await fitGbdt({ X, y, n, p: 1, K: 1 }, validateGbdtParams({ loss, max_iter: 100 }), { seed: 0 }), at, 2, 1));
    const sq = await fit('squared_error', clean);
    expect(sq[0]).toBeCloseTo(-1, 3);
    expect(sq[1]).toBeCloseTo(3, 3);
    const abs = await fit('absolute_error', dirty);
    expect(abs[0]).toBeCloseTo(-1, 1);
    expect(abs[1]).toBeCloseTo(3, 1);
    const hub = await fit('huber', dirty);
    expect(Math.abs(hub[0] + 1)).toBeLessThan(0.5);
    const sqDirty = await fit('squared_error', dirty);
    expect(sqDirty[0]).toBeGreaterThan(5); // the mean chases the outliers
  });

  test('softmax: one tree per class per round, probabilities sum to 1', async () => {
    const d = data(600, 2, 13);
    for (let i = 0; i < d.n; i++) d.y[i] = d.X[i * 2] > 0.7 ? 2 : d.X[i * 2] > -0.5 ? 1 : 0;
    const m = await fitGbdt({ ...d, K: 3 }, validateGbdtParams({ max_iter: 10 }), { seed: 0 });
    expect(m.treesPerRound).toBe(3);
    expect(m.trees.length).toBe(30);
    const P = gbdtPredict(m, d.X, d.n, d.p);
    let hit = 0;
    for (let i = 0; i < d.n; i++) {
      expect(P[i * 3] + P[i * 3 + 1] + P[i * 3 + 2]).toBeCloseTo(1, 12);
      const best = [0, 1, 2].reduce((a, k) => (P[i * 3 + k] > P[i * 3 + a] ? k : a), 0);
      if (best === d.y[i]) hit++;
    }
    expect(hit / d.n).toBeGreaterThan(0.97);
  });

  test('a sample weight of 2 is the same fit as the row twice', async () => {
    const d = data(300, 2, 14, { round: 8 });
    const w = Float64Array.from({ length: d.n }, (_, i) => (i % 3 === 0 ? 2 : 1));
    const idx: number[] = [];
    for (let i = 0; i < d.n; i++) for (let k = 0; k < w[i]; k++) idx.push(i);
    const X2 = new Float64Array(idx.length * 2);
    idx.forEach((r, i) => X2.set(d.X.subarray(r * 2, r * 2 + 2), i * 2));
    const params = validateGbdtParams({ max_iter: 10, min_samples_leaf: 1, min_hessian: 0 });
    const a = await fitGbdt({ ...d, K: 2, sampleWeight: w }, params, { seed: 0 });
    const b = await fitGbdt({ X: X2, y: Float64Array.from(idx, (r) => d.y[r]), n: idx.length, p: 2, K: 2 }, params, { seed: 0 });
    const pa = gbdtPredict(a, d.X, d.n, 2);
    const pb = gbdtPredict(b, d.X, d.n, 2);
    for (let i = 0; i < d.n; i++) expect(pa[i]).toBeCloseTo(pb[i], 9);
  });

  test("early stopping 'auto' turns on above 10,000 rows, keeps the best round and records the curves", async () => {
    const d = data(12_000, 4, 15);
    const m = await fitGbdt({ ...d, K: 2 }, validateGbdtParams({ max_iter: 300, learning_rate: 0.3 }), { seed: 1 });
    expect(m.earlyStopping.enabled).toBe(true);
    expect(m.earlyStopping.validationRows).toBe(1200);
    expect(m.nIter).toBe(m.earlyStopping.bestIter);
    expect(m.nIter).toBeLessThan(300);
    const v = m.curve.validation!;
    expect(v.length).toBe(m.curve.train.length);
    expect(v.length).toBeGreaterThanOrEqual(m.nIter + m.params.n_iter_no_change);
    expect(Math.min(...v)).toBe(v[m.nIter - 1]);
    expect(m.trees.length).toBe(m.nIter);
    const small = await fitGbdt({ ...data(500, 2, 16), K: 2 }, validateGbdtParams({ max_iter: 7 }), { seed: 1 });
    expect(small.earlyStopping).toEqual({ enabled: false });
    expect(small.nIter).toBe(7);
  });
});

describe('bad input', () => {
  test('out-of-range or unknown parameters → RangeError naming the key and the range', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ learning_rate: 0 }, /learning_rate must be within \(0, 1\]/],
      [{ max_iter: 2.5 }, /max_iter must be an integer in \[1, 10000\]/],
      [{ max_bins: 256 }, /max_bins must be an integer in \[2, 255\]/],
      [{ max_depth: null, max_leaf_nodes: null }, /max_leaf_nodes and max_depth cannot both be null/],
      [{ subsample: 1.5 }, /subsample must be within \(0, 1\]/],
      [{ validation_fraction: 0.9 }, /validation_fraction must be within \(0, 0.5\]/],
      [{ early_stopping: 'maybe' }, /early_stopping must be one of auto, on, off/],
      [{ loss: 'hinge' }, /loss must be one of log_loss/],
      [{ min_samples_leaf: 0 }, /min_samples_leaf must be an integer/],
      [{ l2_regularization: -1 }, /l2_regularization must be within \[0/],
      [{ huber_delta: 2 }, /huber_delta applies to loss huber only/],
      [{ leaves: 3 }, /unknown gbdt parameter leaves/],
      [{ learning_rate: 'fast' }, /learning_rate must be a number/],
    ];
    for (const [raw, re] of cases) expect(() => validateGbdtParams(raw)).toThrow(re);
    expect(validateGbdtParams({ learning_rate: '0.05', max_leaf_nodes: '15' })).toMatchObject({ learning_rate: 0.05, max_leaf_nodes: 15 });
    expect(validateGbdtParams({})).toEqual(GBDT_DEFAULTS);
  });

  test('NaN labels, infinite features, one class, bad weights → GbdtInputError', async () => {
    const d = data(50, 2, 17);
    const p = validateGbdtParams({ max_iter: 2 });
    const bad = async (over: Record<string, unknown>, re: RegExp, column?: number) => {
      const e = await fitGbdt({ ...d, K: 2, ...over }, p, { seed: 0 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GbdtInputError);
      expect((e as Error).message).toMatch(re);
      if (column !== undefined) expect((e as GbdtInputError).column).toBe(column);
    };
    const yNaN = d.y.slice();
    yNaN[3] = NaN;
    await bad({ y: yNaN }, /y holds NaN at row 3/);
    const XInf = d.X.slice();
    XInf[7 * 2 + 1] = -Infinity;
    await bad({ X: XInf }, /feature 1 holds -Infinity at row 7/, 1);
    // the check rides on the binning: found on two threads in a training row or an early-stopping
    // row, with either loops; values beyond float32's range are not infinite
    const big = data(60_000, 20, 19);
    const es = validateGbdtParams({ max_iter: 1, early_stopping: 'on' });
    const { valRows } = gbdtSplit(big.y, big.n, 2, es, 0);
    for (const [row, kernels] of [[big.n - 1, 'wasm'], [valRows[5], 'wasm'], [123, 'js']] as const) {
      const X = big.X.slice();
      X[row * 20 + 13] = Infinity;
      X[(row - 1) * 20 + 2] = -3e38 * 10;
      const e = await fitGbdt({ ...big, K: 2, X }, es, { seed: 0, threads: 2, kernels }).catch((x: unknown) => x);
      expect((e as Error).message).toMatch(new RegExp(`^feature 13 holds Infinity at row ${row} `));
    }
    const X = big.X.slice();
    X[77 * 20 + 4] = 1e39;
    X[78 * 20 + 4] = -1e300;
    expect((await fitGbdt({ ...big, K: 2, X }, es, { seed: 0, threads: 2 })).trees.length).toBe(1);
    await bad({ y: new Float64Array(50) }, /single class/);
    await bad({ y: Float64Array.from(d.y, (v) => v * 2) }, /class labels must be integers in \[0, 1\]/);
    await bad({ sampleWeight: new Float64Array(50).fill(-1) }, /weights must be finite and ≥ 0/);
    await bad({ K: 1 }, /loss log_loss needs K ≥ 2/);
  });
});

describe('JSON form', () => {
  test('round trip scores the same; a damaged model is refused on load', async () => {
    const d = data(400, 3, 18, { missing: 0.1 });
    const cat = Uint8Array.from([0, 0, 1]);
    for (let i = 0; i < d.n; i++) d.X[i * 3 + 2] = i % 7;
    const m = await fitGbdt({ ...d, K: 2, categorical: cat }, validateGbdtParams({ max_iter: 20 }), { seed: 0 });
    const text = JSON.stringify(gbdtToJSON(m));
    const back = gbdtFromJSON(JSON.parse(text));
    expect(JSON.stringify(gbdtToJSON(back))).toBe(text);
    expect(gbdtPredict(back, d.X, d.n, d.p)).toEqual(gbdtPredict(m, d.X, d.n, d.p));
    const damage = (f: (o: GbdtModel) => void, re: RegExp) => {
      const o = JSON.parse(text) as GbdtModel;
      f(o);
      expect(() => gbdtFromJSON(o)).toThrow(re);
    };
    damage((o) => (o.trees[0].left[0] = 0), /children must follow their parent/);
    damage((o) => (o.trees[0].feature[0] = 9), /splits on feature 9/);
    damage((o) => (o.trees[1].threshold[0] = 0.1), /not a float32 value|categories/);
    damage((o) => o.trees.pop(), /trees must hold/);
    damage((o) => ((o as unknown as Record<string, unknown>).format = 'other'), /unknown gbdt model format/);
    damage((o) => (o.params.learning_rate = 7), /learning_rate/);
  });
});
