/**
 * `dictl evaluate MODEL@REF --holdout`: scores the persisted holdout rows (the test split of the
 * model's feature build), stores the result as the version's evaluation.json (deterministic bytes: no
 * times; the time is in the audit log) and optionally compares with another model on the same holdout.
 */
import { checkScoresPath, writeScores } from '../eval/scores-file.js';
import { join } from 'node:path';
import { dataError, usageError } from '../errors.js';
import { resolveFeatureBuild, loadMatrix } from '../features/builds.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';
import { withDuck, sqlString, sqlIdent } from '../io/duck.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writableDir, locked } from '../io/lock.js';
import { outputWidth, predictModel, summarizeFamily, type FamilySummary } from '../ml/families/index.js';
import { appendAudit } from '../io/audit.js';
import { GREATER_IS_BETTER } from '../ml/metrics.js';
import { evaluationPath, resolveModel, type ResolvedModel } from '../registry/models.js';
import type { Workspace } from '../workspace.js';
import { compareMetrics, type MetricDiff } from '../eval/curves.js';
import { scoreTables, segmentLabels, subset, type Task as ScoreTask } from '../eval/score.js';
import type { Evaluation, SegmentResult } from '../eval/evaluation.js';
import { writeReport } from '../eval/report.js';
import { explainHoldout } from './explain-holdout.js';
import { explanationSection } from '../explain/report.js';
import type { Progress } from '../ui/progress.js';

export interface EvaluateResult {
  evaluation: Evaluation;
  /** the model family's description (trees: rounds kept, importance, loss per round) */
  family: FamilySummary;
  compare?: { baseline: Evaluation; diffs: MetricDiff[] };
  /** where the evaluation was stored; null when the registry is read-only (nothing was recorded) */
  stored: string | null;
  report?: string;
  scores?: string;
  /** with --report: mean |contribution| per source column on the holdout (margin scale), largest first */
  explanation?: { base: number; columns: { column: string; meanAbs: number; mean: number }[] };
}

export interface EvaluateOptions {
  by?: string;
  compare?: string;
  report?: string;
  /** write the per-row holdout scores to this .csv or .parquet file */
  scores?: string;
  wait?: number;
  actor?: string;
  progress?: Progress;
}

interface Scored {
  resolved: ResolvedModel;
  evaluation: Evaluation;
  rows: number[];
  y: Float64Array;
  pred: Float64Array;
  /** the holdout's model inputs (row-major) */
  X: Float64Array;
}

/** Loads the holdout matrix of a model's feature build and scores it (no writes). */
export async function scoreHoldout(ws: Workspace, refText: string, progress?: Progress): Promise<Scored> {
  const resolved = resolveModel(ws, refText);
  const m = resolved.model;
  if (m.task === 'segmentation') throw usageError(`${resolved.ref} is a segmentation (k-means): it has no label to score on a holdout`, `see its segments: dictl model show ${resolved.ref}`);
  const fsRef = `${m.lineage.featureSet.name}@${m.lineage.featureSet.version}`;
  const holdout = m.lineage.holdout;
  if (!holdout) throw dataError(`${resolved.ref} has no holdout to score`, 'retrain it on a feature build with a holdout');
  const fb = resolveFeatureBuild(ws, fsRef);
  if (fb.build.hash !== m.lineage.featureSet.hash)
    throw dataError(`feature build ${fsRef} has hash ${fb.build.hash.slice(0, 12)}, but ${resolved.ref} was trained on ${m.lineage.featureSet.hash.slice(0, 12)}`, 'run: dictl doctor');
  if (fb.build.holdout !== m.lineage.holdout)
    throw dataError(`feature build ${fsRef} uses holdout ${(fb.build.holdout ?? 'none').slice(0, 12)}, but ${resolved.ref} names ${holdout.slice(0, 12)}`, 'run: dictl doctor');
  progress?.phase(`Scoring the holdout of ${resolved.ref}`);
  const mat = await loadMatrix(fb.parquetPath, 'test');
  if (mat.n === 0) throw dataError(`the holdout of ${fsRef} has no rows`, 'check the holdout: dictl holdout show HASH');
  if (mat.names.length !== m.featureNames.length || mat.names.some((nm, j) => nm !== m.featureNames[j]))
    throw dataError(`feature build ${fsRef} columns differ from the model's features`, 'the model and its feature build disagree: run dictl doctor');
  const pred = predictModel(m, mat.X, mat.n, mat.p);
  const K = outputWidth(m);
  const tables = scoreTables(m.task as ScoreTask, mat.y, pred, { threshold: m.threshold, classes: K });
  const evaluation: Evaluation = {
    kind: 'evaluation',
    model: resolved.ref,
    task: m.task,
    holdout,
    featureBuild: fsRef,
    featureHash: fb.build.hash,
    dataset: m.lineage.dataset,
    threshold: m.threshold,
    label: m.label,
    ...tables,
  };
  return { resolved, evaluation, rows: Array.from(mat.rows as ArrayLike<number>), y: mat.y, pred, X: mat.X };
}

/** Raw values of one dataset column for the given data-row numbers. */
async function columnValues(ws: Workspace, datasetRef: string, column: string, rows: number[]): Promise<(string | number | boolean | null)[]> {
  const ds = resolveDataset(ws, datasetRef);
  const col = ds.columns.find((c) => c.name === column);
  if (!col) throw usageError(`--by ${column}: dataset ${ds.ref} has no column "${column}"`, `columns: ${ds.columns.map((c) => c.name).join(', ')}`);
  const path = datasetDataPath(ws, ds.name, ds.version);
  const numeric = col.type === 'number' || col.type === 'integer';
  const expr = numeric ? `CAST(${sqlIdent(column)} AS DOUBLE)` : col.type === 'boolean' ? sqlIdent(column) : `CAST(${sqlIdent(column)} AS VARCHAR)`;
  const all = await withDuck((d) => d.all<{ v: string | number | boolean | null }>(`SELECT ${expr} AS v FROM read_parquet(${sqlString(path)}, file_row_number = true) ORDER BY file_row_number`));
  return rows.map((r) => {
    if (r < 0 || r >= all.length) throw dataError(`holdout row ${r} is not in ${ds.ref} (${all.length} rows)`, 'run: dictl doctor');
    return all[r].v;
  });
}

/** The greater-is-better direction of every metric, for comparisons. */

export async function evaluateModel(ws: Workspace, refText: string, opts: EvaluateOptions = {}): Promise<EvaluateResult> {
  if (opts.scores) checkScoresPath(opts.scores); // a bad path fails before any work
  const cand = await scoreHoldout(ws, refText, opts.progress);
  const ev = cand.evaluation;

  if (opts.by) {
    opts.progress?.phase(`Segmenting by ${opts.by}`);
    const values = await columnValues(ws, cand.resolved.model.lineage.dataset, opts.by, cand.rows);
    const labels = segmentLabels(values);
    const groups = new Map<string, number[]>();
    labels.forEach((l, i) => {
      const g = groups.get(l);
      if (g) g.push(i);
      else groups.set(l, [i]);
    });
    const K = outputWidth(cand.resolved.model);
    const out: SegmentResult[] = [...groups.keys()].sort().map((value) => {
      const s = subset(cand.y, cand.pred, groups.get(value)!, K);
      const t = scoreTables(ev.task as ScoreTask, s.y, s.pred, { threshold: ev.threshold, classes: K, curves: false });
      const r: SegmentResult = { value, n: t.n, metrics: t.metrics };
      if (t.positives !== undefined) r.positives = t.positives;
      return r;
    });
    ev.segments = { column: opts.by, groups: out };
  }

  let compare: EvaluateResult['compare'];
  if (opts.compare) {
    const base = await scoreHoldout(ws, opts.compare, opts.progress);
    if (base.evaluation.holdout !== ev.holdout)
      throw usageError(
        `${base.resolved.ref} was evaluated on holdout ${base.evaluation.holdout.slice(0, 12)}, ${cand.resolved.ref} on ${ev.holdout.slice(0, 12)}: they cannot be compared`,
        'compare models trained against the same holdout',
      );
    if (base.evaluation.task !== ev.task) throw usageError(`${base.resolved.ref} is a ${base.evaluation.task} model, ${cand.resolved.ref} is ${ev.task}`);
    compare = { baseline: base.evaluation, diffs: compareMetrics(ev.metrics, base.evaluation.metrics, GREATER_IS_BETTER) };
  }

  const stored = evaluationPath(ws, cand.resolved.model.name, cand.resolved.model.version);
  const record = writableDir(ws.registryDir);
  if (record) await locked(ws, opts.wait, `evaluate ${refText}`, () => {
    writeJsonAtomic(stored, ev);
    appendAudit(ws, {
      action: 'model.evaluate',
      subject: cand.resolved.ref,
      actor: opts.actor,
      details: { holdout: ev.holdout, n: ev.n, metrics: ev.metrics, ...(compare ? { compare: compare.baseline.model } : {}), ...(opts.by ? { by: opts.by } : {}) },
    });
  });

  const result: EvaluateResult = { evaluation: ev, family: summarizeFamily(cand.resolved.model), stored: record ? join(stored) : null };
  if (compare) result.compare = compare;
  if (opts.report) {
    opts.progress?.phase(`Explaining the holdout of ${cand.resolved.ref}`);
    const g = await explainHoldout(ws, cand.resolved.model, cand.X, ev.n, (column) => columnValues(ws, cand.resolved.model.lineage.dataset, column, cand.rows));
    if (g) result.explanation = { base: g.base, columns: g.columns };
    result.report = writeReport(opts.report, ev, compare?.baseline, compare?.diffs, cand.resolved.model, g ? explanationSection(g) : undefined);
  }
  if (opts.scores) result.scores = await writeScores(opts.scores, cand.resolved.model, cand);
  return result;
}
