/**
 * The rule language of `dataset validate --expect`. Pure: parses a rule and turns it into the SQL
 * predicate that is TRUE for a failing row. Columns are compared as text read from the file, cast
 * where a rule needs a number.
 *
 *   COL not null            COL unique
 *   COL between A and B     COL >= A | > A | <= B | < B
 *   COL in (a, b, 'c d')
 * A column name with spaces or symbols is written in double quotes: "mean radius" >= 0.
 */
import { usageError } from '../errors.js';
import { sqlIdent, sqlString } from '../io/duck.js';

export type Rule =
  | { kind: 'not-null'; column: string; text: string }
  | { kind: 'unique'; column: string; text: string }
  | { kind: 'range'; column: string; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; text: string }
  | { kind: 'in'; column: string; values: string[]; text: string };

function readColumn(s: string): { column: string; rest: string } {
  const t = s.trim();
  if (t.startsWith('"') || t.startsWith('`')) {
    const q = t[0];
    const end = t.indexOf(q, 1);
    if (end < 0) throw usageError(`rule "${s}": unclosed ${q} around the column name`);
    return { column: t.slice(1, end), rest: t.slice(end + 1).trim() };
  }
  const m = /^(\S+)\s*(.*)$/s.exec(t);
  if (!m) throw usageError(`rule "${s}" is empty`);
  // "age>=18" with no spaces
  const op = /^([^<>=!]+)((?:<=|>=|<|>).*)$/.exec(m[1]);
  if (op) return { column: op[1], rest: (op[2] + ' ' + m[2]).trim() };
  return { column: m[1], rest: m[2].trim() };
}

function number(s: string, rule: string): number {
  const x = Number(s.trim());
  if (s.trim() === '' || !Number.isFinite(x)) throw usageError(`rule "${rule}": "${s.trim()}" is not a number`);
  return x;
}

function splitValues(list: string, rule: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([^,]+?))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < list.length && (m = re.exec(list))) {
    out.push(m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2] !== undefined ? m[2].replace(/""/g, '"') : m[3]);
  }
  if (out.length === 0) throw usageError(`rule "${rule}": the list of allowed values is empty`);
  return out;
}

export function parseRule(text: string): Rule {
  const { column, rest } = readColumn(text);
  const r = rest.replace(/\s+/g, ' ');
  const lower = r.toLowerCase();
  if (lower === 'not null' || lower === 'is not null') return { kind: 'not-null', column, text };
  if (lower === 'unique') return { kind: 'unique', column, text };
  let m = /^between (\S+) and (\S+)$/i.exec(r);
  if (m) {
    const min = number(m[1], text);
    const max = number(m[2], text);
    if (min > max) throw usageError(`rule "${text}": ${min} is above ${max}`);
    return { kind: 'range', column, min, max, text };
  }
  m = /^(>=|>|<=|<)\s*(.+)$/.exec(r);
  if (m) {
    const v = number(m[2], text);
    if (m[1] === '>=') return { kind: 'range', column, min: v, text };
    if (m[1] === '>') return { kind: 'range', column, min: v, minExclusive: true, text };
    if (m[1] === '<=') return { kind: 'range', column, max: v, text };
    return { kind: 'range', column, max: v, maxExclusive: true, text };
  }
  m = /^in \((.*)\)$/i.exec(r);
  if (m) return { kind: 'in', column, values: splitValues(m[1], text), text };
  throw usageError(`cannot read rule "${text}"`, 'rules: "COL not null", "COL unique", "COL between A and B", "COL >= A", "COL in (a, b)"');
}

/** SQL that is TRUE when a row breaks the rule (columns hold text; `uniq` is the name of a precomputed count column for unique rules). */
export function failSql(rule: Rule, uniq?: string): string {
  const c = sqlIdent(rule.column);
  switch (rule.kind) {
    case 'not-null':
      return `${c} IS NULL`;
    case 'unique':
      return `${c} IS NOT NULL AND ${sqlIdent(uniq ?? '__n')} > 1`;
    case 'in':
      return `${c} IS NOT NULL AND ${c} NOT IN (${rule.values.map(sqlString).join(', ')})`;
    case 'range': {
      const x = `TRY_CAST(${c} AS DOUBLE)`;
      const parts: string[] = [];
      if (rule.min !== undefined) parts.push(`${x} ${rule.minExclusive ? '<=' : '<'} ${rule.min}`);
      if (rule.max !== undefined) parts.push(`${x} ${rule.maxExclusive ? '>=' : '>'} ${rule.max}`);
      return `${c} IS NOT NULL AND (${x} IS NULL OR ${parts.join(' OR ')})`;
    }
  }
}
