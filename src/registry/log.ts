/** The audit trail, filtered for `dictl registry log`. Read-only. */
import { usageError } from '../errors.js';
import type { Workspace } from '../workspace.js';
import { readAudit, type AuditEntry } from '../io/audit.js';

export interface LogQuery {
  /** subject starts with this (a model or dataset name, or a full ref like churn-model@3) */
  subject?: string;
  /** action equals or starts with this ("model.promote", "model") */
  action?: string;
  actor?: string;
  /** ISO time or date; only entries at or after it */
  since?: string;
  /** the most recent N (after filtering) */
  limit?: number;
}

export interface LogResult {
  entries: AuditEntry[];
  total: number;
}

export function queryAudit(ws: Workspace, q: LogQuery = {}): LogResult {
  let since: number | undefined;
  if (q.since !== undefined) {
    since = Date.parse(q.since);
    if (Number.isNaN(since)) throw usageError(`--since "${q.since}" is not a date or time`, 'e.g. --since 2026-11-24 or --since 2026-11-24T21:00:00Z');
  }
  const all = readAudit(ws);
  const matchSubject = (s: string) => {
    if (!q.subject) return true;
    if (q.subject.includes('@')) return s === q.subject;
    return s === q.subject || s.startsWith(q.subject + '@');
  };
  let entries = all.filter(
    (e) =>
      matchSubject(e.subject) &&
      (!q.action || e.action === q.action || e.action.startsWith(q.action + '.')) &&
      (!q.actor || e.actor === q.actor) &&
      (since === undefined || Date.parse(e.ts) >= since),
  );
  if (q.limit !== undefined && q.limit >= 0) entries = entries.slice(Math.max(0, entries.length - q.limit));
  return { entries, total: all.length };
}
