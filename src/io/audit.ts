/**
 * The append-only audit log, registry/audit.log: one JSON object per line. Each entry is written with a
 * single O_APPEND write and fsynced, so concurrent writers never interleave or lose lines.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Workspace } from '../workspace.js';
import { readLog } from './ndjson.js';

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
