/**
 * The pure parts of feature pipelines: the expression parser and evaluator, every fitted step, the TS
 * executor (applyPipeline) with exact values, and agreement of the DuckDB compiler with the executor
 * on edge values (missing, NaN, '', zero divisors, out-of-domain logs, unknown categories).
 */
import { describe, expect, it } from 'vitest';
import { evalExpr, exprColumns, parseExpr, ExprError } from '../../../src/pipeline/expr.js';
import { applyPipeline, applyStep } from '../../../src/pipeline/apply.js';
import { pipelineSelect } from '../../../src/pipeline/sql.js';
import { withDuck } from '../../../src/io/duck.js';
import type { FittedPipeline } from '../../../src/types.js';

const ev = (src: string, vals: Record<string, number | null> = {}) => evalExpr(parseExpr(src), (n) => vals[n] ?? null);

describe('expression parser', () => {
  it('parses precedence, unary minus, functions and quoted names into the Expr AST', () => {
    expect(parseExpr('a + b * 2')).toEqual({ t: 'bin', op: '+', l: { t: 'col', name: 'a' }, r: { t: 'bin', op: '*', l: { t: 'col', name: 'b' }, r: { t: 'num', v: 2 } } });
    expect(parseExpr('-(a - 1.5e2) / "mean radius"')).toEqual({
      t: 'bin',
      op: '/',
      l: { t: 'neg', e: { t: 'bin', op: '-', l: { t: 'col', name: 'a' }, r: { t: 'num', v: 150 } } },
      r: { t: 'col', name: 'mean radius' },
    });
    expect(parseExpr('total_day_charge / nullif(total_day_calls, 0)')).toEqual({
      t: 'bin',
      op: '/',
      l: { t: 'col', name: 'total_day_charge' },
      r: { t: 'call', fn: 'nullif', args: [{ t: 'col', name: 'total_day_calls' }, { t: 'num', v: 0 }] },
    });
    expect(exprColumns(parseExpr('greatest(a, b, a) + LN(c)'))).toEqual(['a', 'b', 'c']);
  });

  it('rejects everything outside the grammar', () => {
    const bad = [
      "read_csv('/etc/passwd')",
      'read_parquet(a)',
      "a || 'x'",
      'a; DROP TABLE x',
      '(SELECT 1)',
      'a +',
      'nullif(a)',
      'abs(a, b)',
      'a b',
      '',
      '1e999',
      '"unterminated',
    ];
    for (const b of bad) expect(() => parseExpr(b), b).toThrow(ExprError);
    expect(() => parseExpr("read_csv('/etc/passwd')")).toThrow(/string literals are not allowed|not allowed/);
    expect(() => parseExpr('system(a)')).toThrow(/function "system" is not allowed/);
  });

  it('evaluates with the shared missing-value semantics', () => {
    expect(ev('a / b', { a: 1, b: 0 })).toBeNull();
    expect(ev('a / b', { a: 3, b: 4 })).toBe(0.75);
    expect(ev('a + b', { a: 1 })).toBeNull();
    expect(ev('ln(a)', { a: 0 })).toBeNull();
    expect(ev('ln(a)', { a: -1 })).toBeNull();
    expect(ev('ln(a)', { a: Math.E })).toBe(1);
    expect(ev('log1p(a)', { a: -1 })).toBeNull();
    expect(ev('log1p(a)', { a: 1 })).toBe(Math.log(2));
    expect(ev('sqrt(a)', { a: -4 })).toBeNull();
    expect(ev('sqrt(a)', { a: 9 })).toBe(3);
    expect(ev('nullif(a, 0)', { a: 0 })).toBeNull();
    expect(ev('nullif(a, 0)', { a: 5 })).toBe(5);
    expect(ev('coalesce(a, b, 7)', { b: 2 })).toBe(2);
    expect(ev('coalesce(a, b, 7)')).toBe(7);
    expect(ev('greatest(a, b, 3)', { a: 1 })).toBe(3);
    expect(ev('least(a, b)', { b: -2 })).toBe(-2);
    expect(ev('least(a, b)')).toBeNull();
    expect(ev('abs(-a) * 2 - -1', { a: 4 })).toBe(9);
    expect(ev('a - a', { a: Infinity })).toBeNull(); // NaN is missing
    expect(ev('a', { a: NaN })).toBeNull();
  });
});

describe('fitted steps', () => {
  it('apply exactly', () => {
    expect(applyStep({ op: 'impute', value: 3 }, null)).toBe(3);
    expect(applyStep({ op: 'impute', value: 3 }, 1)).toBe(1);
    expect(applyStep({ op: 'affine', sub: 10, div: 4 }, 20)).toBe(2.5);
    expect(applyStep({ op: 'affine', sub: 10, div: 4 }, null)).toBeNull();
    expect(applyStep({ op: 'log1p' }, 0)).toBe(0);
    expect(applyStep({ op: 'log1p' }, -1)).toBeNull();
    expect(applyStep({ op: 'clip', min: 0, max: 5 }, -3)).toBe(0);
    expect(applyStep({ op: 'clip', min: 0, max: 5 }, 7)).toBe(5);
    expect(applyStep({ op: 'clip', max: 5 }, -7)).toBe(-7);
    expect(applyStep({ op: 'bucketize', splits: [0, 10, 20] }, -1)).toBe(0);
    expect(applyStep({ op: 'bucketize', splits: [0, 10, 20] }, 0)).toBe(1);
    expect(applyStep({ op: 'bucketize', splits: [0, 10, 20] }, 15)).toBe(2);
    expect(applyStep({ op: 'bucketize', splits: [0, 10, 20] }, 20)).toBe(3);
    expect(applyStep({ op: 'bucketize', splits: [0, 10, 20] }, null)).toBeNull();
  });
});

/** A pipeline exercising every kind of fitted feature. */
const P: FittedPipeline = {
  inputs: [
    { name: 'a', type: 'number', nullable: true },
    { name: 'b', type: 'number', nullable: true },
    { name: 'c', type: 'string', nullable: true },
    { name: 'd', type: 'string', nullable: true },
  ],
  derived: [
    { name: 'ratio', expr: parseExpr('a / nullif(b, 0)') },
    { name: 'lr', expr: parseExpr('ln(abs(ratio) + 1) - sqrt(b) + greatest(a, b) * exp(least(b, 1))') },
  ],
  features: [
    { kind: 'numeric', name: 'a_std', input: 'a', steps: [{ op: 'impute', value: 2 }, { op: 'affine', sub: 1.5, div: 0.3 }] },
    { kind: 'numeric', name: 'b_log', input: 'b', steps: [{ op: 'clip', min: -0.5, max: 100 }, { op: 'log1p' }] },
    { kind: 'numeric', name: 'ratio', input: 'ratio', steps: [{ op: 'bucketize', splits: [-1, 0.5, 2] }] },
    { kind: 'numeric', name: 'lr', input: 'lr', steps: [] },
    { kind: 'onehot', name: 'c', input: 'c', impute: 'x', categories: ['x', 'y'], folded: ['z'], otherSlot: true, unknown: 'zeros', outputs: ['c=x', 'c=y', 'c=__other__'] },
    { kind: 'onehot', name: 'd1', input: 'd', categories: ['p', 'q'], folded: [], otherSlot: true, unknown: 'other', outputs: ['d1=p', 'd1=q', 'd1=__other__'] },
    { kind: 'index', name: 'd2', input: 'd', vocabulary: ['q', 'p'], unknown: 'keep' },
    { kind: 'interaction', name: 'a_x_cy', left: 'a_std', right: 'c=y' },
  ],
  outputNames: ['a_std', 'b_log', 'ratio', 'lr', 'c=x', 'c=y', 'c=__other__', 'd1=p', 'd1=q', 'd1=__other__', 'd2', 'a_x_cy'],
};

describe('applyPipeline', () => {
  it('gives exact values for one row', () => {
    const { X, n, p } = applyPipeline(P, [{ a: 3, b: 4, c: 'y', d: 'q' }]);
    expect([n, p]).toEqual([1, 12]);
    const row = [...X];
    expect(row[0]).toBe((3 - 1.5) / 0.3);
    expect(row[1]).toBe(Math.log(1 + 4));
    expect(row[2]).toBe(2); // 0.75 in [0.5, 2)
    expect(row[3]).toBe(Math.log(Math.abs(0.75) + 1) - 2 + 4 * Math.exp(1));
    expect(row.slice(4, 7)).toEqual([0, 1, 0]);
    expect(row.slice(7, 10)).toEqual([0, 1, 0]);
    expect(row[10]).toBe(0);
    expect(row[11]).toBe(row[0] * 1);
  });

  it('handles missing, folded and unknown values', () => {
    const { X } = applyPipeline(P, [
      { a: null, b: 0, c: '', d: 'r' },
      { a: '', b: -3, c: 'z', d: null },
      { b: '7', c: 'new', d: 'p' },
    ]);
    const r = (i: number) => [...X.slice(i * 12, i * 12 + 12)];
    // row 0: a imputed 2; b=0 → ratio missing; c '' → impute 'x'; d unknown → other slot, index keep=2
    expect(r(0)[0]).toBe((2 - 1.5) / 0.3);
    expect(r(0)[1]).toBe(0);
    expect(r(0)[2]).toBeNaN();
    expect(r(0).slice(4, 7)).toEqual([1, 0, 0]);
    expect(r(0).slice(7, 11)).toEqual([0, 0, 1, 2]);
    // row 1: clip -3 → -0.5, log1p(-0.5); c folded → other; d missing → unknown → other/keep
    expect(r(1)[1]).toBe(Math.log(0.5));
    expect(r(1).slice(4, 7)).toEqual([0, 0, 1]);
    expect(r(1).slice(7, 11)).toEqual([0, 0, 1, 2]);
    // row 2: numeric string parsed; c unseen → zeros (unknown: zeros)
    expect(r(2)[1]).toBe(Math.log(8));
    expect(r(2).slice(4, 7)).toEqual([0, 0, 0]);
    expect(r(2).slice(7, 11)).toEqual([1, 0, 0, 1]);
  });

  it('errors on unknown values when told to', () => {
    const strict: FittedPipeline = {
      ...P,
      features: [{ kind: 'index', name: 'd2', input: 'd', vocabulary: ['q'], unknown: 'error' }],
      outputNames: ['d2'],
    };
    expect(() => applyPipeline(strict, [{ d: 'zz' }])).toThrow(/feature "d2": unknown category "zz"/);
    const oh: FittedPipeline = { ...P, features: [{ kind: 'onehot', name: 'c', input: 'c', categories: ['x'], folded: [], otherSlot: false, unknown: 'error', outputs: ['c=x'] }], outputNames: ['c=x'] };
    expect(() => applyPipeline(oh, [{ c: 'y' }])).toThrow(/unknown category "y"/);
    expect([...applyPipeline(oh, [{ c: 'x' }]).X]).toEqual([1]);
  });
});

describe('DuckDB compiler = TS executor', () => {
  it('agrees on every output for edge-value rows', async () => {
    const rows: Record<string, unknown>[] = [];
    const nums = [null, NaN, 0, -0.5, -1, -3, 0.75, 1, 2, 4, 1e6, 123.456, -1e-9];
    const cats = [null, '', 'x', 'y', 'z', 'p', 'q', 'new', "o'quote"];
    let k = 0;
    for (const a of nums) for (const b of nums) rows.push({ a, b, c: cats[k % cats.length], d: cats[(k++ * 7) % cats.length] });
    const ts = applyPipeline(P, rows);
    const res = await withDuck(async (d) => {
      await d.run('CREATE TABLE t (i INTEGER, a DOUBLE, b DOUBLE, c VARCHAR, d VARCHAR)');
      const app = await d.conn.createAppender('t');
      rows.forEach((r, i) => {
        app.appendInteger(i);
        for (const col of ['a', 'b']) (r[col] === null ? app.appendNull() : app.appendDouble(r[col] as number));
        for (const col of ['c', 'd']) (r[col] === null ? app.appendNull() : app.appendVarchar(r[col] as string));
        app.endRow();
      });
      app.closeSync();
      const dbl = await d.all<Record<string, number | null>>(pipelineSelect(P, 't', ['i'], { orderBy: 'i' }));
      // the storage form (features.parquet): one-hot indicators as BOOLEAN, everything else unchanged
      const stored = await d.all<Record<string, number | boolean | null>>(pipelineSelect(P, 't', ['i'], { orderBy: 'i', indicators: 'boolean' }));
      return { dbl, stored };
    });
    const onehot = new Set(['c=x', 'c=y', 'c=__other__', 'd1=p', 'd1=q', 'd1=__other__']);
    let trues = 0;
    res.stored.forEach((r, i) =>
      P.outputNames.forEach((name) => {
        if (onehot.has(name)) {
          expect(typeof r[name], name).toBe('boolean');
          expect(Number(r[name]), `${name} row ${i}`).toBe(res.dbl[i][name]);
          if (r[name]) trues++;
        } else expect(r[name], `${name} row ${i}`).toBe(res.dbl[i][name]);
      }),
    );
    expect(trues).toBeGreaterThan(rows.length); // two one-hot groups: most rows have a true in each
    const sqlRows = res.dbl;
    expect(sqlRows.length).toBe(rows.length);
    // arithmetic, affine, clip, bucketize, one-hot, index: bit-identical. ln/exp: V8's Math.log/exp and
    // glibc (DuckDB) differ in the last bit for some inputs (measured: ln(3)), so those columns agree to 1e-12.
    const transcendental = new Set(['b_log', 'lr']);
    let compared = 0;
    sqlRows.forEach((r, i) => {
      P.outputNames.forEach((name, j) => {
        const want = ts.X[i * ts.p + j];
        const got = r[name] === null ? NaN : (r[name] as number);
        if (Number.isNaN(want)) expect(got, `${name} row ${i}`).toBeNaN();
        else if (transcendental.has(name)) expect(Math.abs(got - want), `${name} row ${i}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
        else expect(got, `${name} row ${i} ${JSON.stringify(rows[i])}`).toBe(want);
        compared++;
      });
    });
    expect(compared).toBe(rows.length * 12);
  });
});
