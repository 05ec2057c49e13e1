/** Shared-set loading for the tree tests: numerics raw (empty = NaN), categoricals as sorted codes, the reference split. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED } from './paths.js';

export interface RefSet {
  name: string;
  Xtr: Float64Array;
  ytr: Float64Array;
  Xte: Float64Array;
  yte: Float64Array;
  ntr: number;
  nte: number;
  p: number;
  categorical: Uint8Array;
  columns: string[];
}

export const REFERENCE = JSON.parse(readFileSync(join(SHARED, 'reference', 'gbdt_reference.json'), 'utf8')) as {
  results: Record<string, { target: string; positive_label: string; sklearn_hgb: { auc: number }; xgboost_hist: { auc: number } }>;
};

export function loadRefSet(name: string): RefSet {
  const r = REFERENCE.results[name];
  const lines = readFileSync(join(SHARED, 'datasets', `${name}.csv`), 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const ti = header.indexOf(r.target);
  const cols = header.map((_, j) => j).filter((j) => j !== ti);
  const categorical = new Uint8Array(cols.length);
  const codes: (Map<string, number> | null)[] = cols.map((j, q) => {
    const numeric = rows.every((row) => row[j] === '' || Number.isFinite(Number(row[j])));
    if (numeric) return null;
    categorical[q] = 1;
    const vals = [...new Set(rows.map((row) => row[j]).filter((v) => v !== ''))].sort();
    return new Map(vals.map((v, i) => [v, i]));
  });
  const test = new Set(readFileSync(join(SHARED, 'reference', 'splits', `${name}.test_rows.txt`), 'utf8').split('\n').filter(Boolean).map(Number));
  const p = cols.length;
  const n = rows.length;
  const nte = test.size;
  const ntr = n - nte;
  const Xtr = new Float64Array(ntr * p);
  const Xte = new Float64Array(nte * p);
  const ytr = new Float64Array(ntr);
  const yte = new Float64Array(nte);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const isTest = test.has(i);
    const X = isTest ? Xte : Xtr;
    const k = isTest ? b : a;
    cols.forEach((j, q) => {
      const v = row[j];
      X[k * p + q] = v === '' ? NaN : codes[q] ? codes[q]!.get(v)! : Number(v);
    });
    (isTest ? yte : ytr)[k] = row[ti] === r.positive_label ? 1 : 0;
    if (isTest) b++;
    else a++;
  }
  return { name, Xtr, ytr, Xte, yte, ntr, nte, p, categorical, columns: cols.map((j) => header[j]) };
}
