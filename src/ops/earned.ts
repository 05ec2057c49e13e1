/**
 * Earned autonomy, the I/O side: trust from the review queue of a model and `decide policy widen`,
 * which applies the recommendation as a new policy version recorded with its evidence.
 */
import { locked } from '../io/lock.js';
import { readCases } from '../review/queue.js';
import type { Workspace } from '../workspace.js';
import { validateName } from '../util/names.js';
import { currentPolicy, resolvePolicy, writePolicyUnlocked } from '../decide/policy-store.js';
import { computeTrust, type LabelledCase, type TrustReport } from '../decide/trust.js';
import type { DecisionPolicy } from '../decide/policy.js';

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

export interface WidenResult {
  model: string;
  applied: boolean;
  previous: number;
  policy?: DecisionPolicy;
  trust: TrustResult;
}

export async function widenPolicy(ws: Workspace, model: string, o: { target: number; confidence?: number; wait?: number; actor?: string }): Promise<WidenResult> {
  return locked(ws, o.wait, `decide policy widen ${model}`, () => {
    const trust = trustFor(ws, model, o);
    const cur = currentPolicy(ws, model)!;
    if (!trust.recommendation) return { model, applied: false, previous: cur.version, trust };
    const rec = trust.recommendation;
    const { kind: _k, model: _m, version: _v, source: _s, parent: _p, evidence: _e, modelVersion, ...fields } = cur;
    const policy = writePolicyUnlocked(
      ws,
      model,
      { ...fields, review: rec.review, actAbove: rec.actAbove, autonomy: rec.review || fields.autonomy === 'shadow' ? fields.autonomy : 'autonomous' },
      {
        source: 'widen',
        parent: cur.version,
        modelVersion,
        actor: o.actor,
        reason: rec.reason,
        evidence: {
          target: trust.target,
          confidence: trust.confidence,
          cases: trust.cases,
          modelVersions: trust.modelVersions,
          lowEdge: trust.lowEdge,
          highEdge: trust.highEdge,
          bands: trust.bands,
          previousReview: cur.review,
          previousActAbove: cur.actAbove,
        },
      },
    );
    return { model, applied: true, previous: cur.version, policy, trust };
  });
}
