/**
 * `dictl score --explain K`: wraps a loaded scorer so that every result also carries its base value
 * and top K reasons (explanations[j] on columnar results, explanation on scored rows), computed from
 * the package's explain.json on the same validated rows. Every explained row is checked against the
 * graph's own output (the margin the reasons add up to must give the score the graph gave), so a
 * package whose explain.json disagrees with model.onnx fails loudly instead of explaining wrongly.
 * explainOne gives the reasons of one row (for review cases when --explain is not asked for).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DictlError, dataError, usageError } from '../errors.js';
import { sigmoid } from '../stats/sigmoid.js';
import { sha256 } from '../util/hash.js';
import { EXPLAIN_FILE, makeExplainer, type BatchExplanations, type ExplainSpec, type Explainer, type Explanation } from './explainer.js';

interface ScorerShape {
  dir: string;
  manifest: { model: { ref: string; task: string }; files: Record<string, { sha256: string }> };
  scoreRows(rows: Record<string, unknown>[], keys?: (string | undefined)[]): Promise<{ score: number; prediction?: number; probabilities?: number[] }[]>;
  scoreColumns(cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]): Promise<{ n: number; score: Float64Array; prediction?: Float64Array; probabilities?: Float64Array; K: number }>;
}

export interface Explaining {
  explainer: Explainer;
  /** reasons per output row (0 = reasons only for review cases) */
  explainK: number;
  explainOne(row: Record<string, unknown>, k: number): Explanation | null;
}

/** The package's explainer, or null when it has no explain.json (packages made before explanations). */
export function loadExplainer(dir: string, files: Record<string, { sha256: string }>): Explainer | null {
  const p = join(dir, EXPLAIN_FILE);
  if (!existsSync(p)) return null;
  const bytes = readFileSync(p);
  const want = files[EXPLAIN_FILE]?.sha256;
  if (!want || sha256(bytes) !== want) throw dataError(`${p} does not match the package manifest (sha256)`, 'rebuild the package: dictl package MODEL@VERSION --out DIR');
  try {
    return makeExplainer(JSON.parse(bytes.toString('utf8')) as ExplainSpec);
  } catch (e) {
    throw dataError(`${p} is not a valid explainer: ${(e as Error).message}`);
  }
}


/** the graph's output agrees with the margins the reasons add up to (rows the pipeline rejected are skipped) */
function checkAgainstGraph(task: string, K: number, margins: Float64Array, n: number, r: { score: ArrayLike<number>; prediction?: ArrayLike<number>; probabilities?: ArrayLike<number> }, ref: string) {
  for (let i = 0; i < n; i++) {
    const m = margins[i * K];
    if (Number.isNaN(m)) continue;
    let bad = false;
    if (task === 'binary') bad = Math.abs(sigmoid(m) - r.score[i]) > 1e-6;
    else if (task === 'regression') bad = Math.abs(m - r.score[i]) > 1e-6 * (1 + Math.abs(m));
    else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, margins[i * K + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(margins[i * K + k] - mx);
      for (let k = 0; k < K && !bad; k++) bad = Math.abs(Math.exp(margins[i * K + k] - mx) / z - r.probabilities![i * K + k]) > 1e-6;
    }
    if (bad) throw new DictlError('internal', `the package's ${EXPLAIN_FILE} does not reproduce ${ref}'s scores (row ${i} of a batch): its reasons would not explain them`, { hint: 'rebuild the package: dictl package MODEL@VERSION --out DIR' });
  }
}

/**
 * k > 0: every result gets its top k reasons. k = 0 with `forDecisions`: only the reasons review cases
 * and the shadow log keep (explainOne, explainer); k = 0 without it: the scorer as it is.
 */
export function withExplanations<S extends ScorerShape>(scorer: S, k: number, o: { forDecisions?: boolean } = {}): S & Partial<Explaining> {
  if (k <= 0 && !o.forDecisions) return scorer;
  const explainer = loadExplainer(scorer.dir, scorer.manifest.files);
  if (!explainer) {
    if (k > 0) throw usageError(`the package ${scorer.dir} carries no ${EXPLAIN_FILE}, so it cannot explain its scores`, 'rebuild it with this dictl: dictl package MODEL@VERSION --out DIR');
    return scorer;
  }
  const ref = scorer.manifest.model.ref;
  const task = scorer.manifest.model.task;
  const K = explainer.K;
  const wrapped = Object.assign(Object.create(Object.getPrototypeOf(scorer)), scorer) as S & Explaining;
  wrapped.explainer = explainer;
  wrapped.explainK = k;
  wrapped.explainOne = (row, kk) => explainer.explainRows(() => row, 1, kk).at(0);
  if (k <= 0) return wrapped;
  const innerCols = scorer.scoreColumns.bind(scorer);
  const innerRows = scorer.scoreRows.bind(scorer);
  wrapped.scoreColumns = async (cols, n, keys) => {
    const r = await innerCols(cols, n, keys);
    const b = explainer.explainColumns(cols, n, k);
    checkAgainstGraph(task, K, b.margins, n, r, ref);
    (r as { explanations?: BatchExplanations }).explanations = b;
    return r;
  };
  wrapped.scoreRows = async (rows, keys) => {
    const out = await innerRows(rows, keys);
    const b = explainer.explainRows((i) => rows[i], rows.length, k);
    const score = Float64Array.from(out, (s) => s.score);
    const probabilities = task === 'multiclass' ? Float64Array.from(out.flatMap((s) => s.probabilities ?? [])) : undefined;
    checkAgainstGraph(task, K, b.margins, rows.length, { score, probabilities }, ref);
    out.forEach((s, i) => ((s as { explanation?: Explanation | null }).explanation = b.at(i)));
    return out;
  };
  return wrapped;
}
