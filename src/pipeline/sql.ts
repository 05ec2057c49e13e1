/**
 * Compiles a FittedPipeline to DuckDB SQL with exactly the semantics of src/pipeline/apply.ts.
 * Pure: returns SQL text, runs nothing. Raw inputs are read from a relation that has the input
 * columns by name; derived columns are computed in an inner SELECT; outputs are DOUBLE, except that
 * with `indicators: 'boolean'` (how features.parquet stores them) one-hot indicator columns are BOOLEAN:
 * the same 0/1 values, at a fraction of the Parquet writer's cost (CAST(x AS DOUBLE) gives 1.0/0.0 back).
 */
import type { FittedFeature, FittedPipeline, NumericStep } from '../types.js';
import { dialectOf, duckdb, type DialectName, type SqlDialect } from './dialect.js';
import { exprToSql, log1pSql } from './expr.js';

/** SQL of a raw column read as a number (missing = NULL, NaN = missing). */
export const numInput = (col: string, d: SqlDialect = duckdb) => `nullif(${d.cast(d.id(col), 'DOUBLE')}, ${d.dbl(NaN)})`;
/** SQL of a raw column read as a category (missing = NULL, '' = missing). */
export const strInput = (col: string, d: SqlDialect = duckdb) => `nullif(${d.cast(d.id(col), 'VARCHAR')}, '')`;

export function stepSql(s: NumericStep, x: string, d: SqlDialect = duckdb): string {
  switch (s.op) {
    case 'impute':
      return `coalesce(${x}, ${d.dbl(s.value)})`;
    case 'affine':
      return `((${x} - ${d.dbl(s.sub)}) / ${d.dbl(s.div)})`;
    case 'log1p':
      return log1pSql(x, d);
    case 'clip': {
      const parts: string[] = [];
      if (s.min !== undefined) parts.push(`WHEN ${x} < ${d.dbl(s.min)} THEN ${d.dbl(s.min)}`);
      if (s.max !== undefined) parts.push(`WHEN ${x} > ${d.dbl(s.max)} THEN ${d.dbl(s.max)}`);
      return parts.length ? `(CASE ${parts.join(' ')} ELSE ${x} END)` : x;
    }
    case 'bucketize': {
      const parts = [`WHEN ${x} IS NULL THEN NULL`];
      for (let i = s.splits.length - 1; i >= 0; i--) parts.push(`WHEN ${x} >= ${d.dbl(s.splits[i])} THEN ${d.int(i + 1)}`);
      return `(CASE ${parts.join(' ')} ELSE ${d.int(0)} END)`;
    }
  }
}

export function stepsSql(steps: NumericStep[], x: string, d: SqlDialect = duckdb): string {
  let cur = x;
  for (const s of steps) cur = stepSql(s, cur, d);
  return cur;
}

export interface CompiledSql {
  /** name → SQL of each derived column, over the raw relation (with earlier derived inlined) */
  derived: { name: string; sql: string }[];
  /** output name → SQL over the relation that has raw inputs and derived columns */
  outputs: { name: string; sql: string }[];
  /** conditions a row must satisfy to be kept (string-index handle_invalid: skip) */
  keep: string[];
}

export interface CompileOptions {
  /** type of one-hot indicator outputs: 'double' (1.0/0.0, the default) or 'boolean' (true/false) */
  indicators?: 'double' | 'boolean';
  /** SQL dialect of the text (default duckdb) */
  dialect?: DialectName;
}

export function compilePipelineSql(p: FittedPipeline, opts: CompileOptions = {}): CompiledSql {
  const d = dialectOf(opts.dialect);
  const derivedSql = new Map<string, string>();
  const derived: { name: string; sql: string }[] = [];
  for (const x of p.derived) {
    const sql = `nullif(${exprToSql(x.expr, (n) => derivedSql.get(n) ?? numInput(n, d), d)}, ${d.dbl(NaN)})`;
    derivedSql.set(x.name, sql);
    derived.push({ name: x.name, sql });
  }
  const isDerived = (n: string) => derivedSql.has(n);
  const num = (n: string) => (isDerived(n) ? d.id(n) : numInput(n, d));
  const str = (n: string) => strInput(n, d);
  const outSql = new Map<string, string>();
  const outputs: { name: string; sql: string }[] = [];
  const keep: string[] = [];
  // outSql keeps each output's DOUBLE form, which interactions multiply
  const add = (name: string, sql: string, stored = sql) => {
    outSql.set(name, sql);
    outputs.push({ name, sql: stored });
  };
  for (const f of p.features) compileFeatureSql(f, num, str, add, keep, outSql, opts.indicators === 'boolean', d);
  return { derived, outputs, keep };
}

function compileFeatureSql(
  f: FittedFeature,
  num: (n: string) => string,
  str: (n: string) => string,
  add: (name: string, sql: string, stored?: string) => void,
  keep: string[],
  outSql: Map<string, string>,
  boolIndicators: boolean,
  d: SqlDialect,
): void {
  const inList = (vals: string[]) => `(${vals.map(d.str).join(', ')})`;
  switch (f.kind) {
    case 'numeric':
      add(f.name, d.cast(stepsSql(f.steps, num(f.input), d), 'DOUBLE'));
      return;
    case 'onehot': {
      const v = f.impute !== undefined ? `coalesce(${str(f.input)}, ${d.str(f.impute)})` : str(f.input);
      const known = [...f.categories, ...f.folded];
      const err = d.error(`${d.str(`feature "${f.name}": unknown or missing category (one-hot unknown: error): `)} || coalesce(${v}, 'NULL')`);
      // the indicator as SQL with the given one/zero literals
      const ind = (one: string, zero: string, i: number): string => {
        if (i < f.categories.length) {
          const guard = i === 0 && f.unknown === 'error' ? ` WHEN ${v} IS NULL OR ${v} NOT IN ${inList(known)} THEN ${err}` : '';
          return `(CASE WHEN ${v} = ${d.str(f.categories[i])} THEN ${one}${guard} ELSE ${zero} END)`;
        }
        const unk = f.unknown === 'other' ? one : zero;
        const parts: string[] = [`WHEN ${v} IS NULL THEN ${unk}`];
        if (f.folded.length) parts.push(`WHEN ${v} IN ${inList(f.folded)} THEN ${one}`);
        if (f.categories.length) parts.push(`WHEN ${v} IN ${inList(f.categories)} THEN ${zero}`);
        return `(CASE ${parts.join(' ')} ELSE ${unk} END)`;
      };
      const n = f.categories.length + (f.otherSlot ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const dbl = ind(d.int(1), d.int(0), i);
        add(f.outputs[i], dbl, boolIndicators ? ind('true', 'false', i) : dbl);
      }
      return;
    }
    case 'index': {
      const v = f.impute !== undefined ? `coalesce(${str(f.input)}, ${d.str(f.impute)})` : str(f.input);
      const whens = f.vocabulary.map((c, i) => `WHEN ${d.str(c)} THEN ${d.int(i)}`).join(' ');
      let otherwise: string;
      if (f.unknown === 'keep') otherwise = d.int(f.vocabulary.length);
      else if (f.unknown === 'skip') {
        otherwise = 'NULL';
        keep.push(f.vocabulary.length ? `coalesce(${v} IN ${inList(f.vocabulary)}, false)` : 'false');
      } else otherwise = d.error(`${d.str(`feature "${f.name}": unknown or missing category (string-index handle_invalid: error): `)} || coalesce(${v}, 'NULL')`);
      add(f.name, d.cast(f.vocabulary.length ? `(CASE ${v} ${whens} ELSE ${otherwise} END)` : otherwise, 'DOUBLE'));
      return;
    }
    case 'interaction': {
      const l = outSql.get(f.left);
      const r = outSql.get(f.right);
      if (l === undefined || r === undefined) throw new Error(`interaction "${f.name}" refers to an unknown earlier output`);
      add(f.name, `(${l} * ${r})`);
      return;
    }
  }
}

/**
 * One SELECT producing `passthrough` columns then every output, from the relation `fromSql`
 * (a table name or a parenthesised subquery holding the raw inputs and the passthrough columns).
 */
export function pipelineSelect(p: FittedPipeline, fromSql: string, passthrough: string[], opts: { where?: string; orderBy?: string } & CompileOptions = {}): string {
  const c = compilePipelineSql(p, opts);
  const id = dialectOf(opts.dialect).id;
  const inner = c.derived.length ? `(SELECT *, ${c.derived.map((d) => `${d.sql} AS ${id(d.name)}`).join(', ')} FROM ${fromSql} AS __s) AS __d` : `${fromSql} AS __d`;
  const cols = [...passthrough.map(id), ...c.outputs.map((o) => `${o.sql} AS ${id(o.name)}`)];
  const conds = [...(opts.where ? [opts.where] : []), ...c.keep];
  return `SELECT ${cols.join(',\n  ')}\nFROM ${inner}${conds.length ? `\nWHERE ${conds.join(' AND ')}` : ''}${opts.orderBy ? `\nORDER BY ${opts.orderBy}` : ''}`;
}
