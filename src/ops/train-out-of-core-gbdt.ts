/**
 * Out-of-core gbdt: the boosting loop works on a uint8 bin matrix (p bytes a row instead of 8p), so
 * the training rows are streamed from features.parquet and binned, never held as doubles. Passes, in
 * row order: (1) the labels, from which the early-stopping split is drawn exactly as the in-memory
 * fit draws it; (2) the rows that place the quantile edges (the same seeded sample of ≤ 200,000
 * training rows, src/ml/gbdt/bins.ts) and the categorical features' largest codes; (3) every row
 * through binMatrix into the training or the validation bins. The same rows, split and edges give
 * the model the in-memory fit gives, byte for byte.
 */
import { availableParallelism } from 'node:os';
import type { Duck } from '../io/duck.js';
import type { Task } from '../ml/predict.js';
import { sampleWeights } from '../ml/fit.js';
import { binMatrix, binSampleRows, fitBins, fitGbdtBinned, gbdtSplit, type GbdtParams } from '../ml/gbdt/index.js';
import { asDataErrors, gbdtFamilyFit } from '../ml/families/gbdt.js';
import { forEachBatch, type MatrixShape } from '../io/training-batches.js';
import type { TrainProgress } from '../ml/families/training.js';

export interface ChunkedGbdtSpec {
  task: Task;
  K: number;
  params: GbdtParams;
  classWeight: number[] | null;
  /** per feature: 1 = category codes */
  categorical: Uint8Array;
  seed: number;
}

export async function fitGbdtChunked(duck: Duck, s: MatrixShape, spec: ChunkedGbdtSpec, progress: TrainProgress) {
  const { n, p } = s;
  const { params, seed } = spec;
  const maxBins = params.max_bins;
  const what = `Out-of-core gbdt on ${n} rows × ${p} features`;
  // the three passes share one count, so the ETA covers all of them
  const tick = (pass: number) => (done: number) => progress.tick(pass * n + done, 3 * n);

  progress.phase(`${what}: pass 1 of 3 (labels)`);
  const y = new Float64Array(n);
  await forEachBatch(duck, s, (_X, yb, m, first) => void y.set(yb.subarray(0, m), first), tick(0), { labelsOnly: true });
  const sampleWeight = sampleWeights(y, n, { task: spec.task, classWeight: spec.classWeight, K: spec.K, threshold: 0.5, C: 1, penalty: 'l2', l1Ratio: 0.5, tol: 1e-4, maxIter: 1 });
  const gK = spec.task === 'regression' ? 1 : spec.K;
  const split = await asDataErrors(s.names, async () => gbdtSplit(y, n, gK, params, seed));
  const isVal = new Uint8Array(n);
  for (const r of split.valRows) isVal[r] = 1;

  progress.phase(`${what}: pass 2 of 3 (the rows that place the bin edges)`);
  const sample = binSampleRows(split.trainIdx, seed);
  const S = sample.length;
  const Xs = new Float64Array(S * p);
  const catMax = new Float64Array(p).fill(-1);
  let at = 0;
  await forEachBatch(
    duck,
    s,
    (X, _y, m, first) => {
      for (let i = 0; i < m; i++) {
        const g = first + i;
        if (isVal[g]) continue;
        const o = i * p;
        for (let f = 0; f < p; f++) if (spec.categorical[f]) {
          const x = X[o + f];
          if (x === x && x > catMax[f]) catMax[f] = x;
        }
        if (at < S && sample[at] === g) {
          Xs.set(X.subarray(o, o + p), at * p);
          at++;
        }
      }
    },
    tick(1),
  );
  const catBins = Int32Array.from(catMax, (mx) => Math.max(1, mx + 1));
  const mapper = fitBins(Xs, p, Int32Array.from({ length: S }, (_, i) => i), maxBins, spec.categorical, seed, catBins);

  const nV = split.valRows.length;
  const nT = n - nV;
  const fill = async (bins: Uint8Array, binsV: Uint8Array) => {
    progress.phase(`${what}: pass 3 of 3 (binning into ${Math.ceil((n * p) / 1e6)} MB of uint8 bins)`);
    const tmp = new Uint8Array(16_384 * p);
    let t = 0;
    let u = 0;
    await forEachBatch(
      duck,
      s,
      (X, _y, m, first) => {
        // the batch's training rows and validation rows, each binned column-major, then placed
        const idxT: number[] = [];
        const idxV: number[] = [];
        for (let i = 0; i < m; i++) (isVal[first + i] ? idxV : idxT).push(i);
        const place = (idx: number[], out: Uint8Array, rows: number, pos: number) => {
          if (!idx.length) return;
          const k = idx.length;
          binMatrix(X, k, p, mapper, maxBins, tmp, Int32Array.from(idx));
          for (let f = 0; f < p; f++) out.set(tmp.subarray(f * k, (f + 1) * k), f * rows + pos);
        };
        place(idxT, bins, nT, t);
        place(idxV, binsV, nV, u);
        t += idxT.length;
        u += idxV.length;
      },
      tick(2),
    );
    progress.phase(`${what}: boosting up to ${params.max_iter} rounds on the bins`);
  };
  const model = await asDataErrors(s.names, () =>
    fitGbdtBinned({ n, p, K: gK, y, sampleWeight }, split, mapper, params, { seed, threads: availableParallelism(), onTick: (d, total) => (progress.count ? progress.count(d, total, `round ${d}`) : progress.tick(d, total)) }, fill),
  );
  const fit = gbdtFamilyFit(model, params, s.names, spec.categorical);
  return { ...fit, passes: 3 };
}
