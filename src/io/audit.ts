/**
 * The append-only audit log, registry/audit.log: one JSON object per line. Each entry is written with a
 * single O_APPEND write and fsynced, so concurrent writers never interleave or lose lines.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Workspace } from '../workspace.js';
import { readLog, scanLog } from './ndjson.js';
import { writeFileAtomic } from './atomic.js';
import type { Checkup } from './checkup.js';

export interface AuditEntry {
  ts: string;
  actor: string;
  /** e.g. dataset.register, holdout.create, feature.build, model.register, model.promote, model.reject */
  action: string;
  /** what it acted on, e.g. "churn@1", "churn-model@3" */
  subject: string;
  reason?: string;
  details?: Record<string, unknown>;
  pid: number;
}

export const auditPath = (ws: Workspace) => join(ws.registryDir, 'audit.log');

export function defaultActor(): string {
  if (process.env.DICTL_ACTOR) return process.env.DICTL_ACTOR;
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function appendAudit(ws: Workspace, e: Omit<AuditEntry, 'ts' | 'pid' | 'actor'> & { actor?: string }): AuditEntry {
  const entry: AuditEntry = { ts: new Date().toISOString(), actor: e.actor ?? defaultActor(), action: e.action, subject: e.subject, pid: process.pid };
  if (e.reason !== undefined) entry.reason = e.reason;
  if (e.details !== undefined) entry.details = e.details;
  mkdirSync(ws.registryDir, { recursive: true });
  const fd = openSync(auditPath(ws), 'a', 0o644);
  try {
    writeSync(fd, JSON.stringify(entry) + '\n');
    fsyncSync(fd);
  } catch (e) {
    throw Object.assign(e as Error, { path: auditPath(ws) });
  } finally {
    closeSync(fd);
  }
  return entry;
}

/** Every complete entry; a torn last line (a crash mid-append) is skipped and reported by doctor. */
export function readAudit(ws: Workspace): AuditEntry[] {
  const p = auditPath(ws);
  return readLog<AuditEntry>(p);
}

/**
 * doctor: the audit log's entries, with torn lines (a crash mid-append) reported; the repair moves
 * them to registry/audit.torn.log and keeps the good lines. Then every version the stores reported
 * committed must have its entry (the repair appends it, marked as recorded by doctor).
 */
export function verifyAudit(ws: Workspace, c: Checkup): AuditEntry[] {
  const audit: AuditEntry[] = [];
  const ap = auditPath(ws);
  if (existsSync(ap)) {
    const text = readFileSync(ap, 'utf8');
    const scan = scanLog(text);
    const good: string[] = [];
    // lines that do not parse, and lines that parse but are no entry, in file order
    const bad = [...scan.torn];
    for (const r of scan.records) {
      const e = r.value as AuditEntry | null;
      if (e !== null && typeof e === 'object' && typeof e.action === 'string' && typeof e.subject === 'string') {
        audit.push(e);
        good.push(r.text);
      } else bad.push({ line: r.line, text: r.text });
    }
    const torn = bad.sort((a, b) => a.line - b.line).map((t) => t.text);
    c.checked.auditEntries = audit.length;
    if (torn.length || (text.length && !text.endsWith('\n')))
      c.add('leftover', 'audit-torn', ap, `${torn.length} torn audit line(s) (a crash mid-append)`, () => {
        const tornPath = join(ws.registryDir, 'audit.torn.log');
        const prev = existsSync(tornPath) ? readFileSync(tornPath, 'utf8') : '';
        writeFileAtomic(tornPath, prev + torn.map((t) => t + '\n').join(''));
        writeFileAtomic(ap, good.map((g) => g + '\n').join(''));
      });
  }
  // datasets, holdouts and feature builds: a version committed by a process killed before its audit append
  const recorded = new Set(audit.map((e) => `${e.action} ${e.action === 'holdout.create' ? String((e.details as { hash?: string } | undefined)?.hash) : e.subject}`));
  for (const v of c.committed) {
    if (v.actions.some((a) => recorded.has(`${a} ${v.ref}`))) continue;
    c.add('leftover', 'audit-missing-entry', v.path, `${v.kind} ${v.kind === 'holdout' ? v.ref.slice(0, 12) : v.ref} is committed but its ${v.actions[0]} audit entry was never written`, () =>
      appendAudit(ws, { ...v.entry(), actor: c.actor, reason: 'recorded by dictl doctor --repair after a crash', details: { ...v.entry().details, recovered: true } }),
    );
  }
  return audit;
}
