/**
 * `dictl train`: fit (and optionally tune across model families) a model on the training rows of a feature build and
 * register it. Everything is validated before anything is written; the registered model.json holds
 * no times (same inputs + seed → same bytes); timings go to the version's run.json.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { resolveDataset } from '../datasets/store.js';
import { assertConsent } from '../datasets/consent.js';
import { DictlError, dataError, usageError } from '../errors.js';
import { loadMatrix, resolveFeatureBuild } from '../features/builds.js';
import { registerModel } from '../registry/models.js';
import { validateName } from '../util/names.js';
import type { ConvergenceInfo, CvResult, ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { sampleWeights, type FitSpec, type Metric } from '../ml/fit.js';
import type { Penalty } from '../ml/logistic.js';
import { accuracyMulti, binaryMetrics, logLossMulti, regressionMetrics } from '../ml/metrics.js';
import { checkLabels, listNames } from '../ml/families/checks.js';
import { crossValidateFamilies } from './cross-validate.js';
import { checkRank, stopCause } from '../ml/diagnose.js';
import { NEWTON_MAX_P } from '../ml/logistic.js';
import { searchDetail } from '../ml/tune.js';
import { parseFamilyGrid, sampleFamilyTrials, type FamilyTrial, type SearchSpec } from '../ml/families/grid.js';
import { defaultFamily, FAMILIES, getFamily, predictModel, type ModelFamily } from '../ml/families/index.js';
import { categoricalOutputs, type HyperParams, type TrainingData } from '../ml/families/types.js';
import { parseParamFlags, trainResult, trainingLineage, trialLabel, validateTrainOptions, parseClassWeight, type TrainOptions, type TrainProgress, type TrainResult } from '../ml/families/training.js';
import { outOfCoreTraining } from './train-out-of-core.js';
import { trainSegments } from './train-segments.js';

export async function trainModel(ws: Workspace, opts: TrainOptions, progress: TrainProgress): Promise<TrainResult> {
  // a training matrix larger than the memory budget is streamed from Parquet instead (src/ops/train-out-of-core.ts)
  const outOfCore = await outOfCoreTraining(ws, opts, progress);
  if (outOfCore) return outOfCore;
  const t0 = performance.now();
  const v = validateTrainOptions(opts);
  validateName('model', opts.name);
  const fixedParams = parseParamFlags(opts.params);
  if (opts.model !== undefined) getFamily(opts.model);
  const fb = resolveFeatureBuild(ws, opts.features);
  const build = fb.build;
  const ds = resolveDataset(ws, build.dataset);
  // an override given at feature build is recorded there and carries over: it need not be repeated here
  const consent = assertConsent(ds, Boolean(opts.allowUnconsented) || build.allowUnconsented);
  const label = build.label;
  if (opts.k !== undefined && opts.model !== undefined && opts.model !== 'kmeans') throw usageError(`--k applies to --model kmeans, not ${opts.model}`);
  if (opts.model === 'kmeans' || (opts.k !== undefined && opts.model === undefined)) {
    return trainSegments(ws, opts, progress, fb, fixedParams);
  }
  if (!label) throw usageError(`feature set ${build.name}@${build.version} has no label: it can only train segments`, `run: dictl train --features ${build.name}@${build.version} --name NAME --model kmeans --k 6`);
  const task = label.task;
  const K = task === 'binary' ? 2 : task === 'multiclass' ? (label.classes?.length ?? 0) : 1;
  if (task === 'multiclass' && K < 2) throw dataError(`feature set ${build.name} declares a multiclass label without classes`);
  const metric: Metric = opts.metric ?? (task === 'binary' ? 'auc' : task === 'multiclass' ? 'logloss' : 'rmse');
  const allowed: Metric[] = task === 'binary' ? ['auc', 'logloss', 'f1', 'accuracy'] : task === 'multiclass' ? ['logloss', 'accuracy'] : ['rmse', 'mae', 'r2'];
  if (!allowed.includes(metric)) throw usageError(`--metric ${metric} does not apply to a ${task} label`, `use one of ${allowed.join(', ')}`);

  // the families in play and their base hyper-parameters (flags for the linear ones, --param for the chosen one)
  const family = opts.model !== undefined ? getFamily(opts.model) : defaultFamily(task);
  if (!family.tasks.includes(task)) throw usageError(`--model ${family.name} does not fit a ${task} label (it fits ${family.tasks.join(', ')})`, `families: ${FAMILIES.filter((f) => f.tasks.includes(task)).map((f) => f.name).join(', ')}`);
  const gridHasModel = opts.grid !== undefined && /(^|;)\s*model\s*=/.test(opts.grid);
  if (gridHasModel && opts.model !== undefined) throw usageError('--model and a grid model= axis both choose the family: give one', 'e.g. --tune --grid "model=logistic,gbdt;gbdt.learning_rate=0.05,0.1"');
  const linearFlags: HyperParams = { C: v.C, penalty: v.penalty, l1_ratio: v.penalty === 'elasticnet' ? (opts.l1Ratio ?? 0.5) : null, max_iter: v.maxIter, tol: v.tol };
  const baseFor = (f: ModelFamily): HyperParams => {
    const isLin = f.encoding.numerics === 'scaled';
    const raw: HyperParams = isLin ? { ...linearFlags } : {};
    if (opts.tune && !isLin && f.paramKeys.includes('early_stopping')) raw.early_stopping = 'on'; // each fit of the search stops early
    if (f === family || (gridHasModel && Object.keys(fixedParams).every((k) => f.paramKeys.includes(k)))) Object.assign(raw, fixedParams);
    try {
      return f.validateParams(raw, task);
    } catch (e) {
      throw usageError(`--param ${(e as Error).message}`, 'see: dictl train --help');
    }
  };
  if (gridHasModel) for (const k of Object.keys(fixedParams)) if (!FAMILIES.some((f) => f.paramKeys.includes(k))) throw usageError(`--param ${k} is not a parameter of any model family`, 'see: dictl train --help');
  const searchFamilies = [family.name];
  const bases: Record<string, HyperParams> = {};
  for (const f of FAMILIES) if (f.tasks.includes(task)) bases[f.name] = f === family || gridHasModel ? baseFor(f) : f.defaults(task);
  let trials: FamilyTrial[] | undefined;
  if (opts.tune) {
    const spec: SearchSpec = { task, families: searchFamilies, base: bases };
    try {
      const defaultGrid = family.encoding.numerics === 'scaled' ? 'C=0.001,0.01,0.1,1,10,100,1000' : 'learning_rate=0.05,0.1;max_leaf_nodes=15,31';
      const grid = opts.grid !== undefined ? parseFamilyGrid(opts.grid, spec) : undefined;
      trials = opts.trials !== undefined ? sampleFamilyTrials(opts.trials, v.seed, spec, grid) : (grid ?? parseFamilyGrid(defaultGrid, spec)).trials;
    } catch (e) {
      if (e instanceof DictlError) throw e;
      throw usageError((e as Error).message, 'e.g. --grid "C=0.01,0.1,1,10,100;penalty=l1,l2" or --grid "model=logistic,gbdt;gbdt.learning_rate=0.05,0.1"');
    }
  }
  const inPlay = [...new Set(trials ? trials.map((t) => t.family) : [family.name])].map(getFamily);

  progress.phase(`Loading training rows of ${build.name}@${build.version}`);
  const m = await loadMatrix(fb.parquetPath, 'train');
  const tLoad = performance.now();
  const cats = categoricalOutputs(build.pipeline);
  const data: TrainingData = { X: m.X, n: m.n, p: m.p, y: m.y, task, K, categorical: Uint8Array.from(m.names, (nm) => (cats.has(nm) ? 1 : 0)), names: m.names };
  const warnings = checkLabels(m.y, m.n, m.p, label, K);
  for (const f of inPlay) {
    const base = trials ? trials.find((t) => t.family === f.name)!.params : bases[f.name];
    for (const w of f.checkData(data, base)) if (!warnings.includes(w)) warnings.push(w);
    if (f.encoding.categoricals === 'one-hot' && cats.size) warnings.push(`${f.name} reads the string-index codes of ${listNames([...cats])} as numbers (one_hot suits a ${f.name} model better)`);
  }
  const classWeight = parseClassWeight(opts.classWeight, label, m.y, m.n, K);
  const baseSpec: Omit<FitSpec, 'C' | 'penalty' | 'l1Ratio'> = { task, K, classWeight, threshold: v.threshold, tol: v.tol, maxIter: v.maxIter };
  data.sampleWeight = sampleWeights(m.y, m.n, { ...baseSpec, C: 1, penalty: 'l2', l1Ratio: 0.5 });
  const workers = opts.workers ?? availableParallelism();

  let cv: CvResult | undefined;
  let chosen: FamilyTrial = { family: family.name, params: bases[family.name], record: {} };
  if (trials) {
    if (m.n < v.folds * 2) throw dataError(`${m.n} training rows are too few for ${v.folds}-fold cross-validation`, 'lower --folds or train without --tune');
    const fams = [...new Set(trials.map((t) => t.family))];
    progress.phase(`Cross-validating ${trials.length} configuration${trials.length > 1 ? 's' : ''}${fams.length > 1 ? ` of ${fams.join(', ')}` : ''} × ${v.folds} folds on ${workers} thread${workers > 1 ? 's' : ''}`);
    let r;
    try {
      r = await crossValidateFamilies(data, trials, {
        folds: v.folds, seed: v.seed, metric, workers, linearBase: baseSpec,
        // the feature state is refitted on each fold's training rows from the build's raw data
        build: { ws, build, matrix: m, allowUnconsented: opts.allowUnconsented },
        onEvent: (e) => progress.count?.(e.done, e.total, searchDetail(e)),
      });
    } catch (e) {
      if (e instanceof DictlError) throw e;
      throw dataError(`cross-validation failed: ${(e as Error).message}`);
    }
    cv = r.cv;
    chosen = trials[r.bestIndex];
    if (r.warning) warnings.push(r.warning);
    for (const u of r.unconvergedDetail ?? []) warnings.push(`${trialLabel(trials[u.trial])}: the solver stopped before the gradient reached --tol ${v.tol} in ${u.folds} of ${v.folds} folds (${u.reasons.map((x) => stopCause(x, v.maxIter)).join('; ')}); its CV scores are still reported`);
  }
  const tCv = performance.now();

  const fam = getFamily(chosen.family);
  const cp = chosen.params;
  progress.phase(
    fam.encoding.numerics === 'scaled'
      ? `Fitting ${task === 'regression' ? 'linear' : 'logistic'} regression (${cp.penalty}, C=${cp.C}) on ${m.n} rows × ${m.p} features`
      : `Fitting ${fam.name} (${Object.entries(chosen.record).filter(([k]) => k !== 'model').map(([k, x]) => `${k}=${x}`).join(', ') || 'defaults'}) on ${m.n} rows × ${m.p} features`,
  );
  if (fam.encoding.numerics === 'scaled' && task !== 'multiclass' && m.p <= NEWTON_MAX_P) {
    const rank = checkRank(m.X, m.n, m.p, m.names, cp.penalty as Penalty, build.pipeline, task);
    if (rank) warnings.push(rank);
  }
  const fit = await fam.fit(data, cp, { seed: v.seed, threads: workers, threshold: v.threshold, onTick: (d, t) => progress.tick(d, t) });
  const tFit = performance.now();
  warnings.push(...fit.warnings);

  const record = { algorithm: fam.name, task, label, name: opts.name, version: 0, featureNames: m.names, ...fit.part } as unknown as ModelVersion;
  const pred = predictModel(record, m.X, m.n, m.p);
  const trainMetrics =
    task === 'binary' ? binaryMetrics(m.y, pred, v.threshold) : task === 'multiclass' ? { logloss: logLossMulti(m.y, pred, K), accuracy: accuracyMulti(m.y, pred, K) } : regressionMetrics(m.y, pred);
  for (const k of Object.keys(trainMetrics)) if (!Number.isFinite(trainMetrics[k])) delete trainMetrics[k];

  const convergence: ConvergenceInfo = { ...fit.convergence, warnings };
  const params: ModelVersion['params'] = {
    ...fit.params,
    class_weight: opts.classWeight ?? null,
    tuned: Boolean(trials),
    metric: trials ? metric : null,
  };
  const draft = {
    kind: 'model',
    name: opts.name,
    algorithm: fam.name,
    task,
    label,
    featureNames: m.names,
    ...fit.part,
    threshold: v.threshold,
    params,
    convergence,
    trainMetrics,
    ...(cv ? { cv } : {}),
    seed: v.seed,
    pipeline: build.pipeline,
    lineage: trainingLineage(build, ds, consent.overridden),
  } as Omit<ModelVersion, 'version'>;
  for (const w of warnings) progress.warn(w);
  const timings = { loadMs: Math.round(tLoad - t0), cvMs: Math.round(tCv - tLoad), fitMs: Math.round(tFit - tCv), totalMs: Math.round(performance.now() - t0) };
  progress.phase(`Registering ${opts.name}`);
  const mv = await registerModel(ws, draft, { command: 'train', timings, workers: trials || fam.encoding.numerics === 'raw' ? workers : 1, rows: m.n, features: m.p }, { wait: opts.wait, actor: opts.actor, command: `train --name ${opts.name}` });
  timings.totalMs = Math.round(performance.now() - t0);
  return trainResult(ws, mv, build, { train: m.n, features: m.p }, { warnings, timings, ...(cv ? { cv: { metric: cv.metric, folds: cv.folds, seed: cv.seed, preprocessing: cv.preprocessing, best: cv.best, trials: cv.trials } } : {}) });
}
