/**
 * `decide trust`: earned autonomy from the review queue of a model (the resolved cases' labels against
 * the policy's bands), the I/O side of decide/trust.ts.
 */
import { readCases } from '../review/queue.js';
import type { Workspace } from '../workspace.js';
import { validateName } from '../util/names.js';
import { resolvePolicy } from '../decide/policy-store.js';
import { computeTrust, type LabelledCase, type TrustReport } from '../decide/trust.js';

export interface TrustResult extends TrustReport {
  model: string;
  policyVersion: number;
  /** model versions whose cases were counted */
  modelVersions: number[];
  cases: number;
}

export function trustFor(ws: Workspace, model: string, o: { target: number; confidence?: number; modelVersion?: number }): TrustResult {
  validateName('model', model);
  const policy = resolvePolicy(ws, model);
  const want = o.modelVersion ?? policy.modelVersion;
  const labelled: LabelledCase[] = [];
  const versions = new Set<number>();
  for (const c of readCases(ws, model)) {
    if (!c.resolution) continue;
    if (want !== undefined && c.modelVersion !== want) continue;
    versions.add(c.modelVersion);
    labelled.push({ score: c.score, band: c.band, call: c.call, label: c.resolution.label, sampled: c.sampled });
  }
  const r = computeTrust(labelled, { review: policy.autonomy === 'autonomous' ? null : policy.review, actAbove: policy.actAbove }, { target: o.target, confidence: o.confidence });
  return { ...r, model, policyVersion: policy.version, modelVersions: [...versions].sort((a, b) => a - b), cases: labelled.length };
}
