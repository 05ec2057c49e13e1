/**
 * Compiles a FittedPipeline to DuckDB SQL with exactly the semantics of src/pipeline/apply.ts.
 * Pure: returns SQL text, runs nothing. Raw inputs are read from a relation that has the input
 * columns by name; derived columns are computed in an inner SELECT; outputs are DOUBLE, except that
 * with `indicators: 'boolean'` (how features.parquet stores them) one-hot indicator columns are BOOLEAN:
 * the same 0/1 values, at a fraction of the Parquet writer's cost (CAST(x AS DOUBLE) gives 1.0/0.0 back).
 */
import type { FittedFeature, FittedPipeline, NumericStep } from '../types.js';
import { exprToSql, sqlDouble } from './expr.js';

export const sqlStr = (s: string): string => `'${s.replace(/'/g, "''")}'`;
export const sqlId = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** SQL of a raw column read as a number (missing = NULL, NaN = missing). */
export const numInput = (col: string) => `nullif(CAST(${sqlId(col)} AS DOUBLE), 'NaN'::DOUBLE)`;
/** SQL of a raw column read as a category (missing = NULL, '' = missing). */
export const strInput = (col: string) => `nullif(CAST(${sqlId(col)} AS VARCHAR), '')`;

export function stepSql(s: NumericStep, x: string): string {
  switch (s.op) {
    case 'impute':
      return `coalesce(${x}, ${sqlDouble(s.value)})`;
    case 'affine':
      return `((${x} - ${sqlDouble(s.sub)}) / ${sqlDouble(s.div)})`;
    case 'log1p':
      return `(CASE WHEN ${x} > -1 THEN ln(1.0::DOUBLE + ${x}) END)`;
    case 'clip': {
      const parts: string[] = [];
      if (s.min !== undefined) parts.push(`WHEN ${x} < ${sqlDouble(s.min)} THEN ${sqlDouble(s.min)}`);
      if (s.max !== undefined) parts.push(`WHEN ${x} > ${sqlDouble(s.max)} THEN ${sqlDouble(s.max)}`);
      return parts.length ? `(CASE ${parts.join(' ')} ELSE ${x} END)` : x;
    }
    case 'bucketize': {
      const parts = [`WHEN ${x} IS NULL THEN NULL`];
      for (let i = s.splits.length - 1; i >= 0; i--) parts.push(`WHEN ${x} >= ${sqlDouble(s.splits[i])} THEN ${i + 1}.0::DOUBLE`);
      return `(CASE ${parts.join(' ')} ELSE 0.0::DOUBLE END)`;
    }
  }
}

export function stepsSql(steps: NumericStep[], x: string): string {
  let cur = x;
  for (const s of steps) cur = stepSql(s, cur);
  return cur;
}

const inList = (vals: string[]) => `(${vals.map(sqlStr).join(', ')})`;

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
}

export function compilePipelineSql(p: FittedPipeline, opts: CompileOptions = {}): CompiledSql {
  const derivedSql = new Map<string, string>();
  const derived: { name: string; sql: string }[] = [];
  for (const d of p.derived) {
    const sql = `nullif(${exprToSql(d.expr, (n) => derivedSql.get(n) ?? numInput(n))}, 'NaN'::DOUBLE)`;
    derivedSql.set(d.name, sql);
    derived.push({ name: d.name, sql });
  }
  const isDerived = (n: string) => derivedSql.has(n);
  const num = (n: string) => (isDerived(n) ? sqlId(n) : numInput(n));
  const str = (n: string) => strInput(n);
  const outSql = new Map<string, string>();
  const outputs: { name: string; sql: string }[] = [];
  const keep: string[] = [];
  // outSql keeps each output's DOUBLE form, which interactions multiply
  const add = (name: string, sql: string, stored = sql) => {
    outSql.set(name, sql);
    outputs.push({ name, sql: stored });
  };
  for (const f of p.features) compileFeatureSql(f, num, str, add, keep, outSql, opts.indicators === 'boolean');
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
): void {
  switch (f.kind) {
    case 'numeric':
      add(f.name, `CAST(${stepsSql(f.steps, num(f.input))} AS DOUBLE)`);
      return;
    case 'onehot': {
      const v = f.impute !== undefined ? `coalesce(${str(f.input)}, ${sqlStr(f.impute)})` : str(f.input);
      const known = [...f.categories, ...f.folded];
      const err = `error(${sqlStr(`feature "${f.name}": unknown or missing category (one-hot unknown: error): `)} || coalesce(${v}, 'NULL'))`;
      // the indicator as SQL with the given one/zero literals
      const ind = (one: string, zero: string, i: number): string => {
        if (i < f.categories.length) {
          const guard = i === 0 && f.unknown === 'error' ? ` WHEN ${v} IS NULL OR ${v} NOT IN ${inList(known)} THEN ${err}` : '';
          return `(CASE WHEN ${v} = ${sqlStr(f.categories[i])} THEN ${one}${guard} ELSE ${zero} END)`;
        }
        const unk = f.unknown === 'other' ? one : zero;
        const parts: string[] = [`WHEN ${v} IS NULL THEN ${unk}`];
        if (f.folded.length) parts.push(`WHEN ${v} IN ${inList(f.folded)} THEN ${one}`);
        if (f.categories.length) parts.push(`WHEN ${v} IN ${inList(f.categories)} THEN ${zero}`);
        return `(CASE ${parts.join(' ')} ELSE ${unk} END)`;
      };
      const n = f.categories.length + (f.otherSlot ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const dbl = ind('1.0::DOUBLE', '0.0::DOUBLE', i);
        add(f.outputs[i], dbl, boolIndicators ? ind('true', 'false', i) : dbl);
      }
      return;
    }
    case 'index': {
      const v = f.impute !== undefined ? `coalesce(${str(f.input)}, ${sqlStr(f.impute)})` : str(f.input);
      const whens = f.vocabulary.map((c, i) => `WHEN ${sqlStr(c)} THEN ${i}.0::DOUBLE`).join(' ');
      let otherwise: string;
      if (f.unknown === 'keep') otherwise = `${f.vocabulary.length}.0::DOUBLE`;
      else if (f.unknown === 'skip') {
        otherwise = 'NULL';
        keep.push(f.vocabulary.length ? `coalesce(${v} IN ${inList(f.vocabulary)}, false)` : 'false');
      } else otherwise = `error(${sqlStr(`feature "${f.name}": unknown or missing category (string-index handle_invalid: error): `)} || coalesce(${v}, 'NULL'))`;
      add(f.name, f.vocabulary.length ? `CAST((CASE ${v} ${whens} ELSE ${otherwise} END) AS DOUBLE)` : `CAST(${otherwise} AS DOUBLE)`);
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
  const inner = c.derived.length ? `(SELECT *, ${c.derived.map((d) => `${d.sql} AS ${sqlId(d.name)}`).join(', ')} FROM ${fromSql}) AS __d` : `${fromSql} AS __d`;
  const cols = [...passthrough.map(sqlId), ...c.outputs.map((o) => `${o.sql} AS ${sqlId(o.name)}`)];
  const conds = [...(opts.where ? [opts.where] : []), ...c.keep];
  return `SELECT ${cols.join(',\n  ')}\nFROM ${inner}${conds.length ? `\nWHERE ${conds.join(' AND ')}` : ''}${opts.orderBy ? `\nORDER BY ${opts.orderBy}` : ''}`;
}
