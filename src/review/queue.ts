/**
 * The human review queue, a file store in the workspace:
 *   registry/reviews/MODEL/queue.ndjson        one ReviewCase per line (appended by scorers)
 *   registry/reviews/MODEL/resolutions.ndjson  one Resolution per line (appended by `review resolve`)
 * Appends are single O_APPEND writes (a whole batch of lines at once) followed by fsync, so several
 * scorers can add cases at the same time without a lock and a crash leaves at most a torn last line,
 * which readers skip. Case ids are content hashes, so re-scoring the same event does not queue it twice.
 * Resolutions are written under the workspace lock (one resolution per case).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { notFound, usageError, busyError } from '../errors.js';
import { locked } from '../io/lock.js';
import { classNames } from '../labels.js';
import { appendAudit } from '../io/audit.js';
import { readModelVersion } from '../registry/models.js';
import { sha256 } from '../util/hash.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import type { Band } from '../types.js';
import type { Reason } from '../explain/explainer.js';
import { readLog } from '../io/ndjson.js';

export interface ReviewCase {
  id: string;
  model: string;
  modelVersion: number;
  policyVersion: number;
  score: number;
  band: Band;
  /** the action the policy intended */
  action: string;
  /** the model's own yes/no call */
  call: 'yes' | 'no';
  sampled: boolean;
  reason: string;
  /** the raw input event */
  input: Record<string, unknown>;
  /** where it came from: a file, a Redis stream */
  source: string;
  /** position in the source (row number, stream entry id) */
  key?: string;
  at: string;
  /** why the model scored it so: base value (margin scale) and the top reasons by |contribution| */
  base?: number;
  reasons?: Reason[];
}

export interface Resolution {
  id: string;
  label: 'yes' | 'no';
  by: string;
  note?: string;
  at: string;
}

export const reviewsDir = (ws: Workspace) => join(ws.registryDir, 'reviews');
export const modelReviewsDir = (ws: Workspace, model: string) => join(reviewsDir(ws), validateName('model', model));
const queuePath = (ws: Workspace, model: string) => join(modelReviewsDir(ws, model), 'queue.ndjson');
const resolutionsPath = (ws: Workspace, model: string) => join(modelReviewsDir(ws, model), 'resolutions.ndjson');

export function caseId(c: Pick<ReviewCase, 'model' | 'modelVersion' | 'policyVersion' | 'source' | 'key' | 'input'>): string {
  return 'rv-' + sha256(JSON.stringify([c.model, c.modelVersion, c.policyVersion, c.source, c.key ?? null, c.input])).slice(0, 16);
}

/** One O_APPEND write of a whole batch of lines, then fsync (shared by the review queue and the shadow log). */
export function appendLines(path: string, lines: string[]): void {
  if (lines.length === 0) return;
  mkdirSync(join(path, '..'), { recursive: true });
  const fd = openSync(path, 'a', 0o644);
  try {
    const buf = Buffer.from(lines.map((l) => l + '\n').join(''), 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A destination for review cases: the workspace file store, or a Redis stream (see redis.ts). */
export interface ReviewSink {
  add(cases: ReviewCase[]): Promise<void>;
  describe(): string;
}

export function fileReviewSink(ws: Workspace): ReviewSink {
  return {
    async add(cases) {
      const byModel = new Map<string, ReviewCase[]>();
      for (const c of cases) byModel.set(c.model, [...(byModel.get(c.model) ?? []), c]);
      for (const [model, cs] of byModel) appendLines(queuePath(ws, model), cs.map((c) => JSON.stringify(c)));
    },
    describe: () => reviewsDir(ws),
  };
}

export function reviewModels(ws: Workspace): string[] {
  const dir = reviewsDir(ws);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'queue.ndjson')))
    .map((d) => d.name)
    .sort();
}

export interface CaseWithResolution extends ReviewCase {
  resolution?: Resolution;
}

/** All cases of a model (first occurrence of each id), with their resolution if any. */
export function readCases(ws: Workspace, model: string): CaseWithResolution[] {
  const res = new Map<string, Resolution>();
  for (const r of readLog<Resolution>(resolutionsPath(ws, model))) if (!res.has(r.id)) res.set(r.id, r);
  const seen = new Set<string>();
  const out: CaseWithResolution[] = [];
  for (const c of readLog<ReviewCase>(queuePath(ws, model))) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    const r = res.get(c.id);
    out.push(r ? { ...c, resolution: r } : c);
  }
  return out;
}

export interface ReviewListResult {
  pending: number;
  resolved: number;
  cases: CaseWithResolution[];
  /** per "model@version" of the listed cases: the class names behind the yes/no of a call or a resolution */
  classes: Record<string, { yes: string; no: string }>;
}

export function listReviews(ws: Workspace, o: { model?: string; status?: 'pending' | 'resolved' | 'all'; limit?: number } = {}): ReviewListResult {
  const models = o.model ? [validateName('model', o.model)] : reviewModels(ws);
  const all = models.flatMap((m) => readCases(ws, m));
  const pending = all.filter((c) => !c.resolution);
  const resolved = all.filter((c) => c.resolution);
  const status = o.status ?? 'pending';
  let cases = status === 'pending' ? pending : status === 'resolved' ? resolved : all;
  if (o.limit !== undefined) cases = cases.slice(0, o.limit);
  const classes: ReviewListResult['classes'] = {};
  for (const c of cases) {
    const key = `${c.model}@${c.modelVersion}`;
    if (classes[key]) continue;
    try {
      const [no, yes] = classNames(readModelVersion(ws, c.model, c.modelVersion));
      classes[key] = { yes, no };
    } catch {
      classes[key] = { yes: 'yes', no: 'no' }; // the model version is gone (archived folders are kept, so rarely)
    }
  }
  return { pending: pending.length, resolved: resolved.length, cases, classes };
}

/** One case by id, with its resolution if any. */
export function showReview(ws: Workspace, id: string): CaseWithResolution {
  if (!/^rv-[0-9a-f]{16}$/.test(id)) throw usageError(`"${id}" is not a review case id`, 'ids look like rv-0123456789abcdef; see: dictl review list');
  for (const m of reviewModels(ws)) {
    const c = readCases(ws, m).find((x) => x.id === id);
    if (c) return c;
  }
  throw notFound(`review case ${id} not found`, 'see: dictl review list');
}

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
      appendLines(resolutionsPath(ws, m), [JSON.stringify(resolution)]);
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
      const lines = items.filter((i) => open.has(i.id)).map((i) => JSON.stringify({ id: i.id, label: i.label, by, at }));
      appendLines(resolutionsPath(ws, m), lines);
      n += lines.length;
    }
    appendAudit(ws, { action: 'review.resolve', subject: `${n} cases`, actor: by, details: { count: n } });
    return n;
  });
}
