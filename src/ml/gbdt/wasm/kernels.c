/*
 * The fit's per-row inner loops, compiled to WebAssembly (scripts/build-wasm.mjs; the module's bytes
 * are embedded in kernels-wasm.ts). They repeat hist.ts and kernels.ts operation for operation: each
 * histogram bin sums the same float32 gradients, widened to double, in the same row order, so the
 * bytes of a fitted model do not depend on which of the two runs. Every pointer is a byte offset in
 * the fit's one shared memory. No libc: the loops use nothing but loads, stores and adds.
 */
#include <stdint.h>

#define STRIDE (256 * 3)
#define EXPORT(name) __attribute__((export_name(name)))

static void zero(double *h) {
  for (int i = 0; i < STRIDE; i++) h[i] = 0;
}

static inline void add(double *b, double g, double h) {
  b[0] += g;
  b[1] += h;
  b[2] += 1;
}

/*
 * Histograms of features feats[fa..fb) over the node rows[start..end) of the column-major bin
 * matrix (n rows). identity: the node is every row in order (g/h by row, rows not read); otherwise
 * g/h hold the node's gradients in partition order (g[j] for rows[start + j]). Four features share
 * one pass over the rows, then two, then one (as hist.ts).
 */
EXPORT("hist")
void hist(const uint8_t *bins, int n, const int32_t *feats, int fa, int fb, const int32_t *rows,
          int start, int end, int identity, const float *g, const float *h, double *out) {
  const int m = end - start;
  const int32_t *r = rows + start;
  int q = fa;
  for (; q + 4 <= fb; q += 4) {
    double *h0 = out + feats[q] * STRIDE, *h1 = out + feats[q + 1] * STRIDE;
    double *h2 = out + feats[q + 2] * STRIDE, *h3 = out + feats[q + 3] * STRIDE;
    zero(h0);
    zero(h1);
    zero(h2);
    zero(h3);
    const uint8_t *c0 = bins + (uint32_t)feats[q] * (uint32_t)n, *c1 = bins + (uint32_t)feats[q + 1] * (uint32_t)n;
    const uint8_t *c2 = bins + (uint32_t)feats[q + 2] * (uint32_t)n, *c3 = bins + (uint32_t)feats[q + 3] * (uint32_t)n;
    if (identity) {
      for (int i = 0; i < n; i++) {
        const double gg = g[i], hh = h[i];
        add(h0 + c0[i] * 3, gg, hh);
        add(h1 + c1[i] * 3, gg, hh);
        add(h2 + c2[i] * 3, gg, hh);
        add(h3 + c3[i] * 3, gg, hh);
      }
    } else {
      for (int j = 0; j < m; j++) {
        const int k = r[j];
        const double gg = g[j], hh = h[j];
        add(h0 + c0[k] * 3, gg, hh);
        add(h1 + c1[k] * 3, gg, hh);
        add(h2 + c2[k] * 3, gg, hh);
        add(h3 + c3[k] * 3, gg, hh);
      }
    }
  }
  if (q + 2 <= fb) {
    double *h0 = out + feats[q] * STRIDE, *h1 = out + feats[q + 1] * STRIDE;
    zero(h0);
    zero(h1);
    const uint8_t *c0 = bins + (uint32_t)feats[q] * (uint32_t)n, *c1 = bins + (uint32_t)feats[q + 1] * (uint32_t)n;
    if (identity) {
      for (int i = 0; i < n; i++) {
        const double gg = g[i], hh = h[i];
        add(h0 + c0[i] * 3, gg, hh);
        add(h1 + c1[i] * 3, gg, hh);
      }
    } else {
      for (int j = 0; j < m; j++) {
        const int k = r[j];
        const double gg = g[j], hh = h[j];
        add(h0 + c0[k] * 3, gg, hh);
        add(h1 + c1[k] * 3, gg, hh);
      }
    }
    q += 2;
  }
  for (; q < fb; q++) {
    double *h0 = out + feats[q] * STRIDE;
    zero(h0);
    const uint8_t *c0 = bins + (uint32_t)feats[q] * (uint32_t)n;
    if (identity) {
      for (int i = 0; i < n; i++) add(h0 + c0[i] * 3, g[i], h[i]);
    } else {
      for (int j = 0; j < m; j++) add(h0 + c0[r[j]] * 3, g[j], h[j]);
    }
  }
}

/*
 * Stable partition of rows[a..b) by left[col[row]] (1 = left): left rows compacted to rows[a..a+l),
 * right rows written to tmp[a..), both in their old order; returns l (kernels.ts partitionBlock).
 */
EXPORT("partition")
int partition(int32_t *rows, int32_t *tmp, const uint8_t *col, const uint8_t *left, int a, int b) {
  int l = a, rr = a;
  for (int i = a; i < b; i++) {
    const int32_t row = rows[i];
    const int goLeft = left[col[row]];
    rows[l] = row;
    tmp[rr] = row;
    l += goLeft;
    rr += 1 - goLeft;
  }
  return l - a;
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
