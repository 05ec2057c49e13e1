/**
 * Entity features, point in time: windowed aggregates of an events dataset joined to each row of the
 * source (label) table *as of* that row's time, so no feature sees the future. For an aggregate over
 * window W and a row with key k and time t, the events used are those with key k and
 * t − W < event time ≤ t. count of nothing is 0; sum/avg/min/max/last of nothing are missing.
 * `last` uses DuckDB's ASOF JOIN (latest event at or before t), kept only if it is inside the window.
 *
 * Also the online side: the latest input values per entity for `feature materialize`.
 * SQL builders are pure; the caller runs them.
 */
import { DictlError } from '../errors.js';
import type { ColumnSchema, DatasetVersion } from '../types.js';
import { sqlIdent, sqlString } from '../util/sql-quote.js';
import type { AggregateSpec, FeatureSetSpec } from './spec.js';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/i;
const TEMPORAL = /^(TIMESTAMP.*|DATE)$/i;

export interface ResolvedAggregate extends AggregateSpec {
  ds: DatasetVersion;
  dataPath: string;
}

/** Checks aggregate definitions against the schemas; errors name the aggregate and the file line. */
export function checkAggregates(spec: FeatureSetSpec, source: ColumnSchema[], aggs: ResolvedAggregate[]): void {
  if (!spec.entity) return;
  const col = (cols: ColumnSchema[], n: string) => cols.find((c) => c.name === n);
  const key = col(source, spec.entity.key);
  if (!key) throw new DictlError('data', `${spec.file}: entity.key: column "${spec.entity.key}" is not in ${spec.source}`);
  let timeType: string | undefined;
  if (spec.entity.time) {
    const t = col(source, spec.entity.time);
    if (!t) throw new DictlError('data', `${spec.file}: entity.time: column "${spec.entity.time}" is not in ${spec.source}`);
    if (!TEMPORAL.test(t.duckType) && !NUMERIC.test(t.duckType)) throw new DictlError('data', `${spec.file}: entity.time: "${spec.entity.time}" is ${t.duckType}; it must be a timestamp, a date or a number`);
    timeType = t.duckType;
  }
  const sourceNames = new Set(source.map((c) => c.name));
  for (const a of aggs) {
    const fail = (m: string): never => {
      throw new DictlError('data', `${spec.file}:${a.line}: aggregate "${a.name}": ${m}`, { hint: 'fix the feature-set file' });
    };
    if (sourceNames.has(a.name)) fail(`has the same name as a column of ${spec.source}`);
    const cols = a.ds.columns;
    const k = col(cols, a.key);
    if (!k) fail(`key column "${a.key}" is not in ${a.ds.ref}`);
    if (NUMERIC.test(k!.duckType) !== NUMERIC.test(key.duckType)) fail(`key "${a.key}" (${k!.duckType}) cannot be matched with entity key "${spec.entity.key}" (${key.duckType})`);
    const t = col(cols, a.time);
    if (!t) fail(`time column "${a.time}" is not in ${a.ds.ref}`);
    if (TEMPORAL.test(t!.duckType) !== TEMPORAL.test(timeType ?? '')) fail(`time "${a.time}" (${t!.duckType}) cannot be compared with entity time "${spec.entity.time}" (${timeType})`);
    if (a.column !== undefined) {
      const c = col(cols, a.column);
      if (!c) fail(`column "${a.column}" is not in ${a.ds.ref}`);
      if (!NUMERIC.test(c!.duckType) && c!.duckType.toUpperCase() !== 'BOOLEAN') fail(`${a.agg} needs a numeric column; "${a.column}" is ${c!.duckType}`);
    }
  }
}

const windowStart = (timeSql: string, a: AggregateSpec, temporal: boolean) => (temporal ? `${timeSql} - to_seconds(${a.windowSeconds})` : `${timeSql} - ${a.windowSeconds}`);

function aggExpr(a: AggregateSpec, v: string): string {
  switch (a.agg) {
    case 'count':
      return `count(${v})::DOUBLE`;
    case 'sum':
      return `sum(${v})::DOUBLE`;
    case 'avg':
      return `avg(${v})::DOUBLE`;
    case 'min':
      return `min(${v})::DOUBLE`;
    case 'max':
      return `max(${v})::DOUBLE`;
    case 'last':
      return `arg_max(${v}, __t)::DOUBLE`;
  }
}

/** The events relation of one aggregate: __k, __t, __v. */
const eventsRel = (a: ResolvedAggregate) =>
  `(SELECT ${sqlIdent(a.key)} AS __k, ${sqlIdent(a.time)} AS __t, ${a.column !== undefined ? `CAST(${sqlIdent(a.column)} AS DOUBLE)` : 'CAST(1 AS DOUBLE)'} AS __v FROM read_parquet(${sqlString(a.dataPath)}) WHERE ${sqlIdent(a.key)} IS NOT NULL AND ${sqlIdent(a.time)} IS NOT NULL)`;

/**
 * SQL of the source relation with every aggregate added as a DOUBLE column, computed as of each row's
 * time. `srcRel` must have __row, the entity key and the entity time.
 */
export function withAggregatesSql(spec: FeatureSetSpec, srcRel: string, aggs: ResolvedAggregate[], temporal: boolean): string {
  if (aggs.length === 0) return srcRel;
  const key = sqlIdent(spec.entity!.key);
  const time = sqlIdent(spec.entity!.time!);
  const parts = aggs.map((a, i) => {
    const alias = `__a${i}`;
    let q: string;
    if (a.agg === 'last') {
      q = `SELECT s.__row, CASE WHEN e.__t > ${windowStart('s.' + time, a, temporal)} THEN e.__v END::DOUBLE AS ${sqlIdent(a.name)}
           FROM (SELECT __row, ${key}, ${time} FROM ${srcRel}) s ASOF LEFT JOIN ${eventsRel(a)} e ON s.${key} = e.__k AND s.${time} >= e.__t`;
    } else {
      q = `SELECT s.__row, ${a.agg === 'count' ? 'count(e.__t)::DOUBLE' : aggExpr(a, 'e.__v')} AS ${sqlIdent(a.name)}
           FROM (SELECT __row, ${key}, ${time} FROM ${srcRel}) s LEFT JOIN ${eventsRel(a)} e
             ON e.__k = s.${key} AND e.__t <= s.${time} AND e.__t > ${windowStart('s.' + time, a, temporal)}
           GROUP BY s.__row`;
    }
    return { alias, q, name: a.name };
  });
  return `(SELECT src.*, ${parts.map((p) => `${p.alias}.${sqlIdent(p.name)}`).join(', ')} FROM ${srcRel} src ${parts.map((p) => `LEFT JOIN (${p.q}) ${p.alias} ON ${p.alias}.__row = src.__row`).join(' ')})`;
}

/**
 * One row per entity: the latest source values of the raw inputs (latest by entity time, then by row
 * number) and every aggregate as of `asOf` (SQL expression of the time type).
 */
export function onlineRowsSql(spec: FeatureSetSpec, srcRel: string, rawInputs: string[], aggs: ResolvedAggregate[], asOf: string, temporal: boolean): string {
  const key = sqlIdent(spec.entity!.key);
  const order = spec.entity!.time ? `${sqlIdent(spec.entity!.time)} DESC NULLS LAST, __row DESC` : '__row DESC';
  const latest = `(SELECT ${key} AS __k, ${rawInputs.map(sqlIdent).join(', ')}${rawInputs.length ? ',' : ''} 1 AS __one FROM ${srcRel} WHERE ${key} IS NOT NULL QUALIFY row_number() OVER (PARTITION BY ${key} ORDER BY ${order}) = 1)`;
  const keys = [`SELECT ${key} AS __k FROM ${srcRel} WHERE ${key} IS NOT NULL`, ...aggs.map((a) => `SELECT __k FROM ${eventsRel(a)}`)].join(' UNION ');
  const aggParts = aggs.map((a, i) => {
    const v = a.agg === 'count' ? 'count(__t)::DOUBLE' : aggExpr(a, '__v');
    return { alias: `__a${i}`, q: `SELECT __k, ${v} AS ${sqlIdent(a.name)} FROM ${eventsRel(a)} WHERE __t <= ${asOf} AND __t > ${windowStart(asOf, a, temporal)} GROUP BY __k`, a };
  });
  const cols = [
    `k.__k AS ${key}`,
    ...rawInputs.map((c) => `l.${sqlIdent(c)}`),
    ...aggParts.map((p) => (p.a.agg === 'count' ? `coalesce(${p.alias}.${sqlIdent(p.a.name)}, 0.0::DOUBLE) AS ${sqlIdent(p.a.name)}` : `${p.alias}.${sqlIdent(p.a.name)}`)),
  ];
  return `SELECT ${cols.join(', ')} FROM (${keys}) k LEFT JOIN ${latest} l ON l.__k = k.__k ${aggParts.map((p) => `LEFT JOIN (${p.q}) ${p.alias} ON ${p.alias}.__k = k.__k`).join(' ')} ORDER BY k.__k`;
}

export const isTemporal = (source: ColumnSchema[], timeCol: string | undefined) => !!timeCol && TEMPORAL.test(source.find((c) => c.name === timeCol)?.duckType ?? '');
