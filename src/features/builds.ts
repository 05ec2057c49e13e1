/**
 * Feature builds: registry/features/NAME/VERSION/{features.parquet, state.json}.
 * A build is identified by hash(definition, source data sha256, holdout hash); rebuilding an unchanged
 * set returns the existing version. Everything is validated and fitted before anything is written;
 * the version folder is staged and renamed into place under the workspace lock.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DictlError, notFound } from '../errors.js';
import type { Duck } from '../io/duck.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';
import { reservedColumnProblem } from '../datasets/schema.js';
import type { DatasetVersion, FeatureBuild, Holdout, LabelSpec } from '../types.js';
import { hashValue } from '../util/hash.js';
import { parseRef, validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { pipelineSelect } from '../pipeline/sql.js';
import { sqlIdent, sqlString } from '../util/sql-quote.js';
import { loadFeatureSet, type FeatureSetSpec } from './spec.js';
import { checkAgainstSchema, fitPipeline, labelSql, type PlanInputs } from './fit.js';
import { resolveBinaryLabel } from '../labels.js';
import { checkAggregates, isTemporal, withAggregatesSql, type ResolvedAggregate } from './entity.js';
import { withDuck, readDoubleVector } from '../io/duck.js';
import { assertConsent, assertNoPii } from '../datasets/consent.js';
import { latestHoldoutFor, readHoldout, type HoldoutIndex } from '../holdouts/store.js';
import { listDirs, readJson, type Checkup } from '../io/checkup.js';
import type { Progress } from '../ui/progress.js';

export const featureBuildsDir = (ws: Workspace, name: string) => join(ws.registryDir, 'features', validateName('feature set', name));
export const featureBuildDir = (ws: Workspace, name: string, version: number) => join(featureBuildsDir(ws, name), String(version));

export function featureBuildVersions(ws: Workspace, name: string): number[] {
  const dir = featureBuildsDir(ws, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(dir, d, 'state.json')))
    .map(Number)
    .sort((a, b) => a - b);
}

export function readFeatureBuild(ws: Workspace, name: string, version: number): FeatureBuild {
  const p = join(featureBuildDir(ws, name, version), 'state.json');
  if (!existsSync(p)) throw notFound(`feature build ${name}@${version} not found`, `see: dictl feature list`);
  return JSON.parse(readFileSync(p, 'utf8')) as FeatureBuild;
}

/** Resolves "churn", "churn@2", "churn@latest" to a committed build. */
export function resolveFeatureBuild(ws: Workspace, refText: string): { build: FeatureBuild; dir: string; parquetPath: string } {
  const { name, ref } = parseRef('feature set', refText);
  const versions = featureBuildVersions(ws, name);
  if (versions.length === 0) throw notFound(`feature set "${name}" has no build`, `build it: dictl feature build ${name}`);
  let v: number;
  if (ref === 'latest') v = versions[versions.length - 1];
  else if (typeof ref === 'number') v = ref;
  else throw notFound(`feature build reference "${refText}" is not a version`, `use ${name}@N or ${name}@latest`);
  const build = readFeatureBuild(ws, name, v);
  const dir = featureBuildDir(ws, name, v);
  return { build, dir, parquetPath: join(dir, 'features.parquet') };
}

export interface Matrix {
  /** row-major n×p */
  X: Float64Array;
  n: number;
  p: number;
  y: Float64Array;
  rows: Float64Array;
  names: string[];
}

/** Reads a features.parquet into a dense matrix (NULL → NaN), in __row order, streaming DuckDB chunks. */
export async function loadMatrix(parquetPath: string, split: 'train' | 'test' | 'all'): Promise<Matrix> {
  if (!existsSync(parquetPath)) throw notFound(`feature matrix ${parquetPath} not found`);
  return withDuck(async (duck) => {
    await lockDown(duck, [dirname(parquetPath)]);
    const src = `read_parquet(${sqlString(parquetPath)})`;
    const cols = await duck.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE SELECT * FROM ${src})`);
    const names = cols.map((c) => c.column_name).filter((c) => !c.startsWith('__'));
    const where = split === 'all' ? '' : `WHERE __split = ${sqlString(split)}`;
    const cnt = await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${src} ${where}`);
    const n = Number(cnt[0].n);
    const p = names.length;
    // shared memory: the solver threads read the matrix without a copy
    const X = new Float64Array(new SharedArrayBuffer(8 * n * p));
    const y = new Float64Array(new SharedArrayBuffer(8 * n));
    const rows = new Float64Array(n);
    const result = await duck.conn.stream(`SELECT __row::DOUBLE, __label::DOUBLE, ${names.map((c) => `${sqlIdent(c)}::DOUBLE`).join(', ')} FROM ${src} ${where} ORDER BY __row`);
    let off = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const m = chunk.rowCount;
      const rv = chunk.getColumnVector(0);
      const lv = chunk.getColumnVector(1);
      readDoubleVector(rv, m, rows, off, 1);
      readDoubleVector(lv, m, y, off, 1);
      for (let j = 0; j < p; j++) readDoubleVector(chunk.getColumnVector(j + 2), m, X, off * p + j, p);
      off += m;
    }
    if (off !== n) throw new DictlError('internal', `read ${off} rows from ${parquetPath}, expected ${n}`);
    return { X, n, p, y, rows, names };
  });
}

/** Runs user-derived SQL with file access limited to `dirs` (no other files, no ATTACH, no extensions). */
export async function lockDown(duck: Duck, dirs: string[], lockConfiguration = true): Promise<void> {
  const list = dirs.map((d) => sqlString(d.endsWith('/') ? d : d + '/')).join(', ');
  await duck.run(`SET allowed_directories = [${list}]`);
  await duck.run(`SET enable_external_access = false`);
  await duck.run(`SET autoinstall_known_extensions = false`);
  await duck.run(`SET autoload_known_extensions = false`);
  if (lockConfiguration) await duck.run(`SET lock_configuration = true`);
}

/** Checks the label column of the training rows (no missing values, the positive class occurs, classes, numbers); returns the row count. */
async function checkLabelColumn(duck: Duck, label: NonNullable<FeatureSetSpec['label']>): Promise<number> {
  const lab = sqlIdent(label.column);
  const lc = await duck.all<{ nulls: number; pos: number; bad: number; n: number }>(
    `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE ${lab} IS NULL OR CAST(${lab} AS VARCHAR) = '')::BIGINT AS nulls,
            ${label.task === 'binary' ? `count(*) FILTER (WHERE CAST(${lab} AS VARCHAR) = ${sqlString(label.positive!)})` : '0'}::BIGINT AS pos,
            ${label.task === 'multiclass' ? `count(*) FILTER (WHERE ${lab} IS NOT NULL AND CAST(${lab} AS VARCHAR) NOT IN (${label.classes!.map(sqlString).join(', ')}))` : '0'}::BIGINT AS bad
     FROM __base WHERE __split = 'train'`,
  );
  if (Number(lc[0].nulls) > 0) throw new DictlError('data', `label column "${label.column}" is missing in ${lc[0].nulls} training rows`, { hint: 'filter those rows into a derived dataset first' });
  if (label.task === 'binary' && Number(lc[0].pos) === 0) {
    const vals = await duck.all<{ v: string }>(`SELECT DISTINCT CAST(${lab} AS VARCHAR) AS v FROM __base ORDER BY 1 LIMIT 10`);
    throw new DictlError('data', `label.positive "${label.positive}" never occurs in column "${label.column}" of the training rows (values: ${vals.map((v) => v.v).join(', ')})`, { hint: 'fix label.positive in the feature-set file' });
  }
  if (Number(lc[0].bad) > 0) throw new DictlError('data', `label column "${label.column}" has ${lc[0].bad} training rows outside label.classes`);
  if (label.task === 'regression') {
    const bad = await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM __base WHERE ${lab} IS NOT NULL AND TRY_CAST(${lab} AS DOUBLE) IS NULL`);
    if (Number(bad[0].n) > 0) throw new DictlError('data', `label column "${label.column}" has non-numeric values`);
  }
  return Number(lc[0].n);
}

// ───────────────────────── build ─────────────────────────

export interface BuildInputs {
  spec: FeatureSetSpec;
  ds: DatasetVersion;
  /** null: an unsupervised set without a named holdout, fitted on all rows */
  holdout: Holdout | null;
  plan: PlanInputs;
  definitionHash: string;
  hash: string;
  allowUnconsented: boolean;
  /** entity aggregates with their resolved events datasets */
  aggs: ResolvedAggregate[];
  temporal: boolean;
}

/** Resolves and validates everything a build needs, reading no data. */
export async function prepareBuild(ws: Workspace, name: string, opts: { allowUnconsented?: boolean } = {}): Promise<BuildInputs> {
  const spec = loadFeatureSet(ws, name);
  const ds = resolveDataset(ws, spec.source);
  assertConsent(ds, opts.allowUnconsented ?? false);
  const aggs: ResolvedAggregate[] = spec.aggregates.map((a) => {
    const ev = resolveDataset(ws, a.events);
    assertConsent(ev, opts.allowUnconsented ?? false);
    assertNoPii(ev, [a.key, a.time, ...(a.column !== undefined ? [a.column] : [])], spec.allowPii);
    return { ...a, ds: ev, dataPath: datasetDataPath(ws, ev.name, ev.version) };
  });
  // datasets registered before such names were refused: never let a data column shadow __label/__split/__row
  for (const d of [ds, ...aggs.map((a) => a.ds)]) {
    const reserved = reservedColumnProblem(d.columns.map((c) => c.name));
    if (reserved) throw new DictlError('data', `${d.ref}: ${reserved}`, { hint: 'register the data again with the column renamed' });
  }
  checkAggregates(spec, ds.columns, aggs);
  const plan = checkAgainstSchema(spec, ds.columns, aggs.map((a) => a.name));
  const aggNames = new Set(aggs.map((a) => a.name));
  assertNoPii(ds, [...plan.inputs.map((i) => i.name).filter((n) => !aggNames.has(n)), ...(spec.entity ? [spec.entity.key, ...(spec.entity.time ? [spec.entity.time] : [])] : [])].filter((n) => !aggNames.has(n)), spec.allowPii);
  const stratify = spec.label && spec.label.task !== 'regression' ? ` --stratify ${spec.label.column}` : '';
  let holdout: Holdout | undefined;
  if (spec.holdout) {
    holdout = readHoldout(ws, spec.holdout);
    if (holdout.dataset !== ds.ref && holdout.dataSha256 !== ds.dataSha256)
      throw new DictlError('data', `${spec.file}: holdout ${spec.holdout.slice(0, 12)} was made for ${holdout.dataset}, not ${ds.ref}`, { hint: `make one: dictl holdout create ${ds.ref} --fraction 0.2${stratify} --seed 42` });
  } else if (spec.label) holdout = latestHoldoutFor(ws, ds.ref);
  if (!holdout && !spec.label) {
    // unsupervised and no holdout named: every row is a training row
    const definition = { ...(spec.definition as Record<string, unknown>), source: ds.ref, events: aggs.map((a) => a.ds.ref) };
    const definitionHash = hashValue(definition);
    const hash = hashValue({ definition: definitionHash, data: ds.dataSha256, holdout: null, ...(aggs.length ? { events: aggs.map((a) => a.ds.dataSha256) } : {}) });
    return { spec, ds, holdout: null, plan, definitionHash, hash, allowUnconsented: opts.allowUnconsented ?? false, aggs, temporal: isTemporal(ds.columns, spec.entity?.time) };
  }
  if (!holdout) throw notFound(`no holdout for ${ds.ref}: the test rows must be set aside before features are fitted`, `run: dictl holdout create ${ds.ref} --fraction 0.2${stratify} --seed 42`);
  if (holdout.dataSha256 !== ds.dataSha256) throw new DictlError('data', `holdout ${holdout.hash.slice(0, 12)} was made for different data than ${ds.ref}`);
  if (holdout.nRows !== ds.rows) throw new DictlError('data', `holdout ${holdout.hash.slice(0, 12)} covers ${holdout.nRows} rows, ${ds.ref} has ${ds.rows}`);
  const definition = { ...(spec.definition as Record<string, unknown>), source: ds.ref, events: aggs.map((a) => a.ds.ref) };
  const definitionHash = hashValue(definition);
  const hash = hashValue({ definition: definitionHash, data: ds.dataSha256, holdout: holdout.hash, ...(aggs.length ? { events: aggs.map((a) => a.ds.dataSha256) } : {}) });
  const temporal = isTemporal(ds.columns, spec.entity?.time);
  return { spec, ds, holdout, plan, definitionHash, hash, allowUnconsented: opts.allowUnconsented ?? false, aggs, temporal };
}

export function findBuildByHash(ws: Workspace, name: string, hash: string): FeatureBuild | undefined {
  for (const v of featureBuildVersions(ws, name).reverse()) {
    const b = readFeatureBuild(ws, name, v);
    if (b.hash === hash) return b;
  }
  return undefined;
}

/**
 * Fits the pipeline on the training rows and writes the feature matrix to `outPath` (Parquet):
 * __row, __split, __label, outputs. Returns the pipeline and row counts. Holds no lock; writes only outPath.
 */
/**
 * How features.parquet is written. No dictionary encoding: scaled numeric columns are nearly all
 * distinct, so DuckDB's dictionary attempt per column chunk was wasted work (about a fifth of the
 * write), and one-hot indicators are BOOLEAN (bit-packed) anyway. LZ4: fast to write and to read.
 */
export const FEATURE_PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION lz4, DICTIONARY_SIZE_LIMIT 1';

/**
 * Stages the raw rows of a build in `duck`: view __base (every source row with __row, __split and the
 * entity aggregates) with file access limited to the inputs and `extraDirs`. Returns the row count.
 * Shared by the build and by cross-validation's per-fold refit of the feature state.
 */
export async function stageSource(
  duck: Duck,
  inp: { spec: FeatureSetSpec; dataPath: string; testRows: number[]; aggs?: ResolvedAggregate[]; temporal?: boolean },
  extraDirs: string[],
  progress: Progress['log'] = () => {},
): Promise<number> {
  const { spec } = inp;
  const aggs = inp.aggs ?? [];
  // external access is off from here on (a one-way switch); the configuration is locked once the fit,
  // which runs only dictl's own statements and switches to one thread for its sums, is done
  await lockDown(duck, [dirname(inp.dataPath), ...extraDirs, ...aggs.map((a) => dirname(a.dataPath))], false);
  await duck.run(`CREATE TEMP TABLE __test_rows (r BIGINT)`);
  if (inp.testRows.length) {
    const app = await duck.conn.createAppender('__test_rows');
    for (const r of inp.testRows) {
      app.appendBigInt(BigInt(r));
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }
  await duck.run(`CREATE TEMP VIEW __src AS SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM read_parquet(${sqlString(inp.dataPath)}, file_row_number = true)`);
  const nRows = Number((await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM __src`))[0].n);
  if (nRows === 0) throw new DictlError('data', `${spec.source} has no rows`);
  if (aggs.length) {
    // entity aggregates as of each row's time, computed once, kept in row order
    progress(`computing ${aggs.length} point-in-time aggregate${aggs.length === 1 ? '' : 's'}`);
    await duck.run(`CREATE TEMP TABLE __src_aggs AS ${withAggregatesSql(spec, '__src', aggs, inp.temporal ?? false).slice(1, -1)} ORDER BY src.__row`);
  }
  // the split as a bitmap looked up per row: no join, so the scan keeps its row order (no sort before writing)
  // (a variable, not a scalar subquery: the same plan, and DuckDB can report the scan's progress)
  await duck.run(`SET VARIABLE __split_bits = (SELECT coalesce(bitstring_agg(r, 0, ${nRows - 1}), bitstring('0', ${nRows})) FROM __test_rows)`);
  await duck.run(
    `CREATE TEMP VIEW __base AS SELECT s.*, CASE WHEN get_bit(getvariable('__split_bits'), s.__row::INTEGER) = 1 THEN 'test' ELSE 'train' END AS __split
     FROM ${aggs.length ? '__src_aggs' : '__src'} s`,
  );
  return nRows;
}

export async function fitAndWrite(
  duck: Duck,
  inp: { spec: FeatureSetSpec; plan: PlanInputs; dataPath: string; testRows: number[]; aggs?: ResolvedAggregate[]; temporal?: boolean },
  outPath: string,
  progress: Progress['log'] = () => {},
): Promise<{ pipeline: FeatureBuild['pipeline']; label: LabelSpec | undefined; rows: FeatureBuild['rows']; fitMs: number; writeMs: number }> {
  const { spec, plan } = inp;
  const t0 = Date.now();
  const aggs = inp.aggs ?? [];
  const nRows = await stageSource(duck, inp, [dirname(outPath)], progress);
  // label checks before anything is fitted or written
  let label: LabelSpec | undefined;
  let nTrain: number;
  if (spec.label) {
    nTrain = await checkLabelColumn(duck, spec.label);
    // the class names come from the data: the label column's values over all rows
    label = spec.label;
    if (spec.label.task === 'binary') {
      const lab = sqlIdent(spec.label.column);
      const vals = await duck.all<{ v: string; n: number }>(`SELECT CAST(${lab} AS VARCHAR) AS v, count(*)::BIGINT AS n FROM __base WHERE ${lab} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1001`);
      label = resolveBinaryLabel(spec.label, vals.map((x) => ({ value: x.v, rows: Number(x.n) })));
      if (label.negativeGroups) progress(`label ${label.column}: ${label.negativeGroups.length} values other than "${label.positive}" are grouped as "${label.negative}" (name one with label.negative to use it instead)`);
    }
  } else nTrain = Number((await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM __base WHERE __split = 'train'`))[0].n);

  const pipeline = await fitPipeline(duck, spec, plan, `(SELECT * FROM __base WHERE __split = 'train')`, progress, nTrain);
  await duck.run('SET lock_configuration = true');
  const t1 = Date.now();
  progress(`writing ${pipeline.outputNames.length} feature columns`);
  const from = `(SELECT *, ${labelSql(spec)} AS __label FROM __base)`;
  const copy = async (orderBy?: string) => {
    const sel = pipelineSelect(pipeline, from, ['__row', '__split', '__label'], { indicators: 'boolean', ...(orderBy ? { orderBy } : {}) });
    try {
      await duck.run(`COPY (${sel}) TO ${sqlString(outPath)} (${FEATURE_PARQUET_OPTIONS})`);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      if (/feature "/.test(msg)) throw new DictlError('data', msg.replace(/^.*?Error: /, ''), { hint: 'fix the data or the transform option (e.g. unknown: zeros / handle_invalid: keep)' });
      throw e;
    }
  };
  await copy();
  progress('checking the row order and split counts of the written matrix');
  // insertion order is preserved by the scan → project → COPY plan; verify it, and sort only if it was not
  const out = sqlString(outPath);
  const st = (
    await duck.all<{ n: number; train: number; test: number; off: number }>(
      `SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE __split = 'train')::BIGINT AS train, count(*) FILTER (WHERE __split = 'test')::BIGINT AS test,
              count(*) FILTER (WHERE __row <> file_row_number)::BIGINT AS off FROM read_parquet(${out}, file_row_number = true)`,
    )
  )[0];
  let ordered = Number(st.off) === 0;
  if (!ordered && Number(st.n) < nRows) {
    const bad = await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM (SELECT __row, lag(__row) OVER (ORDER BY file_row_number) AS p FROM read_parquet(${out}, file_row_number = true)) WHERE __row <= p`);
    ordered = Number(bad[0].n) === 0;
  }
  if (!ordered) {
    progress('sorting the feature matrix by row');
    await copy('__row');
  }
  const train = Number(st.train);
  const test = Number(st.test);
  return { pipeline, label, rows: { train, test, skipped: nRows - train - test }, fitMs: t1 - t0, writeMs: Date.now() - t1 };
}

/**
 * doctor: each feature build's state.json names its folder, its features.parquet is there, and its
 * splits agree with its holdout (no holdout row trains, every test row is one) and with the row
 * counts it records; its dataset and holdout exist. Returns ref → build hash.
 */
export async function verifyFeatureBuilds(ws: Workspace, c: Checkup, datasetSha: Map<string, string>, holdouts: HoldoutIndex): Promise<Map<string, string>> {
  const featDir = join(ws.registryDir, 'features');
  const builds = new Map<string, string>();
  for (const name of listDirs(featDir)) {
    for (const v of listDirs(join(featDir, name))) {
      const dir = join(featDir, name, v);
      if (!/^[1-9]\d*$/.test(v)) continue;
      c.checked.featureBuilds++;
      const r = readJson<FeatureBuild>(join(dir, 'state.json'));
      if (!r.ok) {
        c.add('error', 'feature-state', join(dir, 'state.json'), `state.json missing or unreadable: ${r.error}`);
        continue;
      }
      const b = r.value;
      if (b.name !== name || b.version !== Number(v)) c.add('error', 'feature-identity', join(dir, 'state.json'), `state.json names ${b.name}@${b.version}, folder is ${name}@${v}`);
      if (!existsSync(join(dir, 'features.parquet'))) c.add('error', 'feature-data-missing', join(dir, 'features.parquet'), 'features.parquet is missing');
      if (b.holdout && !holdouts.hashes.has(b.holdout)) c.add('error', 'feature-holdout', join(dir, 'state.json'), `feature build refers to holdout ${String(b.holdout).slice(0, 12)}, which does not exist`);
      else if (b.holdout && existsSync(join(dir, 'features.parquet'))) {
        const h = holdouts.rows.get(b.holdout)!;
        if (h.dataset !== b.dataset) c.add('error', 'feature-holdout-dataset', join(dir, 'state.json'), `feature build is on ${b.dataset} but its holdout was made for ${h.dataset}`);
        const n = await splitCounts(join(dir, 'features.parquet'), h.testRows);
        if (n.error) c.add('error', 'feature-data-parse', join(dir, 'features.parquet'), `features.parquet cannot be read: ${n.error}`);
        else {
          if (n.leak > 0) c.add('error', 'feature-holdout-leak', join(dir, 'features.parquet'), `${n.leak} holdout row(s) are in the training split`);
          if (n.stray > 0) c.add('error', 'feature-holdout-stray', join(dir, 'features.parquet'), `${n.stray} test-split row(s) are not holdout rows`);
          if (b.rows && (n.train !== b.rows.train || n.test !== b.rows.test))
            c.add('error', 'feature-rows', join(dir, 'features.parquet'), `features.parquet holds ${n.train} train / ${n.test} test rows, state.json says ${b.rows.train} / ${b.rows.test}`);
        }
      }
      if (b.dataset && !datasetSha.has(b.dataset)) c.add('error', 'feature-dataset', join(dir, 'state.json'), `feature build refers to dataset ${b.dataset}, which does not exist`);
      builds.set(`${name}@${v}`, b.hash);
      c.committed.push({ kind: 'feature build', ref: `${name}@${v}`, path: join(dir, 'state.json'), actions: ['feature.build'], entry: () => ({ action: 'feature.build', subject: `${name}@${v}`, details: { hash: b.hash, dataset: b.dataset, holdout: b.holdout } }) });
    }
  }
  return builds;
}

/** Rows per split of a features.parquet, and how its splits agree with the holdout's test rows. */
async function splitCounts(path: string, testRows: number[]): Promise<{ train: number; test: number; leak: number; stray: number; error?: string }> {
  try {
    return await withDuck(async (d) => {
      const rows = testRows.filter((r) => Number.isSafeInteger(r));
      await d.run(`CREATE TEMP TABLE h AS SELECT unnest([${rows.join(',')}]::BIGINT[]) AS r`);
      const [c] = await d.all<{ train: number; test: number; leak: number; stray: number }>(
        `SELECT count(*) FILTER (WHERE __split = 'train')::BIGINT AS train, count(*) FILTER (WHERE __split = 'test')::BIGINT AS test,
                count(*) FILTER (WHERE __split = 'train' AND __row IN (SELECT r FROM h))::BIGINT AS leak,
                count(*) FILTER (WHERE __split = 'test' AND __row NOT IN (SELECT r FROM h))::BIGINT AS stray
         FROM read_parquet(${sqlString(path)})`,
      );
      return { train: Number(c.train), test: Number(c.test), leak: Number(c.leak), stray: Number(c.stray) };
    });
  } catch (e) {
    return { train: 0, test: 0, leak: 0, stray: 0, error: (e as Error).message.split('\n')[0] };
  }
}
