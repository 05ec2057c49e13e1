/**
 * The human review queue, a file store in the workspace:
 *   registry/reviews/MODEL/queue.ndjson        one ReviewCase per line (appended by scorers)
 *   registry/reviews/MODEL/resolutions.ndjson  one Resolution per line (appended by `review resolve`)
 * Appends are single O_APPEND writes (a whole batch of lines at once) followed by fsync, so several
 * scorers can add cases at the same time without a lock and a crash leaves at most a torn last line,
 * which readers skip. Case ids are content hashes, so re-scoring the same event does not queue it twice.
 * Resolutions are written under the workspace lock (one resolution per case; ops/review-resolve.ts).
 * `dictl doctor` asks verifyReviews() what can go wrong with these files (see there).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { notFound, usageError } from '../errors.js';
import { classNames } from '../labels.js';
import { modelRefExists, readModelVersion } from '../registry/models.js';
import { sha256 } from '../util/hash.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import type { Band } from '../types.js';
import type { Reason } from '../explain/explainer.js';
import { readLog } from '../io/ndjson.js';
import { checkLogLines, lineList, modelDirs, readJson, type Checkup } from '../io/checkup.js';

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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** a line of queue.ndjson (what a scorer appends) */
const isCaseRecord = (v: unknown): v is ReviewCase => isObject(v) && typeof v.id === 'string' && v.id.startsWith('rv-') && typeof v.model === 'string' && isObject(v.input);
/** a line of resolutions.ndjson */
const isResolutionRecord = (v: unknown): v is Resolution => isObject(v) && typeof v.id === 'string' && v.id.startsWith('rv-') && typeof v.label === 'string' && typeof v.by === 'string';

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
  for (const r of readLog<Resolution>(resolutionsPath(ws, model), isResolutionRecord)) if (!res.has(r.id)) res.set(r.id, r);
  const seen = new Set<string>();
  const out: CaseWithResolution[] = [];
  for (const c of readLog<ReviewCase>(queuePath(ws, model), isCaseRecord)) {
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

/** Appends resolutions to a model's resolutions.ndjson in one write (no lock, no audit: callers hold the lock). */
export function appendResolutionsUnlocked(ws: Workspace, model: string, resolutions: Resolution[]): void {
  appendLines(resolutionsPath(ws, model), resolutions.map((r) => JSON.stringify(r)));
}

/** Whether an input object reads back from JSON with its members in the same order (integer-like names are moved first by JSON.parse). */
export const keepsMemberOrder = (input: Record<string, unknown>): boolean => !Object.keys(input).some((k) => /^(0|[1-9]\d*)$/.test(k));

/**
 * doctor: the review queue of every model, registry/reviews/MODEL/.
 *  - queue.ndjson, appended by scorers without a lock: torn lines (checkLogLines); each line a case of
 *    that model whose id is the content hash of what identifies it (an edited case has another id),
 *    scored by a model version that is in the registry.
 *  - resolutions.ndjson, written under the workspace lock: torn lines (moved out by --repair); each a
 *    yes/no label of a case that is in the queue, at most one per case (a resolution is final).
 *  - redis-cursor.json (review sync) parses.
 */
export function verifyReviews(ws: Workspace, c: Checkup): void {
  const root = reviewsDir(ws);
  for (const { model, dir } of modelDirs(c, root, 'review-stray', 'review queue')) {
    const qp = queuePath(ws, model);
    const cases = checkLogLines(c, qp, { code: 'review-queue', what: 'review case', isRecord: isCaseRecord });
    const ids = new Set<string>();
    const bad: number[] = [];
    const otherModel: number[] = [];
    const edited: number[] = [];
    const versions = new Map<string, number[]>();
    for (const r of cases.records) {
      const k = r.value as ReviewCase;
      if (!isCaseRecord(k) || !Number.isInteger(k.modelVersion) || !Number.isInteger(k.policyVersion) || typeof k.score !== 'number' || typeof k.source !== 'string') {
        bad.push(r.line);
        continue;
      }
      if (k.model !== model) {
        otherModel.push(r.line);
        continue;
      }
      if (keepsMemberOrder(k.input) && caseId(k) !== k.id) edited.push(r.line);
      const ref = `${k.model}@${k.modelVersion}`;
      versions.set(ref, [...(versions.get(ref) ?? []), r.line]);
      ids.add(k.id);
    }
    c.checked.reviewCases += ids.size;
    if (bad.length) c.add('error', 'review-case-invalid', qp, `${bad.length} line(s) are not review cases (${lineList(bad)})`);
    if (otherModel.length) c.add('error', 'review-case-model', qp, `${otherModel.length} case(s) of another model in the queue of ${model} (${lineList(otherModel)})`);
    if (edited.length) c.add('error', 'review-case-id', qp, `${edited.length} case(s) whose id is not the hash of their model, policy, source, key and input: changed after they were queued (${lineList(edited)})`);
    for (const [ref, lines] of versions)
      if (!modelRefExists(ws, ref)) c.add('error', 'review-model-version', qp, `${lines.length} case(s) were scored by ${ref}, which is not in the registry (${lineList(lines)})`);

    const rp = resolutionsPath(ws, model);
    const res = checkLogLines(c, rp, { code: 'review-resolutions', what: 'resolution', isRecord: isResolutionRecord, tornPath: join(dir, 'resolutions.torn.ndjson') });
    const resolved = new Map<string, number>();
    const badRes: number[] = [];
    const orphans: number[] = [];
    const twice: string[] = [];
    for (const r of res.records) {
      const x = r.value as Resolution;
      if (!isResolutionRecord(x) || (x.label !== 'yes' && x.label !== 'no') || typeof x.at !== 'string') {
        badRes.push(r.line);
        continue;
      }
      if (!ids.has(x.id)) orphans.push(r.line);
      if (resolved.has(x.id)) twice.push(`${x.id} (lines ${resolved.get(x.id)}, ${r.line})`);
      else resolved.set(x.id, r.line);
    }
    c.checked.resolutions += resolved.size;
    if (badRes.length) c.add('error', 'review-resolution-invalid', rp, `${badRes.length} line(s) are not resolutions (a yes/no label, who, when) (${lineList(badRes)})`);
    if (orphans.length) c.add('error', 'review-resolution-orphan', rp, `${orphans.length} resolution(s) of cases that are not in the queue (${lineList(orphans)})`);
    if (twice.length) c.add('error', 'review-resolution-duplicate', rp, `case(s) resolved more than once (a resolution is final; readers take the first): ${twice.slice(0, 5).join('; ')}`);

    const cursor = join(dir, 'redis-cursor.json');
    if (existsSync(cursor)) {
      const r = readJson<{ last?: unknown }>(cursor);
      if (!r.ok || typeof r.value?.last !== 'string') c.add('error', 'review-cursor', cursor, `the Redis sync cursor does not parse${r.ok ? ' (no "last" entry id)' : `: ${r.error}`}`);
    }
  }
}
