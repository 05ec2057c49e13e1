/**
 * The model registry: a plain, grep-able file tree.
 *
 *   registry/models/NAME/claims/N                  version N allocated (O_EXCL create: the allocation itself)
 *   registry/models/NAME/versions/N/model.json     ModelVersion, stableStringify (deterministic bytes)
 *   registry/models/NAME/versions/N/run.json       times, actor, pid, what the trainer reports (not deterministic)
 *   registry/models/NAME/versions/N/evaluation.json  the latest `dictl evaluate --holdout` result (optional)
 *   registry/models/NAME/versions/N/archived.json  present → the version is archived (who, when, why)
 *   registry/models/NAME/aliases/ALIAS             a tiny file holding a version number ("3\n"), replaced atomically
 *
 * A version folder is staged beside its final place and renamed in one step (commitDir), so a version is
 * either entirely there (with model.json) or not there at all. Every write holds the workspace lock.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dataError, notFound, usageError } from '../errors.js';
import { commitDir, createExclusive, dropStaging, stagingDirFor, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { crashPoint } from '../io/faults.js';
import { locked } from '../io/lock.js';
import { familyOf, summarizeFamily, type FamilySummary } from '../ml/families/index.js';
import type { ModelVersion } from '../types.js';
import { stableStringify } from '../util/json.js';
import { formatRef, parseRef, validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { appendAudit, defaultActor } from '../io/audit.js';
import { readJson, listDirs, type Checkup } from '../io/checkup.js';
import type { AuditEntry } from '../io/audit.js';
import type { HoldoutIndex } from '../holdouts/store.js';

/** Alias names with a built-in meaning that cannot be set as aliases. */
export const RESERVED_ALIASES = new Set(['latest']);

export const modelsDir = (ws: Workspace) => join(ws.registryDir, 'models');
export const modelDir = (ws: Workspace, name: string) => join(modelsDir(ws), validateName('model', name));
export const versionsDir = (ws: Workspace, name: string) => join(modelDir(ws, name), 'versions');
export const claimsDir = (ws: Workspace, name: string) => join(modelDir(ws, name), 'claims');
export const aliasesDir = (ws: Workspace, name: string) => join(modelDir(ws, name), 'aliases');
export const versionDir = (ws: Workspace, name: string, version: number) => join(versionsDir(ws, name), String(version));
export const modelJsonPath = (ws: Workspace, name: string, version: number) => join(versionDir(ws, name, version), 'model.json');
export const evaluationPath = (ws: Workspace, name: string, version: number) => join(versionDir(ws, name, version), 'evaluation.json');
export const archivedPath = (ws: Workspace, name: string, version: number) => join(versionDir(ws, name, version), 'archived.json');

export interface RegisterOptions {
  wait?: number;
  actor?: string;
  /** the command line to name in the lock file */
  command?: string;
}

const isVersionName = (s: string) => /^[1-9]\d*$/.test(s);

/** Committed versions of a model (folders holding model.json), ascending. */
export function modelVersions(ws: Workspace, name: string): number[] {
  const dir = versionsDir(ws, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => isVersionName(d) && existsSync(join(dir, d, 'model.json')))
    .map(Number)
    .sort((a, b) => a - b);
}

/** Allocated version numbers (claims), ascending. A claim without a committed version is a crashed registration. */
export function claimedVersions(ws: Workspace, name: string): number[] {
  const dir = claimsDir(ws, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(isVersionName)
    .map(Number)
    .sort((a, b) => a - b);
}

/** All registered model names (with at least one committed version), sorted. */
export function listModelNames(ws: Workspace): string[] {
  const dir = modelsDir(ws);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && modelVersions(ws, d.name).length > 0)
    .map((d) => d.name)
    .sort();
}

export function readModelVersion(ws: Workspace, name: string, version: number): ModelVersion {
  const p = modelJsonPath(ws, name, version);
  if (!existsSync(p)) throw notFound(`model ${formatRef(name, version)} not found`, `see: dictl model list ${name}`);
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ModelVersion;
  } catch (e) {
    throw dataError(`model file ${p} is not valid JSON: ${(e as Error).message}`, 'run: dictl doctor');
  }
}

export function isArchived(ws: Workspace, name: string, version: number): boolean {
  return existsSync(archivedPath(ws, name, version));
}

/** The aliases of a model: alias → version (unreadable alias files are skipped; doctor reports them). */
export function readAliases(ws: Workspace, name: string): Record<string, number> {
  const dir = aliasesDir(ws, name);
  const out: Record<string, number> = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (f.startsWith('.')) continue;
    const text = readFileSync(join(dir, f), 'utf8').trim();
    if (isVersionName(text)) out[f] = Number(text);
  }
  return out;
}

export interface ResolvedModel {
  model: ModelVersion;
  /** the version folder */
  dir: string;
  /** e.g. "churn-model@3" */
  ref: string;
  archived: boolean;
  /** aliases currently pointing at this version */
  aliases: string[];
}

/**
 * Resolves "m@3", "m@latest", "m@champion" or a bare "m" (= latest). latest is the highest version
 * that is not archived; an explicit number or an alias resolves even to an archived version.
 */
export function resolveModel(ws: Workspace, refText: string): ResolvedModel {
  const { name, ref } = parseRef('model', refText);
  const versions = modelVersions(ws, name);
  if (versions.length === 0) throw notFound(`model "${name}" is not registered`, `train one: dictl train --features FEATURES --name ${name}`);
  const aliases = readAliases(ws, name);
  let version: number;
  if (typeof ref === 'number') {
    if (!versions.includes(ref)) throw notFound(`model ${formatRef(name, ref)} not found (versions: ${versions.join(', ')})`, `see: dictl model list ${name}`);
    version = ref;
  } else if (ref === 'latest') {
    const live = versions.filter((v) => !isArchived(ws, name, v));
    if (live.length === 0) throw notFound(`model "${name}" has no version that is not archived`, `name one: ${name}@${versions[versions.length - 1]}`);
    version = live[live.length - 1];
  } else {
    const v = aliases[ref];
    if (v === undefined) {
      const known = Object.keys(aliases);
      throw notFound(
        `model "${name}" has no alias "${ref}"${known.length ? ` (aliases: ${known.join(', ')})` : ''}`,
        ref === 'champion' ? `promote one: dictl model promote ${name}@latest --to champion --gate "auc>=0.8"` : `set it: dictl model alias ${name}@N ${ref}`,
      );
    }
    if (!versions.includes(v)) throw dataError(`alias ${name}@${ref} points at version ${v}, which does not exist`, 'run: dictl doctor');
    version = v;
  }
  return {
    model: readModelVersion(ws, name, version),
    dir: versionDir(ws, name, version),
    ref: formatRef(name, version),
    archived: isArchived(ws, name, version),
    aliases: Object.entries(aliases)
      .filter(([, v]) => v === version)
      .map(([a]) => a),
  };
}

/**
 * Registers a new version: under the workspace lock, allocates the number by creating claims/N with
 * O_EXCL, stages the version folder (model.json deterministic, run.json with times), renames it into
 * place, then appends the `model.register` audit entry.
 */
export async function registerModel(
  ws: Workspace,
  draft: Omit<ModelVersion, 'version'>,
  run: Record<string, unknown>,
  opts: RegisterOptions = {},
): Promise<ModelVersion> {
  const name = validateName('model', draft.name);
  if (draft.kind !== 'model') throw usageError(`not a model record (kind "${String(draft.kind)}")`);
  familyOf(draft).checkModel(draft);
  // a segmentation of an unsupervised feature set fitted on all rows has no holdout
  if ((!draft.lineage?.holdout && draft.task !== 'segmentation') || !draft.lineage?.featureSet) throw dataError('model draft has no lineage (feature set and holdout)');
  const actor = opts.actor ?? defaultActor();
  return locked(ws, opts.wait, opts.command ?? `model register ${name}`, () => {
    const version = allocateVersion(ws, name);
    const model = { ...draft, version } as ModelVersion;
    const finalDir = versionDir(ws, name, version);
    const staging = stagingDirFor(finalDir);
    try {
      writeFileAtomic(join(staging, 'model.json'), stableStringify(model));
      writeJsonAtomic(join(staging, 'run.json'), { ...run, registeredAt: new Date().toISOString(), actor, pid: process.pid, version });
      commitDir(staging, finalDir);
    } catch (e) {
      dropStaging(staging);
      throw e;
    }
    crashPoint('model-commit');
    appendAudit(ws, {
      action: 'model.register',
      subject: formatRef(name, version),
      actor,
      details: { algorithm: model.algorithm, task: model.task, dataset: model.lineage?.dataset, featureSet: model.lineage?.featureSet, holdout: model.lineage?.holdout },
    });
    return model;
  });
}

/** Exclusive create of claims/N: the first N above every claim and committed version that we manage to create. */
function allocateVersion(ws: Workspace, name: string): number {
  const used = Math.max(0, ...claimedVersions(ws, name), ...modelVersions(ws, name));
  for (let n = used + 1; ; n++) {
    if (existsSync(versionDir(ws, name, n))) continue;
    if (createExclusive(join(claimsDir(ws, name), String(n)), JSON.stringify({ pid: process.pid, at: new Date().toISOString() }) + '\n')) return n;
  }
}

// ───────────────────────── aliases and archive ─────────────────────────

/** Validates an alias name (a usage error names what is wrong). */
export function checkAliasName(alias: string): string {
  validateName('alias', alias);
  if (RESERVED_ALIASES.has(alias)) throw usageError(`"${alias}" is a reserved reference and cannot be an alias`);
  if (isVersionName(alias) || /^\d+$/.test(alias)) throw usageError(`alias "${alias}" looks like a version number`);
  return alias;
}

/** Points ALIAS at VERSION (no lock, no audit: callers hold the lock). Returns the previous version. */
export function writeAliasUnlocked(ws: Workspace, name: string, alias: string, version: number): number | null {
  checkAliasName(alias);
  const prev = readAliases(ws, name)[alias] ?? null;
  writeFileAtomic(join(aliasesDir(ws, name), alias), `${version}\n`);
  return prev;
}

/** Removes ALIAS (no lock, no audit: callers hold the lock). Returns the version it pointed at, or undefined when there is no such alias (nothing removed). */
export function removeAliasUnlocked(ws: Workspace, name: string, alias: string): number | undefined {
  const prev = readAliases(ws, name)[alias];
  if (prev !== undefined) rmSync(join(aliasesDir(ws, name), alias), { force: true });
  return prev;
}

/** Marks a version archived: archived.json with who, when and why (no lock, no audit: callers hold the lock). */
export function archiveVersionUnlocked(ws: Workspace, name: string, version: number, o: { actor: string; reason?: string }): void {
  writeJsonAtomic(archivedPath(ws, name, version), { actor: o.actor, at: new Date().toISOString(), reason: o.reason ?? null });
}

/** Un-archives a version (no lock, no audit: callers hold the lock). */
export function restoreVersionUnlocked(ws: Workspace, name: string, version: number): void {
  rmSync(archivedPath(ws, name, version), { force: true });
}

// ───────────────────────── listing ─────────────────────────

export interface ModelVersionSummary {
  name: string;
  version: number;
  ref: string;
  algorithm: string;
  task: string;
  featureSet: string;
  holdout: string;
  archived: boolean;
  aliases: string[];
  registeredAt?: string;
  actor?: string;
  /** headline holdout metrics from evaluation.json, when evaluated */
  metrics?: Record<string, number>;
}

export interface ModelSummary {
  name: string;
  versions: ModelVersionSummary[];
  aliases: Record<string, number>;
  latest: number | null;
}

function readJsonOr<T>(p: string): T | undefined {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function summarizeVersion(ws: Workspace, name: string, version: number, aliases: Record<string, number>): ModelVersionSummary {
  const m = readModelVersion(ws, name, version);
  const run = readJsonOr<{ registeredAt?: string; actor?: string }>(join(versionDir(ws, name, version), 'run.json'));
  const ev = readJsonOr<{ metrics?: Record<string, number> }>(evaluationPath(ws, name, version));
  const s: ModelVersionSummary = {
    name,
    version,
    ref: formatRef(name, version),
    algorithm: m.algorithm,
    task: m.task,
    featureSet: m.lineage?.featureSet ? `${m.lineage.featureSet.name}@${m.lineage.featureSet.version}` : '',
    holdout: m.lineage?.holdout ?? '',
    archived: isArchived(ws, name, version),
    aliases: Object.entries(aliases)
      .filter(([, v]) => v === version)
      .map(([a]) => a),
  };
  if (run?.registeredAt) s.registeredAt = run.registeredAt;
  if (run?.actor) s.actor = run.actor;
  if (ev?.metrics) s.metrics = ev.metrics;
  return s;
}

export function describeModel(ws: Workspace, name: string, opts: { includeArchived?: boolean } = {}): ModelSummary {
  const versions = modelVersions(ws, name);
  if (versions.length === 0) throw notFound(`model "${name}" is not registered`, 'see: dictl model list');
  const aliases = readAliases(ws, name);
  const all = versions.map((v) => summarizeVersion(ws, name, v, aliases));
  const live = all.filter((v) => !v.archived);
  return {
    name,
    versions: opts.includeArchived ? all : live,
    aliases,
    latest: live.length ? live[live.length - 1].version : null,
  };
}

/** Every model (or one), with versions, aliases and headline metrics. Read-only: takes no lock. */
export function listModels(ws: Workspace, opts: { name?: string; includeArchived?: boolean } = {}): ModelSummary[] {
  const names = opts.name ? [validateName('model', opts.name)] : listModelNames(ws);
  return names.map((n) => describeModel(ws, n, opts));
}

export interface ModelDetails {
  summary: ModelVersionSummary;
  model: ModelVersion;
  run: Record<string, unknown> | null;
  evaluation: Record<string, unknown> | null;
  archivedInfo: Record<string, unknown> | null;
  /** the model family's description (trees: rounds kept, importance, loss per round) */
  family: FamilySummary;
  dir: string;
}

/** Everything known about one version (read-only). */
export function showModel(ws: Workspace, refText: string): ModelDetails {
  const r = resolveModel(ws, refText);
  const { name, version } = r.model;
  return {
    summary: summarizeVersion(ws, name, version, readAliases(ws, name)),
    model: r.model,
    run: readJsonOr<Record<string, unknown>>(join(r.dir, 'run.json')) ?? null,
    evaluation: readJsonOr<Record<string, unknown>>(evaluationPath(ws, name, version)) ?? null,
    archivedInfo: readJsonOr<Record<string, unknown>>(archivedPath(ws, name, version)) ?? null,
    family: summarizeFamily(r.model),
    dir: r.dir,
  };
}

/** What the models refer to, as doctor found it in the other stores. */
export interface ModelReferents {
  /** dataset ref → data sha256 */
  datasetSha: Map<string, string>;
  holdouts: HoldoutIndex;
  /** feature build ref → hash */
  builds: Map<string, string>;
}

/**
 * doctor: every model version's model.json names its folder, has its allocation claim, passes its
 * family's check, and refers to data, holdout and feature build that exist as they were; its other
 * files parse; its model.register entry is in the audit log (the repair appends it). Every alias
 * points at an existing version and agrees with the audit trail (the repair records the move).
 */
export function verifyModels(ws: Workspace, c: Checkup, refs: ModelReferents, audit: AuditEntry[]): void {
  const registerSubjects = audit.filter((e) => e.action === 'model.register').map((e) => e.subject);
  const registered = new Set(registerSubjects);
  if (registered.size !== registerSubjects.length) {
    const seen = new Set<string>();
    const dupes = new Set(registerSubjects.filter((s) => (seen.has(s) ? true : (seen.add(s), false))));
    c.add('error', 'audit-duplicate-register', join(ws.registryDir, 'audit.log'), `model.register recorded more than once for ${[...dupes].join(', ')}`);
  }
  const { datasetSha, holdouts, builds } = refs;
  for (const name of listDirs(modelsDir(ws))) {
    const mdir = join(modelsDir(ws), name);
    const versions = modelVersions(ws, name);
    const claims = new Set(claimedVersions(ws, name));
    const vdir = join(mdir, 'versions');
    for (const f of existsSync(vdir) ? readdirSync(vdir) : []) {
      if (f.startsWith('.')) continue;
      if (!/^[1-9]\d*$/.test(f) || !existsSync(join(vdir, f, 'model.json'))) c.add('error', 'model-stray', join(vdir, f), 'not a committed model version (no model.json)');
    }
    for (const v of versions) {
      c.checked.models++;
      const dir = versionDir(ws, name, v);
      const r = readJson<ModelVersion>(join(dir, 'model.json'));
      if (!r.ok) {
        c.add('error', 'model-parse', join(dir, 'model.json'), `model.json does not parse: ${r.error}`);
        continue;
      }
      const m = r.value;
      if (m.kind !== 'model' || m.name !== name || m.version !== v) c.add('error', 'model-identity', join(dir, 'model.json'), `model.json names ${m.name}@${m.version}, folder is ${name}@${v}`);
      if (!claims.has(v)) c.add('error', 'model-unclaimed', dir, `version ${v} exists without its allocation claim`);
      try {
        familyOf(m).checkModel(m);
      } catch (e) {
        c.add('error', 'model-family', join(dir, 'model.json'), (e as Error).message);
      }
      for (const f of ['run.json', 'evaluation.json', 'archived.json']) {
        const p = join(dir, f);
        if (existsSync(p) && !readJson(p).ok) c.add('error', 'model-file-parse', p, `${f} does not parse`);
      }
      const ev = existsSync(join(dir, 'evaluation.json')) ? readJson<{ holdout?: string }>(join(dir, 'evaluation.json')) : undefined;
      if (ev?.ok && ev.value.holdout && m.lineage?.holdout && ev.value.holdout !== m.lineage.holdout)
        c.add('error', 'model-evaluation-holdout', join(dir, 'evaluation.json'), `evaluation is on holdout ${ev.value.holdout.slice(0, 12)}, the model was trained against ${m.lineage.holdout.slice(0, 12)}`);
      const lin = m.lineage;
      if (lin) {
        if (lin.holdout && holdouts.present && !holdouts.hashes.has(lin.holdout))
          c.add('error', 'model-holdout', join(dir, 'model.json'), `model refers to holdout ${lin.holdout.slice(0, 12)}, which does not exist`);
        if (lin.dataset && datasetSha.size > 0) {
          const ds = datasetSha.get(lin.dataset);
          if (ds === undefined) c.add('error', 'model-dataset', join(dir, 'model.json'), `model refers to dataset ${lin.dataset}, which does not exist`);
          else if (lin.datasetSha256 && ds !== lin.datasetSha256) c.add('error', 'model-dataset-hash', join(dir, 'model.json'), `model was trained on other data than ${lin.dataset} holds now`);
        }
        if (lin.featureSet && builds.size > 0) {
          const fh = builds.get(`${lin.featureSet.name}@${lin.featureSet.version}`);
          if (fh === undefined) c.add('error', 'model-features', join(dir, 'model.json'), `model refers to feature build ${lin.featureSet.name}@${lin.featureSet.version}, which does not exist`);
          else if (fh !== lin.featureSet.hash) c.add('error', 'model-features-hash', join(dir, 'model.json'), `feature build ${lin.featureSet.name}@${lin.featureSet.version} hash does not match the model's lineage`);
        }
      }
      if (!registered.has(`${name}@${v}`))
        c.add('leftover', 'audit-missing-register', join(dir, 'model.json'), `${name}@${v} is committed but its model.register audit entry was never written`, () =>
          appendAudit(ws, { action: 'model.register', subject: `${name}@${v}`, actor: c.actor, reason: 'recorded by dictl doctor --repair after a crash', details: { recovered: true } }),
        );
    }
    for (const n of claims)
      if (!versions.includes(n)) c.add('info', 'claim-unused', join(mdir, 'claims', String(n)), `version ${n} was allocated by a registration that never committed; the number stays unused`);

    // aliases: each points at an existing version, and the audit trail agrees with it
    const adir = aliasesDir(ws, name);
    for (const a of existsSync(adir) ? readdirSync(adir).sort() : []) {
      if (a.startsWith('.')) continue;
      c.checked.aliases++;
      const p = join(adir, a);
      const text = readFileSync(p, 'utf8').trim();
      if (!/^[1-9]\d*$/.test(text)) {
        c.add('error', 'alias-parse', p, `alias ${name}@${a} holds "${text.slice(0, 20)}", not a version number`);
        continue;
      }
      const v = Number(text);
      if (!versions.includes(v)) {
        c.add('error', 'alias-dangling', p, `alias ${name}@${a} points at version ${v}, which does not exist`);
        continue;
      }
      const last = lastAliasEvent(audit, name, a);
      if (last !== v)
        c.add('leftover', 'audit-missing-alias', p, `alias ${name}@${a} → ${v} but the audit trail last records ${last === null ? 'no move' : `version ${last}`} (a crash between move and audit entry)`, () =>
          appendAudit(ws, { action: 'model.alias', subject: `${name}@${v}`, actor: c.actor, reason: 'recorded by dictl doctor --repair after a crash', details: { alias: a, previous: last, recovered: true } }),
        );
    }
  }
}

/** Whether "NAME@VERSION" is a committed model version. */
export function modelRefExists(ws: Workspace, ref: string | undefined): boolean {
  const m = /^(.+)@(\d+)$/.exec(ref ?? '');
  return Boolean(m && existsSync(join(modelsDir(ws), m[1], 'versions', m[2], 'model.json')));
}

/** The version the audit trail says ALIAS of MODEL points at now (null: never set, or removed). */
export function lastAliasEvent(audit: AuditEntry[], model: string, alias: string): number | null {
  let cur: number | null = null;
  for (const e of audit) {
    const at = e.subject.lastIndexOf('@');
    if (at < 0 || e.subject.slice(0, at) !== model) continue;
    const d = (e.details ?? {}) as { alias?: string; version?: number };
    if (d.alias !== alias) continue;
    if (e.action === 'model.alias' || e.action === 'model.promote') {
      const v = Number(e.subject.slice(at + 1));
      if (Number.isInteger(v)) cur = v;
    } else if (e.action === 'model.alias.remove') cur = null;
  }
  return cur;
}
