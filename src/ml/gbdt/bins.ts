/**
 * Quantile binning on float32 values. A numeric feature gets up to max_bins non-missing bins whose
 * upper edges are float32 thresholds: bin(x) = the first k with Math.fround(x) <= edge[k] (the last
 * bin when there is none), so a split after bin k routes exactly as `fround(x) <= edge[k]` does in
 * scoring and in onnxruntime. A categorical feature's bin is its code. Missing values go to bin 255.
 */
import { GbdtInputError } from './errors.js';
import { makeRng } from '../splits.js';

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

/** bytes of the sampled values read in one pass over the sampled rows (as many features as fit: a row's values share cache lines) */
const GROUP_BYTES = 32 << 20;

/**
 * A seeded sample of k of the n entries of `rows`, in their order (selection sampling: one pass,
 * no copy of the rows).
 */
function sampleInOrder(rows: Int32Array, k: number, seed: number): Int32Array {
  const n = rows.length;
  if (k >= n) return rows;
  const rng = makeRng(seed ^ 0x5bd1e995);
  const out = new Int32Array(k);
  let m = 0;
  for (let i = 0; i < n && m < k; i++) if (rng.next() * (n - i) < k - m) out[m++] = rows[i];
  return out;
}

/** The rows that place the quantile edges: `rows` itself, or a seeded sample of BIN_SAMPLE of them (in their order). */
export const binSampleRows = (rows: Int32Array, seed: number): Int32Array => sampleInOrder(rows, BIN_SAMPLE, seed);

/**
 * Fits the edges on `rows` of row-major X (n × p). A caller that holds only the sampled rows
 * (binSampleRows; out-of-core training) passes them as X with `catBins`, the categorical features'
 * bin counts over all the rows.
 */
export function fitBins(X: Float64Array, p: number, rows: Int32Array, maxBins: number, categorical: Uint8Array | undefined, seed: number, catBins?: Int32Array): BinMapper {
  const sample = binSampleRows(rows, seed);
  const S = sample.length;
  const edges: Float64Array[] = new Array(p);
  const nBins = new Int32Array(p);
  const isCat = new Uint8Array(p);
  // the float32 values of a group of features over the sampled rows, one column per feature
  const group = Math.max(1, Math.min(p, Math.floor(GROUP_BYTES / (4 * Math.max(1, S)))));
  const cols = new Float32Array(group * S);
  const present = new Int32Array(group);
  const scratch = new Uint32Array(S);
  for (let f0 = 0; f0 < p; f0 += group) {
    const f1 = Math.min(p, f0 + group);
    present.fill(0);
    for (let i = 0; i < S; i++) {
      const o = sample[i] * p;
      for (let f = f0; f < f1; f++) {
        const x = X[o + f];
        if (x === x) {
          const c = f - f0;
          cols[c * S + present[c]++] = x;
        }
      }
    }
    for (let f = f0; f < f1; f++) {
      if (categorical && categorical[f]) {
        isCat[f] = 1;
        let mx = -1;
        for (let i = 0; i < rows.length; i++) {
          const x = X[rows[i] * p + f];
          if (x === x && x > mx) mx = x;
        }
        nBins[f] = Math.max(1, mx + 1);
        edges[f] = new Float64Array(0);
        continue;
      }
      const c = f - f0;
      const e = quantileEdges(sortFloat32(cols.subarray(c * S, c * S + present[c]), scratch), maxBins);
      edges[f] = e;
      nBins[f] = e.length + 1;
    }
  }
  return { edges, nBins, isCat };
}

/**
 * Sorts NaN-free float32 values in place in ascending order (−0 before +0, as TypedArray sort):
 * an LSD radix sort on order-preserving keys of their bits, ~10× faster than the comparison sort.
 */
function sortFloat32(v: Float32Array, scratch: Uint32Array): Float32Array {
  const n = v.length;
  const a = new Uint32Array(v.buffer, v.byteOffset, n);
  const b = scratch;
  // negative: flip every bit; positive: flip the sign bit
  for (let i = 0; i < n; i++) {
    const u = a[i];
    a[i] = u & 0x80000000 ? ~u : u | 0x80000000;
  }
  // the four digits' counts in one pass
  const count = new Int32Array(1024);
  for (let i = 0; i < n; i++) {
    const u = a[i];
    count[u & 255]++;
    count[256 + ((u >>> 8) & 255)]++;
    count[512 + ((u >>> 16) & 255)]++;
    count[768 + (u >>> 24)]++;
  }
  let src = a;
  let dst = b;
  for (let pass = 0; pass < 4; pass++) {
    const o = 256 * pass;
    const shift = 8 * pass;
    // a digit every key shares leaves the order as it is
    let shared = false;
    for (let d = 0; d < 256; d++) if (count[o + d] === n) shared = true;
    if (shared) continue;
    for (let d = 0, acc = 0; d < 256; d++) {
      const c = count[o + d];
      count[o + d] = acc;
      acc += c;
    }
    for (let i = 0; i < n; i++) {
      const u = src[i];
      dst[count[o + ((u >>> shift) & 255)]++] = u;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src.subarray(0, n));
  for (let i = 0; i < n; i++) {
    const u = a[i];
    a[i] = u & 0x80000000 ? u & 0x7fffffff : ~u;
  }
  return v;
}

/** The float32 upper edges of the bins of sorted float32 values v (NaN-free). */
function quantileEdges(v: Float32Array, maxBins: number): Float64Array {
  const m = v.length;
  let d = 0;
  for (let i = 0; i < m; i++) if (i === 0 || v[i] !== v[i - 1]) d++;
  const e: number[] = [];
  if (d <= maxBins) {
    // every distinct value its own bin: edges at the midpoints
    for (let i = 1; i < m; i++) if (v[i] !== v[i - 1]) e.push(midpoint32(v[i - 1], v[i]));
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
  return Float64Array.from(e);
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

/** rows binned together: their values of X stay in cache while every feature is binned */
const BIN_BLOCK = 2048;

/**
 * Bins n rows of X (rows idx[0..n) of it, or its first n) into a column-major uint8 matrix
 * (bins[f * n + i]), into `out` when given (e.g. a SharedArrayBuffer view). Category codes must be
 * integers in [0, maxBins). which = 'categorical': only the categorical features' columns (the fit's
 * threads bin the numeric ones).
 */
export function binMatrix(X: Float64Array, n: number, p: number, m: BinMapper, maxBins: number, out?: Uint8Array, idx: Int32Array | null = null, which: 'all' | 'categorical' = 'all'): Uint8Array {
  const bins = out ?? new Uint8Array(n * p);
  const padded = m.edges.map((e) => paddedEdges(e, new Float64Array(256)));
  for (let i0 = 0; i0 < n; i0 += BIN_BLOCK) {
    const i1 = Math.min(n, i0 + BIN_BLOCK);
    for (let f = 0; f < p; f++) {
      const o = f * n;
      if (m.isCat[f]) {
        for (let i = i0; i < i1; i++) {
          const x = X[(idx === null ? i : idx[i]) * p + f];
          if (x !== x) bins[o + i] = MISSING_BIN;
          else {
            if (!(Number.isInteger(x) && x >= 0 && x < maxBins)) throw new GbdtInputError(`categorical feature ${f} holds ${x} at row ${idx === null ? i : idx[i]}: codes must be integers in [0, ${maxBins - 1}]`, f);
            bins[o + i] = x;
          }
        }
        continue;
      }
      if (which === 'categorical') continue;
      // branch-free binary search over the edges padded to 256 with +∞: lo = the number of edges < v
      const e = padded[f];
      for (let i = i0; i < i1; i++) {
        const x = X[(idx === null ? i : idx[i]) * p + f];
        if (x !== x) {
          bins[o + i] = MISSING_BIN;
          continue;
        }
        const v = Math.fround(x);
        let lo = 0;
        lo += 128 & -(e[lo + 127] < v);
        lo += 64 & -(e[lo + 63] < v);
        lo += 32 & -(e[lo + 31] < v);
        lo += 16 & -(e[lo + 15] < v);
        lo += 8 & -(e[lo + 7] < v);
        lo += 4 & -(e[lo + 3] < v);
        lo += 2 & -(e[lo + 1] < v);
        lo += 1 & -(e[lo] < v);
        bins[o + i] = lo;
      }
    }
  }
  return bins;
}

/** A feature's edges padded to 256 with +∞ into `out` (the table of the branch-free search). */
export function paddedEdges<T extends Float64Array | Float32Array>(edges: Float64Array, out: T): T {
  out.fill(Infinity);
  out.set(edges);
  return out;
}
