/**
 * Reads a model's persisted holdout (or its training rows) from the registered dataset and scores it
 * in process with the model's fitted pipeline: the inputs of optimize (holdout) and of the drift
 * profile (training rows). Binary models only.
 */
import { labelOf } from '../ml/families/label.js';
import { dataError, usageError } from '../errors.js';
import type { ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { resolveDataset, datasetDataPath } from '../datasets/store.js';
import { readHoldout } from '../holdouts/store.js';
import { withDuck, sqlString, sqlIdent } from '../io/duck.js';
import { applyPipeline } from '../pipeline/apply.js';
import { predictModel } from '../ml/families/index.js';

export interface SplitRows {
  model: string;
  dataset: string;
  holdout: string;
  split: 'test' | 'train';
  rows: Record<string, unknown>[];
  /** 0-based data-row numbers */
  rowNumbers: number[];
}

function jsValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && !(v instanceof Date) && 'toString' in v) return String(v);
  return v;
}

export async function loadSplitRows(ws: Workspace, model: ModelVersion, split: 'test' | 'train'): Promise<SplitRows> {
  const ds = resolveDataset(ws, model.lineage.dataset);
  if (ds.dataSha256 !== model.lineage.datasetSha256) throw dataError(`dataset ${ds.ref} no longer has the bytes model ${model.name}@${model.version} was trained on`, 'run: dictl doctor');
  if (!model.lineage.holdout) throw dataError(`model ${model.name}@${model.version} has no holdout`);
  const h = readHoldout(ws, model.lineage.holdout);
  const path = datasetDataPath(ws, ds.name, ds.version);
  const cols = [...new Set([...model.pipeline.inputs.map((i) => i.name), labelOf(model).column])];
  return withDuck(async (duck) => {
    await duck.run('CREATE TEMP TABLE t(r BIGINT)');
    // test rows as a table: a VALUES list in chunks
    for (let i = 0; i < h.testRows.length; i += 5000) {
      const chunk = h.testRows.slice(i, i + 5000);
      await duck.run(`INSERT INTO t VALUES ${chunk.map((r) => `(${Number(r)})`).join(',')}`);
    }
    const cond = split === 'test' ? 'IN' : 'NOT IN';
    const raw = await duck.all(
      `SELECT file_row_number AS __row, ${cols.map(sqlIdent).join(', ')} FROM read_parquet(${sqlString(path)}, file_row_number = true) WHERE file_row_number ${cond} (SELECT r FROM t) ORDER BY file_row_number`,
    );
    const rows = raw.map((r) => {
      const o: Record<string, unknown> = {};
      for (const c of cols) o[c] = jsValue(r[c]);
      return o;
    });
    return { model: `${model.name}@${model.version}`, dataset: ds.ref, holdout: h.hash, split, rows, rowNumbers: raw.map((r) => Number(r.__row)) };
  });
}

export interface ScoredSplit extends SplitRows {
  scores: Float64Array;
  labels: Uint8Array;
}

/** Scores rows with the model in process; label 1 when the label column equals the positive class. */
export async function scoreSplit(model: ModelVersion, s: SplitRows): Promise<ScoredSplit> {
  if (model.task !== 'binary') throw usageError(`decisions need a binary model; ${model.name}@${model.version} is ${model.task}`);
  const { X, n, p } = applyPipeline(model.pipeline, s.rows);
  const scores = predictModel(model, X, n, p);
  const label = labelOf(model);
  const labels = Uint8Array.from(s.rows, (r) => (String(r[label.column]) === String(label.positive) ? 1 : 0));
  return { ...s, scores, labels };
}
