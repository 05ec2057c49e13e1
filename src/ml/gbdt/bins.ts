/**
 * Quantile binning on float32 values. A numeric feature gets up to max_bins non-missing bins whose
 * upper edges are float32 thresholds: bin(x) = the first k with Math.fround(x) <= edge[k] (the last
 * bin when there is none), so a split after bin k routes exactly as `fround(x) <= edge[k]` does in
 * scoring and in onnxruntime. A categorical feature's bin is its code. Missing values go to bin 255.
 */
import { GbdtInputError } from './errors.js';
import { makeRng } from '../rng.js';

export const MISSING_BIN = 255;
/** the largest float32: the threshold of a split that sends every present value left and missing right */
export const F32_MAX = 3.4028234663852886e38;
/** rows used to place the quantile edges (a seeded sample when there are more) */
const BIN_SAMPLE = 200_000;

export interface BinMapper {
  /** per feature: the float32 upper edges of bins 0..nBins−2 (empty for categorical) */
  edges: Float64Array[];
  /** non-missing bins per feature (categorical: largest training code + 1) */
  nBins: Int32Array;
  isCat: Uint8Array;
}

/** The float32 midpoint of two float32 values a < b, strictly below b. */
function midpoint32(a: number, b: number): number {
  const m = Math.fround(a + (b - a) / 2);
  return m >= b || m < a ? a : m;
}

/** The rows that place the quantile edges: `rows` itself, or a seeded sample of BIN_SAMPLE of them (ascending). */
export function binSampleRows(rows: Int32Array, seed: number): Int32Array {
  if (rows.length <= BIN_SAMPLE) return rows;
  const idx = Int32Array.from(rows);
  const rng = makeRng(seed ^ 0x5bd1e995);
  for (let i = 0; i < BIN_SAMPLE; i++) {
    const j = i + rng.int(idx.length - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, BIN_SAMPLE).sort();
}

/**
 * Fits the edges on `rows` of row-major X (n × p). A caller that holds only the sampled rows
 * (binSampleRows; out-of-core training) passes them as X with `catBins`, the categorical features'
 * bin counts over all the rows.
 */
export function fitBins(X: Float64Array, p: number, rows: Int32Array, maxBins: number, categorical: Uint8Array | undefined, seed: number, catBins?: Int32Array): BinMapper {
  const sample = binSampleRows(rows, seed);
  const edges: Float64Array[] = [];
  const nBins = new Int32Array(p);
  const isCat = new Uint8Array(p);
  const col = new Float64Array(sample.length);
  for (let f = 0; f < p; f++) {
    if (categorical && categorical[f]) {
      isCat[f] = 1;
      edges.push(new Float64Array(0));
      if (catBins) {
        nBins[f] = catBins[f];
        continue;
      }
      let mx = -1;
      for (let i = 0; i < rows.length; i++) {
        const x = X[rows[i] * p + f];
        if (x === x && x > mx) mx = x;
      }
      nBins[f] = Math.max(1, mx + 1);
      continue;
    }
    let m = 0;
    for (let i = 0; i < sample.length; i++) {
      const x = X[sample[i] * p + f];
      if (x === x) col[m++] = Math.fround(x);
    }
    const v = col.subarray(0, m).sort();
    // distinct values
    let d = 0;
    const distinct: number[] = [];
    for (let i = 0; i < m; i++) if (i === 0 || v[i] !== v[i - 1]) (distinct[d++] = v[i]);
    const e: number[] = [];
    if (d <= maxBins) {
      for (let i = 0; i + 1 < d; i++) e.push(midpoint32(distinct[i], distinct[i + 1]));
    } else {
      // percentiles (midpoint interpolation) at 1/maxBins … (maxBins−1)/maxBins, as float32, deduplicated
      for (let q = 1; q < maxBins; q++) {
        const pos = (q / maxBins) * (m - 1);
        const lo = Math.floor(pos);
        const hi = Math.ceil(pos);
        const t = v[lo] === v[hi] ? v[lo] : midpoint32(v[lo], v[hi]);
        if (e.length === 0 || t > e[e.length - 1]) e.push(t);
      }
      // the top edge must leave something in the last bin
      while (e.length > 0 && e[e.length - 1] >= v[m - 1]) e.pop();
    }
    edges.push(Float64Array.from(e));
    nBins[f] = e.length + 1;
  }
  return { edges, nBins, isCat };
}

/** bin index of a present numeric value */
export function binOf(edges: Float64Array, x: number): number {
  const v = Math.fround(x);
  let lo = 0;
  let hi = edges.length; // answer in [0, edges.length]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bins n rows of X (rows idx[0..n) of it, or its first n) into a column-major uint8 matrix
 * (bins[f * n + i]), into `out` when given (e.g. a SharedArrayBuffer view). Category codes must be
 * integers in [0, maxBins).
 */
export function binMatrix(X: Float64Array, n: number, p: number, m: BinMapper, maxBins: number, out?: Uint8Array, idx: Int32Array | null = null): Uint8Array {
  const bins = out ?? new Uint8Array(n * p);
  const at = (i: number) => (idx === null ? i : idx[i]) * p;
  for (let f = 0; f < p; f++) {
    const o = f * n;
    if (m.isCat[f]) {
      for (let i = 0; i < n; i++) {
        const x = X[at(i) + f];
        if (x !== x) bins[o + i] = MISSING_BIN;
        else {
          if (!(Number.isInteger(x) && x >= 0 && x < maxBins)) throw new GbdtInputError(`categorical feature ${f} holds ${x} at row ${idx === null ? i : idx[i]}: codes must be integers in [0, ${maxBins - 1}]`, f);
          bins[o + i] = x;
        }
      }
      continue;
    }
    const e = m.edges[f];
    const ne = e.length;
    for (let i = 0; i < n; i++) {
      const x = X[(idx === null ? i : idx[i]) * p + f];
      if (x !== x) {
        bins[o + i] = MISSING_BIN;
        continue;
      }
      const v = Math.fround(x);
      let lo = 0;
      let hi = ne;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v <= e[mid]) hi = mid;
        else lo = mid + 1;
      }
      bins[o + i] = lo;
    }
  }
  return bins;
}
