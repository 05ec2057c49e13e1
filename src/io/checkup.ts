/**
 * What a store's verify() reports to when `dictl doctor` asks it: issues with a severity, each with
 * the repair that fixes it when one is safe (run only under `doctor --repair`), and the versions the
 * store holds committed, each of which needs its audit entry (checked once the audit log is read).
 *
 * Severity: error = the store is inconsistent; leftover = what a crash leaves (harmless, repairable);
 * info = worth knowing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Workspace } from '../workspace.js';

export type Severity = 'error' | 'leftover' | 'info';

export interface DoctorIssue {
  severity: Severity;
  code: string;
  /** workspace-relative path */
  path: string;
  message: string;
  repaired?: boolean;
}

/** A committed version whose audit entry must be in the log (one of `actions`, subject `ref`). */
export interface CommittedVersion {
  kind: string;
  ref: string;
  path: string;
  actions: string[];
  entry: () => { action: string; subject: string; details: Record<string, unknown> };
}

export class Checkup {
  readonly issues: DoctorIssue[] = [];
  readonly committed: CommittedVersion[] = [];
  /** what was looked at, by kind */
  readonly checked = { datasets: 0, holdouts: 0, featureBuilds: 0, models: 0, aliases: 0, auditEntries: 0 };
  constructor(
    readonly ws: Workspace,
    /** run the repairs (doctor --repair, under the workspace lock) */
    readonly repair: boolean,
    /** who the repairs' audit entries name */
    readonly actor?: string,
  ) {}

  rel(p: string): string {
    return relative(this.ws.root, p) || '.';
  }

  /** reports an issue at an absolute path; `fix` runs when repairing */
  add(severity: Severity, code: string, path: string, message: string, fix?: () => void): void {
    const issue: DoctorIssue = { severity, code, path: this.rel(path), message };
    if (this.repair && fix) {
      fix();
      issue.repaired = true;
    }
    this.issues.push(issue);
  }
}

export function readJson<T>(p: string): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(p, 'utf8')) as T };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** The sub-folders of dir (not hidden), sorted; none when dir is missing. */
export const listDirs = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort()
    : [];
