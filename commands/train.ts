import { Flags } from '@oclif/core';
import { DictlCommand, memoryFlags, writeFlags } from '../src/base.js';
import { withMemoryBudget } from '../src/io/memory.js';
import { usageError } from '../src/errors.js';
import type { Metric } from '../src/ml/fit.js';
import type { Penalty } from '../src/ml/logistic.js';
import { trainModel } from '../src/ops/train.js';
import type { TrainResult } from '../src/ml/families/training.js';
import { humanSeconds, makeProgress } from '../src/ui/progress.js';
import { renderTable } from '../src/ui/table.js';

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw usageError(`--${name} must be a number, got "${v}"`);
  return x;
}

function human(r: TrainResult): string {
  const linear = r.algorithm === 'logistic' || r.algorithm === 'linear';
  const lines = [`Registered ${r.model} (${linear ? `${r.algorithm} regression` : r.algorithm}, ${r.task}) from ${r.features}: ${r.rows.train} training rows × ${r.rows.features} features`];
  const p = r.params;
  const c = r.convergence;
  if (linear) {
    lines.push(`  params: C=${p.C} penalty=${p.penalty}${p.l1_ratio !== null ? ` l1_ratio=${p.l1_ratio}` : ''}${p.class_weight ? ` class_weight=${p.class_weight}` : ''} tol=${p.tol} max_iter=${p.max_iter}`);
    lines.push(`  solver: ${c.solver}, ${c.iterations} iterations, ${c.converged ? 'converged' : 'NOT converged'} (gradient ${c.gradNorm.toExponential(2)})`);
  } else {
    lines.push(`  params: ${Object.entries(p).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    lines.push(`  ${r.summary.headline}`);
    if (r.summary.importance?.length) lines.push(`  importance (total gain): ${r.summary.importance.slice(0, 8).map((x) => `${x.feature} ${(100 * x.share).toFixed(1)}%`).join(', ')}`);
  }
  lines.push(`  training metrics: ${Object.entries(r.trainMetrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`);
  if (r.cv) {
    const keys = [...new Set(['model', ...r.cv.trials.flatMap((t) => Object.keys(t.params))])].filter((k) => k !== 'model' || r.cv!.trials.some((t) => t.params.model !== undefined));
    const best = JSON.stringify(r.cv.best);
    lines.push(`  ${r.cv.folds}-fold cross-validation (${r.cv.metric}, seed ${r.cv.seed}, feature state ${r.cv.preprocessing === 'per-fold' ? 'refitted per fold' : 'shared by all folds'}); best: ${Object.entries(r.cv.best).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    lines.push(
      renderTable(
        [...keys, `${r.cv.metric} mean ± sd`, ...Array.from({ length: r.cv.folds }, (_, i) => `fold ${i + 1}`), ''],
        r.cv.trials.map((t) => [
          ...keys.map((k) => (t.params[k] === undefined ? '' : String(t.params[k]))),
          `${t.mean.toFixed(4)} ± ${t.sd.toFixed(4)}`,
          ...t.foldScores.map((s) => s.toFixed(4)),
          JSON.stringify(t.params) === best ? 'best' : '',
        ]),
      ),
    );
  }
  if (r.segments) {
    const best = JSON.stringify(r.segments.best);
    lines.push(`  segments chosen by mean silhouette on ${r.segments.sample} sampled rows; best: ${Object.entries(r.segments.best).filter(([k]) => k === 'k').map(([k, v]) => `${k}=${v}`).join(' ')}`);
    lines.push(
      renderTable(
        ['k', 'n_init', 'inertia', 'silhouette', 'iterations', ''],
        r.segments.trials.map((t) => [String(t.params.k), String(t.params.n_init), t.inertia.toPrecision(7), t.silhouette === null ? 'n/a' : t.silhouette.toFixed(4), String(t.iterations), JSON.stringify(t.params) === best ? 'best' : '']),
      ),
    );
  }
  lines.push(`  time: load ${humanSeconds(r.timings.loadMs)}, search ${humanSeconds(r.timings.cvMs)}, fit ${humanSeconds(r.timings.fitMs)}, total ${humanSeconds(r.timings.totalMs)}`);

  lines.push(`  ${r.path}`);
  return lines.join('\n');
}

export default class Train extends DictlCommand {
  static override summary = 'Train a model (logistic or linear regression, gradient-boosted trees, or k-means segments) on a feature build and register it.';
  static override description = [
    'Fits on the training rows of the feature build only. --model picks the family: logistic (labels with classes, the default), linear (numeric labels, the default) or gbdt (histogram gradient-boosted trees; missing numbers and string-index codes are taken natively, so a feature set for trees may pass numerics raw and categoricals through string_index). Linear models: C has scikit-learn\'s meaning (loss = C·Σ logloss + penalty, intercept not penalised). gbdt hyper-parameters go in --param KEY=VALUE: loss, learning_rate, max_iter, max_leaf_nodes, max_depth, min_samples_leaf, l2_regularization, max_bins, subsample, colsample, early_stopping (auto|on|off), n_iter_no_change, validation_fraction, tol. With --tune, searches a grid or random sample by stratified k-fold cross-validation, across families with a model= axis ("model=logistic,gbdt;logistic.C=0.1,1;gbdt.learning_rate=0.05,0.1"; an unprefixed key applies to every family that has it; gbdt fits of a search stop early), then refits the best configuration on all training rows and records its family. --model kmeans segments the training rows (a feature set without a label fits on all rows): --k, and --param n_init, max_iter, tol (scikit-learn\'s meanings), silhouette_sample; --tune --grid "kmeans.k=2,3,4,5,6,8" fits each k and keeps the one with the highest mean silhouette on a seeded sample of rows. The registered model.json is byte-identical for the same inputs and seed.',
    '',
    'C is the inverse regularisation strength, with scikit-learn\'s meaning for every model (intercept never penalised):',
    '  binary/multiclass label: logistic regression, C·Σ logloss + penalty — LogisticRegression(C=C)',
    '  numeric label, --penalty l2: ridge, Ridge(alpha = 1/C)',
    '  numeric label, --penalty l1: lasso, Lasso(alpha = 1/(C·n)), n = training rows; elasticnet likewise with l1_ratio',
    '  --penalty none: no penalty (C ignored); ordinary least squares for a numeric label',
    '',
    'Linear solvers: binary logistic regression with up to 400 features uses Newton steps (Cholesky; coordinate descent for l1/elasticnet), otherwise L-BFGS (OWL-QN with an l1 part); ridge/OLS a Cholesky solve, lasso coordinate descent. --max-iter caps the iterations of whichever runs. Every pass over the rows runs on all cores (--workers).',
    '',
    'Defaults: --c 1, --penalty l2, --max-iter 1000, --tol 1e-4, --seed 42, --threshold 0.5, --folds 5, --metric auc (binary) / logloss (multiclass) / rmse (numeric), --grid with --tune "C=0.001,0.01,0.1,1,10,100,1000" (linear) or "learning_rate=0.05,0.1;max_leaf_nodes=15,31" (gbdt), --model logistic (classes) / linear (numbers), --workers = number of cores.',
    '',
    'With --tune, searches a grid (or --trials random configurations) by k-fold cross-validation (stratified for classification) with seeded folds, then refits the best configuration on all training rows. In each fold the feature state (imputation values, scales, quantiles, category lists) is refitted on that fold\'s training rows only, from the raw data of the build — as a scikit-learn Pipeline inside GridSearchCV — so no validation row influences its own preprocessing; the model records this as cv.preprocessing "per-fold" and keeps each training row\'s fold in cv.foldOf. If the feature-set file or its data changed since the build, the folds share the build\'s feature state instead (recorded as "shared", with a warning). Configurations differing only in C are fitted in ascending C, each warm-started from the previous.',
    '',
    'Progress on stderr: fits done/total, the current configuration and fold, elapsed time and ETA (redrawn on a terminal, a line every few seconds otherwise; nothing but warnings with --json or --quiet).',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> train --features churn --name churn-model',
    '<%= config.bin %> train --features churn@2 --name churn-model --c 0.1 --penalty l1 --json',
    '<%= config.bin %> train --features churn --name churn-model --class-weight balanced --threshold 0.3',
    '<%= config.bin %> train --features churn --name churn-model --class-weight yes=2,no=1',
    '<%= config.bin %> train --features churn --name churn-model --tune --grid "C=0.01,0.1,1,10,100;penalty=l1,l2" --folds 5 --metric auc',
    '<%= config.bin %> train --features credit --name credit-model --tune --trials 20 --seed 7 --workers 2 --penalty elasticnet',
    '<%= config.bin %> train --features churn-trees --name churn-gbdt --model gbdt',
    '<%= config.bin %> train --features churn-trees --name churn-gbdt --model gbdt --param learning_rate=0.05 --param max_leaf_nodes=15 --param max_iter=300',
    '<%= config.bin %> train --features churn --name churn-model --tune --grid "model=logistic,gbdt;logistic.C=0.1,1,10;gbdt.learning_rate=0.05,0.1;gbdt.max_leaf_nodes=15,31"',
    '<%= config.bin %> train --features churn --name churn-model --tune --grid "model=logistic,gbdt" --trials 6',
    '<%= config.bin %> train --features churn-segments --name segments --model kmeans --k 6',
    '<%= config.bin %> train --features churn-segments --name segments --model kmeans --tune --grid "kmeans.k=2,3,4,5,6,8"',
    '<%= config.bin %> train --features churn-segments --name segments --model kmeans --k 5 --param n_init=20 --param max_iter=500',
    '<%= config.bin %> train --features big --name big-model --memory-limit 4GB',
  ];
  static override flags = {
    ...writeFlags,
    ...memoryFlags,
    features: Flags.string({ description: 'feature build: NAME, NAME@VERSION or NAME@latest', required: true }),
    name: Flags.string({ description: 'model name to register the new version under', required: true }),
    model: Flags.string({ description: 'model family: logistic, linear, gbdt or kmeans (segments; no label needed) (default: logistic for labels with classes, linear for numbers)' }),
    k: Flags.integer({ description: 'kmeans: number of segments (default 8); with --tune, give --grid "kmeans.k=2,3,4,…" instead' }),
    param: Flags.string({ description: 'a hyper-parameter of the family as KEY=VALUE (repeatable), e.g. --param learning_rate=0.05', multiple: true }),
    c: Flags.string({ description: 'inverse regularisation strength C: logistic C; ridge alpha = 1/C; lasso alpha = 1/(C·n)', default: '1' }),
    penalty: Flags.string({ description: 'penalty', options: ['l2', 'l1', 'elasticnet', 'none'], default: 'l2' }),
    'l1-ratio': Flags.string({ description: 'elastic-net mixing: 0 = l2 … 1 = l1 (default 0.5)' }),
    'class-weight': Flags.string({ description: '"balanced" or CLASS=WEIGHT,… (e.g. yes=2,no=1)' }),
    'max-iter': Flags.integer({ description: 'iteration cap of the solver', default: 1000 }),
    tol: Flags.string({ description: 'gradient tolerance (‖∇‖∞ of C·Σloss + penalty, divided by C)', default: '1e-4' }),
    seed: Flags.integer({ description: 'seed of the folds and of random search', default: 42 }),
    threshold: Flags.string({ description: 'decision threshold on P(positive)', default: '0.5' }),
    tune: Flags.boolean({ description: 'search hyper-parameters by cross-validation, then refit the best', default: false }),
    grid: Flags.string({ description: 'search grid, e.g. "C=0.01,0.1,1,10,100;penalty=l1,l2;l1_ratio=0.2,0.8" or "model=logistic,gbdt;logistic.C=0.1,1;gbdt.learning_rate=0.05,0.1"' }),
    trials: Flags.integer({ description: 'random search: number of sampled configurations (C log-uniform; from --grid if given)' }),
    folds: Flags.integer({ description: 'cross-validation folds (stratified for classification)', default: 5 }),
    metric: Flags.string({ description: 'objective of the search (default: auc for binary, logloss for multiclass, rmse for numeric labels)', options: ['auc', 'logloss', 'f1', 'accuracy', 'rmse', 'mae', 'r2'] }),
    workers: Flags.integer({ description: 'threads each fit uses (row blocks; default: number of cores); results do not depend on it' }),
    'allow-unconsented': Flags.boolean({ description: 'train on a dataset whose consent is opt-out/unknown (recorded in the lineage)', default: false }),
  };

  async run() {
    const { flags } = await this.parseCommand(Train);
    const r = await withMemoryBudget(this.workspace, flags['memory-limit'], () => trainModel(
      this.workspace,
      {
        features: flags.features,
        name: flags.name,
        model: flags.model,
        params: flags.param,
        C: num('c', flags.c),
        penalty: flags.penalty as Penalty,
        l1Ratio: num('l1-ratio', flags['l1-ratio']),
        classWeight: flags['class-weight'],
        maxIter: flags['max-iter'],
        tol: num('tol', flags.tol),
        seed: flags.seed,
        threshold: num('threshold', flags.threshold),
        tune: flags.tune,
        grid: flags.grid,
        trials: flags.trials,
        folds: flags.folds,
        metric: flags.metric as Metric | undefined,
        workers: flags.workers,
        allowUnconsented: flags['allow-unconsented'],
        wait: flags.wait,
        k: flags.k,
      },
      this.progress,
    ));
    return this.emit(r, human);
  }
}
