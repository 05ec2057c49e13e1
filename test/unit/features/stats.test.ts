/**
 * Fitting numeric transforms on large training sets: exact quantiles from sampled windows, and the
 * moments of imputed values without a second scan (src/features/stats.ts, fit.ts). The windowed fit
 * must give the same state as DuckDB's exact aggregates: quantiles bit for bit, moments to 1e-12.
 */
import { describe, expect, it } from 'vitest';
import { imputedMoments, quantileFromWindow, windowLevels } from '../../../src/features/stats.js';
import { fitPipeline, checkAgainstSchema } from '../../../src/features/fit.js';
import { parseFeatureSet } from '../../../src/features/spec.js';
import { withDuck, type Duck } from '../../../src/io/duck.js';
import type { NumericStep } from '../../../src/types.js';
import { makeRng } from '../../../src/ml/splits.js';

/** Deterministic pseudo-random numbers in [0, 1). */
const rng = (seed: number) => {
  const r = makeRng(seed);
  return () => r.next();
};

/** Linear-interpolation quantile of a sorted array (NumPy's default, DuckDB's quantile_cont). */
function exactQuantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const k = Math.floor(pos);
  const frac = pos - k;
  return frac === 0 || k + 1 >= sorted.length ? sorted[k] : sorted[k] + (sorted[k + 1] - sorted[k]) * frac;
}

describe('quantileFromWindow', () => {
  it('equals the exact quantile whenever the window holds the order statistics, and says undefined otherwise', () => {
    const r = rng(11);
    let exact = 0;
    let missed = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(r() * 300);
      // many ties on some trials
      const vals = Array.from({ length: n }, () => (trial % 3 === 0 ? Math.floor(r() * 7) : r() * 100 - 50));
      const sorted = [...vals].sort((a, b) => a - b);
      const q = [0.5, 0.25, 0.75, 0.1, 0.9, r()][trial % 6];
      const lo = sorted[Math.floor(r() * n)];
      const hi = Math.max(lo, sorted[Math.floor(r() * n)]);
      const below = vals.filter((v) => v < lo).length;
      const win = vals.filter((v) => v >= lo && v <= hi).sort((a, b) => a - b);
      const got = quantileFromWindow(n, below, win, q);
      const pos = (n - 1) * q;
      const k = Math.floor(pos);
      const needed = pos === k || k + 1 >= n ? [k] : [k, k + 1];
      const inside = needed.every((i) => i >= below && i < below + win.length);
      if (inside) {
        expect(got).toBe(exactQuantile(sorted, q));
        exact++;
      } else {
        expect(got).toBeUndefined();
        missed++;
      }
    }
    expect(exact).toBeGreaterThan(50);
    expect(missed).toBeGreaterThan(50);
  });

  it('handles one value, no values and a window of everything', () => {
    expect(quantileFromWindow(1, 0, [3], 0.5)).toBe(3);
    expect(quantileFromWindow(0, 0, [], 0.5)).toBeUndefined();
    expect(quantileFromWindow(4, 0, [1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileFromWindow(4, 1, [2, 3], 0.5)).toBe(2.5);
    expect(quantileFromWindow(4, 2, [3, 4], 0.5)).toBeUndefined();
  });
});

describe('windowLevels', () => {
  it('brackets q, narrows as the sample grows, and stays inside [0, 1]', () => {
    for (const q of [0.01, 0.25, 0.5, 0.75, 0.99]) {
      const [a, b] = windowLevels(q, 50_000);
      expect(a).toBeLessThan(q);
      expect(b).toBeGreaterThan(q);
      const [c, d] = windowLevels(q, 500);
      expect(d - c).toBeGreaterThan(b - a);
    }
    expect(windowLevels(0.5, 50_000)[1] - windowLevels(0.5, 50_000)[0]).toBeLessThan(0.04);
    expect(windowLevels(0.001, 100)).toEqual([0, expect.any(Number)]);
    expect(windowLevels(0.999, 100)[1]).toBe(1);
  });
});

describe('imputedMoments', () => {
  it('equals the two-pass mean and population std of the imputed values', () => {
    const r = rng(5);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + Math.floor(r() * 2000);
      const scale = 10 ** Math.floor(r() * 8 - 2);
      const xs = Array.from({ length: n }, () => (r() < 0.2 ? null : (r() - 0.3) * scale + scale * 3));
      const present = xs.filter((x): x is number => x !== null);
      if (present.length === 0) continue;
      const mean = present.reduce((a, b) => a + b, 0) / present.length;
      const varPop = present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length;
      const fill = present[0];
      const filled = xs.map((x) => x ?? fill);
      const m2 = filled.reduce((a, b) => a + b, 0) / n;
      const s2 = Math.sqrt(filled.reduce((a, b) => a + (b - m2) ** 2, 0) / n);
      const got = imputedMoments(n, present.length, mean, varPop, fill);
      expect(Math.abs(got.mean - m2)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(m2)));
      expect(Math.abs(got.std - s2)).toBeLessThanOrEqual(1e-9 * Math.max(1e-300, s2));
    }
  });

  it('with nothing missing returns the present moments unchanged', () => {
    expect(imputedMoments(10, 10, 1.5, 4, 99)).toEqual({ mean: 1.5, std: 2 });
  });
});

// ── the windowed fit against DuckDB's exact aggregates on generated data

const YAML = `source: gen@1
label: {column: y, positive: "1"}
features:
  - name: a
    column: a
    transforms: [{impute: median}, standardize]
  - name: b
    column: b
    transforms: [{impute: mean}, standardize]
  - name: c
    column: c
    transforms: [{impute: median}, robust]
  - name: d
    column: d
    transforms: [{impute: median}, {bucketize: {quantiles: 5}}]
  - name: e
    column: e
    transforms: [log1p, {impute: median}, {standardize: {with_mean: false}}]
`;

async function genTable(d: Duck, n: number) {
  // a: skewed with missing; b: ties; c: sorted; d: heavy ties; e: positive with missing
  await d.run(`CREATE OR REPLACE TABLE gen AS SELECT
      CASE WHEN i % 7 = 0 THEN NULL ELSE exp((hash(i) % 10007)::DOUBLE / 2000) END AS a,
      CASE WHEN i % 11 = 0 THEN NULL ELSE (hash(i * 3) % 13)::DOUBLE END AS b,
      i::DOUBLE * 0.5 AS c,
      (hash(i * 5) % 4)::DOUBLE AS d,
      CASE WHEN i % 5 = 0 THEN NULL ELSE (hash(i * 7) % 100003)::DOUBLE / 7 END AS e,
      (i % 3 = 0)::INTEGER::VARCHAR AS y
    FROM range(${n}) r(i) ORDER BY i`);
}

async function fitWith(d: Duck, n: number, opts: { windowQuantilesFrom?: number; windowSampleRows?: number; windowSigmas?: number }, log: string[] = []) {
  const spec = parseFeatureSet(YAML, 'features/gen.yaml', 'gen');
  const cols = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'number' as const, duckType: 'DOUBLE', nullable: true }));
  const plan = checkAgainstSchema(spec, [...cols, { name: 'y', type: 'string', duckType: 'VARCHAR', nullable: false }]);
  return fitPipeline(d, spec, plan, 'gen', (m) => log.push(m), n, opts);
}

const steps = (p: Awaited<ReturnType<typeof fitWith>>, name: string) => (p.features.find((f) => f.name === name) as { steps: NumericStep[] }).steps;

describe('windowed fit = exact fit', () => {
  it('gives the same quantiles bit for bit and the same moments to 1e-12, in one round per chain step', async () => {
    await withDuck(async (d) => {
      const n = 300_000;
      await genTable(d, n);
      const log: string[] = [];
      const win = await fitWith(d, n, { windowQuantilesFrom: 0 }, log);
      const exact = await fitWith(d, n, { windowQuantilesFrom: Infinity });
      // quantile-based steps: identical
      for (const name of ['a', 'c', 'd', 'e']) expect(steps(win, name).find((s) => s.op === 'impute'), name).toEqual(steps(exact, name).find((s) => s.op === 'impute'));
      expect(steps(win, 'c')[1]).toEqual(steps(exact, 'c')[1]);
      expect(steps(win, 'd')[1]).toEqual(steps(exact, 'd')[1]);
      // the impute → standardize moments against a direct two-pass computation in DuckDB
      for (const name of ['a', 'b']) {
        const imp = (steps(win, name)[0] as { value: number }).value;
        const ref = (await d.all<{ m: number; s: number }>(`SELECT avg(coalesce(${name}, ${imp}::DOUBLE)) AS m, stddev_pop(coalesce(${name}, ${imp}::DOUBLE)) AS s FROM gen`))[0];
        const aff = steps(win, name)[1] as { sub: number; div: number };
        expect(Math.abs(aff.sub - ref.m) / Math.abs(ref.m)).toBeLessThan(1e-12);
        expect(Math.abs(aff.div - ref.s) / ref.s).toBeLessThan(1e-12);
      }
      // e: log1p first, then median of the logged values, then scale only
      const e = steps(win, 'e');
      expect(e.map((s) => s.op)).toEqual(['log1p', 'impute', 'affine']);
      expect((e[2] as { sub: number }).sub).toBe(0);
      // median and mean imputes followed by standardize took one round; robust/bucketize a second
      expect(log.filter((m) => /round/.test(m))).toEqual(['fitting 5 numeric transforms (round 1)', 'fitting 2 numeric transforms (round 2)']);
    });
  });

  it('falls back to the exact aggregate when a window misses (forced: zero-width windows)', async () => {
    await withDuck(async (d) => {
      const n = 300_000;
      await genTable(d, n);
      const log: string[] = [];
      const win = await fitWith(d, n, { windowQuantilesFrom: 0, windowSampleRows: 20_000, windowSigmas: 0 }, log);
      const exact = await fitWith(d, n, { windowQuantilesFrom: Infinity });
      expect(log.some((m) => /window.* missed/.test(m)), log.join('\n')).toBe(true);
      for (const name of ['a', 'b', 'c', 'd', 'e']) {
        const w = steps(win, name);
        const x = steps(exact, name);
        expect(w.length).toBe(x.length);
        w.forEach((s, i) => {
          if (s.op === 'affine' && name !== 'c') {
            expect(Math.abs(s.sub - (x[i] as typeof s).sub)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(s.sub)));
            expect(Math.abs(s.div - (x[i] as typeof s).div)).toBeLessThanOrEqual(1e-12 * Math.abs(s.div));
          } else expect(s, `${name} step ${i}`).toEqual(x[i]);
        });
      }
    });
  });
  it('fits byte-identical state run after run on multi-row-group data (sums see the rows in scan order)', async () => {
    await withDuck(async (d) => {
      const n = 600_000; // several row groups, scanned by several threads
      await genTable(d, n);
      const runs = [];
      for (let k = 0; k < 3; k++) runs.push(JSON.stringify(await fitWith(d, n, {})));
      expect(runs[1]).toBe(runs[0]);
      expect(runs[2]).toBe(runs[0]);
      expect((await d.all<{ t: number }>(`SELECT current_setting('threads')::BIGINT AS t`))[0].t).toBeGreaterThan(1); // restored
    });
  });
});
