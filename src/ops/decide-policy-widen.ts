/**
 * `decide policy widen`: applies the trust recommendation (decide-trust.ts) as a new policy version,
 * recorded with its evidence.
 */
import { locked } from '../io/lock.js';
import type { Workspace } from '../workspace.js';
import { currentPolicy, writePolicyUnlocked } from '../decide/policy-store.js';
import type { DecisionPolicy } from '../decide/policy.js';
import { trustFor, type TrustResult } from './decide-trust.js';

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
