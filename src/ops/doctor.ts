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
 *   - a torn last line of the review queue or the shadow log (ended with a newline, so the next append
 *     starts a line of its own; the fragments stay, since scorers append there without a lock) or of
 *     the review resolutions (moved to resolutions.torn.ndjson: those are written under the lock)
 * Each store checks its own layout (its verify(): datasets, holdouts, feature builds, the audit log,
 * models and aliases, packages, decision policies, the review queue, the shadow log, the decision log);
 * this use case asks them in order, handing each what the earlier ones found (a model's lineage refers
 * to datasets, holdouts and feature builds).
 *
 * Severity: error = the registry is inconsistent; leftover = what a crash leaves (harmless, repairable);
 * info = worth knowing (a version number allocated by a registration that died before committing).
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TMP_MARKER } from '../io/atomic.js';
import { pidAlive, readLock, isStale, isUnreadableStale, locked, type LockInfo } from '../io/lock.js';
import { Checkup, type DoctorIssue } from '../io/checkup.js';
import { verifyAudit } from '../io/audit.js';
import type { Workspace } from '../workspace.js';
import { verifyDatasets } from '../datasets/store.js';
import { verifyHoldouts } from '../holdouts/store.js';
import { verifyFeatureBuilds } from '../features/builds.js';
import { verifyModels } from '../registry/models.js';
import { verifyPolicies } from '../decide/policy-store.js';
import { verifyPackages } from '../registry/packages.js';
import { verifyReviews } from '../review/queue.js';
import { verifyShadow } from '../decide/shadow-store.js';
import { verifyDecisions } from '../decide/decision-log.js';
import type { Progress } from '../ui/progress.js';

export type { DoctorIssue, Severity } from '../io/checkup.js';
export { lastAliasEvent } from '../registry/models.js';

export interface DoctorReport {
  root: string;
  consistent: boolean;
  checked: Checkup['checked'];
  errors: number;
  leftovers: number;
  repaired: number;
  issues: DoctorIssue[];
}

const TMP_PID_RE = /\.(\d+)\.[0-9a-f]{8}$/;

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
    const report = await locked(ws, opts.wait, 'doctor --repair', () => check(ws, true, opts.actor, opts.progress), {
      force: opts.force,
      onForced: (h) => {
        forced = h;
        opts.progress?.warn(
          `--force: clearing the workspace lock of ${h ? `pid ${h.pid} on ${h.host} ("${h.command}", since ${h.since})` : 'an unreadable lock file'}; if that process is in fact still running, its writes may now conflict with others`,
        );
      },
    });
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
  const c = new Checkup(ws, repair, actor);
  progress?.phase('Looking for leftovers');
  crashLeftovers(ws, c);
  progress?.phase('Verifying datasets');
  const datasetSha = await verifyDatasets(ws, c);
  progress?.phase('Verifying holdouts');
  const holdouts = verifyHoldouts(ws, c, datasetSha);
  progress?.phase('Verifying feature builds');
  const builds = await verifyFeatureBuilds(ws, c, datasetSha, holdouts);
  progress?.phase('Reading the audit log');
  const audit = verifyAudit(ws, c);
  progress?.phase('Verifying models');
  verifyModels(ws, c, { datasetSha, holdouts, builds }, audit);
  progress?.phase('Verifying packages and policies');
  await verifyPackages(ws, c, audit);
  verifyPolicies(ws, c);
  progress?.phase('Verifying the review queue and the shadow and decision logs');
  verifyReviews(ws, c);
  verifyShadow(ws, c);
  verifyDecisions(ws, c);

  const { issues, checked } = c;
  const errors = issues.filter((i) => i.severity === 'error').length;
  const leftovers = issues.filter((i) => i.severity === 'leftover').length;
  const repaired = issues.filter((i) => i.repaired).length;
  return { root: ws.root, consistent: errors === 0, checked, errors, leftovers, repaired, issues };
}

/** What a crash leaves across the workspace: temp files and staged folders of gone processes, a stale lock. */
function crashLeftovers(ws: Workspace, c: Checkup): void {
  for (const p of [...findTemps(ws.datasetsDir), ...findTemps(ws.featuresDir), ...findTemps(ws.registryDir)]) {
    const m = TMP_PID_RE.exec(p);
    const pid = m ? Number(m[1]) : undefined;
    if (pid !== undefined && pid !== process.pid && pidAlive(pid)) {
      c.add('info', 'temp-in-use', p, `temp ${statSync(p).isDirectory() ? 'folder' : 'file'} of running process ${pid}`);
      continue;
    }
    const isDir = statSync(p).isDirectory();
    c.add('leftover', isDir ? 'orphan-staging' : 'orphan-temp', p, `orphan ${isDir ? 'staged folder' : 'temp file'} left by a process that is gone`, () => rmSync(p, { recursive: true, force: true }));
  }
  const lockPath = join(ws.registryDir, '.lock');
  if (existsSync(lockPath)) {
    const info = readLock(lockPath);
    if (info && info.pid === process.pid) {
      /* our own (doctor --repair) */
    } else if (!info && !isUnreadableStale(lockPath)) {
      c.add('info', 'lock-unreadable', lockPath, 'the lock file is unreadable; it counts as stale once it is a few seconds old');
    } else if (isStale(info)) {
      c.add('leftover', 'stale-lock', lockPath, `stale lock of dead process ${info?.pid ?? '?'} (${info?.command ?? 'unreadable'})`, () => rmSync(lockPath, { force: true }));
    } else if (info) {
      c.add(
        'info',
        'lock-held',
        lockPath,
        `lock held by pid ${info.pid} on ${info.host} (${info.command})${info.host !== hostname() ? ' on another host' : ''}; if that process is gone (another host, a reused pid): dictl doctor --repair --force`,
      );
    }
  }
}
