/**
 * Cross-validation folds of a feature build with the feature state refitted per fold: for fold f the
 * pipeline (imputation values, scales, quantiles, category lists) is fitted with DuckDB on the raw
 * training rows outside f only — the same fitPipeline as `feature build` — and every training row is
 * then transformed with it into fold f's matrix (layout of src/ml/folds.ts). This is what a
 * scikit-learn Pipeline inside GridSearchCV does; with the state fitted once on all training rows,
 * each fold's validation rows would leak into its own preprocessing. Model-family agnostic: the
 * FoldSource yields plain matrices.
 */
import type { Duck } from '../io/duck.js';
import { datasetDataPath } from '../datasets/store.js';
import type { FeatureBuild } from '../types.js';
import type { Workspace } from '../workspace.js';
import { foldLayout, sharedMatrixFolds, type FoldData, type FoldLayout, type FoldSource } from '../ml/folds.js';
import { pipelineSelect } from '../pipeline/sql.js';
import { prepareBuild, stageSource } from './builds.js';
import { fitPipeline } from './fit.js';
import { openDuck, readDoubleVector } from '../io/duck.js';

export type RefitFolds = { source: FoldSource; reason?: undefined } | { source?: undefined; reason: string };

/**
 * Opens the per-fold source for `build`. `rowIds` are the source-row numbers (__row) of the training
 * rows and `y` their labels, both in training-row order (as loadMatrix returns them). When the
 * feature-set file or its data changed since the build, the state cannot be refitted the same way:
 * the result then says why instead.
 */
export async function refitFolds(ws: Workspace, build: FeatureBuild, rowIds: Float64Array, y: Float64Array, layout: FoldLayout, opts: { allowUnconsented?: boolean } = {}): Promise<RefitFolds> {
  let inp;
  try {
    inp = await prepareBuild(ws, build.name, { allowUnconsented: opts.allowUnconsented || build.allowUnconsented });
  } catch (e) {
    return { reason: `the definition of ${build.name} cannot be read again (${(e as Error).message})` };
  }
  if (inp.hash !== build.hash) return { reason: `${inp.spec.file} or its data changed since ${build.name}@${build.version} was built` };
  if (build.pipeline.features.some((f) => f.kind === 'index' && f.unknown === 'skip')) return { reason: 'a string_index with handle_invalid: skip drops rows, which per-fold state would change from fold to fold' };
  const n = layout.order.length;
  const duck = await openDuck();
  try {
    const dataPath = datasetDataPath(ws, inp.ds.name, inp.ds.version);
    await stageSource(duck, { spec: inp.spec, dataPath, testRows: inp.holdout?.testRows ?? [], aggs: inp.aggs, temporal: inp.temporal }, []);
    await duck.run('CREATE TEMP TABLE __cvfold (__row BIGINT, __fold INTEGER, __pos DOUBLE)');
    const app = await duck.conn.createAppender('__cvfold');
    for (let f = 0; f < layout.k; f++) {
      for (let m = layout.starts[f]; m < layout.starts[f + 1]; m++) {
        app.appendBigInt(BigInt(rowIds[layout.order[m]]));
        app.appendInteger(f);
        app.appendDouble(m);
        app.endRow();
      }
    }
    app.flushSync();
    app.closeSync();
  } catch (e) {
    duck.close();
    throw e;
  }
  const yo = new Float64Array(new SharedArrayBuffer(8 * n));
  for (let m = 0; m < n; m++) yo[m] = y[layout.order[m]];
  let closed = false;
  return {
    source: {
      layout,
      preprocessing: 'per-fold',
      async fold(f: number): Promise<FoldData> {
        const nTrain = n - (layout.starts[f + 1] - layout.starts[f]);
        const pipeline = await fitPipeline(duck, inp.spec, inp.plan, `(SELECT b.* FROM __base b JOIN __cvfold c ON b.__row = c.__row WHERE c.__fold <> ${f})`, () => {}, nTrain);
        const X = await transformInto(duck, pipelineSelect(pipeline, '(SELECT b.*, c.__pos FROM __base b JOIN __cvfold c ON b.__row = c.__row)', ['__pos']), n, pipeline.outputNames.length);
        return { X, p: pipeline.outputNames.length, y: yo, names: pipeline.outputNames };
      },
      async close() {
        if (!closed) duck.close();
        closed = true;
      },
    },
  };
}

/** Streams `sql` (__pos, then p DOUBLE outputs) into a shared row-major n × p matrix at row __pos. */
async function transformInto(duck: Duck, sql: string, n: number, p: number): Promise<Float64Array> {
  const X = new Float64Array(new SharedArrayBuffer(8 * n * p));
  const result = await duck.conn.stream(sql);
  let pos = new Float64Array(0);
  let col = new Float64Array(0);
  let seen = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const m = chunk.rowCount;
    if (pos.length < m) {
      pos = new Float64Array(m);
      col = new Float64Array(m);
    }
    readDoubleVector(chunk.getColumnVector(0), m, pos, 0, 1);
    for (let j = 0; j < p; j++) {
      readDoubleVector(chunk.getColumnVector(j + 1), m, col, 0, 1);
      for (let i = 0; i < m; i++) X[pos[i] * p + j] = col[i];
    }
    seen += m;
  }
  if (seen !== n) throw new Error(`the per-fold transform gave ${seen} rows, expected ${n}`);
  return X;
}

/**
 * The folds a search on `build` uses: per-fold feature state when the build can be refitted, else the
 * build's own matrix for every fold, with a warning saying why.
 */
export async function openBuildFolds(
  ws: Workspace,
  build: FeatureBuild,
  m: { X: Float64Array; y: Float64Array; p: number; rows: Float64Array; names: string[] },
  foldOf: Int32Array,
  k: number,
  opts: { allowUnconsented?: boolean } = {},
): Promise<{ source: FoldSource; warning?: string }> {
  const layout = foldLayout(foldOf, k);
  const r = await refitFolds(ws, build, m.rows, m.y, layout, opts);
  if (r.source) return { source: r.source };
  return {
    source: sharedMatrixFolds(m.X, m.y, m.p, layout, m.names),
    warning: `cross-validation used the feature state fitted on all training rows, not refitted per fold, because ${r.reason}: the CV scores are slightly optimistic; rebuild the features (dictl feature build ${build.name}) for per-fold preprocessing`,
  };
}
