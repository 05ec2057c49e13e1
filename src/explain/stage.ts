/**
 * The reasons stage of the score engine (`dictl score --explain K`): every result of a batch also
 * carries its base value and top K reasons, computed from the package's explain.json on the same
 * validated rows. Every explained row is checked against the graph's own output (the margin the
 * reasons add up to must give the score the graph gave), so a package whose explain.json disagrees
 * with model.onnx fails loudly instead of explaining wrongly. The explainer alone (packageExplainer)
 * gives review cases and the shadow log their reasons when --explain is not asked for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DictlError, dataError, usageError } from '../errors.js';
import { sigmoid } from '../stats/sigmoid.js';
import { sha256 } from '../util/hash.js';
import { EXPLAIN_FILE, makeExplainer, type BatchExplanations, type ExplainSpec, type Explainer } from './explainer.js';
import type { BatchInputs } from '../pipeline/batch.js';


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

/** The reasons of one scored batch: top k per row, checked against the graph's own output. */
export interface ExplainStage {
  explainer: Explainer;
  k: number;
  explain(inputs: BatchInputs, scored: { score: ArrayLike<number>; prediction?: ArrayLike<number>; probabilities?: ArrayLike<number> }): BatchExplanations;
}

/** A package folder as the stage reads it: where it is, its files' hashes, the model it holds. */
export interface ExplainedPackage {
  dir: string;
  manifest: { model: { ref: string; task: string }; files: Record<string, { sha256: string }> };
}

/** The package's explainer when it carries one; with `required`, a usage error when it does not. */
export function packageExplainer(pkg: ExplainedPackage, required: boolean): Explainer | null {
  const explainer = loadExplainer(pkg.dir, pkg.manifest.files);
  if (!explainer && required) throw usageError(`the package ${pkg.dir} carries no ${EXPLAIN_FILE}, so it cannot explain its scores`, 'rebuild it with this dictl: dictl package MODEL@VERSION --out DIR');
  return explainer;
}

/** Every result gets its base value and top k reasons (k ≥ 1), from the package's explain.json. */
export function explainStage(pkg: ExplainedPackage, k: number, explainer = packageExplainer(pkg, true)!): ExplainStage {
  const ref = pkg.manifest.model.ref;
  const task = pkg.manifest.model.task;
  const K = explainer.K;
  return {
    explainer,
    k,
    explain(inputs, scored) {
      const b = inputs.cols ? explainer.explainColumns(inputs.cols, inputs.n, k) : explainer.explainRows(inputs.row, inputs.n, k);
      checkAgainstGraph(task, K, b.margins, inputs.n, scored, ref);
      return b;
    },
  };
}
