/**
 * k-means segments as a model family (task 'segmentation', no label). Margins are the squared
 * distances to the k centres (n × k); the nearest centre is the segment. The fit keeps the lowest-
 * inertia restart and scores it by the mean silhouette of a seeded sample of the training rows.
 */
import { dataError } from '../../errors.js';
import type { GraphBuilder, TensorRef } from '../../onnx/builder.js';
import type { ModelVersion, SegmentModelVersion } from '../../types.js';
import { defaultThreads, fitKMeans } from '../kmeans/fit.js';
import { squaredDistances } from '../kmeans/kernels.js';
import { kmeansDistancesOnnx } from '../kmeans/onnx.js';
import { segmentProfiles } from '../kmeans/profile.js';
import { silhouetteSample, silhouetteScore, takeRows } from '../kmeans/silhouette.js';
import type { FamilyFit, HyperParams, ModelFamily, TrainingData } from './types.js';

export const KMEANS_DEFAULTS = { k: 8, n_init: 10, max_iter: 300, tol: 1e-4, silhouette_sample: 2000 } as const;

function int(raw: HyperParams, key: keyof typeof KMEANS_DEFAULTS, min: number): number {
  const v = raw[key] ?? KMEANS_DEFAULTS[key];
  const x = typeof v === 'string' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) throw new RangeError(`${key} must be an integer ≥ ${min}, got ${v}`);
  return x;
}

function validate(raw: HyperParams): HyperParams {
  for (const key of Object.keys(raw)) if (!(key in KMEANS_DEFAULTS)) throw new RangeError(`${key} is not a kmeans parameter (${Object.keys(KMEANS_DEFAULTS).join(', ')})`);
  const tolRaw = raw.tol ?? KMEANS_DEFAULTS.tol;
  const tol = typeof tolRaw === 'string' ? Number(tolRaw) : tolRaw;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) throw new RangeError(`tol must be a finite number ≥ 0, got ${tolRaw}`);
  return { k: int(raw, 'k', 2), n_init: int(raw, 'n_init', 1), max_iter: int(raw, 'max_iter', 1), tol, silhouette_sample: int(raw, 'silhouette_sample', 3) };
}

/** Mean silhouette of a seeded sample of rows (null when the sample holds fewer than 2 segments). */
export function sampledSilhouette(X: Float64Array, n: number, p: number, labels: Int32Array, size: number, seed: number): { score: number | null; sample: number } {
  const rows = silhouetteSample(n, size, seed);
  const s = takeRows(X, p, labels, rows);
  const distinct = new Set(s.labels).size;
  if (distinct < 2 || distinct > rows.length - 1) return { score: null, sample: rows.length };
  return { score: silhouetteScore(s.X, rows.length, p, s.labels), sample: rows.length };
}

const seg = (m: ModelVersion) => (m as SegmentModelVersion).kmeans;

export const kmeansFamily: ModelFamily = {
  name: 'kmeans',
  description: 'k-means segments (k-means++ restarts, Lloyd with Hamerly bounds); no label',
  tasks: ['segmentation'],
  encoding: { numerics: 'scaled', categoricals: 'one-hot', missing: 'impute' },
  paramKeys: Object.keys(KMEANS_DEFAULTS),
  defaults: () => ({ ...KMEANS_DEFAULTS }),
  validateParams: (raw) => validate(raw),
  searchSpace: () => [{ key: 'k', kind: 'int', lo: 2, hi: 10 }],
  checkData(d: TrainingData) {
    if (d.categorical.some((c) => c === 1)) return ['kmeans measures string-index codes as distances (one_hot suits segments better)'];
    return [];
  },
  async fit(d: TrainingData, params: HyperParams, ctx): Promise<FamilyFit> {
    const P = validate(params);
    const k = P.k as number;
    const fit = await fitKMeans(d.X, d.n, d.p, { k, nInit: P.n_init as number, maxIter: P.max_iter as number, tol: P.tol as number, seed: ctx.seed, threads: ctx.threads === undefined ? undefined : Math.min(ctx.threads, defaultThreads(d.n, k, d.p)), columns: d.names, onTick: ctx.onTick });
    const sil = sampledSilhouette(d.X, d.n, d.p, fit.labels, P.silhouette_sample as number, ctx.seed);
    const warnings: string[] = [];
    const empty = fit.sizes.filter((s) => s === 0).length;
    if (empty) warnings.push(`${empty} of ${k} segments are empty`);
    const centers: number[][] = [];
    for (let c = 0; c < k; c++) centers.push(Array.from(fit.centers.subarray(c * d.p, (c + 1) * d.p)));
    return {
      part: { kmeans: { k, centers, sizes: fit.sizes, inertia: fit.inertia, silhouette: sil.score, silhouetteSample: sil.sample } },
      params: P,
      convergence: { solver: 'kmeans++/lloyd-hamerly', iterations: fit.iterations, converged: fit.converged, gradNorm: 0, warnings: [] },
      warnings,
    };
  },
  checkModel(m) {
    const s = (m as Omit<SegmentModelVersion, 'version'>).kmeans;
    const p = m.featureNames?.length ?? -1;
    if (!s || !Array.isArray(s.centers) || s.centers.length !== s.k || s.k < 2) throw dataError('model draft has no k-means centres');
    if (s.centers.some((row) => !Array.isArray(row) || row.length !== p || row.some((v) => typeof v !== 'number' || !Number.isFinite(v)))) throw dataError(`model draft's centres are not ${s.k} rows of ${p} finite numbers`);
  },
  margins(m, X, n, p) {
    const s = seg(m);
    return squaredDistances(X, n, p, Float64Array.from(s.centers.flat()), s.k);
  },
  onnxMargins(g: GraphBuilder, X: TensorRef, m: ModelVersion): TensorRef {
    const s = seg(m);
    return kmeansDistancesOnnx(g, X, s.centers.flat(), s.k, m.featureNames.length);
  },
  summary(m) {
    const s = seg(m);
    return { segments: segmentProfiles(m as SegmentModelVersion), headline: `k-means: ${s.k} segments, inertia ${s.inertia.toPrecision(6)}, silhouette ${s.silhouette === null ? 'n/a' : s.silhouette.toFixed(4)} (${s.silhouetteSample} sampled rows)` };
  },
};
