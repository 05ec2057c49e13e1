/**
 * The restricted expression language of feature sets (`expr:` in features/NAME.yaml), shared by the
 * DuckDB compiler, the in-process executor and the ONNX exporter. Only this grammar is accepted:
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := '-' unary | primary
 *   primary := NUMBER | IDENT | "quoted ident" | FN '(' expr (',' expr)* ')' | '(' expr ')'
 *   FN      := nullif | coalesce | abs | ln | log1p | sqrt | exp | greatest | least
 *
 * Semantics (identical on every path): missing is null (NaN results become missing); x / 0 → missing;
 * ln(x ≤ 0), log1p(x ≤ -1), sqrt(x < 0) → missing; arithmetic with a missing operand → missing;
 * greatest/least ignore missing arguments (missing only if all are); coalesce → first non-missing;
 * nullif(a, b) → missing when a = b.
 * Pure: no I/O.
 */
import type { Expr } from '../types.js';
import { duckdb, type SqlDialect } from './dialect.js';

export type FnName = Extract<Expr, { t: 'call' }>['fn'];

const ARITY: Record<FnName, [number, number]> = {
  nullif: [2, 2],
  coalesce: [1, 16],
  abs: [1, 1],
  ln: [1, 1],
  log1p: [1, 1],
  sqrt: [1, 1],
  exp: [1, 1],
  greatest: [1, 16],
  least: [1, 16],
};

export class ExprError extends Error {}

interface Tok {
  k: 'num' | 'id' | 'qid' | 'op' | 'end';
  v: string;
  pos: number;
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ k: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: 'id', v: id[0], pos: i });
      i += id[0].length;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= src.length) throw new ExprError(`unterminated quoted name at position ${i + 1}`);
        if (src[j] === '"') {
          if (src[j + 1] === '"') {
            s += '"';
            j += 2;
            continue;
          }
          break;
        }
        s += src[j++];
      }
      if (!s) throw new ExprError(`empty quoted name at position ${i + 1}`);
      out.push({ k: 'qid', v: s, pos: i });
      i = j + 1;
      continue;
    }
    if ('+-*/(),'.includes(c)) {
      out.push({ k: 'op', v: c, pos: i });
      i++;
      continue;
    }
    if (c === "'") throw new ExprError(`string literals are not allowed (position ${i + 1}); only numbers, column names and ${Object.keys(ARITY).join(', ')}`);
    throw new ExprError(`unexpected character "${c}" at position ${i + 1}`);
  }
  out.push({ k: 'end', v: '', pos: src.length });
  return out;
}

/** Parses an `expr:` string into the Expr AST, or throws ExprError describing what is not allowed. */
export function parseExpr(src: string): Expr {
  if (typeof src !== 'string' || !src.trim()) throw new ExprError('expression is empty');
  if (src.length > 10_000) throw new ExprError('expression is longer than 10000 characters');
  const toks = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = () => toks[p];
  const take = () => toks[p++];
  const expect = (v: string) => {
    const t = take();
    if (t.k !== 'op' || t.v !== v) throw new ExprError(`expected "${v}" at position ${t.pos + 1}${t.k === 'end' ? ' (end of expression)' : `, found "${t.v}"`}`);
  };
  function expr(): Expr {
    if (++depth > 200) throw new ExprError('expression is nested too deeply');
    let l = term();
    while (peek().k === 'op' && (peek().v === '+' || peek().v === '-')) {
      const op = take().v as '+' | '-';
      l = { t: 'bin', op, l, r: term() };
    }
    depth--;
    return l;
  }
  function term(): Expr {
    let l = unary();
    while (peek().k === 'op' && (peek().v === '*' || peek().v === '/')) {
      const op = take().v as '*' | '/';
      l = { t: 'bin', op, l, r: unary() };
    }
    return l;
  }
  function unary(): Expr {
    if (peek().k === 'op' && peek().v === '-') {
      take();
      if (++depth > 200) throw new ExprError('expression is nested too deeply');
      const e = unary();
      depth--;
      return { t: 'neg', e };
    }
    if (peek().k === 'op' && peek().v === '+') {
      take();
      return unary();
    }
    return primary();
  }
  function primary(): Expr {
    const t = take();
    if (t.k === 'num') {
      const v = Number(t.v);
      if (!Number.isFinite(v)) throw new ExprError(`number "${t.v}" is out of range`);
      return { t: 'num', v };
    }
    if (t.k === 'qid') return { t: 'col', name: t.v };
    if (t.k === 'id') {
      if (peek().k === 'op' && peek().v === '(') {
        const fn = t.v.toLowerCase();
        if (!(fn in ARITY)) throw new ExprError(`function "${t.v}" is not allowed; allowed: ${Object.keys(ARITY).join(', ')}`);
        take();
        const args: Expr[] = [expr()];
        while (peek().k === 'op' && peek().v === ',') {
          take();
          args.push(expr());
        }
        expect(')');
        const [lo, hi] = ARITY[fn as FnName];
        if (args.length < lo || args.length > hi)
          throw new ExprError(`${fn} takes ${lo === hi ? lo : `${lo} to ${hi}`} argument${hi === 1 ? '' : 's'}, got ${args.length}`);
        return { t: 'call', fn: fn as FnName, args };
      }
      const kw = t.v.toUpperCase();
      if (['SELECT', 'FROM', 'ATTACH', 'COPY', 'INSTALL', 'LOAD', 'CASE', 'NULL', 'CAST', 'PRAGMA', 'SET', 'WITH', 'UNION', 'READ_CSV', 'READ_PARQUET'].includes(kw))
        throw new ExprError(`"${t.v}" is not allowed in a feature expression (only arithmetic, column names and ${Object.keys(ARITY).join(', ')})`);
      return { t: 'col', name: t.v };
    }
    if (t.k === 'op' && t.v === '(') {
      const e = expr();
      expect(')');
      return e;
    }
    throw new ExprError(t.k === 'end' ? 'expression ends too early' : `unexpected "${t.v}" at position ${t.pos + 1}`);
  }
  const e = expr();
  const t = peek();
  if (t.k !== 'end') throw new ExprError(`unexpected "${t.v}" at position ${t.pos + 1}`);
  return e;
}

/** Column names an expression reads, in first-seen order. */
export function exprColumns(e: Expr, out: string[] = []): string[] {
  switch (e.t) {
    case 'num':
      break;
    case 'col':
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case 'neg':
      exprColumns(e.e, out);
      break;
    case 'bin':
      exprColumns(e.l, out);
      exprColumns(e.r, out);
      break;
    case 'call':
      for (const a of e.args) exprColumns(a, out);
      break;
  }
  return out;
}

/** Evaluates an expression on one row; `get` returns a column's value (null = missing). */
export function evalExpr(e: Expr, get: (name: string) => number | null): number | null {
  const r = ev(e, get);
  return r === null || Number.isNaN(r) ? null : r;
}

function ev(e: Expr, get: (name: string) => number | null): number | null {
  switch (e.t) {
    case 'num':
      return e.v;
    case 'col': {
      const v = get(e.name);
      return v === null || Number.isNaN(v) ? null : v;
    }
    case 'neg': {
      const v = ev(e.e, get);
      return v === null ? null : -v;
    }
    case 'bin': {
      const l = ev(e.l, get);
      const r = ev(e.r, get);
      if (l === null || r === null) return null;
      let v: number;
      switch (e.op) {
        case '+':
          v = l + r;
          break;
        case '-':
          v = l - r;
          break;
        case '*':
          v = l * r;
          break;
        case '/':
          if (r === 0) return null;
          v = l / r;
          break;
      }
      return Number.isNaN(v) ? null : v;
    }
    case 'call': {
      const a = e.args.map((x) => ev(x, get));
      const x = a[0];
      switch (e.fn) {
        case 'nullif':
          if (x === null) return null;
          return a[1] !== null && x === a[1] ? null : x;
        case 'coalesce':
          for (const v of a) if (v !== null) return v;
          return null;
        case 'abs':
          return x === null ? null : Math.abs(x);
        case 'ln':
          return x === null || !(x > 0) ? null : Math.log(x);
        case 'log1p':
          return x === null || !(x > -1) ? null : Math.log(1 + x);
        case 'sqrt':
          return x === null || !(x >= 0) ? null : Math.sqrt(x);
        case 'exp':
          return x === null ? null : Math.exp(x);
        case 'greatest':
        case 'least': {
          let best: number | null = null;
          for (const v of a) if (v !== null && (best === null || (e.fn === 'greatest' ? v > best : v < best))) best = v;
          return best;
        }
      }
    }
  }
}

/** A double literal DuckDB reads back to exactly the same IEEE value (a bare 0.1 would be DECIMAL). */
export const sqlDouble = (v: number): string => duckdb.dbl(v);

/**
 * Compiles an expression to SQL (DuckDB unless another dialect is given) with the same semantics as
 * evalExpr. `col` maps a column name to the SQL of its (already normalised: missing = NULL) value.
 */
export function exprToSql(e: Expr, col: (name: string) => string, d: SqlDialect = duckdb): string {
  const s = (x: Expr) => exprToSql(x, col, d);
  const nan = d.dbl(NaN);
  switch (e.t) {
    case 'num':
      return d.dbl(e.v);
    case 'col':
      return col(e.name);
    case 'neg':
      return `(-${s(e.e)})`;
    case 'bin':
      if (e.op === '/') return `(${s(e.l)} / nullif(${s(e.r)}, ${d.int(0)}))`;
      return `nullif(${s(e.l)} ${e.op} ${s(e.r)}, ${nan})`;
    case 'call': {
      const a = e.args.map(s);
      switch (e.fn) {
        case 'nullif':
          return `nullif(${a[0]}, ${a[1]})`;
        case 'coalesce':
          return `coalesce(${a.join(', ')})`;
        case 'abs':
          return `abs(${a[0]})`;
        case 'ln':
          return `(CASE WHEN ${a[0]} > 0 THEN ln(${a[0]}) END)`;
        case 'log1p':
          return log1pSql(a[0], d);
        case 'sqrt':
          return `(CASE WHEN ${a[0]} >= 0 THEN sqrt(${a[0]}) END)`;
        case 'exp':
          return `exp(${a[0]})`;
        case 'greatest':
          return a.length === 1 ? a[0] : `greatest(${a.join(', ')})`;
        case 'least':
          return a.length === 1 ? a[0] : `least(${a.join(', ')})`;
      }
    }
  }
}

/** log(1 + x), missing for x ≤ -1. */
export const log1pSql = (x: string, d: SqlDialect = duckdb): string => `(CASE WHEN ${x} > -1 THEN ln(${d.int(1)} + ${x}) END)`;

/** Readable form of an expression (for `feature show`). */
export function exprToString(e: Expr): string {
  switch (e.t) {
    case 'num':
      return String(e.v);
    case 'col':
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name) ? e.name : `"${e.name.replace(/"/g, '""')}"`;
    case 'neg':
      return `-(${exprToString(e.e)})`;
    case 'bin':
      return `(${exprToString(e.l)} ${e.op} ${exprToString(e.r)})`;
    case 'call':
      return `${e.fn}(${e.args.map(exprToString).join(', ')})`;
  }
}
