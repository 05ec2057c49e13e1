/**
 * Adds a `segment` column to a derived table: every row goes through the segmentation model's fitted
 * pipeline and gets its nearest centre, exactly as `dictl score` assigns it. The rows keep their order.
 */
import { usageError } from '../errors.js';
import type { Duck } from '../io/duck.js';
import { sqlIdent } from '../io/duck.js';
import type { ModelVersion } from '../types.js';
import type { Progress } from '../ui/progress.js';
import { applyPipeline } from '../pipeline/apply.js';
import { predictModel } from '../ml/families/index.js';

export const SEGMENT_COLUMN = 'segment';

/** Replaces table `rel` by itself plus an INTEGER `segment` column from `model`. */
export async function addSegmentColumn(duck: Duck, rel: string, model: ModelVersion, progress: Progress): Promise<void> {
  const ref = `${model.name}@${model.version}`;
  if (model.task !== 'segmentation') throw usageError(`--segments needs a segmentation model; ${ref} is ${model.task}`, 'train one: dictl train --features NAME --name segments --model kmeans --k 6');
  const cols = new Set((await duck.all<{ column_name: string }>(`SELECT column_name FROM (DESCRIBE ${sqlIdent(rel)})`)).map((c) => c.column_name));
  if (cols.has(SEGMENT_COLUMN)) throw usageError(`the derived data already has a "${SEGMENT_COLUMN}" column`, 'drop or rename it in --sql (SELECT * EXCLUDE (segment) …)');
  const inputs = model.pipeline.inputs.map((i) => i.name);
  const missing = inputs.filter((c) => !cols.has(c));
  if (missing.length) throw usageError(`the derived data lacks the input column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} of ${ref}`);
  progress.phase(`Assigning the segments of ${ref}`);
  const rows = await duck.all<Record<string, unknown>>(`SELECT ${inputs.map(sqlIdent).join(', ')} FROM ${sqlIdent(rel)} ORDER BY rowid`);
  const { X, n, p } = applyPipeline(model.pipeline, rows);
  const seg = predictModel(model, X, n, p);
  await duck.run(`CREATE TEMP TABLE __segments (rid BIGINT, segment INTEGER)`);
  const app = await duck.conn.createAppender('__segments');
  for (let i = 0; i < n; i++) {
    app.appendBigInt(BigInt(i));
    app.appendInteger(seg[i]);
    app.endRow();
  }
  app.flushSync();
  app.closeSync();
  await duck.run(
    `CREATE TABLE __with_segments AS SELECT d.*, s.segment AS ${sqlIdent(SEGMENT_COLUMN)} FROM (SELECT *, row_number() OVER (ORDER BY rowid) - 1 AS __rid FROM ${sqlIdent(rel)}) d JOIN __segments s ON d.__rid = s.rid ORDER BY d.__rid`,
  );
  await duck.run(`ALTER TABLE __with_segments DROP COLUMN __rid`);
  await duck.run(`DROP TABLE ${sqlIdent(rel)}`);
  await duck.run(`ALTER TABLE __with_segments RENAME TO ${sqlIdent(rel)}`);
}
