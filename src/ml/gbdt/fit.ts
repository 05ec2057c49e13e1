/**
 * The boosting loop: input checks, binning on the training rows, per-round row and feature samples,
 * gradients of the loss, one tree per round (per class for softmax), and early stopping on a seeded
 * validation part of the training rows.
 */
import { availableParallelism } from 'node:os';
import { makeRng, randomSplit, stratifiedSplit, type Rng } from '../splits.js';
import { binMatrix, fitBins, MISSING_BIN, type BinMapper } from './bins.js';
import { GbdtInputError } from './errors.js';
import { growTree, leafOfBinned, type BuiltTree, type GrowParams } from './grow.js';
import type { FitOptions, GbdtData, GbdtModel, GbdtParams, GbdtTree } from './types.js';
import { marginsToPrediction } from './predict.js';
import { LOSS } from './kernels.js';
import { FitThreads } from './threads.js';

/** below this many training cells (rows × features) the fit runs on one thread */
const PARALLEL_MIN_CELLS = 1_000_000;
/** the training curve is measured on at most this many training rows (evenly spaced) */
const CURVE_ROWS = 10_000;

function checkData(d: GbdtData, params: GbdtParams): void {
  const { X, n, p } = d;
  if (X.length !== n * p) throw new GbdtInputError(`X holds ${X.length} values, expected ${n} × ${p}`);
  if (d.categorical && d.categorical.length !== p) throw new GbdtInputError(`categorical holds ${d.categorical.length} flags, expected ${p}`);
  checkTargets(d, params);
}

/** No feature value is ±Infinity (the first one found, in row order, is named). */
function checkFinite(X: Float64Array, p: number): void {
  for (let i = 0; i < X.length; i++) {
    const x = X[i];
    if (x === Infinity || x === -Infinity) throw new GbdtInputError(`feature ${i % p} holds ${x} at row ${Math.floor(i / p)} (infinite values are not allowed; use NaN for missing)`, i % p);
  }
}

/** Whether a value of the rows `rows` of X is ±Infinity. */
function anyInfinite(X: Float64Array, p: number, rows: ArrayLike<number>): boolean {
  for (let i = 0; i < rows.length; i++) for (let j = 0, o = rows[i] * p; j < p; j++) if (Math.abs(X[o + j]) === Infinity) return true;
  return false;
}

/** The checks that need no feature values: sizes, labels, weights. */
function checkTargets(d: Omit<GbdtData, 'X'>, params: GbdtParams): void {
  const { y, n, p, K } = d;
  if (!Number.isInteger(n) || n < 2) throw new GbdtInputError(`need at least 2 rows, got ${n}`);
  if (!Number.isInteger(p) || p < 1) throw new GbdtInputError(`need at least 1 feature, got ${p}`);
  if (y.length !== n) throw new GbdtInputError(`y holds ${y.length} values, expected ${n}`);
  if (!Number.isInteger(K) || K < 1) throw new GbdtInputError(`K must be a positive integer, got ${K}`);
  if (params.loss === 'log_loss' ? K < 2 : K !== 1) throw new GbdtInputError(params.loss === 'log_loss' ? `loss log_loss needs K ≥ 2 classes, got K = ${K}` : `loss ${params.loss} is for regression (K = 1), got K = ${K}`);
  const seen = new Uint8Array(Math.max(K, 1));
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) throw new GbdtInputError(`y holds ${v} at row ${i}`);
    if (K >= 2) {
      if (!Number.isInteger(v) || v < 0 || v >= K) throw new GbdtInputError(`y holds ${v} at row ${i}; class labels must be integers in [0, ${K - 1}]`);
      seen[v] = 1;
    }
  }
  if (K >= 2) {
    const classes = seen.reduce((a, b) => a + b, 0);
    if (classes < 2) throw new GbdtInputError(`y holds a single class (${seen.indexOf(1)}): a classifier needs at least two`);
  }
  if (d.sampleWeight) {
    const w = d.sampleWeight;
    if (w.length !== n) throw new GbdtInputError(`sampleWeight holds ${w.length} values, expected ${n}`);
    let s = 0;
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(w[i]) && w[i] >= 0)) throw new GbdtInputError(`sampleWeight holds ${w[i]} at row ${i}; weights must be finite and ≥ 0`);
      s += w[i];
    }
    if (!(s > 0)) throw new GbdtInputError('sampleWeight sums to 0');
  }
}

function weightedQuantile(v: Float64Array, w: Float64Array | null, q: number): number {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
  let total = 0;
  for (let i = 0; i < v.length; i++) total += w ? w[i] : 1;
  let acc = 0;
  for (const i of idx) {
    acc += w ? w[i] : 1;
    if (acc >= q * total) return v[i];
  }
  return v[idx[idx.length - 1]];
}

/** Loss per row averaged with weights; margins m are n × T. */
function meanLoss(loss: GbdtParams['loss'], K: number, delta: number, y: Float64Array, w: Float64Array | null, m: Float64Array, rows: ArrayLike<number> | null, count: number): number {
  let s = 0;
  let ws = 0;
  for (let q = 0; q < count; q++) {
    const i = rows ? rows[q] : q;
    const wi = w ? w[i] : 1;
    let l: number;
    if (loss === 'log_loss' && K === 2) {
      const z = m[i];
      l = Math.max(z, 0) - y[i] * z + Math.log1p(Math.exp(-Math.abs(z)));
    } else if (loss === 'log_loss') {
      const o = i * K;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) if (m[o + k] > mx) mx = m[o + k];
      let e = 0;
      for (let k = 0; k < K; k++) e += Math.exp(m[o + k] - mx);
      l = mx + Math.log(e) - m[o + y[i]];
    } else {
      const r = y[i] - m[i];
      if (loss === 'squared_error') l = r * r;
      else if (loss === 'absolute_error') l = Math.abs(r);
      else l = Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta);
    }
    s += wi * l;
    ws += wi;
  }
  return ws > 0 ? s / ws : 0;
}

/**
 * The weighted cover of a grown tree: per node the sum of the weights of the rows that reached it (its
 * leaves' row ranges in `rows`, summed up the tree; children follow their parent).
 */
function weightedCover(t: BuiltTree, rows: Int32Array, w: Float64Array): number[] {
  const c = new Array<number>(t.feature.length).fill(0);
  for (const lf of t.leaves) {
    let s = 0;
    for (let i = lf.start; i < lf.end; i++) s += w[rows[i]];
    c[lf.node] = s;
  }
  for (let nd = c.length - 1; nd >= 0; nd--) if (t.left[nd] >= 0) c[nd] = c[t.left[nd]] + c[t.right[nd]];
  return c;
}

function toPublicTree(t: BuiltTree, cover?: number[]): GbdtTree {
  const out: GbdtTree = {
    feature: t.feature,
    threshold: t.threshold,
    missingLeft: t.missingLeft,
    left: t.left,
    right: t.right,
    value: t.value,
    gain: t.gain,
    count: t.count,
  };
  if (t.cats.some((c) => c !== null)) out.categories = t.cats;
  if (cover) out.cover = cover;
  return out;
}

function sampleSorted(rng: Rng, n: number, k: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, k).sort();
}

/** The early-stopping validation rows of a fit (ascending; none when early stopping is off) and the training rows, from the labels alone. */
export function gbdtSplit(y: Float64Array, n: number, K: number, params: GbdtParams, seed: number): { valRows: number[]; trainIdx: Int32Array } {
  const esOn = params.early_stopping === 'on' || (params.early_stopping === 'auto' && n > 10000);
  let valRows: number[] = [];
  if (esOn) {
    valRows = K >= 2 ? stratifiedSplit(y, params.validation_fraction, seed ^ 0x27d4eb2f) : randomSplit(n, params.validation_fraction, seed ^ 0x27d4eb2f);
    if (valRows.length === 0 || valRows.length === n) throw new GbdtInputError(`validation_fraction ${params.validation_fraction} leaves no rows to ${valRows.length === 0 ? 'validate on' : 'train on'} with ${n} rows`);
  }
  const isVal = new Uint8Array(n);
  for (const r of valRows) isVal[r] = 1;
  const trainIdx = new Int32Array(n - valRows.length);
  for (let i = 0, j = 0; i < n; i++) if (!isVal[i]) trainIdx[j++] = i;
  return { valRows, trainIdx };
}

/** The early-stopping split and the bins; with every row training the row list is the identity and is not kept (4 bytes a row). */
function splitAndBins(data: GbdtData, params: GbdtParams, seed: number): { split: ReturnType<typeof gbdtSplit>; mapper: BinMapper } {
  const full = gbdtSplit(data.y, data.n, data.K, params, seed);
  const mapper = fitBins(data.X, data.p, full.trainIdx, params.max_bins, data.categorical, seed);
  return { split: full.valRows.length ? full : { valRows: full.valRows, trainIdx: new Int32Array(0) }, mapper };
}

export async function fitGbdt(data: GbdtData, params: GbdtParams, opts: FitOptions): Promise<GbdtModel> {
  checkData(data, params);
  const { X, n, p } = data;
  const { split, mapper } = splitAndBins(data, params, opts.seed);
  const nV = split.valRows.length;
  // infinite values are looked for while the rows are binned (one pass over X fewer); when one may
  // be there, the whole of X is checked, so the error names the first in row order
  return boost(data, split, mapper, params, opts, (_bins, binsV, threads) => {
    const maybe = threads.binRows(X, mapper, params.max_bins, nV ? split.trainIdx : null);
    if (maybe || (nV > 0 && anyInfinite(X, p, split.valRows))) checkFinite(X, p);
    if (nV) binMatrix(X, nV, p, mapper, params.max_bins, binsV, Int32Array.from(split.valRows));
  });
}

/** What a fit on a bin matrix filled by the caller takes: fitGbdt's data without X. */
export type BinnedGbdtData = Omit<GbdtData, 'X' | 'categorical'>;

/**
 * The fit on bins the caller produces (out-of-core training streams the rows through binMatrix):
 * `split` is gbdtSplit of the labels, `mapper` the bins of the training rows (fitBins on the rows
 * binSampleRows picks), and `fill` writes the column-major bins of the training rows (trainIdx
 * order) into `bins` and of the validation rows into `binsV`. The same rows, split and mapper give
 * the model fitGbdt gives.
 */
export async function fitGbdtBinned(data: BinnedGbdtData, split: ReturnType<typeof gbdtSplit>, mapper: BinMapper, params: GbdtParams, opts: FitOptions, fill: (bins: Uint8Array, binsV: Uint8Array) => void | Promise<void>): Promise<GbdtModel> {
  checkTargets(data, params);
  return boost(data, split, mapper, params, opts, fill);
}

/** Bytes fitGbdtBinned holds for n rows × p features and K classes (the bins and the per-row state), for a memory budget. */
export function binnedFitBytes(n: number, p: number, K: number, params: Pick<GbdtParams, 'validation_fraction' | 'subsample'>, weighted: boolean): number {
  const T = K > 2 ? K : 1;
  // per row: the bins (training and validation) p; labels y and their training/validation copies 16;
  // weights the same 16; the split (isVal, trainIdx, valRows) 5 + 8·fraction; gradients g, h 16 and
  // their gathered copies og, oh (a subsample, else at most half the rows); rows, tmp 8; margins 8T;
  // softmax probabilities 8K; inSample 1
  const gathered = 16 * (params.subsample < 1 ? params.subsample : 0.5);
  return Math.ceil(n * (p + 16 + (weighted ? 16 : 0) + 5 + 8 * params.validation_fraction + 16 + gathered + 8 + 8 * T + (K > 2 ? 8 * K : 0) + 1));
}

async function boost(data: BinnedGbdtData, split: ReturnType<typeof gbdtSplit>, mapper: BinMapper, params: GbdtParams, opts: FitOptions, fill: (bins: Uint8Array, binsV: Uint8Array, threads: FitThreads) => void | Promise<void>): Promise<GbdtModel> {
  const { n, p, K } = data;
  const seed = opts.seed;
  const rng = makeRng(seed);
  const T = K > 2 ? K : 1;
  const delta = params.huber_delta ?? 1;
  const { valRows, trainIdx } = split;
  const esOn = valRows.length > 0;
  const nT = n - valRows.length;
  const nV = valRows.length;
  const gather = (src: Float64Array | undefined, idx: ArrayLike<number>): Float64Array | null => {
    if (!src) return null;
    const out = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
    return out;
  };
  const yT = nV ? gather(data.y, trainIdx)! : data.y;
  const wT = nV ? gather(data.sampleWeight, trainIdx) : data.sampleWeight ?? null;
  const yV = gather(data.y, valRows) ?? new Float64Array(0);
  const wV = gather(data.sampleWeight, valRows);
  if (K >= 2) {
    const seen = new Set<number>();
    for (let i = 0; i < nT; i++) seen.add(yT[i]);
    if (seen.size < 2) throw new GbdtInputError('the training part (after the early-stopping validation part) holds a single class');
  }

  // ── bins
  const threads = Math.max(1, Math.min(opts.threads ?? Math.min(2, availableParallelism()), 2));
  const useThreads = threads > 1 && nT * p >= PARALLEL_MIN_CELLS ? threads : 1;
  const nSub = Math.max(1, Math.round(params.subsample * nT));
  // the root is gathered only when rows are subsampled; below it a gathered node is a smaller child
  const b = await FitThreads.create(nT, p, useThreads, nSub < nT ? nSub : Math.ceil(nT / 2), { y: yT, w: wT, T, K }, opts.kernels);
  try {
    const binsV = new Uint8Array(nV * p);
    await fill(b.bufs.bins, binsV, b);
    b.searchSetup(mapper.nBins, mapper.isCat);

    // ── initial margins
    const baseScore = new Array<number>(T).fill(0);
    let wsum = 0;
    for (let i = 0; i < nT; i++) wsum += wT ? wT[i] : 1;
    if (params.loss === 'log_loss') {
      const cls = new Float64Array(K);
      for (let i = 0; i < nT; i++) cls[yT[i]] += wT ? wT[i] : 1;
      const eps = 1e-15;
      if (K === 2) {
        const pr = Math.min(Math.max(cls[1] / wsum, eps), 1 - eps);
        baseScore[0] = Math.log(pr / (1 - pr));
      } else for (let k = 0; k < K; k++) baseScore[k] = Math.log(Math.max(cls[k] / wsum, eps));
    } else if (params.loss === 'squared_error') {
      let s = 0;
      for (let i = 0; i < nT; i++) s += (wT ? wT[i] : 1) * yT[i];
      baseScore[0] = s / wsum;
    } else baseScore[0] = weightedQuantile(yT, wT, 0.5);
    const mT = b.bufs.m;
    const mV = new Float64Array(nV * T);
    for (let i = 0; i < nT; i++) for (let k = 0; k < T; k++) mT[i * T + k] = baseScore[k];
    for (let i = 0; i < nV; i++) for (let k = 0; k < T; k++) mV[i * T + k] = baseScore[k];

    const gp: GrowParams = {
      maxLeaves: params.max_leaf_nodes,
      maxDepth: params.max_depth,
      minSamplesLeaf: params.min_samples_leaf,
      minHessian: params.min_hessian,
      lambda: params.l2_regularization,
      learningRate: params.learning_rate,
    };
    const curveStep = Math.max(1, Math.ceil(nT / CURVE_ROWS));
    const curveRows: number[] = [];
    for (let i = 0; i < nT; i += curveStep) curveRows.push(i);
    // the curve rows' labels, weights and (each round) margins side by side: their margins are
    // gathered in a loop of loads alone, which keeps many cache misses in flight
    const curveY = Float64Array.from(curveRows, (i) => yT[i]);
    const curveW = wT ? Float64Array.from(curveRows, (i) => wT[i]) : null;
    const curveM = new Float64Array(curveRows.length * T);
    const curveTrain: number[] = [];
    const curveVal: number[] = [];
    const trees: GbdtTree[] = [];
    const importance = new Array<number>(p).fill(0);
    const importanceByRound: number[][] = [];
    const nCol = Math.max(1, Math.round(params.colsample * p));
    const prob = b.bufs.prob;
    const lossKind = params.loss === 'log_loss' ? (K === 2 ? LOSS.binary : LOSS.softmax) : params.loss === 'squared_error' ? LOSS.squared : params.loss === 'absolute_error' ? LOSS.absolute : LOSS.huber;
    const inSample = new Uint8Array(nT);
    const { rows } = b.bufs;
    let bestIter = 0;
    let bestLoss = Infinity;
    let rounds = 0;
    const y = yT;
    const w = wT;
    for (let it = 0; it < params.max_iter; it++) {
      // row and feature samples of this round
      const sub = nSub < nT ? sampleSorted(rng, nT, nSub) : null;
      const feats = nCol < p ? sampleSorted(rng, p, nCol) : Int32Array.from({ length: p }, (_, j) => j);
      inSample.fill(sub ? 0 : 1);
      if (sub) for (let i = 0; i < nSub; i++) inSample[sub[i]] = 1;
      if (K > 2) {
        prob.set(mT);
        marginsToPrediction(K, prob, nT);
      }
      const roundImp = new Array<number>(p).fill(0);
      for (let k = 0; k < T; k++) {
        // gradients and hessians (weighted)
        // (the gradient pass also resets the rows to 0..n−1 when every row is in the tree)
        const hmax = b.gradients(lossKind, k, delta, sub === null);
        if (sub) rows.set(sub);
        const t = growTree(b, sub ? nSub : nT, sub === null, feats, mapper, gp, hmax);
        if (params.loss === 'absolute_error') {
          // leaf values: the weighted median of the residuals of the leaf's rows (as scikit-learn)
          for (const lf of t.leaves) {
            const cnt = lf.end - lf.start;
            if (cnt === 0) continue;
            const res = new Float64Array(cnt);
            const ww = w ? new Float64Array(cnt) : null;
            for (let i = lf.start; i < lf.end; i++) {
              const r = rows[i];
              res[i - lf.start] = y[r] - mT[r];
              if (ww) ww[i - lf.start] = w![r];
            }
            t.value[lf.node] = weightedQuantile(res, ww, 0.5) * params.learning_rate;
          }
        }
        // update margins: sampled rows through their leaf ranges, the others by routing their bins
        b.addLeafValues(t.leaves.map((lf) => ({ start: lf.start, end: lf.end, value: t.value[lf.node] })), sub ? nSub : nT, k);
        if (sub) for (let i = 0; i < nT; i++) if (!inSample[i]) mT[i * T + k] += t.value[leafOfBinned(t, b.bufs.bins, nT, i)];
        for (let i = 0; i < nV; i++) mV[i * T + k] += t.value[leafOfBinned(t, binsV, nV, i)];
        for (let nd = 0; nd < t.feature.length; nd++) if (t.feature[nd] >= 0) roundImp[t.feature[nd]] += t.gain[nd];
        trees.push(toPublicTree(t, w ? weightedCover(t, rows, w) : undefined));
      }
      importanceByRound.push(roundImp);
      rounds = it + 1;
      for (let q = 0, o = 0; q < curveRows.length; q++) for (let k = 0, r = curveRows[q] * T; k < T; k++) curveM[o++] = mT[r + k];
      curveTrain.push(meanLoss(params.loss, K, delta, curveY, curveW, curveM, null, curveRows.length));
      opts.onTick?.(rounds, params.max_iter);
      if (esOn) {
        const vl = meanLoss(params.loss, K, delta, yV, wV, mV, null, nV);
        curveVal.push(vl);
        if (vl < bestLoss - params.tol) {
          bestLoss = vl;
          bestIter = rounds;
        }
        if (rounds - bestIter >= params.n_iter_no_change) break;
      }
    }
    const nIter = esOn ? Math.max(1, bestIter) : rounds;
    for (let r = 0; r < nIter; r++) for (let j = 0; j < p; j++) importance[j] += importanceByRound[r][j];
    const model: GbdtModel = {
      format: 'dictl-gbdt/1',
      K,
      nFeatures: p,
      treesPerRound: T,
      baseScore,
      trees: trees.slice(0, nIter * T),
      nIter,
      earlyStopping: esOn ? { enabled: true, bestIter: nIter, validationRows: nV } : { enabled: false },
      curve: esOn ? { train: curveTrain, validation: curveVal } : { train: curveTrain },
      importance,
      params: { ...params },
      seed,
    };
    void MISSING_BIN;
    return model;
  } finally {
    await b.close();
  }
}
