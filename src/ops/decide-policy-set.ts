/**
 * `dictl decide policy set MODEL --owner EMAIL --act-above T …` (or `--file`): validates the spec against
 * the model it is written for (the champion, else the latest) before taking the workspace lock, then
 * writes the next policy version with its audit entry (policy.set / policy.optimize).
 */
import { locked } from '../io/lock.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { checkPolicyTarget, normalizeSpec, type DecisionPolicy, type PolicySpec } from '../decide/policy.js';
import { currentPolicy, modelTargetOf, writePolicyUnlocked } from '../decide/policy-store.js';

/** `decide policy set`: validates everything before taking the lock. */
export async function setPolicy(ws: Workspace, model: string, spec: PolicySpec, o: { wait?: number; source?: 'set' | 'file' | 'optimize'; evidence?: Record<string, unknown>; reason?: string } = {}): Promise<DecisionPolicy> {
  validateName('model', model);
  const fields = normalizeSpec(spec);
  const target = modelTargetOf(ws, model);
  checkPolicyTarget(fields, target);
  const modelVersion = target.version;
  return locked(ws, o.wait, `decide policy set ${model}`, () => {
    const cur = currentPolicy(ws, model);
    return writePolicyUnlocked(ws, model, fields, { source: o.source ?? 'set', parent: cur?.version, evidence: o.evidence, modelVersion, reason: o.reason });
  });
}
