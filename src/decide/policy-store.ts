/**
 * Policy versions in the registry: registry/policies/MODEL/N.json (stable JSON, no timestamps), written
 * under the workspace lock with atomic writes; every version is announced in the audit log
 * (policy.set / policy.optimize / policy.widen / policy.promotion) with the actor and time.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { appendAudit, readAudit, type AuditEntry } from '../io/audit.js';
import { parseRef, validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import type { SegmentModelVersion } from '../types.js';
import { normalizeSpec, type DecisionPolicy, type PolicySpec, type PolicyTarget, parseBand } from './policy.js';
import { resolveModel } from '../registry/models.js';
import { parse } from 'yaml';
import { listDirs, readJson, type Checkup } from '../io/checkup.js';
import { modelsDir } from '../registry/models.js';
import type { Progress } from '../ui/progress.js';

export const policiesDir = (ws: Workspace) => join(ws.registryDir, 'policies');
export const modelPoliciesDir = (ws: Workspace, model: string) => join(policiesDir(ws), validateName('model', model));
export const policyPath = (ws: Workspace, model: string, version: number) => join(modelPoliciesDir(ws, model), `${version}.json`);

export function policyVersions(ws: Workspace, model: string): number[] {
  const dir = modelPoliciesDir(ws, model);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => Number(f.slice(0, -5)))
    .sort((a, b) => a - b);
}

export function readPolicy(ws: Workspace, model: string, version: number): DecisionPolicy {
  const p = policyPath(ws, model, version);
  if (!existsSync(p)) throw notFound(`policy ${model}@${version} not found`, `see: dictl decide policy history ${model}`);
  return JSON.parse(readFileSync(p, 'utf8')) as DecisionPolicy;
}

/** The newest policy of a model, or undefined when it has none. */
export function currentPolicy(ws: Workspace, model: string): DecisionPolicy | undefined {
  const v = policyVersions(ws, model);
  return v.length ? readPolicy(ws, model, v[v.length - 1]) : undefined;
}

/** "MODEL" or "MODEL@latest" → newest; "MODEL@3" → policy version 3. */
/**
 * Policy references: MODEL (the current policy), MODEL/policy@N or MODEL/policy@latest. "MODEL@N" names a
 * model version everywhere else; read as a policy version for one more version, with `onOldForm` told.
 */
export function resolvePolicy(ws: Workspace, refText: string, onOldForm?: Progress['warn']): DecisionPolicy {
  const m = /^([^/@]+)\/policy(@.+)?$/.exec(refText);
  if (!m && refText.includes('@')) onOldForm?.(`"${refText}" names a model version elsewhere; a policy version is written ${refText.replace('@', '/policy@')}`);
  const { name, ref } = parseRef('model', m ? `${m[1]}${m[2] ?? ''}` : refText);
  const versions = policyVersions(ws, name);
  if (versions.length === 0)
    throw notFound(`model "${name}" has no decision policy`, `set one: dictl decide policy set ${name} --owner EMAIL --act-above 0.8 --review-between 0.4,0.8`);
  if (ref === 'latest') return readPolicy(ws, name, versions[versions.length - 1]);
  if (typeof ref === 'number') return readPolicy(ws, name, ref);
  throw usageError(`policy reference "${refText}" must be MODEL or MODEL/policy@N`);
}

export interface WriteOptions {
  source: DecisionPolicy['source'];
  parent?: number;
  evidence?: Record<string, unknown>;
  modelVersion?: number;
  actor?: string;
  reason?: string;
}

/** Writes the next version. The caller holds the workspace lock. */
export function writePolicyUnlocked(ws: Workspace, model: string, fields: ReturnType<typeof normalizeSpec>, o: WriteOptions): DecisionPolicy {
  const versions = policyVersions(ws, model);
  const version = (versions[versions.length - 1] ?? 0) + 1;
  const policy: DecisionPolicy = { kind: 'decision-policy', model, version, ...fields, source: o.source };
  if (o.modelVersion !== undefined) policy.modelVersion = o.modelVersion;
  if (o.parent !== undefined) policy.parent = o.parent;
  if (o.evidence !== undefined) policy.evidence = o.evidence;
  writeJsonAtomic(policyPath(ws, model, version), policy);
  appendAudit(ws, {
    action: `policy.${o.source === 'file' ? 'set' : o.source}`,
    subject: `${model}/policy@${version}`,
    actor: o.actor,
    reason: o.reason,
    details: { owner: policy.owner, autonomy: policy.autonomy, actAbove: policy.actAbove, review: policy.review, sampleRate: policy.sampleRate, parent: policy.parent ?? null, modelVersion: policy.modelVersion ?? null },
  });
  return policy;
}

/** The version a policy is written for: the champion, else the latest (unknown names are refused). */
export function modelTargetOf(ws: Workspace, model: string): PolicyTarget & { version: number } {
  // the policy is tied to a registered model: refuse unknown names
  let m = resolveModel(ws, `${model}@latest`).model;
  try {
    m = resolveModel(ws, `${model}@champion`).model;
  } catch {
    // no champion: the latest version
  }
  return { ref: `${model}@${m.version}`, version: m.version, task: m.task, k: m.task === 'segmentation' ? (m as SegmentModelVersion).kmeans.k : undefined };
}

export interface PolicySummary {
  model: string;
  versions: number;
  current: DecisionPolicy;
}

export function listPolicies(ws: Workspace): PolicySummary[] {
  const dir = policiesDir(ws);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort()
    .flatMap((m) => {
      const v = policyVersions(ws, m);
      return v.length ? [{ model: m, versions: v.length, current: readPolicy(ws, m, v[v.length - 1]) }] : [];
    });
}

export interface PolicyHistory {
  model: string;
  versions: (DecisionPolicy & { audit?: Pick<AuditEntry, 'ts' | 'actor' | 'action' | 'reason'> })[];
}

export function policyHistory(ws: Workspace, model: string): PolicyHistory {
  const versions = policyVersions(ws, model);
  if (versions.length === 0) throw notFound(`model "${model}" has no decision policy`, `set one: dictl decide policy set ${model} --owner EMAIL --act-above 0.8`);
  const audit = new Map<string, AuditEntry>();
  for (const e of readAudit(ws)) if (e.action.startsWith('policy.') && e.subject.startsWith(`${model}/policy@`)) audit.set(e.subject, e);
  return {
    model,
    versions: versions.map((v) => {
      const p = readPolicy(ws, model, v);
      const e = audit.get(`${model}/policy@${v}`);
      return e ? { ...p, audit: { ts: e.ts, actor: e.actor, action: e.action, reason: e.reason } } : p;
    }),
  };
}

/**
 * Called by `model promote` (inside its lock) when a new version becomes champion: the model's policy
 * goes back to human-in-the-loop with the review band of the last supervised (set/optimize) version,
 * unless keepAutonomy. Returns the new policy version, or null when the model has no policy.
 */
export function onPromotion(ws: Workspace, modelName: string, version: number, keepAutonomy: boolean): DecisionPolicy | null {
  const cur = currentPolicy(ws, modelName);
  if (!cur) return null;
  const { kind: _k, model: _m, version: _v, source: _s, parent: _p, evidence: _e, modelVersion: _mv, ...fields } = cur;
  if (keepAutonomy) {
    return writePolicyUnlocked(ws, modelName, fields, { source: 'promotion', parent: cur.version, modelVersion: version, evidence: { keepAutonomy: true, promoted: `${modelName}@${version}` }, reason: 'promotion, autonomy kept (--keep-autonomy)' });
  }
  // the newest version written by a person or by optimize: the supervised baseline
  let baseline: DecisionPolicy = cur;
  for (const v of policyVersions(ws, modelName).reverse()) {
    const p = readPolicy(ws, modelName, v);
    if (p.source === 'set' || p.source === 'file' || p.source === 'optimize') {
      baseline = p;
      break;
    }
  }
  const review = baseline.review ?? cur.review;
  return writePolicyUnlocked(
    ws,
    modelName,
    { ...fields, autonomy: 'human-in-the-loop', review, actAbove: review ? Math.max(baseline.actAbove, review[1]) : baseline.actAbove },
    {
      source: 'promotion',
      parent: cur.version,
      modelVersion: version,
      evidence: { keepAutonomy: false, promoted: `${modelName}@${version}`, baselinePolicy: baseline.version },
      reason: 'new champion: policy reset to human-in-the-loop',
    },
  );
}

/** The policy to embed in a scorer package for this model (the current one), or null. */
export function policyForPackage(ws: Workspace, modelName: string): DecisionPolicy | null {
  return currentPolicy(ws, modelName) ?? null;
}

/**
 * Reads a policy spec from a YAML (or JSON) file: owner, actAbove|act-above, review|review-between, actions,
 * sampleRate|sample-rate, autonomy, note; or, for a segmentation, segments (SEGMENT: ACTION) instead of the score bands.
 */
export async function specFromFile(path: string): Promise<PolicySpec> {
  if (!existsSync(path)) throw notFound(`policy file ${path} does not exist`);
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw usageError(`policy file ${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object') throw usageError(`policy file ${path} must hold a mapping (owner:, act-above:, ...)`);
  const known = new Set(['owner', 'actAbove', 'act-above', 'review', 'review-between', 'reviewBetween', 'actions', 'sampleRate', 'sample-rate', 'autonomy', 'note', 'segments', 'segmentActions', 'segment-actions']);
  for (const k of Object.keys(doc)) if (!known.has(k)) throw usageError(`policy file ${path}: unknown key "${k}"`, `keys: ${[...known].join(', ')}`);
  const segs = doc.segments ?? doc.segmentActions ?? doc['segment-actions'];
  let segmentActions: Record<string, string> | undefined;
  if (segs !== undefined) {
    if (!segs || typeof segs !== 'object' || Array.isArray(segs)) throw usageError(`policy file ${path}: segments must be a mapping SEGMENT: ACTION`, 'e.g. segments: { 3: outreach, 5: retain }');
    if (doc.actAbove !== undefined || doc['act-above'] !== undefined || doc.review !== undefined || doc['review-between'] !== undefined || doc.reviewBetween !== undefined) {
      throw usageError(`policy file ${path}: a policy keyed on segments has no score bands (act-above, review); give one or the other`);
    }
    segmentActions = segs as Record<string, string>;
  }
  const band = doc.review ?? doc['review-between'] ?? doc.reviewBetween;
  let review: [number, number] | null = null;
  if (typeof band === 'string') {
    review = parseBand(band);
  } else if (Array.isArray(band)) review = [Number(band[0]), Number(band[1])];
  else if (band !== undefined && band !== null) throw usageError(`policy file ${path}: review band must be [FROM, TO] or "FROM,TO"`);
  return {
    owner: doc.owner as string,
    // a segment policy has no score bands: nothing is "above"
    actAbove: segmentActions ? 1 : Number(doc.actAbove ?? doc['act-above']),
    ...(segmentActions ? { segmentActions } : {}),
    review,
    actions: doc.actions as PolicySpec['actions'],
    sampleRate: doc.sampleRate !== undefined || doc['sample-rate'] !== undefined ? Number(doc.sampleRate ?? doc['sample-rate']) : undefined,
    autonomy: doc.autonomy as PolicySpec['autonomy'],
    note: doc.note as string | undefined,
  };
}

/** doctor: every decision policy parses, and its model is in the registry. */
export function verifyPolicies(ws: Workspace, c: Checkup): void {
  const polDir = policiesDir(ws);
  for (const model of listDirs(polDir)) {
    for (const f of readdirSync(join(polDir, model)).sort()) {
      if (f.startsWith('.') || !f.endsWith('.json')) continue;
      const p = join(polDir, model, f);
      if (!readJson(p).ok) c.add('error', 'policy-parse', p, 'policy does not parse');
    }
    if (!existsSync(join(modelsDir(ws), model))) c.add('error', 'policy-model', join(polDir, model), `decision policies exist for model "${model}", which is not in the registry`);
  }
}
