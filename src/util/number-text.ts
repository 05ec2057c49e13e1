/**
 * JSON text of a number written as bytes, exactly what JSON.stringify gives (the shortest decimal that
 * reads back as the same double; of those the closest; "null" for NaN and ±Infinity), without making
 * a string. Pure.
 *
 * For 1e-6 < |x| < 1e16 or so (the plain-decimal range, where every value a score, a probability or a
 * contribution takes lives) the digits are found here: x·10^k lands in [1e16, 1e17) and is computed
 * exactly as a double-double (Dekker's product; 10^k is exact for k ≤ 22), and so are the half-gaps to
 * the neighbouring doubles. The decimals with 17 − m digits nearest to it are tried for m = 0, 1, …
 * (a decimal that reads back as x with 17 − m digits also has one with 17 − m + 1): the largest m with
 * one inside the rounding interval gives the shortest digits, and the closer of the two if both are.
 * Every comparison is exact (a small integer plus the exact fraction, compared through an error-free
 * sum). Where the exact answer would depend on how a tie is broken — a candidate on the interval's
 * edge, or two candidates equally close — and outside the range, JSON.stringify decides.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const SPLIT = 134217729; // 2^27 + 1: Dekker's split of a double into two 26-bit halves
const POW10_HI = POW10.map((p) => {
  const t = SPLIT * p;
  return t - (t - p);
});
const POW10_LO = POW10.map((p, i) => p - POW10_HI[i]);

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
f64[0] = 1;
/** index of the word holding sign and exponent */
const HI = u32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;
const digits = new Uint8Array(17);

/** the sign of q + s − d, exactly (q a small integer, |s| ≤ 1/2, d a double) */
function cmp(q: number, s: number, d: number): number {
  const sum = q + s;
  if (sum < d) return -1;
  if (sum > d) return 1;
  // rounding is monotone, so only a sum that rounded to d needs its error (Knuth's two-sum)
  const bb = sum - q;
  const err = q - (sum - bb) + (s - bb);
  return err < 0 ? -1 : err > 0 ? 1 : 0;
}

/** Writes the JSON text of x at buf[o..] (room for 24 bytes needed) and returns the offset after it. */
export function writeJsonNumber(buf: Uint8Array, o: number, x: number): number {
  const end = shortest(buf, o, x);
  if (end >= 0) return end;
  const s = JSON.stringify(x);
  for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i);
  return o;
}

/** the digits found here, or −1 where JSON.stringify decides */
function shortest(buf: Uint8Array, o: number, x: number): number {
  const neg = x < 0;
  const a = neg ? -x : x;
  if (!(a > 1e-6 && a < 1e16)) return -1; // also NaN, ±0, ±Infinity
  f64[0] = a;
  const hw = u32[HI];
  const lw = u32[LO];
  const e2 = hw >>> 20;
  // a ∈ [2^(e2−1023), 2^(e2−1022)): its decimal exponent is E0 or E0 + 1
  const E0 = Math.floor((e2 - 1023) * 0.30102999566398114);
  let k = 16 - E0;
  if (k > 22) k = 22;
  if (k < 0) return -1;
  // S = a·10^k = hi + lo exactly
  const t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  let P = POW10[k];
  let hi = a * P;
  let lo = ah * POW10_HI[k] - hi + ah * POW10_LO[k] + al * POW10_HI[k] + al * POW10_LO[k];
  if (hi > 1e17 || (hi === 1e17 && lo >= 0)) {
    if (k === 0) return -1;
    k--;
    P = POW10[k];
    hi = a * P;
    lo = ah * POW10_HI[k] - hi + ah * POW10_LO[k] + al * POW10_HI[k] + al * POW10_LO[k];
  }
  if (!(hi > 1e16 || (hi === 1e16 && lo >= 0)) || hi > 1e17 || (hi === 1e17 && lo >= 0)) return -1;
  // half the gaps to the neighbouring doubles, scaled the same way (2^j·10^k: exact)
  u32[HI] = (e2 - 52) << 20;
  u32[LO] = 0;
  const dUp = f64[0] * P * 0.5;
  const dDown = (hw & 0xfffff) === 0 && lw === 0 ? dUp * 0.5 : dUp;
  // S = Ih·1e8 + L + f, 0 ≤ L < 1e8 integer, −1/2 ≤ f < 1/2 (hi is an integer: it is above 2^53)
  const r = Math.round(lo);
  const f = lo - r;
  let Ih = Math.floor(hi / 1e8);
  let L = hi - Ih * 1e8;
  L += r;
  while (L < 0) {
    L += 1e8;
    Ih--;
  }
  while (L >= 1e8) {
    L -= 1e8;
    Ih++;
  }
  // m digits dropped: the candidates below and above S among multiples of 10^m
  let best = -1;
  let bestDown = false;
  let bestUp = false;
  let bestR = 0;
  let bestRh = 0;
  let bestQd = 0;
  let bestQu = 0;
  for (let m = 0; m <= 15; m++) {
    const Pm = POW10[m];
    let rh = 0;
    let R: number;
    // integer remainders (L < 1e8 and Ih < 1e9 fit int32)
    if (m <= 8) R = (L | 0) % (Pm | 0);
    else {
      rh = (Ih | 0) % (POW10[m - 8] | 0);
      R = rh * 1e8 + L;
    }
    let qd: number;
    let qu: number;
    if (R === 0 && f < 0) {
      // S just below a multiple of 10^m: that one is above, the one below is 10^m further
      qd = Pm;
      qu = 0;
    } else {
      qd = R;
      qu = Pm - R;
    }
    let down = false;
    let up = false;
    if (qd <= 12) {
      const c = cmp(qd, f, dDown);
      if (c === 0) return -1;
      down = c < 0;
    }
    if (qu <= 12) {
      const c = cmp(qu, -f, dUp);
      if (c === 0) return -1;
      up = c < 0;
    }
    if (!down && !up) break;
    best = m;
    bestDown = down;
    bestUp = up;
    bestR = R;
    bestRh = rh;
    bestQd = qd;
    bestQu = qu;
  }
  if (best < 0 || best === 15) return -1;
  const m = best;
  let useUp: boolean;
  if (bestDown && bestUp) {
    // distances qd + f and qu − f: the closer one, a tie is JSON.stringify's
    const d = bestQu - bestQd;
    const f2 = 2 * f;
    if (f2 === d) return -1;
    useUp = f2 > d;
  } else useUp = bestUp;
  // the candidate as Ih·1e8 + L
  const below = bestR === 0 && f < 0; // the multiple of 10^m at or above S is I itself
  const Pm = POW10[m];
  let cH: number;
  let cL: number;
  if (m <= 8) {
    cH = Ih;
    cL = L - bestR + (below ? (useUp ? 0 : -Pm) : useUp ? Pm : 0);
    while (cL < 0) {
      cL += 1e8;
      cH--;
    }
    while (cL >= 1e8) {
      cL -= 1e8;
      cH++;
    }
  } else {
    const step = POW10[m - 8];
    cH = Ih - bestRh + (below ? (useUp ? 0 : -step) : useUp ? step : 0);
    cL = 0;
  }
  if (cH < 1e8 || cH >= 1e9) return -1;
  let h = cH | 0;
  for (let i = 8; i >= 0; i--) {
    const q = (h / 10) | 0;
    digits[i] = 48 + h - q * 10;
    h = q;
  }
  let l = cL | 0;
  for (let i = 16; i >= 9; i--) {
    const q = (l / 10) | 0;
    digits[i] = 48 + l - q * 10;
    l = q;
  }
  const p = 17 - m;
  // the value is 0.d1…dp × 10^n
  const n = 17 - k;
  if (neg) buf[o++] = 45;
  if (n >= p) {
    for (let i = 0; i < p; i++) buf[o++] = digits[i];
    for (let i = p; i < n; i++) buf[o++] = 48;
  } else if (n > 0) {
    for (let i = 0; i < n; i++) buf[o++] = digits[i];
    buf[o++] = 46;
    for (let i = n; i < p; i++) buf[o++] = digits[i];
  } else {
    buf[o++] = 48;
    buf[o++] = 46;
    for (let i = n; i < 0; i++) buf[o++] = 48;
    for (let i = 0; i < p; i++) buf[o++] = digits[i];
  }
  return o;
}
