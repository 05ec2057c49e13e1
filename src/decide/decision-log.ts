/**
 * The decision log: every decision a scorer makes under a packaged policy, with its reasons, in the
 * registry, so that an audit answers "why was this event decided so, on that day?" from it alone.
 *
 *   registry/decisions/MODEL/YYYY-MM-DD/TIME-PID-SEQ.ndjson   one segment per scored batch
 *
 * A segment holds one DecisionLogEntry per line, all decided at the same moment (TIME, in UTC, as
 * 20260503T142233123Z; the day folder is its date). Segments are written whole and atomically (a temp
 * file in the same folder, fsync, rename, fsync of the folder: io/atomic.ts), never appended to or
 * rewritten, so concurrent scorers need no lock (each names its own files: its pid and a sequence) and a
 * crash leaves either a complete segment or none (a leftover `.tmp-` file, which readers ignore and
 * `dictl doctor --repair` removes). The batch's segment is written before its outputs are released, so
 * an emitted decision is a logged one. Queries skip days and segments outside the asked time range by
 * their names. The segments of one log are numbered 0, 1, 2, … (SEQ, counted only when written), so a
 * removed segment leaves a gap; `dictl doctor` asks verifyDecisions() (see there).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, TMP_MARKER } from '../io/atomic.js';
import { dataError } from '../errors.js';
import { validateName } from '../util/names.js';
import { lineList, modelDirs, type Checkup } from '../io/checkup.js';
import { eachLine } from '../io/ndjson.js';
import { modelRefExists } from '../registry/models.js';
import type { Workspace } from '../workspace.js';
import type { Reason } from '../explain/explainer.js';
import { explainMembers } from '../explain/render.js';
import type { Band, DecisionPolicy } from './policy.js';
import type { DecisionFields, ReviewExplanation } from './runtime.js';
import type { Progress } from '../ui/progress.js';

export interface DecisionLogEntry {
  /** when the decision was made (ISO, UTC) */
  at: string;
  /** the event's key: its `id` member on pipes, `row:N` for files, the stream entry id or offset */
  key?: string;
  /** the model that scored it, NAME@VERSION */
  model: string;
  policy: number;
  autonomy: DecisionPolicy['autonomy'];
  score: number;
  band: Band;
  /** the action emitted */
  action: string;
  /** shadow autonomy: the action that would have been taken */
  intended?: string;
  review: boolean;
  reviewId?: string;
  sampled?: true;
  /** why: the base value (margin scale) and the top reasons by |contribution| */
  base?: number;
  reasons?: Reason[];
  /** multiclass: the class the reasons explain (as in the scorer's outputs) */
  explained_class?: string;
  /** where the event came from (a file, "stdin", a stream) */
  source: string;
  /** the raw input event the decision was made on */
  input: Record<string, unknown>;
}

export const decisionsDir = (ws: Workspace) => join(ws.registryDir, 'decisions');
export const modelDecisionsDir = (ws: Workspace, model: string) => join(decisionsDir(ws), validateName('model', model));

const SEGMENT_RE = /^(\d{8}T\d{9}Z)-(\d+)-(\d+)\.ndjson$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** 2026-05-03T14:22:33.123Z → 20260503T142233123Z (sorts as the time does) */
export const compactTime = (iso: string) => iso.replace(/[-:.]/g, '');
const timeOfCompact = (c: string) => Date.parse(`${c.slice(0, 4)}-${c.slice(4, 6)}-${c.slice(6, 11)}:${c.slice(11, 13)}:${c.slice(13, 15)}.${c.slice(15, 18)}Z`);

/** Writes one segment (whole, atomically) of entries decided at `at`; returns its path. */
export function writeSegment(ws: Workspace, model: string, at: string, lines: string[], seq: number): string {
  const path = join(modelDecisionsDir(ws, model), at.slice(0, 10), `${compactTime(at)}-${process.pid}-${seq}.ndjson`);
  writeFileAtomic(path, lines.join('\n') + '\n');
  return path;
}

/** What a scorer hands each decided batch to. */
export interface DecisionLog {
  /** keeps the batch's entries (rows read through `row` only here) until flush() */
  record(
    decisions: DecisionFields[],
    o: {
      keys?: (string | undefined)[];
      row: (i: number) => Record<string, unknown>;
      explain?: (i: number) => (ReviewExplanation & { class?: string }) | null | undefined;
      source: string;
      /** columnar callers: row i's input as JSON text (inputsJson), instead of row(i) */
      rowJson?: (i: number) => string;
      /** columnar callers: the `,"base":…,"reasons":[…]` members of row i ("" for none), instead of explain(i) */
      explainJson?: (i: number) => string;
    },
  ): void;
  /** writes the kept entries as one segment; returns how many */
  flush(): Promise<number>;
  describe(): string;
  /** entries and segments written so far */
  stats(): { entries: number; segments: number };
}

const jnum = (x: number): string => (Number.isFinite(x) ? String(x) : 'null');
/** actions repeat: their JSON text is kept */
const actionText = new Map<string, string>();
const jtext = (a: string): string => {
  let t = actionText.get(a);
  if (t === undefined) {
    t = JSON.stringify(a);
    if (actionText.size < 1024) actionText.set(a, t);
  }
  return t;
};

/** category values repeat: their JSON text is kept, up to a bound */
const valueText = new Map<string, string>();
const jstr = (v: string): string => {
  let t = valueText.get(v);
  if (t === undefined) {
    t = JSON.stringify(v);
    if (valueText.size >= 1 << 16) valueText.clear();
    valueText.set(v, t);
  }
  return t;
};

/**
 * Row i of a columnar batch (numbers NaN = missing, strings '' = missing) as the JSON text of its input
 * object — the same text as JSON.stringify of the row object with missing values null — without row objects.
 */
export function inputsJson(cols: Record<string, Float64Array | string[]>, inputs: { name: string }[]): (i: number) => string {
  if (inputs.length === 0) return () => '{}';
  const pre = inputs.map((inp, k) => (k ? ',' : '{') + JSON.stringify(inp.name) + ':');
  const cs = inputs.map((inp) => cols[inp.name] as ArrayLike<number | string> | undefined);
  return (i) => {
    let s = '';
    for (let k = 0; k < cs.length; k++) {
      const v = cs[k]?.[i];
      s += pre[k] + (v === undefined || v === '' || (typeof v === 'number' && v !== v) ? 'null' : typeof v === 'number' ? jnum(v) : jstr(v));
    }
    return s + '}';
  };
}

/** The log a scorer writes to: the workspace's, or none (told through warn) when no workspace is found. */
export async function decisionLogFor(model: string, workspace: (why: string) => Promise<Workspace>, warn?: Progress['warn']): Promise<DecisionLog | undefined> {
  try {
    return fileDecisionLog(await workspace('no workspace'), model);
  } catch {
    warn?.(`the decisions of ${model} are not logged: no workspace was found for the decision log (run inside the workspace or pass --workspace DIR)`);
    return undefined;
  }
}

/** The file log of one model in a workspace. */
export function fileDecisionLog(ws: Workspace, model: string, now: () => string = () => new Date().toISOString()): DecisionLog {
  const dir = modelDecisionsDir(ws, model);
  let lines: string[] = [];
  let at: string | undefined;
  let seq = 0;
  let entries = 0;
  return {
    record(decisions, o) {
      at ??= now();
      // the line is built as text in the member order of DecisionLogEntry (no entry objects): the
      // members that repeat across a batch are encoded once
      const head = `{"at":${JSON.stringify(at)}`;
      const src = `,"source":${JSON.stringify(o.source)},"input":`;
      let lastModel = '';
      let mid = '';
      for (let i = 0; i < decisions.length; i++) {
        const d = decisions[i];
        const m = d.model + '\u0000' + d.policyVersion + '\u0000' + d.autonomy;
        if (m !== lastModel) {
          lastModel = m;
          mid = `,"model":${JSON.stringify(d.model)},"policy":${d.policyVersion},"autonomy":${JSON.stringify(d.autonomy)},"score":`;
        }
        const key = o.keys?.[i];
        let line = head + (key !== undefined ? `,"key":${JSON.stringify(key)}` : '') + mid + jnum(d.score) + `,"band":"${d.band}","action":${jtext(d.action)}`;
        if (d.intended !== undefined) line += `,"intended":${jtext(d.intended)}`;
        line += d.review ? ',"review":true' : ',"review":false';
        if (d.reviewId !== undefined) line += `,"reviewId":"${d.reviewId}"`;
        if (d.sampled) line += ',"sampled":true';
        if (o.explainJson) line += o.explainJson(i);
        else {
          const why = o.explain?.(i);
          if (why) line += explainMembers({ explanation: why });
        }
        lines.push(line + src + (o.rowJson ? o.rowJson(i) : JSON.stringify(o.row(i))) + '}');
      }
    },
    async flush() {
      const n = lines.length;
      if (n === 0 || at === undefined) return 0;
      writeSegment(ws, model, at, lines, seq);
      seq++; // only once written: the numbers of the segments on disk have no gap
      entries += n;
      lines = [];
      at = undefined;
      return n;
    },
    describe: () => dir,
    stats: () => ({ entries, segments: seq }),
  };
}

/** Models with a decision log. */
export function loggedModels(ws: Workspace): string[] {
  const dir = decisionsDir(ws);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

export interface SegmentRef {
  path: string;
  /** ms since the epoch of the segment's decisions */
  time: number;
}

/**
 * The segments of a model decided in [from, to) (ms; either may be open), oldest first. Temp files of
 * writes in progress (or of a crash) and foreign files are not segments.
 */
export function segmentsOf(ws: Workspace, model: string, from = -Infinity, to = Infinity): SegmentRef[] {
  const dir = modelDecisionsDir(ws, model);
  if (!existsSync(dir)) return [];
  const day = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : undefined);
  const first = day(from);
  const last = day(to);
  const out: SegmentRef[] = [];
  for (const d of readdirSync(dir).filter((x) => DAY_RE.test(x)).sort()) {
    if ((first && d < first) || (last && d > last)) continue;
    for (const f of readdirSync(join(dir, d))) {
      if (f.startsWith(TMP_MARKER)) continue;
      const m = SEGMENT_RE.exec(f);
      if (!m) continue;
      const time = timeOfCompact(m[1]);
      if (time >= from && time < to) out.push({ path: join(dir, d, f), time });
    }
  }
  return out.sort((a, b) => a.time - b.time || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The entries of one segment (written whole, so every line parses; a line that does not is reported). */
export function readSegment(path: string): DecisionLogEntry[] {
  const out: DecisionLogEntry[] = [];
  eachLine(
    path,
    (v) => void out.push(v as DecisionLogEntry),
    (line) => dataError(`decision log segment ${path} line ${line} does not parse: the file was changed after it was written`, 'segments are written whole and never edited; restore it from a backup'),
  );
  return out;
}

const ENTRY_STRINGS = ['at', 'model', 'autonomy', 'band', 'action', 'source'] as const;

/**
 * doctor: the decision log of every model, registry/decisions/MODEL/DAY/. Temp files are the crash
 * leftovers doctor clears everywhere; everything here is an error, since segments are written whole
 * and never edited (restore from a backup):
 *  - a file that is not a segment, a segment in another day's folder (queries would miss it)
 *  - a segment that is empty, cut short (no final newline), or has a line that does not parse or is not
 *    an entry; an entry decided at another time than its segment's, by another model than the folder's,
 *    or by a model version that is not in the registry
 *  - a gap in a writer's numbering (pid, 0, 1, 2, …): a segment was removed and its decisions are lost
 */
export function verifyDecisions(ws: Workspace, c: Checkup): void {
  const root = decisionsDir(ws);
  for (const { model, dir: mdir } of modelDirs(c, root, 'decision-stray', 'decision log')) {
    const refs = new Map<string, { n: number; path: string }>();
    /** pid → seq → segment paths */
    const numbering = new Map<string, Map<number, string>>();
    for (const day of readdirSync(mdir).sort()) {
      const ddir = join(mdir, day);
      if (day.startsWith('.')) continue;
      if (!DAY_RE.test(day) || !statSync(ddir).isDirectory()) {
        c.add('error', 'decision-stray', ddir, 'not a day folder (YYYY-MM-DD) of the decision log');
        continue;
      }
      for (const f of readdirSync(ddir).sort()) {
        if (f.startsWith(TMP_MARKER)) continue;
        const p = join(ddir, f);
        const m = SEGMENT_RE.exec(f);
        if (!m || !statSync(p).isFile()) {
          c.add('error', 'decision-stray', p, 'not a decision log segment (TIME-PID-SEQ.ndjson)');
          continue;
        }
        const [, time, pid, seq] = m;
        const date = `${time.slice(0, 4)}-${time.slice(4, 6)}-${time.slice(6, 8)}`;
        if (date !== day) c.add('error', 'decision-misfiled', p, `a segment of ${date} in the folder of ${day}: queries by time look for it elsewhere`);
        const byPid = numbering.get(pid) ?? new Map<number, string>();
        numbering.set(pid, byPid);
        byPid.set(Number(seq), p);
        c.checked.decisionSegments++;
        checkSegment(c, p, model, time, refs);
      }
    }
    for (const [pid, bySeq] of numbering)
      for (const [seq, p] of bySeq)
        if (seq > 0 && !bySeq.has(seq - 1)) c.add('error', 'decision-segment-missing', p, `segment ${seq - 1} of process ${pid} is missing before this one (${seq}): a segment was removed and its decisions are lost`);
    for (const [ref, { n, path }] of refs)
      if (!modelRefExists(ws, ref)) c.add('error', 'decision-model-version', path, `${n} decision(s) were made by ${ref}, which is not in the registry${n > 1 ? ' (the first segment named)' : ''}`);
  }
}

function checkSegment(c: Checkup, p: string, model: string, time: string, refs: Map<string, { n: number; path: string }>): void {
  const text = readFileSync(p, 'utf8');
  if (!text.length) {
    c.add('error', 'decision-segment-empty', p, 'an empty segment (segments are written whole, with at least one decision)');
    return;
  }
  if (!text.endsWith('\n')) c.add('error', 'decision-segment-truncated', p, 'the segment is cut short (no final newline): it was changed after it was written');
  const unparsed: number[] = [];
  const invalid: number[] = [];
  const otherTime: number[] = [];
  const otherModel: number[] = [];
  // every line, blank-looking ones too (a verifier reports what a reader would skip)
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(lines[i]) as Record<string, unknown>;
    } catch {
      unparsed.push(i + 1);
      continue;
    }
    if (!e || typeof e !== 'object' || Array.isArray(e) || ENTRY_STRINGS.some((k) => typeof e[k] !== 'string') || !Number.isInteger(e.policy) || typeof e.review !== 'boolean' || !e.input || typeof e.input !== 'object') {
      invalid.push(i + 1);
      continue;
    }
    c.checked.decisions++;
    if (compactTime(e.at as string) !== time) otherTime.push(i + 1);
    const ref = e.model as string;
    if (!ref.startsWith(`${model}@`)) otherModel.push(i + 1);
    const r = refs.get(ref);
    if (r) r.n++;
    else refs.set(ref, { n: 1, path: p });
  }
  if (unparsed.length) c.add('error', 'decision-segment-parse', p, `${unparsed.length} line(s) do not parse (${lineList(unparsed)}): the segment was changed after it was written`);
  if (invalid.length) c.add('error', 'decision-entry-invalid', p, `${invalid.length} line(s) are not decision entries (${lineList(invalid)})`);
  if (otherTime.length) c.add('error', 'decision-entry-time', p, `${otherTime.length} entr${otherTime.length === 1 ? 'y was' : 'ies were'} decided at another time than the segment's (${lineList(otherTime)})`);
  if (otherModel.length) c.add('error', 'decision-entry-model', p, `${otherModel.length} entr${otherModel.length === 1 ? 'y was' : 'ies were'} decided by another model than ${model} (${lineList(otherModel)})`);
}
