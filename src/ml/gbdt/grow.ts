/**
 * Growing one tree on binned data: best-first (leaf-wise) by split gain, bounded by max_leaf_nodes
 * and/or max_depth; the smaller child's histograms are built and the larger child's are the parent's
 * minus the smaller's. Split search per feature: numeric features scan the bins with missing values
 * sent left and right; categorical features sort their categories by gradient/hessian ratio and scan
 * prefixes of that order from both ends (as LightGBM and scikit-learn HGB).
 */
import { F32_MAX, MISSING_BIN, type BinMapper } from './bins.js';
import { COUNT_STRIDE, GH_STRIDE, subtractHistograms } from './hist.js';
import type { FitThreads } from './threads.js';

/** categories with fewer rows than this take no part in ordering (they stay on the right) */
export const CAT_MIN_SUPPORT = 10;
/** added to a category's hessian sum when ordering categories by gradient/hessian */
export const CAT_SMOOTH = 10;
/** most categories on the left of one split */
export const MAX_CAT_LEFT = 32;

export interface GrowParams {
  maxLeaves: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  minHessian: number;
  lambda: number;
  learningRate: number;
}

export interface Split {
  gain: number;
  feature: number;
  /** numeric: last bin going left */
  bin: number;
  /** null: no missing value in the node; they go to the side with more rows */
  missingLeft: boolean | null;
  /** categorical: bins (codes) going left, sorted; null for numeric */
  cats: number[] | null;
  gl: number;
  hl: number;
  /** rows going left, right (−1: not counted; the partition tells) */
  cl: number;
  gr: number;
  hr: number;
  cr: number;
}

/** A tree under construction, with bin-space routing kept beside the float32 thresholds. */
export interface BuiltTree {
  feature: number[];
  threshold: number[];
  bin: number[];
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  cats: (number[] | null)[];
  catMask: (Uint8Array | null)[];
  gain: number[];
  count: number[];
  /** leaves with their partition ranges (for updating predictions of the rows used) */
  leaves: { node: number; start: number; end: number }[];
}

const score = (g: number, h: number, lam: number) => (g * g) / (h + lam);

/**
 * What the split search knows of a node besides its histograms. Row counts per bin are not built for
 * numeric features: a side's count is bounded below by its hessian sum over the largest hessian of
 * the node's rows (count ≥ Σh / hmax), which settles min_samples_leaf for every threshold but those
 * splitting off a handful of rows at either end. Only when such an unsettled threshold could beat
 * every settled one are that feature's counts built (countsOf), so the chosen split is exactly the
 * one full counts would choose.
 */
export interface NodeCounts {
  /** rows of the node */
  count: number;
  /** the largest hessian of the node's rows (an upper bound will do) */
  hmax: number;
  /** where the histogram buffer's count region starts (hist.ts countsAt) */
  countAt: number;
  /** features whose every bin count is in the buffer (categorical ones): 1 */
  withCounts: Uint8Array;
  /** fills every bin count of feature f into the buffer's count region */
  countsOf(f: number): void;
  /**
   * The numeric features' scans done elsewhere (the fit's threads, kernels.c scan), or null: per
   * position in feats 8 doubles (gain, bin, gl, hl, missing side, unsettled gain, G, H); positions of
   * categorical features are left to findBestSplit.
   */
  scanned?: () => Float64Array | null;
}

/** a scan's best split: [bin, gain, gl, hl, cl] (a typed array: stores of doubles to object fields would each allocate) */
type Best = Float64Array;
const BI = 0;
const BGAIN = 1;
const BGL = 2;
const BHL = 3;
const BCL = 4;

type Totals = { g: number; h: number; c: number; gm: number; hm: number; cm: number; parent: number };

/**
 * The split search's scratch, one search at a time per thread (the search runs hundreds of times a
 * tree: objects per feature would be most of the fit's garbage). Per feature of the search: the
 * best numeric split's gain, bin, gradient and hessian sums, side of missing values (0 right, 1
 * left, 2 none in the node), the feature's totals, the gain its bounds left unsettled; categorical
 * splits as objects.
 */
const scratch = {
  size: 0,
  gain: new Float64Array(0),
  bin: new Int32Array(0),
  gl: new Float64Array(0),
  hl: new Float64Array(0),
  cl: new Float64Array(0),
  miss: new Uint8Array(0),
  gt: new Float64Array(0),
  ht: new Float64Array(0),
  unsettled: new Float64Array(0),
  cat: [] as (Split | null)[],
  tot: { g: 0, h: 0, c: 0, gm: 0, hm: 0, cm: 0, parent: 0 } as Totals,
  right: new Float64Array(5) as Best,
  left: new Float64Array(5) as Best,
  /** the largest gain a bounded scan left unsettled, [0] */
  unsettledGain: new Float64Array(1),
};
const catOrder: number[] = [];
const catRatio = new Float64Array(256);

function grow(size: number): void {
  if (scratch.size >= size) return;
  scratch.size = size;
  for (const k of ['gain', 'gl', 'hl', 'cl', 'gt', 'ht', 'unsettled'] as const) scratch[k] = new Float64Array(size);
  scratch.bin = new Int32Array(size);
  scratch.miss = new Uint8Array(size);
}

/** fills scratch.tot with feature totals from its histograms */
function totalsOf(hist: Float64Array, ho: number, co: number, nb: number, count: number, lambda: number): Totals {
  let g = 0;
  let h = 0;
  for (let b = 0; b < nb; b++) {
    g += hist[ho + 2 * b];
    h += hist[ho + 2 * b + 1];
  }
  const t = scratch.tot;
  t.gm = hist[ho + 2 * MISSING_BIN];
  t.hm = hist[ho + 2 * MISSING_BIN + 1];
  t.cm = hist[co + MISSING_BIN];
  t.g = g + t.gm;
  t.h = h + t.hm;
  t.c = count;
  t.parent = score(t.g, t.h, lambda);
  return t;
}

/**
 * Best split of one node from its histograms (ties: the first feature in `feats` order, then
 * missing-right before missing-left, then the lowest bin). null when no split has positive gain
 * under the leaf constraints. A numeric split with no missing value in the node has
 * missingLeft = null: missing values then go to the side with more rows, known once it is partitioned.
 */
export function findBestSplit(hist: Float64Array, feats: Int32Array, m: BinMapper, gp: GrowParams, node: NodeCounts): Split | null {
  const { countAt } = node;
  const F = feats.length;
  grow(F);
  const sc = scratch;
  sc.gain.fill(0, 0, F);
  sc.unsettled.fill(0, 0, F);
  sc.cat.length = F;
  sc.cat.fill(null);
  let settledBest = 0;
  const order = catOrder;
  const ratio = catRatio;
  const pre = node.scanned?.() ?? null;
  for (let q = 0; q < F; q++) {
    const f = feats[q];
    if (pre !== null && !m.isCat[f] && node.withCounts[f] !== 1) {
      const o = 8 * q;
      sc.gain[q] = pre[o];
      sc.bin[q] = pre[o + 1];
      sc.gl[q] = pre[o + 2];
      sc.hl[q] = pre[o + 3];
      sc.cl[q] = -1;
      sc.miss[q] = pre[o + 4];
      sc.unsettled[q] = pre[o + 5];
      sc.gt[q] = pre[o + 6];
      sc.ht[q] = pre[o + 7];
      if (pre[o] > settledBest) settledBest = pre[o];
      continue;
    }
    const ho = f * GH_STRIDE;
    const co = countAt + f * COUNT_STRIDE;
    const nb = m.nBins[f];
    const tot = totalsOf(hist, ho, co, nb, node.count, gp.lambda);
    sc.gt[q] = tot.g;
    sc.ht[q] = tot.h;
    if (!m.isCat[f]) {
      const g = numericScan(hist, ho, node.withCounts[f] === 1 ? co : -1, nb, tot, gp, node.hmax, q);
      if (g > settledBest) settledBest = g;
      continue;
    }
    // categorical (counts built): order by smoothed gradient/hessian, left sides are prefixes from either end
    order.length = 0;
    for (let b = 0; b < nb; b++) {
      if (hist[co + b] >= CAT_MIN_SUPPORT) {
        order.push(b);
        ratio[b] = hist[ho + 2 * b] / (hist[ho + 2 * b + 1] + CAT_SMOOTH);
      }
    }
    if (tot.cm >= CAT_MIN_SUPPORT) {
      order.push(MISSING_BIN);
      ratio[MISSING_BIN] = tot.gm / (tot.hm + CAT_SMOOTH);
    }
    const L = order.length;
    if (L < 2) continue;
    order.sort((a, b) => ratio[a] - ratio[b] || a - b);
    const maxLeft = Math.min(MAX_CAT_LEFT, (L + 1) >> 1, L - 1);
    let above = 0;
    const r = sc.right;
    for (const seq of [order, order.slice().reverse()]) {
      if (!scanCounted(hist, ho, co, seq, maxLeft, 0, 0, 0, tot, gp, above, r)) continue;
      above = r[BGAIN];
      const chosen = seq.slice(0, r[BI] + 1);
      const missIn = chosen.includes(MISSING_BIN);
      const cats = chosen.filter((c) => c !== MISSING_BIN).sort((a, b) => a - b);
      sc.cat[q] = { gain: r[BGAIN], feature: f, bin: -1, missingLeft: missIn ? true : tot.cm > 0 ? false : r[BCL] >= tot.c - r[BCL], cats, gl: r[BGL], hl: r[BHL], cl: r[BCL], gr: tot.g - r[BGL], hr: tot.h - r[BHL], cr: tot.c - r[BCL] };
    }
    sc.gain[q] = above;
    if (above > settledBest) settledBest = above;
  }
  // thresholds the bounds left open that could win: settle them with the feature's counts
  for (let q = 0; q < F; q++) {
    if (sc.unsettled[q] <= 0 || sc.unsettled[q] < settledBest) continue;
    const f = feats[q];
    node.countsOf(f);
    const ho = f * GH_STRIDE;
    const co = countAt + f * COUNT_STRIDE;
    numericScan(hist, ho, co, m.nBins[f], totalsOf(hist, ho, co, m.nBins[f], node.count, gp.lambda), gp, node.hmax, q);
  }
  let bq = -1;
  for (let q = 0; q < F; q++) if (sc.gain[q] > (bq < 0 ? 0 : sc.gain[bq])) bq = q;
  if (bq < 0) return null;
  if (sc.cat[bq] !== null) return sc.cat[bq];
  const cl = sc.cl[bq];
  return {
    gain: sc.gain[bq], feature: feats[bq], bin: sc.bin[bq], missingLeft: sc.miss[bq] === 2 ? null : sc.miss[bq] === 1, cats: null,
    gl: sc.gl[bq], hl: sc.hl[bq], cl, gr: sc.gt[bq] - sc.gl[bq], hr: sc.ht[bq] - sc.hl[bq], cr: cl < 0 ? -1 : node.count - cl,
  };
}

/**
 * A numeric feature's two scans (missing values right, then left when there are any): with counts
 * (co ≥ 0) exact; without, min_samples_leaf is settled by the hessian bound where it can be. The
 * feature's best split goes to scratch slot q; returns its gain (0: none).
 */
function numericScan(hist: Float64Array, ho: number, co: number, nb: number, tot: Totals, gp: GrowParams, hmax: number, q: number): number {
  const sc = scratch;
  const { cm } = tot;
  sc.unsettledGain[0] = 0;
  let best: Best | null = null;
  let miss = 0;
  // missing (if any) right; with missing present also the split "every present value left"
  const len = cm > 0 ? nb : nb - 1;
  const r = sc.right;
  if (co >= 0 ? scanCounted(hist, ho, co, null, len, 0, 0, 0, tot, gp, 0, r) : scanBounded(hist, ho, len, false, tot, gp, hmax, 0, r)) {
    best = r;
    miss = cm > 0 ? 0 : 2;
  }
  if (cm > 0) {
    const l = sc.left;
    const above = best === null ? 0 : best[BGAIN];
    if (co >= 0 ? scanCounted(hist, ho, co, null, nb - 1, tot.gm, tot.hm, cm, tot, gp, above, l) : scanBounded(hist, ho, nb - 1, true, tot, gp, hmax, above, l)) {
      best = l;
      miss = 1;
    }
  }
  sc.unsettled[q] = co >= 0 ? 0 : sc.unsettledGain[0];
  if (best === null) {
    sc.gain[q] = 0;
    return 0;
  }
  sc.gain[q] = best[BGAIN];
  sc.bin[q] = best[BI];
  sc.gl[q] = best[BGL];
  sc.hl[q] = best[BHL];
  sc.cl[q] = best[BCL];
  sc.miss[q] = miss;
  return best[BGAIN];
}

/**
 * Left sides made of the bins seq[0..i] (seq null: bins 0..i) on top of a start (g0, h0, c0); the
 * prefix with the largest gain above `above` under the leaf constraints into `out` (false: none).
 * Counts at co.
 */
function scanCounted(hist: Float64Array, ho: number, co: number, seq: number[] | null, len: number, g0: number, h0: number, c0: number, tot: Totals, gp: GrowParams, above: number, out: Best): boolean {
  let gl = g0;
  let hl = h0;
  let cl = c0;
  let bi = -1;
  let bg = 0;
  let bgl = 0;
  let bhl = 0;
  let bcl = 0;
  for (let i = 0; i < len; i++) {
    const b = seq === null ? i : seq[i];
    gl += hist[ho + 2 * b];
    hl += hist[ho + 2 * b + 1];
    cl += hist[co + b];
    if (cl < gp.minSamplesLeaf || hl < gp.minHessian) continue;
    const cr = tot.c - cl;
    const hr = tot.h - hl;
    if (cr < gp.minSamplesLeaf || hr < gp.minHessian) break;
    const gain = score(gl, hl, gp.lambda) + score(tot.g - gl, hr, gp.lambda) - tot.parent;
    if (gain > above) {
      above = gain;
      bi = i;
      bg = gain;
      bgl = gl;
      bhl = hl;
      bcl = cl;
    }
  }
  if (bi < 0) return false;
  out[BI] = bi;
  out[BGAIN] = bg;
  out[BGL] = bgl;
  out[BHL] = bhl;
  out[BCL] = bcl;
  return true;
}

/**
 * scanCounted's numeric scan (bins 0..i left, missing values left or right) without bin counts: a
 * side holding rows of hessians ≤ hmax has at least Σh / hmax rows (plus its missing rows, whose
 * count is known). Thresholds the bound settles are scanned as scanCounted would; the largest gain
 * of the others is raised in scratch.unsettledGain. The side's count (cl) is unknown: −1.
 */
function scanBounded(hist: Float64Array, ho: number, len: number, missingLeft: boolean, tot: Totals, gp: GrowParams, hmax: number, above: number, out: Best): boolean {
  const msl = gp.minSamplesLeaf;
  const lam = gp.lambda;
  const minH = gp.minHessian;
  // the rows of hessian sum s (missing rows excluded) number at least s / hmax; the sums are
  // rounded, so demand a margin well above their error
  const slack = 1e-9 * (Math.abs(tot.h) + 1);
  const mL = missingLeft ? tot.cm : 0;
  const mR = missingLeft ? 0 : tot.cm;
  const hmL = missingLeft ? tot.hm : 0;
  const hmR = missingLeft ? 0 : tot.hm;
  // a side is settled when its known (missing) rows reach msl, or its other rows' hessians do
  const needL = mL >= msl ? -Infinity : hmax > 0 ? (msl - mL) * hmax + slack + hmL : Infinity;
  const needR = mR >= msl ? -Infinity : hmax > 0 ? (msl - mR) * hmax + slack + hmR : Infinity;
  let gl = missingLeft ? tot.gm : 0;
  let hl = missingLeft ? tot.hm : 0;
  let unsettled = scratch.unsettledGain[0];
  let bi = -1;
  let bg = 0;
  let bgl = 0;
  let bhl = 0;
  for (let i = 0; i < len; i++) {
    gl += hist[ho + 2 * i];
    hl += hist[ho + 2 * i + 1];
    if (hl < minH) continue;
    const hr = tot.h - hl;
    if (hr < minH) break;
    const gain = (gl * gl) / (hl + lam) + ((tot.g - gl) * (tot.g - gl)) / (hr + lam) - tot.parent;
    if (gain <= above && gain <= unsettled) continue;
    if (hl >= needL && hr >= needR) {
      if (gain > above) {
        above = gain;
        bi = i;
        bg = gain;
        bgl = gl;
        bhl = hl;
      }
    } else if (gain > unsettled) unsettled = gain;
  }
  scratch.unsettledGain[0] = unsettled;
  if (bi < 0) return false;
  out[BI] = bi;
  out[BGAIN] = bg;
  out[BGL] = bgl;
  out[BHL] = bhl;
  out[BCL] = -1;
  return true;
}

interface Candidate {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array | null;
  split: Split | null;
}

/**
 * Grows one tree on the rows b.rows[0..nRows) (gradients in b.g/b.h, by row). The partition array is
 * reordered in place; `identityRoot` = those rows are 0..n−1 in order (no gather for the root).
 * Leaf values are the Newton step −G/(H+λ) times the learning rate.
 */
export function growTree(b: FitThreads, nRows: number, identityRoot: boolean, feats: Int32Array, m: BinMapper, gp: GrowParams, hmax: number): BuiltTree {
  const t: BuiltTree = { feature: [], threshold: [], bin: [], missingLeft: [], left: [], right: [], value: [], cats: [], catMask: [], gain: [], count: [], leaves: [] };
  const { g, h, rows, left } = b.bufs;
  const addNode = (gs: number, hs: number, c: number): number => {
    const id = t.feature.length;
    t.feature.push(-1);
    t.threshold.push(0);
    t.bin.push(-1);
    t.missingLeft.push(0);
    t.left.push(-1);
    t.right.push(-1);
    t.value.push((-gs / (hs + gp.lambda)) * gp.learningRate);
    t.cats.push(null);
    t.catMask.push(null);
    t.gain.push(0);
    t.count.push(c);
    return id;
  };
  const canSplit = (depth: number, count: number, leaves: number) =>
    (gp.maxDepth === null || depth < gp.maxDepth) && count >= 2 * gp.minSamplesLeaf && (gp.maxLeaves === null || leaves < gp.maxLeaves);
  // numeric features are built without bin counts (counting missing values only where there are
  // any), categorical ones with (hist.ts)
  const missing = b.missing();
  const numFeats = feats.filter((f) => m.isCat[f] === 0 && missing[f] === 0);
  const missFeats = feats.filter((f) => m.isCat[f] === 0 && missing[f] === 1);
  const catFeats = feats.filter((f) => m.isCat[f] === 1);
  const { countAt } = b.bufs;
  const histOf = (start: number, end: number, identity: boolean): Float64Array => {
    if (!identity) b.gather(start, end);
    const out = b.takeHist();
    // a slot of the shared memory is built in place; else the histograms are copied out of the build buffer
    const slot = b.isSlot(out) ? out : null;
    b.build(numFeats, start, end, identity, 0, slot);
    b.build(missFeats, start, end, identity, 1, slot);
    b.build(catFeats, start, end, identity, 2, slot);
    if (slot !== null) return out;
    const src = b.bufs.hist;
    if (feats.length === m.nBins.length) out.set(src);
    else {
      for (let q = 0; q < feats.length; q++) {
        const o = feats[q] * GH_STRIDE;
        for (let i = o; i < o + GH_STRIDE; i++) out[i] = src[i];
        const co = countAt + feats[q] * COUNT_STRIDE;
        for (let i = co; i < co + COUNT_STRIDE; i++) out[i] = src[i];
      }
    }
    return out;
  };

  const best = (hist: Float64Array, start: number, end: number, identity: boolean): Split | null =>
    findBestSplit(hist, feats, m, gp, {
      count: end - start, hmax, countAt, withCounts: m.isCat,
      countsOf: (f) => b.countHistogram(f, start, end, identity, hist),
      scanned: () => b.scanNumeric(hist, feats, gp.minSamplesLeaf, gp.minHessian, gp.lambda, hmax),
    });

  // the root's sums: from its histograms (one feature's bins hold every row), else row by row
  let G = 0;
  let H = 0;
  const rootHist = canSplit(0, nRows, 1) && feats.length > 0 ? histOf(0, nRows, identityRoot) : null;
  if (rootHist !== null) {
    const o = feats[0] * GH_STRIDE;
    for (let v = 0; v < 256; v++) {
      G += rootHist[o + 2 * v];
      H += rootHist[o + 2 * v + 1];
    }
  } else {
    for (let i = 0; i < nRows; i++) {
      const r = identityRoot ? i : rows[i];
      G += g[r];
      H += h[r];
    }
  }
  const root = addNode(G, H, nRows);
  let leaves = 1;
  const cands: Candidate[] = [];
  if (rootHist !== null) {
    const split = best(rootHist, 0, nRows, identityRoot);
    if (split) cands.push({ node: root, start: 0, end: nRows, depth: 0, hist: rootHist, split });
    else b.releaseHist(rootHist);
  }
  const finished: { node: number; start: number; end: number }[] = [];
  if (cands.length === 0) finished.push({ node: root, start: 0, end: nRows });
  while (cands.length > 0) {
    let bi = 0;
    for (let i = 1; i < cands.length; i++) if (cands[i].split!.gain > cands[bi].split!.gain) bi = i;
    const c = cands[bi];
    cands.splice(bi, 1);
    const s = c.split!;
    const id = c.node;
    // route the node's rows (stable partition: left rows first, both sides in their old order); with
    // no missing value in the node (missingLeft null) they go to the side with more rows, once counted
    let ml = s.missingLeft === true;
    if (s.cats === null) {
      const kb = s.bin;
      for (let v = 0; v < 256; v++) left[v] = v <= kb ? 1 : 0;
      left[MISSING_BIN] = ml ? 1 : 0;
      t.threshold[id] = kb >= m.nBins[s.feature] - 1 ? F32_MAX : m.edges[s.feature][kb];
      t.bin[id] = kb;
    } else {
      const mask = new Uint8Array(256);
      for (const cat of s.cats) mask[cat] = 1;
      if (ml) mask[MISSING_BIN] = 1;
      left.set(mask);
      t.cats[id] = s.cats;
      t.catMask[id] = mask;
    }
    const mid = b.partition(s.feature, c.start, c.end);
    if (s.missingLeft === null) ml = mid - c.start >= c.end - mid;
    t.feature[id] = s.feature;
    t.missingLeft[id] = ml ? 1 : 0;
    t.gain[id] = s.gain;
    const L = addNode(s.gl, s.hl, mid - c.start);
    const R = addNode(s.gr, s.hr, c.end - mid);
    t.left[id] = L;
    t.right[id] = R;
    leaves++;
    const depth = c.depth + 1;
    const kids = [
      { node: L, start: c.start, end: mid },
      { node: R, start: mid, end: c.end },
    ];
    const ok = kids.map((k) => canSplit(depth, k.end - k.start, leaves));
    const parentHist = c.hist!;
    if (ok[0] || ok[1]) {
      const si = kids[0].end - kids[0].start <= kids[1].end - kids[1].start ? 0 : 1;
      const small = kids[si];
      const smallHist = histOf(small.start, small.end, false);
      let largeHist: Float64Array | null = null;
      if (ok[1 - si]) {
        subtractHistograms(parentHist, smallHist, feats, countAt, m.isCat);
        largeHist = parentHist;
      } else b.releaseHist(parentHist);
      const hs = si === 0 ? [smallHist, largeHist] : [largeHist, smallHist];
      for (let k = 0; k < 2; k++) {
        const hk = hs[k];
        const split = ok[k] && hk ? best(hk, kids[k].start, kids[k].end, false) : null;
        if (split) cands.push({ ...kids[k], depth, hist: hk, split });
        else {
          if (hk) b.releaseHist(hk);
          finished.push(kids[k]);
        }
      }
    } else {
      b.releaseHist(parentHist);
      finished.push(kids[0], kids[1]);
    }
    // the leaf budget may now forbid further splits of the queued candidates
    if (gp.maxLeaves !== null && leaves >= gp.maxLeaves) {
      for (const q of cands) {
        b.releaseHist(q.hist!);
        finished.push({ node: q.node, start: q.start, end: q.end });
      }
      cands.length = 0;
    }
  }
  t.leaves = finished.sort((a, b) => a.node - b.node);
  return t;
}

/** Routes binned row r through a built tree; returns the leaf. */
export function leafOfBinned(t: BuiltTree, bins: Uint8Array, n: number, r: number): number {
  let node = 0;
  let f = t.feature[0];
  while (f >= 0) {
    const v = bins[f * n + r];
    const mask = t.catMask[node];
    const goLeft = mask !== null ? mask[v] === 1 : v === MISSING_BIN ? t.missingLeft[node] === 1 : v <= t.bin[node];
    node = goLeft ? t.left[node] : t.right[node];
    f = t.feature[node];
  }
  return node;
}
