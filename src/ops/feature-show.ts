/**
 * `dictl feature show`: a feature set's definition and latest build, optionally its SQL (DuckDB or Spark).
 */
import { join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import { resolveDataset } from '../datasets/store.js';
import type { FeatureBuild } from '../types.js';
import { parseRef } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { pipelineSelect } from '../pipeline/sql.js';
import { sqlString } from '../util/sql-quote.js';
import { exprToString } from '../pipeline/expr.js';
import type { DialectName } from '../pipeline/dialect.js';
import { sparkSelect } from '../features/spark.js';
import { loadFeatureSet, type FeatureSetSpec } from '../features/spec.js';
import { labelSql } from '../features/fit.js';
import { isTemporal } from '../features/entity.js';
import { featureBuildVersions, resolveFeatureBuild } from '../features/builds.js';

export interface ShowResult {
  name: string;
  file: string;
  source: string;
  label: FeatureSetSpec['label'];
  features: { name: string; from: string; kind: string; transforms: string[]; line: number }[];
  build?: FeatureBuild;
  sql?: string;
}

/**
 * The definition, the latest (or given) build's fitted state and, with sql, the compiled SQL: DuckDB
 * over the dataset's data.parquet, or Spark SQL over a table or view named `source` (entity aggregates
 * read one table per events dataset, named after it).
 */
export function showFeatureSet(ws: Workspace, refText: string, opts: { sql?: boolean; dialect?: DialectName } = {}): ShowResult {
  const { name, ref } = parseRef('feature set', refText);
  const spec = loadFeatureSet(ws, name);
  const features = spec.features.map((f) => ({
    name: f.name,
    from: f.column !== undefined ? `column ${f.column}` : f.exprAst ? `expr ${exprToString(f.exprAst)}` : `interaction ${f.interaction!.join(' × ')}`,
    kind: f.kind,
    transforms: f.transforms.map((t) => {
      const { op, ...o } = t;
      // spelled as in the feature-set file (with_mean, min_frequency), not as stored (withMean)
      const kv = Object.entries(o).map(([k, v]) => `${k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}=${Array.isArray(v) ? `[${v.join(',')}]` : v}`);
      return kv.length ? `${op}(${kv.join(', ')})` : op;
    }),
    line: f.line,
  }));
  let build: FeatureBuild | undefined;
  if (featureBuildVersions(ws, name).length) build = resolveFeatureBuild(ws, typeof ref === 'number' ? `${name}@${ref}` : name).build;
  else if (typeof ref === 'number') throw notFound(`feature build ${name}@${ref} not found`, `build it: dictl feature build ${name}`);
  const out: ShowResult = { name, file: spec.file, source: spec.source, label: spec.label, features, ...(build ? { build } : {}) };
  if (opts.sql) {
    if (!build) throw usageError(`feature set "${name}" has no build yet: the SQL embeds fitted values`, `build it: dictl feature build ${name}`);
    if (opts.dialect === 'spark') {
      const cols = resolveDataset(ws, build.dataset).columns;
      out.sql = sparkSelect(spec, build, isTemporal(cols, spec.entity?.time), cols.map((c) => c.name));
      return out;
    }
    const [dn, dv] = build.dataset.split('@');
    const data = `datasets/${dn}/${dv}/data.parquet`;
    const from = `(SELECT * EXCLUDE (file_row_number), file_row_number AS __row, ${labelSql(spec)} AS __label FROM read_parquet(${sqlString(data)}, file_row_number = true))`;
    out.sql = pipelineSelect(build.pipeline, from, ['__row', '__label'], { orderBy: '__row' });
  }
  return out;
}
