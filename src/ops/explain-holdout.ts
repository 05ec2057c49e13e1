/** The global explanation of a registered model on its holdout rows (for `evaluate --report`). */
import type { ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { explainSpecFor } from './explain-background.js';
import { makeExplainer } from '../explain/explainer.js';
import { globalExplanation, type GlobalExplanation } from '../explain/global.js';

/** null when the model cannot be explained (its feature build is gone) */
export async function explainHoldout(ws: Workspace, model: ModelVersion, X: Float64Array, n: number, rawValues: (column: string) => Promise<(string | number | boolean | null)[]>): Promise<GlobalExplanation | null> {
  const s = await explainSpecFor(ws, model);
  if (!s.spec) return null;
  const inputs = new Set(model.pipeline.inputs.map((i) => i.name));
  return globalExplanation(makeExplainer(s.spec), X, n, async (column) => {
    if (!inputs.has(column)) return null;
    try {
      return await rawValues(column);
    } catch {
      return null; // not a dataset column (an entity aggregate): no dependence plot
    }
  });
}
