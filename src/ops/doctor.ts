/**
 * `dictl doctor`: verifies every hash and reference in datasets/ and registry/, and reports what a crash
 * can leave behind. With `repair`, under the workspace lock, it fixes what is safe to fix:
 *   - orphan temp files and staged folders (`.tmp-…`) of processes that are gone
 *   - a stale lock file (dead holder)
 *   - a torn audit line (moved to registry/audit.torn.log)
 *   - a committed model version or alias move whose audit entry was never written (the entry is
 *     appended, marked as recorded by doctor)
 * Everything else (a hash that does not match, a dangling reference, a file that does not parse) is
 * an error: reported, never "repaired" by guessing.
 *
 * Severity: error = the registry is inconsistent; leftover = what a crash leaves (harmless, repairable);
 * info = worth knowing (a version number allocated by a registration that died before committing).
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { TMP_MARKER, writeFileAtomic } from '../io/atomic.js';
import { pidAlive, readLock, isStale, isUnreadableStale, withLock, type LockInfo } from '../io/lock.js';
import { sha256File, hashValue } from '../util/hash.js';
import { familyOf } from '../ml/families/index.js';
import type { DatasetVersion, FeatureBuild, Holdout, ModelVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { appendAudit, auditPath, type AuditEntry } from '../io/audit.js';
import { aliasesDir, claimedVersions, modelVersions, modelsDir, versionDir } from '../registry/models.js';
import { withDuck, sqlString } from '../io/duck.js';
import type { Progress } from '../ui/progress.js';

export type Severity = 'error' | 'leftover' | 'info';

export interface DoctorIssue {
  severity: Severity;
  code: string;
  /** workspace-relative path */
  path: string;
  message: string;
  repaired?: boolean;
}

export interface DoctorReport {
  root: string;
  consistent: boolean;
  checked: { datasets: number; holdouts: number; featureBuilds: number; models: number; aliases: number; auditEntries: number };
  errors: number;
  leftovers: number;
  repaired: number;
  issues: DoctorIssue[];
}

const TMP_PID_RE = /\.(\d+)\.[0-9a-f]{8}$/;

function readJson<T>(p: string): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(p, 'utf8')) as T };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

const listDirs = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort()
    : [];

/** Every path whose name carries the temp marker, not descending into them. */
function findTemps(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.name.startsWith(TMP_MARKER)) out.push(p);
    else if (d.isDirectory()) findTemps(p, out);
  }
  return out;
}

export async function runDoctor(
  ws: Workspace,
  opts: { repair?: boolean; force?: boolean; wait?: number; actor?: string; progress?: Pick<Progress, 'phase' | 'warn'> } = {},
): Promise<DoctorReport> {
  if (opts.repair) {
    let forced: LockInfo | undefined | null = null;
    const report = await withLock(
      ws.registryDir,
      {
        wait: opts.wait,
        command: 'doctor --repair',
        force: opts.force,
        onForced: (h) => {
          forced = h;
          opts.progress?.warn(
            `--force: clearing the workspace lock of ${h ? `pid ${h.pid} on ${h.host} ("${h.command}", since ${h.since})` : 'an unreadable lock file'}; if that process is in fact still running, its writes may now conflict with others`,
          );
        },
      },
      () => check(ws, true, opts.actor, opts.progress),
    );
    if (forced !== null) {
      const h = forced as LockInfo | undefined;
      report.issues.unshift({ severity: 'leftover', code: 'lock-forced', path: 'registry/.lock', message: `lock of ${h ? `pid ${h.pid} on ${h.host} (${h.command})` : 'unknown holder'} cleared by --force`, repaired: true });
      report.leftovers++;
      report.repaired++;
    }
    return report;
  }
  return check(ws, false, opts.actor, opts.progress);
}

async function check(ws: Workspace, repair: boolean, actor: string | undefined, progress?: Pick<Progress, 'phase'>): Promise<DoctorReport> {
  const issues: DoctorIssue[] = [];
  const rel = (p: string) => relative(ws.root, p) || '.';
  const add = (severity: Severity, code: string, path: string, message: string, fix?: () => void) => {
    const issue: DoctorIssue = { severity, code, path: rel(path), message };
    if (repair && fix) {
      fix();
      issue.repaired = true;
    }
    issues.push(issue);
  };
  const checked = { datasets: 0, holdouts: 0, featureBuilds: 0, models: 0, aliases: 0, auditEntries: 0 };
  /** committed versions of the stores checked before the audit log is read: each needs its audit entry */
  const committed: { kind: string; ref: string; path: string; actions: string[]; entry: () => { action: string; subject: string; details: Record<string, unknown> } }[] = [];

  // ── crash leftovers: temp files, staged folders, the lock ──
  progress?.phase('Looking for leftovers');
  for (const p of [...findTemps(ws.datasetsDir), ...findTemps(ws.featuresDir), ...findTemps(ws.registryDir)]) {
    const m = TMP_PID_RE.exec(p);
    const pid = m ? Number(m[1]) : undefined;
    if (pid !== undefined && pid !== process.pid && pidAlive(pid)) {
      issues.push({ severity: 'info', code: 'temp-in-use', path: rel(p), message: `temp ${statSync(p).isDirectory() ? 'folder' : 'file'} of running process ${pid}` });
      continue;
    }
    const isDir = statSync(p).isDirectory();
    add('leftover', isDir ? 'orphan-staging' : 'orphan-temp', p, `orphan ${isDir ? 'staged folder' : 'temp file'} left by a process that is gone`, () => rmSync(p, { recursive: true, force: true }));
  }
  const lockPath = join(ws.registryDir, '.lock');
  if (existsSync(lockPath)) {
    const info = readLock(lockPath);
    if (info && info.pid === process.pid) {
      /* our own (doctor --repair) */
    } else if (!info && !isUnreadableStale(lockPath)) {
      issues.push({ severity: 'info', code: 'lock-unreadable', path: rel(lockPath), message: 'the lock file is unreadable; it counts as stale once it is a few seconds old' });
    } else if (isStale(info)) {
      add('leftover', 'stale-lock', lockPath, `stale lock of dead process ${info?.pid ?? '?'} (${info?.command ?? 'unreadable'})`, () => rmSync(lockPath, { force: true }));
    } else if (info) {
      issues.push({
        severity: 'info',
        code: 'lock-held',
        path: rel(lockPath),
        message: `lock held by pid ${info.pid} on ${info.host} (${info.command})${info.host !== hostname() ? ' on another host' : ''}; if that process is gone (another host, a reused pid): dictl doctor --repair --force`,
      });
    }
  }

  // ── datasets ──
  progress?.phase('Verifying datasets');
  const datasetSha = new Map<string, string>();
  for (const name of listDirs(ws.datasetsDir)) {
    for (const v of listDirs(join(ws.datasetsDir, name))) {
      const dir = join(ws.datasetsDir, name, v);
      if (!/^[1-9]\d*$/.test(v)) {
        add('error', 'dataset-stray-folder', dir, `unexpected folder in dataset ${name}`);
        continue;
      }
      checked.datasets++;
      const meta = readJson<DatasetVersion>(join(dir, 'meta.json'));
      if (!meta.ok) {
        add('error', 'dataset-meta', join(dir, 'meta.json'), `meta.json missing or unreadable: ${meta.error}`);
        continue;
      }
      const m = meta.value;
      if (m.name !== name || m.version !== Number(v)) add('error', 'dataset-identity', join(dir, 'meta.json'), `meta.json names ${m.name}@${m.version}, folder is ${name}@${v}`);
      const data = join(dir, 'data.parquet');
      if (!existsSync(data)) {
        add('error', 'dataset-data-missing', data, 'data.parquet is missing');
        continue;
      }
      const h = await sha256File(data);
      if (h.sha256 !== m.dataSha256) add('error', 'dataset-hash', data, `sha256 ${h.sha256.slice(0, 12)} does not match meta.json ${String(m.dataSha256).slice(0, 12)}`);
      datasetSha.set(`${name}@${v}`, m.dataSha256);
      committed.push({ kind: 'dataset', ref: `${name}@${v}`, path: join(dir, 'meta.json'), actions: ['dataset.register', 'dataset.derive'], entry: () => ({ action: (m.parents ?? []).length ? 'dataset.derive' : 'dataset.register', subject: `${name}@${v}`, details: { dataSha256: m.dataSha256, rows: m.rows } }) });
    }
  }

  // ── holdouts ──
  progress?.phase('Verifying holdouts');
  const holdoutsDir = join(ws.registryDir, 'holdouts');
  const holdouts = new Set<string>();
  const holdoutRows = new Map<string, { dataset: string; testRows: number[] }>();
  if (existsSync(holdoutsDir)) {
    for (const f of readdirSync(holdoutsDir).sort()) {
      const p = join(holdoutsDir, f);
      if (f.startsWith('.') || statSync(p).isDirectory()) continue;
      if (!/^[0-9a-f]{64}\.json$/.test(f)) {
        add('error', 'holdout-stray-file', p, 'unexpected file among holdouts');
        continue;
      }
      checked.holdouts++;
      const r = readJson<Holdout>(p);
      if (!r.ok) {
        add('error', 'holdout-parse', p, `holdout does not parse: ${r.error}`);
        continue;
      }
      const h = r.value;
      const expect = hashValue({ dataSha256: h.dataSha256, testRows: h.testRows });
      if (h.hash !== f.slice(0, 64) || expect !== h.hash) add('error', 'holdout-hash', p, `holdout hash does not match its contents (file ${f.slice(0, 12)}, recorded ${String(h.hash).slice(0, 12)}, computed ${expect.slice(0, 12)})`);
      if (!Array.isArray(h.testRows) || h.testRows.length !== h.nTest) add('error', 'holdout-rows', p, `holdout lists ${h.testRows?.length} rows but nTest is ${h.nTest}`);
      const ds = datasetSha.get(h.dataset);
      if (ds === undefined) add('error', 'holdout-dataset', p, `holdout refers to dataset ${h.dataset}, which does not exist`);
      else if (ds !== h.dataSha256) add('error', 'holdout-dataset-hash', p, `holdout was made from other data than ${h.dataset} holds now`);
      holdouts.add(h.hash);
      committed.push({ kind: 'holdout', ref: h.hash, path: p, actions: ['holdout.create'], entry: () => ({ action: 'holdout.create', subject: h.dataset, details: { hash: h.hash, method: h.method, nTest: h.nTest } }) });
      holdoutRows.set(h.hash, { dataset: h.dataset, testRows: Array.isArray(h.testRows) ? h.testRows : [] });
    }
    const latestDir = join(holdoutsDir, 'latest');
    if (existsSync(latestDir)) {
      for (const f of readdirSync(latestDir).sort()) {
        if (f.startsWith('.')) continue;
        const hash = readFileSync(join(latestDir, f), 'utf8').trim();
        if (!holdouts.has(hash)) add('error', 'holdout-latest-dangling', join(latestDir, f), `latest-holdout pointer for ${f} names ${hash.slice(0, 12)}, which does not exist`);
      }
    }
  }

  // ── feature builds ──
  progress?.phase('Verifying feature builds');
  const featDir = join(ws.registryDir, 'features');
  const builds = new Map<string, string>();
  for (const name of listDirs(featDir)) {
    for (const v of listDirs(join(featDir, name))) {
      const dir = join(featDir, name, v);
      if (!/^[1-9]\d*$/.test(v)) continue;
      checked.featureBuilds++;
      const r = readJson<FeatureBuild>(join(dir, 'state.json'));
      if (!r.ok) {
        add('error', 'feature-state', join(dir, 'state.json'), `state.json missing or unreadable: ${r.error}`);
        continue;
      }
      const b = r.value;
      if (b.name !== name || b.version !== Number(v)) add('error', 'feature-identity', join(dir, 'state.json'), `state.json names ${b.name}@${b.version}, folder is ${name}@${v}`);
      if (!existsSync(join(dir, 'features.parquet'))) add('error', 'feature-data-missing', join(dir, 'features.parquet'), 'features.parquet is missing');
      if (b.holdout && !holdouts.has(b.holdout)) add('error', 'feature-holdout', join(dir, 'state.json'), `feature build refers to holdout ${String(b.holdout).slice(0, 12)}, which does not exist`);
      else if (b.holdout && existsSync(join(dir, 'features.parquet'))) {
        const h = holdoutRows.get(b.holdout)!;
        if (h.dataset !== b.dataset) add('error', 'feature-holdout-dataset', join(dir, 'state.json'), `feature build is on ${b.dataset} but its holdout was made for ${h.dataset}`);
        const c = await splitCounts(join(dir, 'features.parquet'), h.testRows);
        if (c.error) add('error', 'feature-data-parse', join(dir, 'features.parquet'), `features.parquet cannot be read: ${c.error}`);
        else {
          if (c.leak > 0) add('error', 'feature-holdout-leak', join(dir, 'features.parquet'), `${c.leak} holdout row(s) are in the training split`);
          if (c.stray > 0) add('error', 'feature-holdout-stray', join(dir, 'features.parquet'), `${c.stray} test-split row(s) are not holdout rows`);
          if (b.rows && (c.train !== b.rows.train || c.test !== b.rows.test))
            add('error', 'feature-rows', join(dir, 'features.parquet'), `features.parquet holds ${c.train} train / ${c.test} test rows, state.json says ${b.rows.train} / ${b.rows.test}`);
        }
      }
      if (b.dataset && !datasetSha.has(b.dataset)) add('error', 'feature-dataset', join(dir, 'state.json'), `feature build refers to dataset ${b.dataset}, which does not exist`);
      builds.set(`${name}@${v}`, b.hash);
      committed.push({ kind: 'feature build', ref: `${name}@${v}`, path: join(dir, 'state.json'), actions: ['feature.build'], entry: () => ({ action: 'feature.build', subject: `${name}@${v}`, details: { hash: b.hash, dataset: b.dataset, holdout: b.holdout } }) });
    }
  }

  // ── audit log ──
  progress?.phase('Reading the audit log');
  const audit: AuditEntry[] = [];
  const ap = auditPath(ws);
  if (existsSync(ap)) {
    const text = readFileSync(ap, 'utf8');
    const lines = text.split('\n');
    const good: string[] = [];
    const torn: string[] = [];
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const e = JSON.parse(line) as AuditEntry;
        if (typeof e.action !== 'string' || typeof e.subject !== 'string') throw new Error('not an entry');
        audit.push(e);
        good.push(line);
      } catch {
        torn.push(line);
        if (i === lines.length - 1 && !text.endsWith('\n')) return; // reported below
      }
    });
    checked.auditEntries = audit.length;
    if (torn.length || (text.length && !text.endsWith('\n')))
      add('leftover', 'audit-torn', ap, `${torn.length} torn audit line(s) (a crash mid-append)`, () => {
        const tornPath = join(ws.registryDir, 'audit.torn.log');
        const prev = existsSync(tornPath) ? readFileSync(tornPath, 'utf8') : '';
        writeFileAtomic(tornPath, prev + torn.map((t) => t + '\n').join(''));
        writeFileAtomic(ap, good.map((g) => g + '\n').join(''));
      });
  }
  // datasets, holdouts and feature builds: a version committed by a process killed before its audit append
  const recorded = new Set(audit.map((e) => `${e.action} ${e.action === 'holdout.create' ? String((e.details as { hash?: string } | undefined)?.hash) : e.subject}`));
  for (const c of committed) {
    if (c.actions.some((a) => recorded.has(`${a} ${c.ref}`))) continue;
    add('leftover', 'audit-missing-entry', c.path, `${c.kind} ${c.kind === 'holdout' ? c.ref.slice(0, 12) : c.ref} is committed but its ${c.actions[0]} audit entry was never written`, () =>
      appendAudit(ws, { ...c.entry(), actor, reason: 'recorded by dictl doctor --repair after a crash', details: { ...c.entry().details, recovered: true } }),
    );
  }
  const registerSubjects = audit.filter((e) => e.action === 'model.register').map((e) => e.subject);
  const registered = new Set(registerSubjects);
  if (registered.size !== registerSubjects.length) {
    const seen = new Set<string>();
    const dupes = new Set(registerSubjects.filter((s) => (seen.has(s) ? true : (seen.add(s), false))));
    add('error', 'audit-duplicate-register', ap, `model.register recorded more than once for ${[...dupes].join(', ')}`);
  }

  // ── models ──
  progress?.phase('Verifying models');
  for (const name of listDirs(modelsDir(ws))) {
    const mdir = join(modelsDir(ws), name);
    const versions = modelVersions(ws, name);
    const claims = new Set(claimedVersions(ws, name));
    const vdir = join(mdir, 'versions');
    for (const f of existsSync(vdir) ? readdirSync(vdir) : []) {
      if (f.startsWith('.')) continue;
      if (!/^[1-9]\d*$/.test(f) || !existsSync(join(vdir, f, 'model.json'))) add('error', 'model-stray', join(vdir, f), 'not a committed model version (no model.json)');
    }
    for (const v of versions) {
      checked.models++;
      const dir = versionDir(ws, name, v);
      const r = readJson<ModelVersion>(join(dir, 'model.json'));
      if (!r.ok) {
        add('error', 'model-parse', join(dir, 'model.json'), `model.json does not parse: ${r.error}`);
        continue;
      }
      const m = r.value;
      if (m.kind !== 'model' || m.name !== name || m.version !== v) add('error', 'model-identity', join(dir, 'model.json'), `model.json names ${m.name}@${m.version}, folder is ${name}@${v}`);
      if (!claims.has(v)) add('error', 'model-unclaimed', dir, `version ${v} exists without its allocation claim`);
      try {
        familyOf(m).checkModel(m);
      } catch (e) {
        add('error', 'model-family', join(dir, 'model.json'), (e as Error).message);
      }
      for (const f of ['run.json', 'evaluation.json', 'archived.json']) {
        const p = join(dir, f);
        if (existsSync(p) && !readJson(p).ok) add('error', 'model-file-parse', p, `${f} does not parse`);
      }
      const ev = existsSync(join(dir, 'evaluation.json')) ? readJson<{ holdout?: string }>(join(dir, 'evaluation.json')) : undefined;
      if (ev?.ok && ev.value.holdout && m.lineage?.holdout && ev.value.holdout !== m.lineage.holdout)
        add('error', 'model-evaluation-holdout', join(dir, 'evaluation.json'), `evaluation is on holdout ${ev.value.holdout.slice(0, 12)}, the model was trained against ${m.lineage.holdout.slice(0, 12)}`);
      const lin = m.lineage;
      if (lin) {
        if (lin.holdout && existsSync(holdoutsDir) && !holdouts.has(lin.holdout))
          add('error', 'model-holdout', join(dir, 'model.json'), `model refers to holdout ${lin.holdout.slice(0, 12)}, which does not exist`);
        if (lin.dataset && datasetSha.size > 0) {
          const ds = datasetSha.get(lin.dataset);
          if (ds === undefined) add('error', 'model-dataset', join(dir, 'model.json'), `model refers to dataset ${lin.dataset}, which does not exist`);
          else if (lin.datasetSha256 && ds !== lin.datasetSha256) add('error', 'model-dataset-hash', join(dir, 'model.json'), `model was trained on other data than ${lin.dataset} holds now`);
        }
        if (lin.featureSet && builds.size > 0) {
          const fh = builds.get(`${lin.featureSet.name}@${lin.featureSet.version}`);
          if (fh === undefined) add('error', 'model-features', join(dir, 'model.json'), `model refers to feature build ${lin.featureSet.name}@${lin.featureSet.version}, which does not exist`);
          else if (fh !== lin.featureSet.hash) add('error', 'model-features-hash', join(dir, 'model.json'), `feature build ${lin.featureSet.name}@${lin.featureSet.version} hash does not match the model's lineage`);
        }
      }
      if (!registered.has(`${name}@${v}`))
        add('leftover', 'audit-missing-register', join(dir, 'model.json'), `${name}@${v} is committed but its model.register audit entry was never written`, () =>
          appendAudit(ws, { action: 'model.register', subject: `${name}@${v}`, actor, reason: 'recorded by dictl doctor --repair after a crash', details: { recovered: true } }),
        );
    }
    for (const c of claims)
      if (!versions.includes(c)) issues.push({ severity: 'info', code: 'claim-unused', path: rel(join(mdir, 'claims', String(c))), message: `version ${c} was allocated by a registration that never committed; the number stays unused` });

    // aliases: each points at an existing version, and the audit trail agrees with it
    const adir = aliasesDir(ws, name);
    for (const a of existsSync(adir) ? readdirSync(adir).sort() : []) {
      if (a.startsWith('.')) continue;
      checked.aliases++;
      const p = join(adir, a);
      const text = readFileSync(p, 'utf8').trim();
      if (!/^[1-9]\d*$/.test(text)) {
        add('error', 'alias-parse', p, `alias ${name}@${a} holds "${text.slice(0, 20)}", not a version number`);
        continue;
      }
      const v = Number(text);
      if (!versions.includes(v)) {
        add('error', 'alias-dangling', p, `alias ${name}@${a} points at version ${v}, which does not exist`);
        continue;
      }
      const last = lastAliasEvent(audit, name, a);
      if (last !== v)
        add('leftover', 'audit-missing-alias', p, `alias ${name}@${a} → ${v} but the audit trail last records ${last === null ? 'no move' : `version ${last}`} (a crash between move and audit entry)`, () =>
          appendAudit(ws, { action: 'model.alias', subject: `${name}@${v}`, actor, reason: 'recorded by dictl doctor --repair after a crash', details: { alias: a, previous: last, recovered: true } }),
        );
    }
  }

  // ── packages (lineage records of built scorers) and decision policies: their models exist ──
  progress?.phase('Verifying packages and policies');
  const pkgDir = join(ws.registryDir, 'packages');
  for (const f of existsSync(pkgDir) ? readdirSync(pkgDir).sort() : []) {
    if (f.startsWith('.') || !f.endsWith('.json')) continue;
    const p = join(pkgDir, f);
    const r = readJson<{ model?: string; out?: string; sha256?: string }>(p);
    if (!r.ok) {
      add('error', 'package-parse', p, `package record does not parse: ${r.error}`);
      continue;
    }
    if (r.value.sha256 !== f.slice(0, -5)) add('error', 'package-hash', p, `package record names sha256 ${String(r.value.sha256).slice(0, 12)}, its file name says ${f.slice(0, 12)}`);
    if (!modelRefExists(ws, r.value.model)) add('error', 'package-model', p, `package was built from ${r.value.model}, which is not in the registry`);
    else if (!audit.some((e) => e.action === 'model.package' && (e.details as { sha256?: string } | undefined)?.sha256 === r.value.sha256))
      add('leftover', 'audit-missing-package', p, `package of ${r.value.model} (${String(r.value.sha256).slice(0, 12)}) is recorded but its model.package audit entry was never written`, () =>
        appendAudit(ws, { action: 'model.package', subject: r.value.model!, actor, reason: 'recorded by dictl doctor --repair after a crash', details: { out: r.value.out, sha256: r.value.sha256, recovered: true } }),
      );
    const onnx = r.value.out ? join(r.value.out, 'model.onnx') : undefined;
    if (onnx && existsSync(onnx)) {
      const h = await sha256File(onnx);
      if (h.sha256 !== r.value.sha256) issues.push({ severity: 'info', code: 'package-changed', path: rel(onnx), message: `the package folder now holds a different model.onnx than the one recorded (rebuilt or edited)` });
    }
  }
  const polDir = join(ws.registryDir, 'policies');
  for (const model of listDirs(polDir)) {
    for (const f of readdirSync(join(polDir, model)).sort()) {
      if (f.startsWith('.') || !f.endsWith('.json')) continue;
      const p = join(polDir, model, f);
      if (!readJson(p).ok) add('error', 'policy-parse', p, 'policy does not parse');
    }
    if (!existsSync(join(modelsDir(ws), model))) add('error', 'policy-model', join(polDir, model), `decision policies exist for model "${model}", which is not in the registry`);
  }

  const errors = issues.filter((i) => i.severity === 'error').length;
  const leftovers = issues.filter((i) => i.severity === 'leftover').length;
  const repaired = issues.filter((i) => i.repaired).length;
  return { root: ws.root, consistent: errors === 0, checked, errors, leftovers, repaired, issues };
}

function modelRefExists(ws: Workspace, ref: string | undefined): boolean {
  const m = /^(.+)@(\d+)$/.exec(ref ?? '');
  return Boolean(m && existsSync(join(modelsDir(ws), m[1], 'versions', m[2], 'model.json')));
}

/** Rows per split of a features.parquet, and how its splits agree with the holdout's test rows. */
async function splitCounts(path: string, testRows: number[]): Promise<{ train: number; test: number; leak: number; stray: number; error?: string }> {
  try {
    return await withDuck(async (d) => {
      const rows = testRows.filter((r) => Number.isSafeInteger(r));
      await d.run(`CREATE TEMP TABLE h AS SELECT unnest([${rows.join(',')}]::BIGINT[]) AS r`);
      const [c] = await d.all<{ train: number; test: number; leak: number; stray: number }>(
        `SELECT count(*) FILTER (WHERE __split = 'train')::BIGINT AS train, count(*) FILTER (WHERE __split = 'test')::BIGINT AS test,
                count(*) FILTER (WHERE __split = 'train' AND __row IN (SELECT r FROM h))::BIGINT AS leak,
                count(*) FILTER (WHERE __split = 'test' AND __row NOT IN (SELECT r FROM h))::BIGINT AS stray
         FROM read_parquet(${sqlString(path)})`,
      );
      return { train: Number(c.train), test: Number(c.test), leak: Number(c.leak), stray: Number(c.stray) };
    });
  } catch (e) {
    return { train: 0, test: 0, leak: 0, stray: 0, error: (e as Error).message.split('\n')[0] };
  }
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
