/**
 * `dictl review resolve ID --label yes|no --reviewer EMAIL` and `--file` (bulk): records a human's call
 * on review cases under the workspace lock, with a `review.resolve` audit entry. A resolution is final:
 * a case resolved before is refused (one at a time) or skipped (in bulk).
 */
import { busyError, notFound, usageError } from '../errors.js';
import { appendAudit } from '../io/audit.js';
import { locked } from '../io/lock.js';
import { appendResolutionsUnlocked, readCases, reviewModels, type Resolution, type ReviewCase } from '../review/queue.js';
import type { Workspace } from '../workspace.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface ResolveResult {
  case: ReviewCase;
  resolution: Resolution;
  /** whether the human agreed with the model's own call */
  agrees: boolean;
}

export async function resolveReview(ws: Workspace, id: string, o: { label: string; by: string; note?: string; wait?: number }): Promise<ResolveResult> {
  if (!/^rv-[0-9a-f]{16}$/.test(id)) throw usageError(`"${id}" is not a review case id`, 'ids look like rv-0123456789abcdef; see: dictl review list');
  if (o.label !== 'yes' && o.label !== 'no') throw usageError(`--label must be yes or no, got "${o.label}"`);
  if (!EMAIL_RE.test(o.by)) throw usageError(`--by must be an email address, got "${o.by}"`);
  return locked(ws, o.wait, `review resolve ${id}`, () => {
    for (const m of reviewModels(ws)) {
      const c = readCases(ws, m).find((x) => x.id === id);
      if (!c) continue;
      if (c.resolution) throw busyError(`case ${id} was already resolved as "${c.resolution.label}" by ${c.resolution.by} at ${c.resolution.at}`, 'a resolution is final; nothing was changed');
      const resolution: Resolution = { id, label: o.label as 'yes' | 'no', by: o.by, at: new Date().toISOString() };
      if (o.note) resolution.note = o.note;
      appendResolutionsUnlocked(ws, m, [resolution]);
      appendAudit(ws, { action: 'review.resolve', subject: id, actor: o.by, reason: o.note, details: { model: `${c.model}@${c.modelVersion}`, policy: c.policyVersion, label: o.label, call: c.call, score: c.score } });
      const { resolution: _r, ...kase } = c;
      return { case: kase, resolution, agrees: c.call === o.label };
    }
    throw notFound(`review case ${id} not found`, 'see: dictl review list');
  });
}

/** Resolves many cases in one lock (used by tests and bulk imports). */
export async function resolveMany(ws: Workspace, items: { id: string; label: 'yes' | 'no' }[], by: string, o: { wait?: number } = {}): Promise<number> {
  if (!EMAIL_RE.test(by)) throw usageError(`--by must be an email address, got "${by}"`);
  return locked(ws, o.wait, 'review resolve (bulk)', () => {
    let n = 0;
    const at = new Date().toISOString();
    for (const m of reviewModels(ws)) {
      const cases = readCases(ws, m);
      const open = new Set(cases.filter((c) => !c.resolution).map((c) => c.id));
      const resolutions: Resolution[] = items.filter((i) => open.has(i.id)).map((i) => ({ id: i.id, label: i.label, by, at }));
      appendResolutionsUnlocked(ws, m, resolutions);
      n += resolutions.length;
    }
    appendAudit(ws, { action: 'review.resolve', subject: `${n} cases`, actor: by, details: { count: n } });
    return n;
  });
}
