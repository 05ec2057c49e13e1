/**
 * What a store's verify() reports to when `dictl doctor` asks it: issues with a severity, each with
 * the repair that fixes it when one is safe (run only under `doctor --repair`), and the versions the
 * store holds committed, each of which needs its audit entry (checked once the audit log is read).
 *
 * Severity: error = the store is inconsistent; leftover = what a crash leaves (harmless, repairable);
 * info = worth knowing.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Workspace } from '../workspace.js';
import { writeFileAtomic } from './atomic.js';
import { scanLog, type LogScan } from './ndjson.js';
import { validateName } from '../util/names.js';

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
  readonly checked = { datasets: 0, holdouts: 0, featureBuilds: 0, models: 0, aliases: 0, auditEntries: 0, reviewCases: 0, resolutions: 0, shadowEntries: 0, decisionSegments: 0, decisions: 0 };
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

/** "lines 3, 9" / "line 3" (at most five listed) */
/**
 * The MODEL folders of a per-model store under `root`: a folder whose name is not a model name is
 * reported as an error (code, "not a <what>") and left out.
 */
export function modelDirs(c: Checkup, root: string, code: string, what: string): { model: string; dir: string }[] {
  const out: { model: string; dir: string }[] = [];
  for (const model of listDirs(root)) {
    const dir = join(root, model);
    try {
      validateName('model', model);
    } catch {
      c.add('error', code, dir, `"${model}" is not a model name: not a ${what}`);
      continue;
    }
    out.push({ model, dir });
  }
  return out;
}

export const lineList = (lines: number[]): string =>
  `line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? `, … (${lines.length} in all)` : ''}`;

/**
 * doctor: the torn lines of an append-only NDJSON log (a crash mid-append), reported under `code`.
 *  - appended without a lock (`tornPath` absent: scorers add review cases and shadow entries so): the
 *    repair only ends an unterminated last line — an O_APPEND write of a newline is safe beside other
 *    appenders, and the next append then starts a line of its own instead of being glued to the
 *    fragment. Fragments already ended stay (readers skip them): rewriting the file could lose a
 *    concurrent scorer's append.
 *  - appended under the workspace lock, which doctor --repair holds (`tornPath` given): the repair moves
 *    the fragments to `tornPath` and rewrites the log with its records.
 * Returns the scan; a missing file is an empty log.
 */
export function checkLogLines(c: Checkup, path: string, o: { code: string; what: string; isRecord: (v: unknown) => boolean; tornPath?: string }): LogScan {
  if (!existsSync(path)) return { records: [], torn: [], unterminated: false };
  const text = readFileSync(path, 'utf8');
  const scan = scanLog(text, o.isRecord);
  const glued = scan.records.filter((r) => r.glued).length;
  const after = glued ? `; the ${glued === 1 ? 'record' : `${glued} records`} appended right after ${glued === 1 ? 'it is' : 'them are'} read back whole` : '';
  const tornPath = o.tornPath;
  if (tornPath) {
    if (scan.torn.length || scan.unterminated)
      c.add('leftover', `${o.code}-torn`, path, `${scan.torn.length ? `${scan.torn.length} torn ${o.what} line(s) (a crash mid-append, ${lineList(scan.torn.map((t) => t.line))})` : `the last ${o.what} line has no newline`}${after}; --repair moves the fragments to ${c.rel(tornPath)}`, () => {
        if (scan.torn.length) {
          const prev = existsSync(tornPath) ? readFileSync(tornPath, 'utf8') : '';
          writeFileAtomic(tornPath, prev + scan.torn.map((t) => t.text + '\n').join(''));
        }
        writeFileAtomic(path, scan.records.map((r) => r.text + '\n').join(''));
      });
    return scan;
  }
  const lastLine = text.split('\n').length;
  const kept = scan.torn.filter((t) => !(scan.unterminated && t.line === lastLine));
  if (scan.unterminated)
    c.add('leftover', `${o.code}-torn`, path, `the last ${o.what} line is cut short (a crash mid-append); --repair ends it, so the next append starts a line of its own`, () => {
      const fd = openSync(path, 'a');
      try {
        writeSync(fd, '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  if (kept.length)
    c.add('info', `${o.code}-torn-kept`, path, `${kept.length} torn ${o.what} fragment(s) of crashed appends (${lineList(kept.map((t) => t.line))}), skipped by readers${after}; kept, since scorers append to this log without a lock`);
  return scan;
}
