/**
 * A feature build as one Spark SQL query: `SELECT __label, outputs… FROM source`, with every fitted value
 * (impute values, scales, category lists, bucket splits, expressions) inlined, so a team can materialise
 * the same features on a cluster. `source` is a table or view with the build dataset's columns; entity
 * aggregates read one table per events dataset, named after the dataset (`transactions` for
 * transactions@2), and are computed as of each source row's time exactly as the build does (events with
 * the same key and row time − window < event time ≤ row time; `last` is the latest of those).
 * Generated from the same compiler as the DuckDB SQL (src/pipeline/sql.ts, dialect spark). Pure.
 */
import { DictlError } from '../errors.js';
import type { FeatureBuild } from '../types.js';
import { spark as d } from '../pipeline/dialect.js';
import { pipelineSelect } from '../pipeline/sql.js';
import { parseRef } from '../util/names.js';
import type { AggregateSpec, FeatureSetSpec } from './spec.js';
import { labelSql } from './fit.js';

function aggSql(a: AggregateSpec): string {
  const v = 'e.__v';
  switch (a.agg) {
    case 'count':
      return 'count(e.__t)';
    case 'last':
      return `max_by(${v}, e.__t)`;
    default:
      return `${a.agg}(${v})`;
  }
}

/** The source with every aggregate added as a DOUBLE column (a subquery), or `source` when there are none. */
function sourceWithAggregates(spec: FeatureSetSpec, temporal: boolean): string {
  if (!spec.aggregates.length) return 'source';
  const key = d.id(spec.entity!.key);
  const time = d.id(spec.entity!.time!);
  const parts = spec.aggregates.map((a, i) => {
    const events = d.id(parseRef('dataset', a.events).name);
    const value = a.column !== undefined ? d.cast(d.id(a.column), 'DOUBLE') : d.int(1);
    const rel = `(SELECT ${d.id(a.key)} AS __k, ${d.id(a.time)} AS __t, ${value} AS __v FROM ${events} WHERE ${d.id(a.key)} IS NOT NULL AND ${d.id(a.time)} IS NOT NULL)`;
    const start = temporal ? `k.${time} - INTERVAL ${a.windowSeconds} SECONDS` : `k.${time} - ${a.windowSeconds}`;
    // aggregates depend on a row only through (key, time): computed once per distinct pair
    const q =
      `SELECT k.${key}, k.${time}, ${d.cast(aggSql(a), 'DOUBLE')} AS ${d.id(a.name)}` +
      ` FROM (SELECT DISTINCT ${key}, ${time} FROM source) AS k LEFT JOIN ${rel} AS e` +
      ` ON e.__k = k.${key} AND e.__t <= k.${time} AND e.__t > ${start} GROUP BY k.${key}, k.${time}`;
    return { alias: `__a${i}`, q, name: a.name };
  });
  return (
    `(SELECT src.*, ${parts.map((p) => `${p.alias}.${d.id(p.name)}`).join(', ')} FROM source AS src ` +
    parts.map((p) => `LEFT JOIN (${p.q}) AS ${p.alias} ON ${p.alias}.${key} <=> src.${key} AND ${p.alias}.${time} <=> src.${time}`).join(' ') +
    ')'
  );
}

/** The build's fitted transforms as one Spark SQL SELECT over `source`; `temporal`: the entity time is a date/timestamp. */
export function sparkSelect(spec: FeatureSetSpec, build: FeatureBuild, temporal = false, sourceColumns?: string[]): string {
  // the aggregates come from the definition: it must still define every one the build used
  if (sourceColumns) {
    const have = new Set([...sourceColumns, ...spec.aggregates.map((a) => a.name)]);
    const gone = build.pipeline.inputs.map((i) => i.name).filter((n) => !have.has(n));
    if (gone.length) throw new DictlError('data', `${spec.file} no longer defines ${gone.map((g) => `"${g}"`).join(', ')}, which ${build.name}@${build.version} reads`, { hint: `rebuild it (dictl feature build ${build.name}) or show a build of the current definition` });
  }
  const labelled = `(SELECT *, ${labelSql({ ...spec, label: build.label }, d)} AS \`__label\` FROM ${sourceWithAggregates(spec, temporal)} AS __src)`;
  return pipelineSelect(build.pipeline, labelled, ['__label'], { dialect: 'spark' });
}
