/**
 * `evaluate --scores FILE`: the per-row holdout scores — data-row number, the true label, the score and the
 * prediction, with the data's class names — as CSV or Parquet (by extension), written atomically.
 */
import { extname, resolve, dirname, join } from 'node:path';
import { usageError } from '../errors.js';
import { csvField } from '../util/csv.js';
import { classNames } from '../labels.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { ModelVersion } from '../types.js';
import { withDuck, sqlString, sqlIdent } from '../io/duck.js';
import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';

export interface ScoreRows {
  rows: number[];
  y: Float64Array;
  pred: Float64Array;
}

export function checkScoresPath(path: string): 'csv' | 'parquet' {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet') return 'parquet';
  throw usageError(`--scores ${path}: use a .csv or .parquet file`);
}

/** Pure: header and rows of the scores table. Binary: row, label, score (P(positive)), prediction; multiclass adds p_CLASS. */
export function scoresTable(model: Pick<ModelVersion, 'task' | 'label' | 'threshold'>, s: ScoreRows): { head: string[]; rows: (string | number)[][] } {
  const n = s.rows.length;
  if (model.task === 'regression') return { head: ['row', 'label', 'prediction'], rows: s.rows.map((r, i) => [r, s.y[i], s.pred[i]]) };
  const classes = classNames(model);
  if (model.task === 'binary')
    return { head: ['row', 'label', 'score', 'prediction'], rows: s.rows.map((r, i) => [r, classes[s.y[i] > 0.5 ? 1 : 0], s.pred[i], classes[s.pred[i] >= model.threshold! ? 1 : 0]]) };
  const K = classes.length;
  const out: (string | number)[][] = [];
  for (let i = 0; i < n; i++) {
    const p = Array.from(s.pred.subarray(i * K, i * K + K));
    const arg = p.indexOf(Math.max(...p));
    out.push([s.rows[i], classes[s.y[i]], classes[arg], ...p]);
  }
  return { head: ['row', 'label', 'prediction', ...classes.map((c) => `p_${c}`)], rows: out };
}

const csvCell = (v: string | number) => (typeof v === 'number' ? String(v) : csvField(v));

export async function writeScores(path: string, model: Pick<ModelVersion, 'task' | 'label' | 'threshold'>, s: ScoreRows): Promise<string> {
  const kind = checkScoresPath(path);
  const out = resolve(path);
  const t = scoresTable(model, s);
  const csv = [t.head.map(csvCell).join(','), ...t.rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
  if (kind === 'csv') {
    writeFileAtomic(out, csv);
    return out;
  }
  // Parquet: the same table typed by DuckDB, through a temp CSV beside the target, renamed into place
  const tmp = mkdtempSync(join(dirname(out), '.scores-'));
  try {
    writeFileSync(join(tmp, 's.csv'), csv);
    const types = t.head.map((h) => `${sqlString(h)}: ${h === 'row' ? "'BIGINT'" : (h === 'label' || h === 'prediction') && model.task !== 'regression' ? "'VARCHAR'" : "'DOUBLE'"}`).join(', ');
    await withDuck((d) => d.run(`COPY (SELECT ${t.head.map(sqlIdent).join(', ')} FROM read_csv(${sqlString(join(tmp, 's.csv'))}, header = true, columns = {${types}})) TO ${sqlString(join(tmp, 's.parquet'))} (FORMAT parquet)`));
    renameSync(join(tmp, 's.parquet'), out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}
