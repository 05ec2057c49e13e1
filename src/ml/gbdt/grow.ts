/**
 * Growing one tree on binned data: best-first (leaf-wise) by split gain, bounded by max_leaf_nodes
 * and/or max_depth; the smaller child's histograms are built and the larger child's are the parent's
 * minus the smaller's. Split search per feature: numeric features scan the bins with missing values
 * sent left and right; categorical features sort their categories by gradient/hessian ratio and scan
 * prefixes of that order from both ends (as LightGBM and scikit-learn HGB).
 */
import { F32_MAX, MISSING_BIN, type BinMapper } from './bins.js';
import { HIST_STRIDE, subtractHistograms } from './hist.js';
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
  missingLeft: boolean;
  /** categorical: bins (codes) going left, sorted; null for numeric */
  cats: number[] | null;
  gl: number;
  hl: number;
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
 * Best split of one node from its histograms (ties: the first feature in `feats` order, then
 * missing-right before missing-left, then the lowest bin). null when no split has positive gain
 * under the leaf constraints.
 */
export function findBestSplit(hist: Float64Array, feats: Int32Array, m: BinMapper, gp: GrowParams): Split | null {
  let best: Split | null = null;
  let bestGain = 0;
  const order: number[] = [];
  const ratio = new Float64Array(256);
  for (let q = 0; q < feats.length; q++) {
    const f = feats[q];
    const ho = f * HIST_STRIDE;
    const nb = m.nBins[f];
    let gt = 0;
    let ht = 0;
    let ct = 0;
    for (let b = 0; b < nb; b++) {
      gt += hist[ho + 3 * b];
      ht += hist[ho + 3 * b + 1];
      ct += hist[ho + 3 * b + 2];
    }
    const mo = ho + 3 * MISSING_BIN;
    const gm = hist[mo];
    const hm = hist[mo + 1];
    const cm = hist[mo + 2];
    gt += gm;
    ht += hm;
    ct += cm;
    const tot = { g: gt, h: ht, c: ct, parent: score(gt, ht, gp.lambda) };
    if (!m.isCat[f]) {
      // missing (if any) right; with missing present also the split "every present value left"
      let r = scanPrefixes(hist, ho, null, cm > 0 ? nb : nb - 1, 0, 0, 0, tot, gp, bestGain);
      if (r) {
        bestGain = r.gain;
        best = { gain: r.gain, feature: f, bin: r.i, missingLeft: cm > 0 ? false : r.cl >= ct - r.cl, cats: null, gl: r.gl, hl: r.hl, cl: r.cl, gr: gt - r.gl, hr: ht - r.hl, cr: ct - r.cl };
      }
      if (cm > 0) {
        r = scanPrefixes(hist, ho, null, nb - 1, gm, hm, cm, tot, gp, bestGain);
        if (r) {
          bestGain = r.gain;
          best = { gain: r.gain, feature: f, bin: r.i, missingLeft: true, cats: null, gl: r.gl, hl: r.hl, cl: r.cl, gr: gt - r.gl, hr: ht - r.hl, cr: ct - r.cl };
        }
      }
      continue;
    }
    // categorical: order by smoothed gradient/hessian, left sides are prefixes from either end
    order.length = 0;
    for (let b = 0; b < nb; b++) {
      const o = ho + 3 * b;
      if (hist[o + 2] >= CAT_MIN_SUPPORT) {
        order.push(b);
        ratio[b] = hist[o] / (hist[o + 1] + CAT_SMOOTH);
      }
    }
    if (cm >= CAT_MIN_SUPPORT) {
      order.push(MISSING_BIN);
      ratio[MISSING_BIN] = gm / (hm + CAT_SMOOTH);
    }
    const L = order.length;
    if (L < 2) continue;
    order.sort((a, b) => ratio[a] - ratio[b] || a - b);
    const maxLeft = Math.min(MAX_CAT_LEFT, (L + 1) >> 1, L - 1);
    for (const seq of [order, order.slice().reverse()]) {
      const r = scanPrefixes(hist, ho, seq, maxLeft, 0, 0, 0, tot, gp, bestGain);
      if (!r) continue;
      bestGain = r.gain;
      const chosen = seq.slice(0, r.i + 1);
      const missIn = chosen.includes(MISSING_BIN);
      const cats = chosen.filter((c) => c !== MISSING_BIN).sort((a, b) => a - b);
      best = { gain: r.gain, feature: f, bin: -1, missingLeft: missIn ? true : cm > 0 ? false : r.cl >= ct - r.cl, cats, gl: r.gl, hl: r.hl, cl: r.cl, gr: gt - r.gl, hr: ht - r.hl, cr: ct - r.cl };
    }
  }
  return best;
}

/**
 * Left sides made of the bins seq[0..i] (seq null: bins 0..i) on top of a start (g0, h0, c0); the
 * prefix with the largest gain above `above` under the leaf constraints, or null.
 */
function scanPrefixes(hist: Float64Array, ho: number, seq: number[] | null, len: number, g0: number, h0: number, c0: number, tot: { g: number; h: number; c: number; parent: number }, gp: GrowParams, above: number) {
  let gl = g0;
  let hl = h0;
  let cl = c0;
  let best: { i: number; gain: number; gl: number; hl: number; cl: number } | null = null;
  for (let i = 0; i < len; i++) {
    const o = ho + 3 * (seq === null ? i : seq[i]);
    gl += hist[o];
    hl += hist[o + 1];
    cl += hist[o + 2];
    if (cl < gp.minSamplesLeaf || hl < gp.minHessian) continue;
    const cr = tot.c - cl;
    const hr = tot.h - hl;
    if (cr < gp.minSamplesLeaf || hr < gp.minHessian) break;
    const gain = score(gl, hl, gp.lambda) + score(tot.g - gl, hr, gp.lambda) - tot.parent;
    if (gain > above) {
      above = gain;
      best = { i, gain, gl, hl, cl };
    }
  }
  return best;
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
export function growTree(b: FitThreads, nRows: number, identityRoot: boolean, feats: Int32Array, m: BinMapper, gp: GrowParams, pool: Float64Array[]): BuiltTree {
  const t: BuiltTree = { feature: [], threshold: [], bin: [], missingLeft: [], left: [], right: [], value: [], cats: [], catMask: [], gain: [], count: [], leaves: [] };
  const { g, h, rows, left } = b.bufs;
  const histSize = b.bufs.hist.length;
  const take = (): Float64Array => pool.pop() ?? new Float64Array(histSize);
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
  const histOf = (start: number, end: number, identity: boolean): Float64Array => {
    if (!identity) b.gather(start, end);
    b.build(feats, start, end, identity);
    const out = take();
    const src = b.bufs.hist;
    for (let q = 0; q < feats.length; q++) {
      const o = feats[q] * HIST_STRIDE;
      out.set(src.subarray(o, o + HIST_STRIDE), o);
    }
    return out;
  };

  let G = 0;
  let H = 0;
  for (let i = 0; i < nRows; i++) {
    const r = identityRoot ? i : rows[i];
    G += g[r];
    H += h[r];
  }
  const root = addNode(G, H, nRows);
  let leaves = 1;
  const cands: Candidate[] = [];
  if (canSplit(0, nRows, leaves)) {
    const hist = histOf(0, nRows, identityRoot);
    const split = findBestSplit(hist, feats, m, gp);
    if (split) cands.push({ node: root, start: 0, end: nRows, depth: 0, hist, split });
    else pool.push(hist);
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
    // route the node's rows (stable partition: left rows first, both sides in their old order)
    const ml = s.missingLeft;
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
        subtractHistograms(parentHist, smallHist, feats);
        largeHist = parentHist;
      } else pool.push(parentHist);
      const hs = si === 0 ? [smallHist, largeHist] : [largeHist, smallHist];
      for (let k = 0; k < 2; k++) {
        const hk = hs[k];
        const split = ok[k] && hk ? findBestSplit(hk, feats, m, gp) : null;
        if (split) cands.push({ ...kids[k], depth, hist: hk, split });
        else {
          if (hk) pool.push(hk);
          finished.push(kids[k]);
        }
      }
    } else {
      pool.push(parentHist);
      finished.push(kids[0], kids[1]);
    }
    // the leaf budget may now forbid further splits of the queued candidates
    if (gp.maxLeaves !== null && leaves >= gp.maxLeaves) {
      for (const q of cands) {
        pool.push(q.hist!);
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
