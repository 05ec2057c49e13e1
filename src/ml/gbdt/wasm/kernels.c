/*
 * The fit's per-row inner loops, compiled to WebAssembly (scripts/build-wasm.mjs; the module's bytes
 * are embedded in kernels-wasm.ts). They repeat hist.ts and kernels.ts operation for operation: each
 * histogram bin sums the same float32 gradients, widened to double, in the same row order, so the
 * bytes of a fitted model do not depend on which of the two runs. Every pointer is a byte offset in
 * the fit's one shared memory. No libc: the loops use nothing but loads, stores and adds.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define GH 520    /* doubles per feature: 256 bins x (gradient sum, hessian sum), and 64 bytes more so that features do not share cache sets */
#define CNT 256   /* doubles per feature in the count region */
#define MISSING 255
#define EXPORT(name) __attribute__((export_name(name)))

static void zero(double *p, int len) {
  for (int i = 0; i < len; i++) p[i] = 0;
}

static inline void add(double *b, int v, double g, double h) {
  b[2 * v] += g;
  b[2 * v + 1] += h;
}

/* the same two adds as one f64x2 add (each lane rounds as its scalar add would) */
static inline void add2(double *b, int v, v128_t gh) {
  wasm_v128_store(b + 2 * v, wasm_f64x2_add(wasm_v128_load(b + 2 * v), gh));
}

#define INLINE static inline __attribute__((always_inline))

/*
 * The pass without full counts over features feats[q..q+w) (w = 4, 2 or 1); miss: count the rows in
 * the missing bin (a feature with no missing value in the training rows has none in any node: its
 * count is 0 without counting, which saves a compare and add per row).
 */
INLINE void pass(const uint8_t *bins, int n, const int32_t *feats, int q, const int w, const int32_t *r, int m,
                 const int identity, const float *g, const float *h, double *out, double *cnt, const int miss) {
  double *h0 = out + feats[q] * GH, *h1 = w > 1 ? out + feats[q + 1] * GH : 0;
  double *h2 = w > 2 ? out + feats[q + 2] * GH : 0, *h3 = w > 3 ? out + feats[q + 3] * GH : 0;
  zero(h0, GH);
  if (w > 1) zero(h1, GH);
  if (w > 2) zero(h2, GH);
  if (w > 3) zero(h3, GH);
  const uint8_t *c0 = bins + (uint32_t)feats[q] * (uint32_t)n;
  const uint8_t *c1 = w > 1 ? bins + (uint32_t)feats[q + 1] * (uint32_t)n : 0;
  const uint8_t *c2 = w > 2 ? bins + (uint32_t)feats[q + 2] * (uint32_t)n : 0;
  const uint8_t *c3 = w > 3 ? bins + (uint32_t)feats[q + 3] * (uint32_t)n : 0;
  int m0 = 0, m1 = 0, m2 = 0, m3 = 0;
  const int len = identity ? n : m;
  for (int j = 0; j < len; j++) {
    const int k = identity ? j : r[j];
    const v128_t gh = wasm_f64x2_make(g[j], h[j]);
    const int v0 = c0[k];
    add2(h0, v0, gh);
    if (miss) m0 += v0 == MISSING;
    if (w > 1) {
      const int v1 = c1[k];
      add2(h1, v1, gh);
      if (miss) m1 += v1 == MISSING;
    }
    if (w > 2) {
      const int v2 = c2[k];
      add2(h2, v2, gh);
      if (miss) m2 += v2 == MISSING;
    }
    if (w > 3) {
      const int v3 = c3[k];
      add2(h3, v3, gh);
      if (miss) m3 += v3 == MISSING;
    }
  }
  cnt[feats[q] * CNT + MISSING] = m0;
  if (w > 1) cnt[feats[q + 1] * CNT + MISSING] = m1;
  if (w > 2) cnt[feats[q + 2] * CNT + MISSING] = m2;
  if (w > 3) cnt[feats[q + 3] * CNT + MISSING] = m3;
}

INLINE void passes(const uint8_t *bins, int n, const int32_t *feats, int fa, int fb, const int32_t *r, int m,
                   const int identity, const float *g, const float *h, double *out, double *cnt, const int miss) {
  int q = fa;
  for (; q + 4 <= fb; q += 4) pass(bins, n, feats, q, 4, r, m, identity, g, h, out, cnt, miss);
  if (q + 2 <= fb) {
    pass(bins, n, feats, q, 2, r, m, identity, g, h, out, cnt, miss);
    q += 2;
  }
  for (; q < fb; q++) pass(bins, n, feats, q, 1, r, m, identity, g, h, out, cnt, miss);
}

/*
 * Histograms of features feats[fa..fb) over the node rows[start..end) of the column-major bin
 * matrix (n rows). identity: the node is every row in order (g/h by row, rows not read); otherwise
 * g/h hold the node's gradients in partition order (g[j] for rows[start + j]). cnt is the count
 * region. counts: 2 = every bin's row count; 1 = the missing bin's only; 0 = none (features with no
 * missing value: their missing count is 0). Without full counts four features share one pass over
 * the rows, then two, then one (as hist.ts).
 */
EXPORT("hist")
void hist(const uint8_t *bins, int n, const int32_t *feats, int fa, int fb, const int32_t *rows,
          int start, int end, int identity, const float *g, const float *h, double *out, double *cnt, int counts) {
  const int m = end - start;
  const int32_t *r = rows + start;
  if (counts == 2) {
    for (int q = fa; q < fb; q++) {
      double *h0 = out + feats[q] * GH, *k0 = cnt + feats[q] * CNT;
      zero(h0, GH);
      zero(k0, CNT);
      const uint8_t *c0 = bins + (uint32_t)feats[q] * (uint32_t)n;
      if (identity) {
        for (int i = 0; i < n; i++) {
          const int v = c0[i];
          add(h0, v, g[i], h[i]);
          k0[v] += 1;
        }
      } else {
        for (int j = 0; j < m; j++) {
          const int v = c0[r[j]];
          add(h0, v, g[j], h[j]);
          k0[v] += 1;
        }
      }
    }
  } else if (identity) {
    if (counts == 1) passes(bins, n, feats, fa, fb, r, m, 1, g, h, out, cnt, 1);
    else passes(bins, n, feats, fa, fb, r, m, 1, g, h, out, cnt, 0);
  } else {
    if (counts == 1) passes(bins, n, feats, fa, fb, r, m, 0, g, h, out, cnt, 1);
    else passes(bins, n, feats, fa, fb, r, m, 0, g, h, out, cnt, 0);
  }
}

/* every bin's row count of one feature (col = its bins) for the node rows[start..end) (identity: all n rows) */
EXPORT("counts")
void counts(const uint8_t *col, int n, const int32_t *rows, int start, int end, int identity, double *k0) {
  zero(k0, CNT);
  if (identity) {
    for (int i = 0; i < n; i++) k0[col[i]] += 1;
  } else {
    for (int j = start; j < end; j++) k0[col[rows[j]]] += 1;
  }
}

/*
 * e^x, the same operations as kernels.ts expFit: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite), e^r by
 * its Taylor series to r^13 (error under an ulp), times 2^k built from its bits. Saturates to 0 below
 * -700 and to infinity above 709, where the fit's uses of it (1 / (1 + e^-m)) no longer change.
 */
static inline double exp_fit(double x) {
  if (x < -700) return 0;
  if (x > 709) return __builtin_inf();
  const double k = __builtin_floor(x * 1.4426950408889634 + 0.5);
  const double r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;
  double p = 1.0 / 6227020800;
  p = p * r + 1.0 / 479001600;
  p = p * r + 1.0 / 39916800;
  p = p * r + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1;
  p = p * r + 1;
  const uint64_t bits = (uint64_t)((int64_t)k + 1023) << 52;
  double scale;
  __builtin_memcpy(&scale, &bits, 8);
  return p * scale;
}

/* exp_fit on two lanes: the same operations per lane (f64x2 adds, multiplies, floor) */
static inline v128_t exp_fit2(v128_t x) {
  const v128_t under = wasm_f64x2_lt(x, wasm_f64x2_splat(-700));
  const v128_t over = wasm_f64x2_gt(x, wasm_f64x2_splat(709));
  /* lanes out of range are replaced below; clamp them so that 2^k stays a finite bit pattern */
  const v128_t xc = wasm_f64x2_pmin(wasm_f64x2_pmax(x, wasm_f64x2_splat(-700)), wasm_f64x2_splat(709));
  const v128_t k = wasm_f64x2_floor(wasm_f64x2_add(wasm_f64x2_mul(xc, wasm_f64x2_splat(1.4426950408889634)), wasm_f64x2_splat(0.5)));
  const v128_t r = wasm_f64x2_sub(wasm_f64x2_sub(xc, wasm_f64x2_mul(k, wasm_f64x2_splat(0.6931471803691238))), wasm_f64x2_mul(k, wasm_f64x2_splat(1.9082149292705877e-10)));
#define STEP(c) p = wasm_f64x2_add(wasm_f64x2_mul(p, r), wasm_f64x2_splat(c))
  v128_t p = wasm_f64x2_splat(1.0 / 6227020800);
  STEP(1.0 / 479001600);
  STEP(1.0 / 39916800);
  STEP(1.0 / 3628800);
  STEP(1.0 / 362880);
  STEP(1.0 / 40320);
  STEP(1.0 / 5040);
  STEP(1.0 / 720);
  STEP(1.0 / 120);
  STEP(1.0 / 24);
  STEP(1.0 / 6);
  STEP(0.5);
  STEP(1);
  STEP(1);
#undef STEP
  const v128_t ki = wasm_i64x2_extend_low_i32x4(wasm_i32x4_trunc_sat_f64x2_zero(k));
  const v128_t scale = wasm_i64x2_shl(wasm_i64x2_add(ki, wasm_i64x2_splat(1023)), 52);
  v128_t e = wasm_f64x2_mul(p, scale);
  e = wasm_v128_bitselect(wasm_f64x2_splat(0), e, under);
  return wasm_v128_bitselect(wasm_f64x2_splat(__builtin_inf()), e, over);
}

/*
 * Binary log loss: gradients and hessians of rows [a, b) as float32 from margins m (weights w, or
 * none when w is 0); returns the largest hessian (kernels.ts gradients). Two rows a step.
 */
EXPORT("grad_binary")
double grad_binary(const double *y, const double *w, const double *m, float *g, float *h, int a, int b) {
  const v128_t one = wasm_f64x2_splat(1), floor16 = wasm_f64x2_splat(1e-16);
  int i = a;
  for (; i + 2 <= b; i += 2) {
    const v128_t e = exp_fit2(wasm_f64x2_neg(wasm_v128_load(m + i)));
    const v128_t pr = wasm_f64x2_div(one, wasm_f64x2_add(one, e));
    const v128_t wi = w ? wasm_v128_load(w + i) : one;
    const v128_t gg = wasm_f64x2_mul(wi, wasm_f64x2_sub(pr, wasm_v128_load(y + i)));
    const v128_t q = wasm_f64x2_mul(pr, wasm_f64x2_sub(one, pr));
    const v128_t hh = wasm_f64x2_mul(wi, wasm_v128_bitselect(q, floor16, wasm_f64x2_gt(q, floor16)));
    wasm_v128_store64_lane(g + i, wasm_f32x4_demote_f64x2_zero(gg), 0);
    wasm_v128_store64_lane(h + i, wasm_f32x4_demote_f64x2_zero(hh), 0);
  }
  for (; i < b; i++) {
    const double pr = 1 / (1 + exp_fit(-m[i]));
    const double wi = w ? w[i] : 1;
    g[i] = (float)(wi * (pr - y[i]));
    const double q = pr * (1 - pr);
    h[i] = (float)(wi * (q > 1e-16 ? q : 1e-16));
  }
  float hmax = 0;
  for (int j = a; j < b; j++) hmax = h[j] > hmax ? h[j] : hmax;
  return hmax;
}

/* m[rows[i] * T + k] += the value of the leaf holding position i, for i in [a, b) (kernels.ts addLeafValues) */
EXPORT("leaf_values")
void leaf_values(const int32_t *rows, double *m, int T, int k, const int32_t *ends, const double *values, int leaves, int a, int b) {
  int l = 0;
  while (l < leaves && ends[l] <= a) l++;
  for (int i = a; i < b; i++) {
    while (ends[l] <= i) l++;
    m[(uint32_t)rows[i] * (uint32_t)T + k] += values[l];
  }
}

/*
 * Stable partition of rows[a..b) by left[col[row]] (1 = left), into tmp: the left rows from tmp[a]
 * up, the right rows from tmp[b − 1] down (reversed); returns how many went left. Every row is
 * written to both sides and one cursor moves (no branch); a write to the wrong side lands where a
 * later row, or the same row, overwrites it. kernels.ts partitionBlock.
 */
EXPORT("partition")
int partition(const int32_t *rows, int32_t *tmp, const uint8_t *col, const uint8_t *left, int a, int b) {
  int l = 0, rr = 0;
  for (int i = a; i < b; i++) {
    const int32_t row = rows[i];
    const int goLeft = left[col[row]];
    tmp[a + l] = row;
    tmp[b - 1 - rr] = row;
    l += goLeft;
    rr += 1 - goLeft;
  }
  return l;
}

/* block [a, b) of a partition into rows: its l left rows to rows[L..], its right rows (reversed in tmp) to rows[R..] (kernels.ts joinBlock) */
EXPORT("join")
void join(int32_t *rows, const int32_t *tmp, int a, int l, int b, int L, int R) {
  for (int i = 0; i < l; i++) rows[L + i] = tmp[a + i];
  const int nr = b - a - l;
  for (int i = 0; i < nr; i++) rows[R + i] = tmp[b - 1 - i];
}

/* og/oh[i − base] = g/h[rows[i]] for i in [a, b) (kernels.ts gather) */
EXPORT("gather")
void gather(const int32_t *rows, const float *g, const float *h, float *og, float *oh, int a, int b, int base) {
  for (int i = a; i < b; i++) {
    const int32_t k = rows[i];
    og[i - base] = g[k];
    oh[i - base] = h[k];
  }
}

/* how many of the 16 floats at e are below v (v splatted): four compares of four lanes */
INLINE int below16(const float *e, v128_t v) {
  const int m0 = wasm_i32x4_bitmask(wasm_f32x4_lt(wasm_v128_load(e), v));
  const int m1 = wasm_i32x4_bitmask(wasm_f32x4_lt(wasm_v128_load(e + 4), v));
  const int m2 = wasm_i32x4_bitmask(wasm_f32x4_lt(wasm_v128_load(e + 8), v));
  const int m3 = wasm_i32x4_bitmask(wasm_f32x4_lt(wasm_v128_load(e + 12), v));
  return __builtin_popcount(m0 | m1 << 4 | m2 << 8 | m3 << 12);
}

#define EDGE_STRIDE 272 /* floats per feature in the edge table: 256 edges (padded with +inf), then every 16th (edge 16j + 15) */

/*
 * Bins rows [a, b) of a staged block of the matrix (row-major float32 values, p to a row; row i of
 * the block is row base + i of the bin matrix) for the numeric features feats[0..m): a value's bin is
 * the number of its feature's edges below it, NaN the missing bin (bins.ts binMatrix: the edges are
 * float32 values, so the float32 compare is the same as its double one). The count is taken in two
 * steps of 16 compares, as the edges are sorted: the groups of 16 whose last edge is below the value,
 * then the edges below it in the next group. Returns 1 when a value is ±inf in float32 (an infinite
 * input, or a double beyond float32's range: the caller tells which), else 0.
 */
EXPORT("bin_rows")
int bin_rows(const float *stage, int p, const int32_t *feats, int m, const float *edges, uint8_t *bins, int n, int base, int a, int b) {
  int inf = 0;
  for (int q = 0; q < m; q++) {
    const int f = feats[q];
    const float *e = edges + f * EDGE_STRIDE;
    const float *top = e + 256;
    uint8_t *col = bins + (uint32_t)f * (uint32_t)n + (uint32_t)base;
    const float *x = stage + f;
    for (int i = a; i < b; i++) {
      const float v = x[i * p];
      const v128_t vv = wasm_f32x4_splat(v);
      const int g = below16(top, vv);
      const int lo = 16 * g + below16(e + 16 * g, vv);
      col[i] = v != v ? MISSING : (uint8_t)lo;
      inf |= __builtin_fabsf(v) == __builtin_inff();
    }
  }
  return inf;
}

/* rows[i] = i for i in [a, b) (a tree's rows before its root is split) */
EXPORT("iota")
void iota(int32_t *rows, int a, int b) {
  for (int i = a; i < b; i++) rows[i] = i;
}

/* a bounded scan's best threshold (grow.ts scanBounded's out) */
typedef struct {
  int bi;
  double gain, gl, hl;
} best_t;

/*
 * grow.ts scanBounded, operation for operation: left sides of bins 0..i (missing values left or
 * right) of one feature's histogram hh without bin counts; a side's rows number at least its
 * hessian sum over hmax, which settles min_samples_leaf where it can; the largest gain of the
 * thresholds it leaves open raises *unsettled. The two sides' divisions run as one f64x2 division
 * (each lane rounds as its scalar division would).
 */
INLINE int scan_bounded(const double *hh, int len, int missingLeft, double tg, double th, double gm, double hm, double cm,
                        double parent, double msl, double minH, double lam, double hmax, double above, double *unsettledp, best_t *out) {
  const double inf = __builtin_inf();
  const double slack = 1e-9 * (__builtin_fabs(th) + 1);
  const double mL = missingLeft ? cm : 0, mR = missingLeft ? 0 : cm;
  const double hmL = missingLeft ? hm : 0, hmR = missingLeft ? 0 : hm;
  const double needL = mL >= msl ? -inf : hmax > 0 ? (msl - mL) * hmax + slack + hmL : inf;
  const double needR = mR >= msl ? -inf : hmax > 0 ? (msl - mR) * hmax + slack + hmR : inf;
  double gl = missingLeft ? gm : 0, hl = missingLeft ? hm : 0;
  double unsettled = *unsettledp;
  int bi = -1;
  double bg = 0, bgl = 0, bhl = 0;
  const v128_t lam2 = wasm_f64x2_splat(lam);
  for (int i = 0; i < len; i++) {
    gl += hh[2 * i];
    hl += hh[2 * i + 1];
    if (hl < minH) continue;
    const double hr = th - hl;
    if (hr < minH) break;
    const double gr = tg - gl;
    const v128_t g2 = wasm_f64x2_make(gl, gr);
    const v128_t q = wasm_f64x2_div(wasm_f64x2_mul(g2, g2), wasm_f64x2_add(wasm_f64x2_make(hl, hr), lam2));
    const double gain = wasm_f64x2_extract_lane(q, 0) + wasm_f64x2_extract_lane(q, 1) - parent;
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
  *unsettledp = unsettled;
  if (bi < 0) return 0;
  out->bi = bi;
  out->gain = bg;
  out->gl = bgl;
  out->hl = bhl;
  return 1;
}

/*
 * The split search's numeric scans (grow.ts totalsOf and numericScan without counts) of the features
 * feats[fa..fb) of one node's histograms hist (count region at countAt doubles), skipping those with
 * skip[f] (categorical: the caller scans them). args: min_samples_leaf, min_hessian, lambda, the
 * node's largest hessian. Per feature q, 8 doubles at res + 8q: the best split's gain (0: none), bin,
 * gl, hl, side of missing values (0 right, 1 left, 2 none in the node), the gain left unsettled, and
 * the feature's gradient and hessian totals.
 */
EXPORT("scan")
void scan(const double *hist, int countAt, const int32_t *feats, int fa, int fb, const int32_t *nbins, const uint8_t *skip,
          const double *args, double *res) {
  const double msl = args[0], minH = args[1], lam = args[2], hmax = args[3];
  for (int q = fa; q < fb; q++) {
    const int f = feats[q];
    if (skip[f]) continue;
    const double *hh = hist + f * GH;
    const int nb = nbins[f];
    double g = 0, h = 0;
    for (int b = 0; b < nb; b++) {
      g += hh[2 * b];
      h += hh[2 * b + 1];
    }
    const double gm = hh[2 * MISSING], hm = hh[2 * MISSING + 1], cm = hist[countAt + f * CNT + MISSING];
    const double tg = g + gm, th = h + hm;
    const double parent = (tg * tg) / (th + lam);
    double unsettled = 0;
    best_t r, l, best = {0, 0, 0, 0};
    int have = 0;
    double miss = 0;
    const int len = cm > 0 ? nb : nb - 1;
    if (scan_bounded(hh, len, 0, tg, th, gm, hm, cm, parent, msl, minH, lam, hmax, 0, &unsettled, &r)) {
      best = r;
      have = 1;
      miss = cm > 0 ? 0 : 2;
    }
    if (cm > 0) {
      const double above = have ? best.gain : 0;
      if (scan_bounded(hh, nb - 1, 1, tg, th, gm, hm, cm, parent, msl, minH, lam, hmax, above, &unsettled, &l)) {
        best = l;
        have = 1;
        miss = 1;
      }
    }
    double *o = res + 8 * q;
    o[0] = have ? best.gain : 0;
    o[1] = best.bi;
    o[2] = best.gl;
    o[3] = best.hl;
    o[4] = miss;
    o[5] = unsettled;
    o[6] = tg;
    o[7] = th;
  }
}
