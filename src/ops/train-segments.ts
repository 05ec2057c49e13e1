/**
 * `dictl train --model kmeans`: segments of the training rows of a feature build (a set with or
 * without a label; the label is not used). With --tune, every configuration of the grid (typically
 * kmeans.k=2,3,4,…) is fitted on all training rows and scored by the mean silhouette of one seeded
 * sample of rows (the same sample for every k); the highest wins (ties → the earlier), and its fit is
 * the model. Inertia and silhouette of every configuration are kept in the model record.
 */
import { resolveDataset } from '../datasets/store.js';
import { assertConsent } from '../datasets/consent.js';
import { usageError } from '../errors.js';
import { loadMatrix, type resolveFeatureBuild } from '../features/builds.js';
import { registerModel } from '../registry/models.js';
import type { ModelVersion, SegmentModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { kmeansFamily } from '../ml/families/kmeans.js';
import { categoricalOutputs, type FamilyFit, type HyperParams, type TrainingData } from '../ml/families/types.js';
import { trainResult, trainingLineage, type TrainOptions, type TrainProgress, type TrainResult } from '../ml/families/training.js';
import { availableParallelism } from 'node:os';

export interface SegmentTrial {
  params: HyperParams;
  inertia: number;
  silhouette: number | null;
  iterations: number;
}

/** "kmeans.k=2,3,4;n_init=5" → the cartesian product over the kmeans parameters (last key fastest). */
export function parseSegmentGrid(text: string, base: HyperParams): HyperParams[] {
  let out: HyperParams[] = [{ ...base }];
  const seen = new Set<string>();
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq < 0) throw usageError(`--grid part "${part}" is not KEY=V1,V2,…`, 'e.g. --grid "kmeans.k=2,3,4,5,6,8"');
    const key = part.slice(0, eq).trim().replace(/^kmeans\./, '').replace(/-/g, '_');
    if (!kmeansFamily.paramKeys.includes(key)) throw usageError(`--grid key "${part.slice(0, eq).trim()}" is not a kmeans parameter (${kmeansFamily.paramKeys.join(', ')})`);
    if (seen.has(key)) throw usageError(`--grid names ${key} twice`);
    seen.add(key);
    const vals = part.slice(eq + 1).split(',').map((s) => s.trim());
    if (vals.some((v) => v === '')) throw usageError(`--grid ${key} has an empty value`);
    const next: HyperParams[] = [];
    for (const t of out) for (const v of vals) next.push({ ...t, [key]: Number.isFinite(Number(v)) ? Number(v) : v });
    out = next;
  }
  if (seen.size === 0) throw usageError('--grid is empty', 'e.g. --grid "kmeans.k=2,3,4,5,6,8"');
  return out.map((t) => {
    try {
      return kmeansFamily.validateParams(t, 'segmentation');
    } catch (e) {
      throw usageError(`--grid ${(e as Error).message}`);
    }
  });
}

export async function trainSegments(ws: Workspace, opts: TrainOptions, progress: TrainProgress, fb: ReturnType<typeof resolveFeatureBuild>, fixed: HyperParams): Promise<TrainResult> {
  const t0 = performance.now();
  const build = fb.build;
  if (opts.trials !== undefined) throw usageError('--trials does not apply to kmeans: give the values to try', 'e.g. --tune --grid "kmeans.k=2,3,4,5,6,8"');
  if (opts.classWeight !== undefined || opts.metric !== undefined) throw usageError('--class-weight and --metric need a label; kmeans segments are chosen by silhouette');
  const seed = opts.seed ?? 42;
  const raw: HyperParams = { ...fixed, ...(opts.k !== undefined ? { k: opts.k } : {}) };
  let base: HyperParams;
  try {
    base = kmeansFamily.validateParams(raw, 'segmentation');
  } catch (e) {
    throw usageError(`--param ${(e as Error).message}`, `kmeans parameters: ${kmeansFamily.paramKeys.join(', ')}; e.g. --k 6`);
  }
  const grid = opts.tune ? parseSegmentGrid(opts.grid ?? 'k=2,3,4,5,6,8', base) : [base];
  const ds = resolveDataset(ws, build.dataset);
  const consent = assertConsent(ds, Boolean(opts.allowUnconsented) || build.allowUnconsented);

  progress.phase(`Loading training rows of ${build.name}@${build.version}`);
  const m = await loadMatrix(fb.parquetPath, 'train');
  const tLoad = performance.now();
  const cats = categoricalOutputs(build.pipeline);
  const data: TrainingData = { X: m.X, n: m.n, p: m.p, y: m.y, task: 'segmentation', K: 1, categorical: Uint8Array.from(m.names, (nm) => (cats.has(nm) ? 1 : 0)), names: m.names };
  const warnings = kmeansFamily.checkData(data, base);
  const threads = opts.workers ?? availableParallelism();

  const trials: SegmentTrial[] = [];
  let best = -1;
  let bestFit: FamilyFit | undefined;
  for (const [i, params] of grid.entries()) {
    progress.phase(`Fitting k-means (k=${params.k}, n_init=${params.n_init}) on ${m.n} rows × ${m.p} features${grid.length > 1 ? ` [${i + 1}/${grid.length}]` : ''}`);
    const fit = await kmeansFamily.fit(data, params, { seed, threads, threshold: 0.5, onTick: (d, t) => progress.tick(d, t) });
    const part = fit.part.kmeans as SegmentModelVersion['kmeans'];
    trials.push({ params, inertia: part.inertia, silhouette: part.silhouette, iterations: fit.convergence.iterations });
    const s = part.silhouette ?? -Infinity;
    if (best < 0 || s > (trials[best].silhouette ?? -Infinity)) {
      best = i;
      bestFit = fit;
    }
  }
  const fit = bestFit!;
  const tFit = performance.now();
  warnings.push(...fit.warnings);
  const part = fit.part.kmeans as SegmentModelVersion['kmeans'];
  const tuning = opts.tune ? { criterion: 'silhouette', sample: part.silhouetteSample, seed, trials, best: trials[best].params } : undefined;
  const params: ModelVersion['params'] = { ...fit.params, tuned: Boolean(opts.tune) };
  const trainMetrics: Record<string, number> = { inertia: part.inertia, ...(part.silhouette !== null ? { silhouette: part.silhouette } : {}) };
  const draft = {
    kind: 'model',
    name: opts.name,
    algorithm: 'kmeans',
    task: 'segmentation',
    featureNames: m.names,
    kmeans: { ...part, ...(tuning ? { tuning } : {}) },
    threshold: 0.5,
    params,
    convergence: { ...fit.convergence, warnings },
    trainMetrics,
    seed,
    pipeline: build.pipeline,
    lineage: trainingLineage(build, ds, consent.overridden),
  } as unknown as Omit<ModelVersion, 'version'>;
  for (const w of warnings) progress.warn(w);
  const timings = { loadMs: Math.round(tLoad - t0), cvMs: 0, fitMs: Math.round(tFit - tLoad), totalMs: Math.round(performance.now() - t0) };
  progress.phase(`Registering ${opts.name}`);
  const mv = await registerModel(ws, draft, { command: 'train', timings, workers: threads, rows: m.n, features: m.p }, { wait: opts.wait, actor: opts.actor, command: `train --name ${opts.name}` });
  timings.totalMs = Math.round(performance.now() - t0);
  return trainResult(ws, mv, build, { train: m.n, features: m.p }, {
    warnings,
    timings,
    ...(tuning ? { segments: { criterion: 'silhouette' as const, sample: tuning.sample, best: tuning.best, trials } } : {}),
  });
}
