/**
 * Decision policies: the pure part. A policy maps a model score to a band and an action, owned by a
 * named person and versioned in the registry (see store.ts). No I/O here.
 *
 * Bands (scores are P(positive)):
 *   score >= actAbove                          → band "high",   action actions.high
 *   reviewFrom <= score < reviewTo (band on)   → band "review", action actions.review, sent to review
 *   otherwise                                  → band "low",    action actions.low
 * Autonomy levels:
 *   shadow             decisions are computed and logged, no action is emitted (action "none")
 *   human-in-the-loop  the review band is active
 *   autonomous         no review band; only the audit sample (sampleRate) goes to review
 * The audit sample: a share `sampleRate` of automatic (non-review) decisions also goes to review.
 */
import { fmtThreshold } from '../ui/format.js';
import { usageError } from '../errors.js';
import type { Band } from '../types.js';

export type Autonomy = 'shadow' | 'human-in-the-loop' | 'autonomous';
export const AUTONOMY_LEVELS: Autonomy[] = ['shadow', 'human-in-the-loop', 'autonomous'];
export type { Band };

export interface PolicyActions {
  high: string;
  review: string;
  low: string;
}

/** registry/policies/MODEL/N.json — no timestamps (times go to the audit log) */
export interface DecisionPolicy {
  kind: 'decision-policy';
  /** model name the policy is tied to */
  model: string;
  /** policy version, 1.. per model */
  version: number;
  /** model version the policy was written for (informational; the policy follows the model name) */
  modelVersion?: number;
  /** the accountable person */
  owner: string;
  autonomy: Autonomy;
  actAbove: number;
  /** [from, to): the review band; null = no review band */
  review: [number, number] | null;
  actions: PolicyActions;
  /** share of automatic decisions sampled into review for audit, 0..1 */
  sampleRate: number;
  /**
   * segmentation models: the action per segment id (band "high"); segments not listed get actions.low
   * (band "low"). The score bands (actAbove, review) then do not apply.
   */
  segmentActions?: Record<string, string>;
  /** what created this version */
  source: 'set' | 'file' | 'optimize' | 'widen' | 'promotion';
  /** previous version this one was derived from */
  parent?: number;
  /** evidence behind an optimize / widen / promotion version */
  evidence?: Record<string, unknown>;
  note?: string;
}

/** What the user supplies; version/kind/model are added by the store. */
export interface PolicySpec {
  owner: string;
  autonomy?: Autonomy;
  actAbove: number;
  review?: [number, number] | null;
  actions?: Partial<PolicyActions>;
  sampleRate?: number;
  note?: string;
  segmentActions?: Record<string, string>;
}

export const DEFAULT_ACTIONS: PolicyActions = { high: 'act', review: 'review', low: 'allow' };

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ACTION_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function prob(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw usageError(`${name} must be a number between 0 and 1, got ${JSON.stringify(v)}`);
  return v;
}

/** Validates a spec and returns the normalised fields of a policy (throws usage errors). */
export function normalizeSpec(spec: PolicySpec): Omit<DecisionPolicy, 'kind' | 'model' | 'version' | 'source'> {
  if (typeof spec.owner !== 'string' || !EMAIL_RE.test(spec.owner)) throw usageError(`owner must be an email address, got ${JSON.stringify(spec.owner)}`, 'pass --owner name@example.com');
  const autonomy = spec.autonomy ?? 'human-in-the-loop';
  if (!AUTONOMY_LEVELS.includes(autonomy)) throw usageError(`autonomy must be one of ${AUTONOMY_LEVELS.join(', ')}, got "${autonomy}"`);
  const actAbove = prob('act-above', spec.actAbove);
  let review: [number, number] | null = null;
  if (spec.review) {
    if (!Array.isArray(spec.review) || spec.review.length !== 2) throw usageError('review band must be two numbers FROM,TO');
    const [a, b] = [prob('review band start', spec.review[0]), prob('review band end', spec.review[1])];
    if (a > b) throw usageError(`review band start ${a} is above its end ${b}`);
    if (b > actAbove) throw usageError(`review band end ${b} is above act-above ${actAbove}`, 'the review band must lie below the act-above threshold, e.g. --act-above 0.8 --review-between 0.4,0.8');
    review = a === b ? null : [a, b];
  }
  const actions: PolicyActions = { ...DEFAULT_ACTIONS, ...(spec.actions ?? {}) };
  for (const [k, v] of Object.entries(actions)) {
    if (typeof v !== 'string' || !ACTION_RE.test(v)) throw usageError(`action for band ${k} must be a short word (letters, digits, . _ : -), got ${JSON.stringify(v)}`);
  }
  const sampleRate = prob('sample-rate', spec.sampleRate ?? 0);
  const out: Omit<DecisionPolicy, 'kind' | 'model' | 'version' | 'source'> = { owner: spec.owner, autonomy, actAbove, review, actions, sampleRate };
  if (spec.segmentActions !== undefined) {
    const seg: Record<string, string> = {};
    const keys = Object.keys(spec.segmentActions).sort((a, b) => Number(a) - Number(b));
    if (keys.length === 0) throw usageError('segment actions are empty', 'e.g. --segment-action 3=outreach');
    if (review) throw usageError('a policy keyed on segments has no score review band (use --sample-rate for an audit sample)');
    for (const k of keys) {
      const v = spec.segmentActions[k];
      if (!/^(0|[1-9][0-9]*)$/.test(k)) throw usageError(`segment "${k}" must be a segment id (0, 1, 2, …)`);
      if (typeof v !== 'string' || !ACTION_RE.test(v)) throw usageError(`action for segment ${k} must be a short word (letters, digits, . _ : -), got ${JSON.stringify(v)}`);
      seg[k] = v;
    }
    out.segmentActions = seg;
  }
  if (spec.note !== undefined) out.note = spec.note;
  return out;
}

/** The model version a policy is checked against: its reference, task and (segmentation) number of segments. */
export interface PolicyTarget {
  ref: string;
  task: string;
  k?: number;
}

/**
 * A policy must fit its model: segment actions only for a segmentation and only for segments it has
 * (0 … k−1); a segmentation has no score to band, so its policy is keyed on segments.
 */
export function checkPolicyTarget(fields: Pick<DecisionPolicy, 'segmentActions'>, m: PolicyTarget): void {
  const seg = fields.segmentActions;
  if (m.task !== 'segmentation') {
    if (seg) throw usageError(`${m.ref} is a ${m.task} model with no segments: a policy keyed on segments needs a segmentation (train --model kmeans)`, 'use score bands: --act-above 0.8 (or act-above: in the file)');
    return;
  }
  if (!seg) throw usageError(`${m.ref} is a segmentation: its score is a distance, not a probability to band; key the policy on segments`, 'e.g. --segment-action 3=outreach, or in the file: segments: { 3: outreach }');
  const k = m.k ?? 0;
  const unknown = Object.keys(seg).filter((s) => Number(s) >= k);
  if (unknown.length) throw usageError(`segment ${unknown.join(', ')} does not exist: ${m.ref} has ${k} segments (0 … ${k - 1})`);
}

/** Parses "0.4,0.8" into a band. */
export function parseBand(text: string): [number, number] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((p) => p === '' || !Number.isFinite(Number(p)))) throw usageError(`review band "${text}" must be FROM,TO, e.g. 0.4,0.8`);
  return [Number(parts[0]), Number(parts[1])];
}

export interface Decision {
  /** action emitted; "none" in shadow mode */
  action: string;
  band: Band;
  /** the action the policy would take (equals action except in shadow mode) */
  intended: string;
  /** true when the case goes to the review queue */
  review: boolean;
  /** true when it goes to review only as an audit sample of an automatic decision */
  sampled: boolean;
}

/** The band of a score under a policy (autonomous policies have no review band). */
export function bandOf(policy: Pick<DecisionPolicy, 'actAbove' | 'review' | 'autonomy'>, score: number): Band {
  if (score >= policy.actAbove) return 'high';
  if (policy.review && policy.autonomy !== 'autonomous' && score >= policy.review[0] && score < policy.review[1]) return 'review';
  return 'low';
}

/**
 * Applies a policy to one score. `rng` returns uniform numbers in [0,1); it is called exactly once per
 * automatic decision when sampleRate > 0 (never for review-band cases), so a seeded rng reproduces the
 * same audit sample.
 */
export function applyPolicy(policy: Pick<DecisionPolicy, 'actAbove' | 'review' | 'autonomy' | 'actions' | 'sampleRate'>, score: number, rng: () => number): Decision {
  if (!Number.isFinite(score)) throw usageError(`score must be a finite number, got ${score}`);
  const band = bandOf(policy, score);
  const intended = policy.actions[band];
  let review = band === 'review';
  let sampled = false;
  if (!review && policy.sampleRate > 0 && rng() < policy.sampleRate) {
    review = true;
    sampled = true;
  }
  return { action: policy.autonomy === 'shadow' ? 'none' : intended, band, intended, review, sampled };
}

/** A segment policy's decision: the segment's action (band high) or the low action; the audit sample as applyPolicy's. */
export function applySegmentPolicy(policy: Pick<DecisionPolicy, 'segmentActions' | 'autonomy' | 'actions' | 'sampleRate'>, segment: number, rng: () => number): Decision {
  const listed = policy.segmentActions?.[String(segment)];
  const band: Band = listed !== undefined ? 'high' : 'low';
  const intended = listed ?? policy.actions.low;
  const sampled = policy.sampleRate > 0 && rng() < policy.sampleRate;
  return { action: policy.autonomy === 'shadow' ? 'none' : intended, band, intended, review: sampled, sampled };
}

/** The model's own yes/no call for a score: high → yes, low → no, review band → score >= threshold. */
export function modelCall(band: Band, score: number, threshold: number): 'yes' | 'no' {
  if (band === 'high') return 'yes';
  if (band === 'low') return 'no';
  return score >= threshold ? 'yes' : 'no';
}

/** One-line description of a policy's bands. */
export function describePolicy(p: DecisionPolicy): string {
  if (p.segmentActions) return [...Object.entries(p.segmentActions).map(([s, a]) => `segment ${s} → ${a}`), `other segments → ${p.actions.low}`].join('; ');
  const t = fmtThreshold;
  const parts = [`score >= ${t(p.actAbove)} → ${p.actions.high}`];
  if (p.review && p.autonomy !== 'autonomous') parts.push(`${t(p.review[0])} <= score < ${t(p.review[1])} → ${p.actions.review} (human review)`);
  parts.push(`otherwise → ${p.actions.low}`);
  return parts.join('; ');
}
