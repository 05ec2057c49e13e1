/**
 * The shadow log: I/O around shadow.ts.
 *   registry/shadow/MODEL/log.ndjson         one ShadowEntry per scored event (MODEL = the champion's name)
 *   registry/shadow/MODEL/redis-cursor.json  last entry copied from the Redis stream shadow:MODEL
 * Appends are the review queue's batched O_APPEND + fsync. Entry ids are content hashes, and the file
 * sink skips ids already in the log, so re-scoring the same events logs no duplicate; readers also keep
 * only the first entry of an id (two scorers writing at once). When scoring from Redis the scorer XADDs
 * entries to the stream shadow:MODEL (field "entry") instead; `decide shadow MODEL --redis URL`
 * (ops/decide-shadow.ts) copies them into the log once (like `review sync`) before reporting. `dictl doctor` asks verifyShadow().
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataError, notFound } from '../errors.js';
import { appendLines, keepsMemberOrder } from '../review/queue.js';
import { eachLine, readLog } from '../io/ndjson.js';
import { checkLogLines, lineList, modelDirs, readJson, type Checkup } from '../io/checkup.js';
import { modelRefExists } from '../registry/models.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { inputKey, shadowId, type Label, type ShadowEntry } from './shadow.js';

export const shadowStreamKey = (model: string) => `shadow:${model}`;
export const shadowDir = (ws: Workspace) => join(ws.registryDir, 'shadow');
export const modelShadowDir = (ws: Workspace, model: string) => join(shadowDir(ws), validateName('model', model));
export const shadowLogPath = (ws: Workspace, model: string) => join(modelShadowDir(ws, model), 'log.ndjson');

/** Where a scorer puts shadow entries: the workspace log or a Redis stream. */
export interface ShadowSink {
  add(entries: ShadowEntry[]): Promise<void>;
  describe(): string;
  close?(): void;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSide = (v: unknown) => isObject(v) && typeof v.model === 'string';
/** a line of the shadow log */
const isShadowRecord = (v: unknown): v is ShadowEntry => isObject(v) && typeof v.id === 'string' && v.id.startsWith('sh-') && isSide(v.champion) && isSide(v.challenger);

/** Every entry of a model's shadow log, first occurrence of each id. */
export function readShadow(ws: Workspace, model: string): ShadowEntry[] {
  const seen = new Set<string>();
  const out: ShadowEntry[] = [];
  for (const e of readLog<ShadowEntry>(shadowLogPath(ws, model), isShadowRecord)) {
    if (!e || typeof e.id !== 'string' || seen.has(e.id)) continue;
    seen.add(e.id);
    out.push(e);
  }
  return out;
}

/** The file sink of one champion model; loads the ids already logged once, then skips them. */
export function fileShadowSink(ws: Workspace, model: string): ShadowSink {
  const path = shadowLogPath(ws, model);
  let known: Set<string> | undefined;
  return {
    async add(entries) {
      known ??= new Set(readShadow(ws, model).map((e) => e.id));
      const fresh: string[] = [];
      for (const e of entries) {
        if (known.has(e.id)) continue;
        known.add(e.id);
        fresh.push(JSON.stringify(e));
      }
      appendLines(path, fresh);
    },
    describe: () => path,
  };
}

function labelValue(v: unknown): Label | undefined {
  if (v === 'yes' || v === true || v === 1 || v === '1' || v === 'true') return 'yes';
  if (v === 'no' || v === false || v === 0 || v === '0' || v === 'false') return 'no';
  return undefined;
}

/** A labels file: NDJSON events carrying the model's inputs and a label column (yes/no, true/false, 1/0). */
export function readLabelsFile(path: string, column: string, names: string[]): Map<string, Label> {
  const file = resolve(path);
  if (!existsSync(file)) throw notFound(`labels file ${path} does not exist`);
  const out = new Map<string, Label>();
  eachLine(
    file,
    (v, line) => {
      const o = v as Record<string, unknown>;
      const l = labelValue(o[column]);
      if (!l) throw dataError(`labels file ${path} line ${line}: "${column}" must be yes/no, true/false or 1/0, got ${JSON.stringify(o[column])}`, 'pick the label column with --label-column');
      out.set(inputKey(o, names), l);
    },
    (line, e) => dataError(`labels file ${path} line ${line} is not JSON: ${e.message}`),
  );
  return out;
}

/**
 * doctor: the shadow log of every champion, registry/shadow/MODEL/.
 *  - log.ndjson, appended by scorers without a lock: torn lines (checkLogLines); each line an entry whose
 *    champion is a version of MODEL, whose id is the content hash of its models, policies, source, key
 *    and input (an edited entry has another id), and whose two model versions are in the registry.
 *  - redis-cursor.json (decide shadow --redis) parses.
 */
export function verifyShadow(ws: Workspace, c: Checkup): void {
  const root = shadowDir(ws);
  for (const { model, dir } of modelDirs(c, root, 'shadow-stray', 'shadow log')) {
    const lp = shadowLogPath(ws, model);
    const scan = checkLogLines(c, lp, { code: 'shadow-log', what: 'shadow entry', isRecord: isShadowRecord });
    const ids = new Set<string>();
    const bad: number[] = [];
    const otherModel: number[] = [];
    const edited: number[] = [];
    const refs = new Map<string, number[]>();
    for (const r of scan.records) {
      const e = r.value as ShadowEntry;
      if (!isShadowRecord(e) || typeof e.source !== 'string' || !isObject(e.input) || typeof e.at !== 'string') {
        bad.push(r.line);
        continue;
      }
      if (!e.champion.model.startsWith(`${model}@`)) {
        otherModel.push(r.line);
        continue;
      }
      if (keepsMemberOrder(e.input) && shadowId(e) !== e.id) edited.push(r.line);
      for (const ref of [e.champion.model, e.challenger.model]) refs.set(ref, [...(refs.get(ref) ?? []), r.line]);
      ids.add(e.id);
    }
    c.checked.shadowEntries += ids.size;
    if (bad.length) c.add('error', 'shadow-entry-invalid', lp, `${bad.length} line(s) are not shadow entries (${lineList(bad)})`);
    if (otherModel.length) c.add('error', 'shadow-entry-model', lp, `${otherModel.length} entr${otherModel.length === 1 ? 'y has' : 'ies have'} a champion other than ${model} (${lineList(otherModel)})`);
    if (edited.length) c.add('error', 'shadow-entry-id', lp, `${edited.length} entr${edited.length === 1 ? 'y' : 'ies'} whose id is not the hash of their models, policies, source, key and input: changed after they were logged (${lineList(edited)})`);
    for (const [ref, lines] of refs)
      if (!modelRefExists(ws, ref)) c.add('error', 'shadow-model-version', lp, `${lines.length} entr${lines.length === 1 ? 'y names' : 'ies name'} ${ref}, which is not in the registry (${lineList(lines)})`);
    const cursor = join(dir, 'redis-cursor.json');
    if (existsSync(cursor)) {
      const r = readJson<{ last?: unknown }>(cursor);
      if (!r.ok || typeof r.value?.last !== 'string') c.add('error', 'shadow-cursor', cursor, `the Redis sync cursor does not parse${r.ok ? ' (no "last" entry id)' : `: ${r.error}`}`);
    }
  }
}
