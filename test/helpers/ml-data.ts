/** Test-side reference preprocessing of the shared data sets (see /work/shared/reference/README.md). */
import fs from 'node:fs';
import { SHARED as SHARED_DIR } from './paths.js';

const SHARED = SHARED_DIR;
export const REF = JSON.parse(fs.readFileSync(`${SHARED}/reference/sklearn_logreg.json`, 'utf8')).results as Record<string, any>;

export interface Prepared { Xtr: Float64Array; ytr: Float64Array; Xte: Float64Array; yte: Float64Array; ntr: number; nte: number; p: number; names: string[] }

export function prepare(name: string): Prepared {
  const ref = REF[name];
  const lines = fs.readFileSync(`${SHARED}/datasets/${name}.csv`, 'utf8').trimEnd().split('\n');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const testSet = new Set(fs.readFileSync(`${SHARED}/reference/splits/${name}.test_rows.txt`, 'utf8').trim().split('\n').map(Number));
  const tr = rows.filter((_, i) => !testSet.has(i));
  const te = rows.filter((_, i) => testSet.has(i));
  const col = (c: string) => header.indexOf(c);
  const names: string[] = [];
  const encoders: ((r: string[]) => number[])[] = [];
  for (const c of ref.numeric_columns as string[]) {
    const j = col(c);
    const vals = tr.map((r) => r[j]).filter((v) => v !== '').map(Number).sort((a, b) => a - b);
    const m = vals.length;
    const median = m % 2 ? vals[(m - 1) / 2] : (vals[m / 2 - 1] + vals[m / 2]) / 2;
    const imp = tr.map((r) => (r[j] === '' ? median : Number(r[j])));
    const mean = imp.reduce((a, b) => a + b, 0) / imp.length;
    const sd = Math.sqrt(imp.reduce((a, b) => a + (b - mean) ** 2, 0) / imp.length) || 1;
    names.push(c);
    encoders.push((r) => [((r[j] === '' ? median : Number(r[j])) - mean) / sd]);
  }
  for (const c of ref.categorical_columns as string[]) {
    const j = col(c);
    const counts = new Map<string, number>();
    for (const r of tr) if (r[j] !== '') counts.set(r[j], (counts.get(r[j]) ?? 0) + 1);
    const cats = [...counts.keys()].sort();
    let mode = cats[0];
    for (const k of cats) if (counts.get(k)! > counts.get(mode)!) mode = k;
    for (const k of cats) names.push(`${c}=${k}`);
    encoders.push((r) => {
      const v = r[j] === '' ? mode : r[j];
      return cats.map((k) => (k === v ? 1 : 0));
    });
  }
  const p = names.length;
  const t = col(ref.target);
  const mat = (rs: string[][]) => {
    const X = new Float64Array(rs.length * p);
    const y = new Float64Array(rs.length);
    rs.forEach((r, i) => {
      X.set(encoders.flatMap((e) => e(r)), i * p);
      y[i] = r[t] === ref.positive_label ? 1 : 0;
    });
    return { X, y };
  };
  const a = mat(tr);
  const b = mat(te);
  return { Xtr: a.X, ytr: a.y, Xte: b.X, yte: b.y, ntr: tr.length, nte: te.length, p, names };
}

