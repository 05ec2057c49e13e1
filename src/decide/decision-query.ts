/**
 * Asking the decision log (decision-log.ts): the decisions of a model (or of every model) in a time
 * range, for one event key, input values, an action or a band. Parsing and matching are pure; reading
 * is limited to the segments whose time falls in the range.
 */
import { notFound, usageError } from '../errors.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { loggedModels, readSegment, segmentsOf, type DecisionLogEntry } from './decision-log.js';

export interface DecisionQuery {
  model?: string;
  /** the event's key (its id member on pipes, row:N for files, the stream entry id) */
  key?: string;
  /** COL=VALUE: the input column COL held VALUE (as text; empty = missing) */
  where?: string[];
  /** ISO date or time, inclusive */
  since?: string;
  /** ISO date or time, exclusive (a date = its midnight, UTC) */
  until?: string;
  /** one UTC day: since DAY until the next day */
  on?: string;
  action?: string;
  band?: string;
  /** at most this many entries (the oldest first) */
  limit?: number;
}

export interface DecisionQueryResult {
  models: string[];
  since: string | null;
  until: string | null;
  /** entries that match */
  matched: number;
  /** segments read (those in the time range) */
  segments: number;
  entries: DecisionLogEntry[];
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** ms since the epoch of an ISO date (UTC midnight) or time; a usage error naming the flag otherwise */
export function parseInstant(text: string, flag: string): number {
  const ms = DATE_ONLY.test(text) ? Date.parse(`${text}T00:00:00.000Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw usageError(`${flag} "${text}" is not an ISO date or time`, `e.g. ${flag} 2026-05-03 or ${flag} 2026-05-03T14:00:00Z`);
  return ms;
}

export interface Matcher {
  from: number;
  to: number;
  test(e: DecisionLogEntry): boolean;
}

/** The query's time range and entry test. Pure. */
export function matcher(q: DecisionQuery): Matcher {
  if (q.on !== undefined && (q.since !== undefined || q.until !== undefined)) throw usageError('--on DAY is a range of its own: give it without --since/--until');
  let from = -Infinity;
  let to = Infinity;
  if (q.on !== undefined) {
    if (!DATE_ONLY.test(q.on)) throw usageError(`--on "${q.on}" must be a date, YYYY-MM-DD`);
    from = parseInstant(q.on, '--on');
    to = from + 86_400_000;
  }
  if (q.since !== undefined) from = parseInstant(q.since, '--since');
  if (q.until !== undefined) to = parseInstant(q.until, '--until');
  if (!(from < to)) throw usageError(`--until (${q.until}) must be after --since (${q.since})`);
  const where = (q.where ?? []).map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw usageError(`--where "${w}" is not COL=VALUE`, 'e.g. --where customer_id=C123');
    return [w.slice(0, eq), w.slice(eq + 1)] as const;
  });
  return {
    from,
    to,
    test(e) {
      if (q.key !== undefined && e.key !== q.key) return false;
      if (q.action !== undefined && e.action !== q.action) return false;
      if (q.band !== undefined && e.band !== q.band) return false;
      for (const [c, v] of where) {
        const x = e.input?.[c];
        if ((x === null || x === undefined ? '' : String(x)) !== v) return false;
      }
      const t = Date.parse(e.at);
      return t >= from && t < to;
    },
  };
}

export function queryDecisions(ws: Workspace, q: DecisionQuery): DecisionQueryResult {
  const m = matcher(q);
  if (q.band !== undefined && !['high', 'review', 'low'].includes(q.band)) throw usageError(`--band must be high, review or low, got "${q.band}"`);
  if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 1)) throw usageError(`--limit must be a whole number ≥ 1, got ${q.limit}`);
  const all = loggedModels(ws);
  let models = all;
  if (q.model !== undefined) {
    validateName('model', q.model);
    if (!all.includes(q.model)) throw notFound(`no decisions of model "${q.model}" are logged`, `decisions are logged when a package with a decision policy scores in this workspace${all.length ? `; logged models: ${all.join(', ')}` : ''}`);
    models = [q.model];
  } else if (all.length === 0) throw notFound('the decision log is empty', 'decisions are logged when a package with a decision policy scores: dictl score --package DIR …');
  const entries: DecisionLogEntry[] = [];
  let matched = 0;
  let segments = 0;
  const segs = models.flatMap((model) => segmentsOf(ws, model, m.from, m.to)).sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : 1));
  for (const s of segs) {
    segments++;
    for (const e of readSegment(s.path)) {
      if (!m.test(e)) continue;
      matched++;
      if (q.limit === undefined || entries.length < q.limit) entries.push(e);
    }
  }
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return { models, since: iso(m.from), until: iso(m.to), matched, segments, entries };
}
