/**
 * `dictl feature materialize`: the latest feature inputs of every entity to the online store (Redis).
 */
import { dirname, join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import { locked } from '../io/lock.js';
import { appendAudit } from '../io/audit.js';
import { datasetDataPath } from '../datasets/store.js';
import type { Workspace } from '../workspace.js';
import { sqlIdent, sqlString } from '../util/sql-quote.js';
import { onlineRowsSql } from '../features/entity.js';
import { withDuck, watchProgress } from '../io/duck.js';
import { writeOnline } from '../online/redis-features.js';
import type { Progress } from '../ui/progress.js';
import { findBuildByHash, lockDown, prepareBuild } from '../features/builds.js';

export interface MaterializeResult {
  name: string;
  build: string;
  online: string;
  prefix: string;
  entityKey: string;
  asOf: string | number | null;
  entities: number;
  fields: number;
  inputs: string[];
  schemaKey: string;
}

/**
 * Writes, per entity, the latest values of the pipeline's inputs (raw columns from the latest source
 * row of that entity, and every aggregate as of `asOf`, default the latest time in the data) to Redis
 * hashes `${prefix}${entity}`. Uses the build of the current definition (it must be built).
 */
export async function materializeFeatureSet(
  ws: Workspace,
  name: string,
  opts: { online: string; prefix?: string; asOf?: string; allowUnconsented?: boolean; wait?: number; progress?: Pick<Progress, 'phase' | 'tick'> },
): Promise<MaterializeResult> {
  const progress = (m: string) => opts.progress?.phase(m);
  const ticks = opts.progress && ((d: number, t: number) => opts.progress!.tick(d, t));
  if (!/^redis:\/\/[^\s/]+(\/\d+)?$/.test(opts.online)) throw usageError(`--online-store must be a redis:// URL such as redis://127.0.0.1:6379, got "${opts.online}"`);
  const inp = await prepareBuild(ws, name, opts);
  const { spec } = inp;
  if (!spec.entity) throw usageError(`feature set "${name}" has no entity key: add entity: {key: COLUMN, time: COLUMN} to ${spec.file}`);
  const build = findBuildByHash(ws, name, inp.hash);
  if (!build) throw notFound(`feature set "${name}" changed (or was never built) since its latest build: the online values must match a fitted build`, `run: dictl feature build ${name}`);
  const prefix = opts.prefix ?? `${name}:`;
  const aggNames = new Set(inp.aggs.map((a) => a.name));
  const rawInputs = build.pipeline.inputs.map((i) => i.name).filter((n) => !aggNames.has(n) && n !== spec.entity!.key);
  const dataPath = datasetDataPath(ws, inp.ds.name, inp.ds.version);
  const { rows, asOf } = await withDuck(async (duck) => {
    await lockDown(duck, [dirname(dataPath), ...inp.aggs.map((a) => dirname(a.dataPath))]);
    await duck.run(`CREATE TEMP VIEW __src AS SELECT * EXCLUDE (file_row_number), file_row_number AS __row FROM read_parquet(${sqlString(dataPath)}, file_row_number = true)`);
    const timeType = spec.entity!.time ? inp.ds.columns.find((c) => c.name === spec.entity!.time)!.duckType : undefined;
    let asOfSql = 'NULL';
    if (opts.asOf !== undefined) {
      if (!timeType) throw usageError('--as-of needs entity.time in the feature set');
      asOfSql = `TRY_CAST(${sqlString(opts.asOf)} AS ${timeType})`;
      const ok = await duck.all<{ v: unknown }>(`SELECT ${asOfSql} AS v`);
      if (ok[0].v === null) throw usageError(`--as-of "${opts.asOf}" is not a ${timeType}`);
    } else if (spec.entity!.time) {
      const times = [`SELECT max(${sqlIdent(spec.entity!.time)}) AS t FROM __src`, ...inp.aggs.map((a) => `SELECT max(${sqlIdent(a.time)}) AS t FROM read_parquet(${sqlString(a.dataPath)})`)];
      asOfSql = `(SELECT max(t) FROM (${times.join(' UNION ALL ')}))`;
    }
    const asOfVal = (await duck.all<{ v: unknown }>(`SELECT CAST(${asOfSql} AS VARCHAR) AS v`))[0].v as string | null;
    progress(`reading the latest values of ${rawInputs.length + inp.aggs.length} inputs per entity${asOfVal ? ` as of ${asOfVal}` : ''}`);
    const sql = onlineRowsSql(spec, '__src', rawInputs, inp.aggs, asOfSql, inp.temporal);
    const stop = ticks ? watchProgress(duck, ticks) : () => {};
    try {
      return { rows: await duck.all<Record<string, unknown>>(sql), asOf: asOfVal };
    } finally {
      stop();
    }
  }, { progress: Boolean(ticks) });
  progress(`writing ${rows.length} entities to ${opts.online}`);
  const w = await writeOnline(opts.online, prefix, spec.entity.key, rows, { onTick: ticks });
  await locked(ws, opts.wait, `feature materialize ${name}`, () =>
    appendAudit(ws, { action: 'feature.materialize', subject: `${name}@${build.version}`, details: { online: opts.online, prefix, entities: w.keys, fields: w.fields, asOf } }),
  );
  return {
    name,
    build: `${name}@${build.version}`,
    online: opts.online,
    prefix,
    entityKey: spec.entity.key,
    asOf,
    entities: w.keys,
    fields: w.fields,
    inputs: [...rawInputs, ...inp.aggs.map((a) => a.name)],
    schemaKey: w.schemaKey,
  };
}
