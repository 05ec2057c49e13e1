/**
 * The per-row passes of the fit besides histograms, written so that either thread can run one on a
 * block of rows: gradients and hessians of the loss, the stable partition of a node's rows by a
 * split, and the gather of a node's gradients in partition order. Each writes only its own block,
 * so splitting the rows between threads gives the same bytes as one pass.
 */

/** loss kinds of the gradient pass */
export const LOSS = { binary: 0, softmax: 1, squared: 2, absolute: 3, huber: 4 } as const;

const bits = new DataView(new ArrayBuffer(8));

/**
 * e^x as the fit computes it, the same operations as wasm/kernels.c exp_fit (so both loops give the
 * same bytes): x = k ln2 + r with |r| ≤ ln2/2 (Cody-Waite), e^r by its Taylor series to r^13 (error
 * under an ulp), times 2^k from its bits. 0 below −700 and ∞ above 709, where 1 / (1 + e^−m) no
 * longer changes.
 */
export function expFit(x: number): number {
  if (x < -700) return 0;
  if (x > 709) return Infinity;
  const k = Math.floor(x * 1.4426950408889634 + 0.5);
  const r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;
  let p = 1 / 6227020800;
  p = p * r + 1 / 479001600;
  p = p * r + 1 / 39916800;
  p = p * r + 1 / 3628800;
  p = p * r + 1 / 362880;
  p = p * r + 1 / 40320;
  p = p * r + 1 / 5040;
  p = p * r + 1 / 720;
  p = p * r + 1 / 120;
  p = p * r + 1 / 24;
  p = p * r + 1 / 6;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  bits.setUint32(0, (k + 1023) << 20);
  bits.setUint32(4, 0);
  return p * bits.getFloat64(0);
}

/**
 * Gradients and (weighted) hessians of rows [a, b) as float32; returns the largest hessian. Margins
 * m are n × T (slot k); softmax reads the class probabilities prob (n × K) instead.
 */
export function gradients(
  loss: number, y: Float64Array, w: Float64Array | null, m: Float64Array, T: number, k: number,
  prob: Float64Array, K: number, delta: number, g: Float32Array, h: Float32Array, a: number, b: number,
): number {
  if (loss === LOSS.binary) {
    for (let i = a; i < b; i++) {
      const pr = 1 / (1 + expFit(-m[i]));
      const wi = w === null ? 1 : w[i];
      g[i] = wi * (pr - y[i]);
      const q = pr * (1 - pr);
      h[i] = wi * (q > 1e-16 ? q : 1e-16);
    }
  } else if (loss === LOSS.softmax) {
    for (let i = a; i < b; i++) {
      const pr = prob[i * K + k];
      const wi = w === null ? 1 : w[i];
      g[i] = wi * (pr - (y[i] === k ? 1 : 0));
      h[i] = wi * Math.max(pr * (1 - pr), 1e-16);
    }
  } else {
    for (let i = a; i < b; i++) {
      const r = m[i * T + k] - y[i];
      const wi = w === null ? 1 : w[i];
      g[i] = wi * (loss === LOSS.squared ? r : loss === LOSS.absolute ? Math.sign(r) : Math.abs(r) <= delta ? r : delta * Math.sign(r));
      h[i] = wi;
    }
  }
  let hmax = 0;
  for (let i = a; i < b; i++) if (h[i] > hmax) hmax = h[i];
  return hmax;
}

/**
 * Adds each leaf's value to the margins (slot k of n × T) of its rows: the partition positions
 * [a, b) of rows, the leaves' ranges given by their ends (ascending) and values.
 */
export function addLeafValues(rows: Int32Array, m: Float64Array, T: number, k: number, ends: Int32Array, values: Float64Array, leaves: number, a: number, b: number): void {
  let l = 0;
  while (l < leaves && ends[l] <= a) l++;
  for (let i = a; i < b; i++) {
    while (ends[l] <= i) l++;
    m[rows[i] * T + k] += values[l];
  }
}

/**
 * Stable partition of rows[a..b) by left[bins[col + r]] (1 = left), into tmp: the left rows from
 * tmp[a] up, the right rows from tmp[b − 1] down (reversed); returns how many went left.
 * Branch-free: every row is written to both sides and only one cursor moves (a write to the wrong
 * side lands where a later row, or the same row, overwrites it). joinBlock puts them in place.
 */
export function partitionBlock(rows: Int32Array, tmp: Int32Array, bins: Uint8Array, col: number, left: Uint8Array, a: number, b: number): number {
  let l = 0;
  let r = 0;
  for (let i = a; i < b; i++) {
    const row = rows[i];
    const goLeft = left[bins[col + row]];
    tmp[a + l] = row;
    tmp[b - 1 - r] = row;
    l += goLeft;
    r += 1 - goLeft;
  }
  return l;
}

/** Block [a, b) of a partition into rows: its l left rows to rows[L..], its right rows (reversed in tmp) to rows[R..]. */
export function joinBlock(rows: Int32Array, tmp: Int32Array, a: number, l: number, b: number, L: number, R: number): void {
  rows.set(tmp.subarray(a, a + l), L);
  const nr = b - a - l;
  for (let i = 0; i < nr; i++) rows[R + i] = tmp[b - 1 - i];
}

/** og/oh[i − base] = g/h[rows[i]] for i in [a, b): a node's gradients in partition order */
export function gather(rows: Int32Array, g: Float32Array, h: Float32Array, og: Float32Array, oh: Float32Array, a: number, b: number, base: number): void {
  for (let i = a; i < b; i++) {
    const r = rows[i];
    og[i - base] = g[r];
    oh[i - base] = h[r];
  }
}
