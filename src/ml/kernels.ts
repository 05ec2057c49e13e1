/**
 * Float64 kernels of the linear solvers over one block ("chunk") of rows of a row-major n × p matrix.
 * Each kernel writes its partial sums into out[o … o + width); the caller adds the chunks' partials in
 * chunk order, so a result does not depend on how many threads computed the chunks.
 * Rows are taken four at a time so that each coefficient load serves four rows and each gradient or
 * Hessian entry is loaded and stored once per four rows.
 * Parameter layout θ = [w_0 … w_(p−1), b] (binary); multinomial: K such rows.
 */

/** Rows per chunk of a gradient pass (fixed, so sums are grouped the same whatever the thread count). */
export const CHUNK_ROWS = 4096;

/**
 * Splits row ranges [s0, e0, s1, e1, …] into chunks of at most `rows` rows: [start, end] pairs.
 */
export function chunkRanges(ranges: ArrayLike<number>, rows: number): Int32Array {
  const out: number[] = [];
  for (let k = 0; k < ranges.length; k += 2) {
    for (let s = ranges[k]; s < ranges[k + 1]; s += rows) out.push(s, Math.min(s + rows, ranges[k + 1]));
  }
  return Int32Array.from(out);
}

/** Rows covered by a chunk list. */
export function chunkRows(chunks: Int32Array): number {
  let n = 0;
  for (let c = 0; c < chunks.length; c += 2) n += chunks[c + 1] - chunks[c];
  return n;
}

/**
 * Binary logistic loss Σ s_i·logloss_i and its gradient over rows [r0, r1): out = [g_0 … g_(p−1), g_b, f]
 * (width p + 2). No penalty (added once by the caller).
 */
export function binaryGradChunk(X: Float64Array, p: number, y: Float64Array, sw: Float64Array | undefined, theta: Float64Array, r0: number, r1: number, out: Float64Array, o: number): void {
  for (let j = 0; j <= p + 1; j++) out[o + j] = 0;
  const b = theta[p];
  let f = 0;
  let gb = 0;
  // Σ s·log(1 + e) as logs of products: (1 + e) ∈ (1, 2], so 32 factors stay below 2^32 and one log
  // serves 32 rows (unweighted rows; the error stays at a few ulps per product)
  let prod = 1;
  let inProd = 0;
  let i = r0;
  for (; i + 4 <= r1; i += 4) {
    const a0 = i * p;
    const a1 = a0 + p;
    const a2 = a1 + p;
    const a3 = a2 + p;
    let z0 = b;
    let z1 = b;
    let z2 = b;
    let z3 = b;
    for (let j = 0; j < p; j++) {
      const t = theta[j];
      z0 += X[a0 + j] * t;
      z1 += X[a1 + j] * t;
      z2 += X[a2 + j] * t;
      z3 += X[a3 + j] * t;
    }
    // logloss = max(z, 0) + log(1 + e^{−|z|}) − y·z, with one exp shared by the loss and σ
    const e0 = Math.exp(z0 > 0 ? -z0 : z0);
    const e1 = Math.exp(z1 > 0 ? -z1 : z1);
    const e2 = Math.exp(z2 > 0 ? -z2 : z2);
    const e3 = Math.exp(z3 > 0 ? -z3 : z3);
    const y0 = y[i];
    const y1 = y[i + 1];
    const y2 = y[i + 2];
    const y3 = y[i + 3];
    let q0 = (z0 >= 0 ? 1 / (1 + e0) : e0 / (1 + e0)) - y0;
    let q1 = (z1 >= 0 ? 1 / (1 + e1) : e1 / (1 + e1)) - y1;
    let q2 = (z2 >= 0 ? 1 / (1 + e2) : e2 / (1 + e2)) - y2;
    let q3 = (z3 >= 0 ? 1 / (1 + e3) : e3 / (1 + e3)) - y3;
    const lin0 = (z0 > 0 ? z0 : 0) - y0 * z0;
    const lin1 = (z1 > 0 ? z1 : 0) - y1 * z1;
    const lin2 = (z2 > 0 ? z2 : 0) - y2 * z2;
    const lin3 = (z3 > 0 ? z3 : 0) - y3 * z3;
    if (sw) {
      const s0 = sw[i];
      const s1 = sw[i + 1];
      const s2 = sw[i + 2];
      const s3 = sw[i + 3];
      f += s0 * (lin0 + Math.log(1 + e0)) + s1 * (lin1 + Math.log(1 + e1)) + s2 * (lin2 + Math.log(1 + e2)) + s3 * (lin3 + Math.log(1 + e3));
      q0 *= s0;
      q1 *= s1;
      q2 *= s2;
      q3 *= s3;
    } else {
      f += lin0 + lin1 + (lin2 + lin3);
      prod *= (1 + e0) * (1 + e1) * ((1 + e2) * (1 + e3));
      if (++inProd === 8) {
        f += Math.log(prod);
        prod = 1;
        inProd = 0;
      }
    }
    for (let j = 0; j < p; j++) out[o + j] += q0 * X[a0 + j] + q1 * X[a1 + j] + q2 * X[a2 + j] + q3 * X[a3 + j];
    gb += q0 + q1 + q2 + q3;
  }
  if (inProd > 0) f += Math.log(prod);
  for (; i < r1; i++) {
    const a = i * p;
    let z = b;
    for (let j = 0; j < p; j++) z += X[a + j] * theta[j];
    const s = sw ? sw[i] : 1;
    const e = Math.exp(z > 0 ? -z : z);
    f += s * ((z > 0 ? z : 0) + Math.log(1 + e) - y[i] * z);
    const q = s * ((z >= 0 ? 1 / (1 + e) : e / (1 + e)) - y[i]);
    for (let j = 0; j < p; j++) out[o + j] += q * X[a + j];
    gb += q;
  }
  out[o + p] = gb;
  out[o + p + 1] = f;
}

/**
 * Lower triangle of Σ w_i·[x_i, 1][x_i, 1]ᵀ over rows r0, r0 + stride, … < r1, with w_i = s_i·σ(z_i)(1 − σ(z_i))
 * (binary logistic Hessian) or w_i = s_i (weights = true: the weighted Gram matrix). out is q × q
 * row-major (q = p + 1, intercept last); only entries [a][b ≤ a] are written.
 */
export function binaryHessChunk(X: Float64Array, p: number, y: Float64Array, sw: Float64Array | undefined, theta: Float64Array, r0: number, r1: number, stride: number, gram: boolean, out: Float64Array, o: number): void {
  const q = p + 1;
  for (let a = 0; a < q; a++) for (let c = 0; c <= a; c++) out[o + a * q + c] = 0;
  const b = theta[p];
  // four weighted rows at a time, with the intercept's 1 appended: v_k = [x, 1], u_k = w_k·v_k
  const v = new Float64Array(4 * q);
  const u = new Float64Array(4 * q);
  let m = 0;
  const flush = (cnt: number) => {
    for (let k = cnt; k < 4; k++) {
      for (let j = 0; j < q; j++) {
        v[k * q + j] = 0;
        u[k * q + j] = 0;
      }
    }
    for (let a = 0; a < q; a++) {
      const u0 = u[a];
      const u1 = u[q + a];
      const u2 = u[2 * q + a];
      const u3 = u[3 * q + a];
      const row = o + a * q;
      for (let c = 0; c <= a; c++) out[row + c] += u0 * v[c] + u1 * v[q + c] + u2 * v[2 * q + c] + u3 * v[3 * q + c];
    }
  };
  for (let i = r0; i < r1; i += stride) {
    const off = i * p;
    let w: number;
    const s = sw ? sw[i] : 1;
    if (gram) w = s;
    else {
      let z = b;
      for (let j = 0; j < p; j++) z += X[off + j] * theta[j];
      const e = Math.exp(z > 0 ? -z : z);
      const pr = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      w = s * pr * (1 - pr);
    }
    const base = m * q;
    for (let j = 0; j < p; j++) {
      const x = X[off + j];
      v[base + j] = x;
      u[base + j] = w * x;
    }
    v[base + p] = 1;
    u[base + p] = w;
    if (++m === 4) {
      flush(4);
      m = 0;
    }
  }
  if (m > 0) flush(m);
}

/**
 * Multinomial (softmax) loss and gradient over rows [r0, r1): out = [grad (K·q), f] (width K·q + 1),
 * y = class index. No penalty.
 */
export function multinomialGradChunk(X: Float64Array, p: number, K: number, y: Float64Array, sw: Float64Array | undefined, theta: Float64Array, r0: number, r1: number, out: Float64Array, o: number): void {
  const q = p + 1;
  const width = K * q;
  for (let j = 0; j <= width; j++) out[o + j] = 0;
  const z = new Float64Array(K);
  let f = 0;
  for (let i = r0; i < r1; i++) {
    const off = i * p;
    let mx = -Infinity;
    for (let k = 0; k < K; k++) {
      const t = k * q;
      let s = theta[t + p];
      for (let j = 0; j < p; j++) s += X[off + j] * theta[t + j];
      z[k] = s;
      if (s > mx) mx = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp(z[k] - mx);
      sum += z[k];
    }
    const s = sw ? sw[i] : 1;
    const yi = y[i];
    f += s * (Math.log(sum) - Math.log(z[yi]));
    for (let k = 0; k < K; k++) {
      const r = s * (z[k] / sum - (k === yi ? 1 : 0));
      if (r === 0) continue;
      const t = o + k * q;
      for (let j = 0; j < p; j++) out[t + j] += r * X[off + j];
      out[t + p] += r;
    }
  }
  out[o + width] = f;
}

/** The kinds of pass a worker can run, with their partial widths. */
export type PassKind = 'grad' | 'hess' | 'gram' | 'mgrad';

export function passWidth(kind: PassKind, p: number, K: number): number {
  if (kind === 'grad') return p + 2;
  if (kind === 'mgrad') return K * (p + 1) + 1;
  return (p + 1) * (p + 1);
}

/** Runs chunk c of a pass (shared by the calling thread and the worker threads). */
export function runChunk(kind: PassKind, X: Float64Array, p: number, K: number, y: Float64Array, sw: Float64Array | undefined, theta: Float64Array, r0: number, r1: number, stride: number, out: Float64Array, o: number): void {
  if (kind === 'grad') binaryGradChunk(X, p, y, sw, theta, r0, r1, out, o);
  else if (kind === 'mgrad') multinomialGradChunk(X, p, K, y, sw, theta, r0, r1, out, o);
  else binaryHessChunk(X, p, y, sw, theta, r0, r1, stride, kind === 'gram', out, o);
}
