/**
 * Redis Streams source and sinks (ioredis).
 *
 * Source: XGROUP CREATE … 0 MKSTREAM when the group is absent (a new group reads the whole stream),
 * then XREADGROUP COUNT/BLOCK. It first re-reads its own pending entries (ID 0: events it read but
 * did not ack before a crash or a failed batch), sweeps XAUTOCLAIM for entries idle longer than
 * claimIdleMs (consumers that died), then reads new entries (">"). XACK is sent by the runner only
 * after the results are written. Connections retry forever (maxRetriesPerRequest null), so a Redis
 * restart pauses the loop and it resumes where the group left off; a group lost with the data is
 * re-created at 0 and the idempotent sinks absorb the replay.
 *
 * Event format: an entry with a field `data` holding the event JSON object, or flat fields (see event.ts).
 *
 * Sinks are idempotent on replay, keyed by the source event id:
 *  - stream (--out-stream KEY): a Lua script adds the id to a marker set `KEY:done:<bucket>` and
 *    XADDs {event_id, score, data: JSON result} only when the id was new, atomically; marker sets
 *    are bucketed by event time and expire 24 h after their last write, so memory stays bounded;
 *  - hashes (--out-hash PREFIX): HSET `PREFIX<event id>` {event_id, score, label?, prediction?,
 *    probabilities? (JSON), segment?} — rewriting the same values is harmless;
 *  - dead letters (--dead-letter stream:KEY): like the stream sink, fields {event_id, reason, payload, source}.
 */
import { openRedis, type Redis } from '../io/redis.js';
import { decodeFields } from './event.js';
import type { BatchCommitter, DeadLetter, DeadLetterSink, ResultRecord, Sink, Source, SourceEvent } from './types.js';
import type { Progress } from '../ui/progress.js';

export { checkRedisUrl } from '../io/redis.js';

/**
 * One log line when the server goes away and one when it is back, for a group of connections to the
 * same server (reader and control connection count as one: the server is down when either is).
 */
export function watchConnections(url: string, conns: Redis[], log: Progress['log']): () => void {
  let stopped = false;
  const shown = url.replace(/\/\/[^@/]*@/, '//***@'); // no password in logs
  const down = new Set<Redis>();
  let since = 0;
  let cause = '';
  for (const c of conns) {
    c.on('error', (e: Error) => {
      cause ||= (e as NodeJS.ErrnoException).code ?? e.message;
    });
    c.on('close', () => {
      if (stopped || down.has(c)) return;
      down.add(c);
      if (down.size === 1) {
        since = Date.now();
        // the cause arrives with the error event just before or after the close: report it on the next tick
        setImmediate(() => stopped || log(`redis: connection to ${shown} lost${cause ? ` (${cause})` : ''}; retrying until it is back`));
      }
    });
    c.on('ready', () => {
      if (!down.delete(c) || down.size > 0) return;
      log(`redis: connection to ${shown} restored after ${((Date.now() - since) / 1000).toFixed(1)} s`);
      cause = '';
    });
  }
  return () => {
    stopped = true;
  };
}

type XEntry = [id: string, fields: string[] | null];

/** an entry claimed after more deliveries than this is dead-lettered (poison event) */
export const MAX_DELIVERIES = 5;

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/**
 * The once-per-event-id write shared by the scripts below. Each entry in ARGV (from `pos`) is the
 * source event id followed by k field/value pairs; the entry is XADDed as {event_id, ...pairs} only
 * if SADD of the id into its marker set returns 1. Marker sets are bucketed by the id's millisecond
 * part (≈17 min per set: the digits above 10^6 ms) and expire `retention` ms after their last
 * write, so memory stays bounded on a 24/7 stream.
 */
const ADD_ONCE_FN = `
local function addOnce(stream, prefix, count, k, retention)
  local added = 0
  local last = nil
  for e = 1, count do
    local id = ARGV[pos]
    local dash = string.find(id, '-', 1, true)
    local bucket = '0'
    if dash and dash > 7 then bucket = string.sub(id, 1, dash - 7) end
    local key = prefix .. bucket
    if redis.call('SADD', key, id) == 1 then
      if key ~= last then
        redis.call('PEXPIRE', key, retention)
        last = key
      end
      local args = {stream, '*', 'event_id', id}
      for j = 1, 2 * k do args[#args + 1] = ARGV[pos + j] end
      redis.call('XADD', unpack(args))
      added = added + 1
    end
    pos = pos + 1 + 2 * k
  end
  return added
end`;

/** KEYS: stream, marker prefix. ARGV: k, retention ms, #entries, entries. */
const XADD_ONCE_LUA = `
local pos = 4
${ADD_ONCE_FN}
return addOnce(KEYS[1], KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[1]), tonumber(ARGV[2]))`;

/** How long a processed-marker is kept after its set's last write: replays of older events are not deduplicated. */
export const MARKER_RETENTION_MS = 24 * 3600 * 1000;

type WithXaddOnce = Redis & { dictlXaddOnce(stream: string, doneSet: string, ...args: (string | number)[]): Promise<number> };

function withXaddOnce(r: Redis): WithXaddOnce {
  if (!(r as unknown as Partial<WithXaddOnce>).dictlXaddOnce) r.defineCommand('dictlXaddOnce', { numberOfKeys: 2, lua: XADD_ONCE_LUA });
  return r as unknown as WithXaddOnce;
}

/**
 * XADD each entry as {event_id: id, ...fields} once per source id: ids already in the marker sets
 * `${stream}:done:*` are skipped, atomically with the write; returns the number of entries added.
 */
export async function xaddOnce(r: Redis, stream: string, entries: { id: string; fields: [string, string][] }[], retentionMs = MARKER_RETENTION_MS): Promise<number> {
  if (entries.length === 0) return 0;
  const k = entries[0].fields.length;
  const args: string[] = [String(k), String(retentionMs), String(entries.length)];
  for (const e of entries) {
    if (e.fields.length !== k) throw new Error('xaddOnce: entries must have the same number of fields');
    args.push(e.id);
    for (const [f, v] of e.fields) args.push(f, v);
  }
  return withXaddOnce(r).dictlXaddOnce(stream, `${stream}:done:`, ...args);
}

export class RedisStreamSource implements Source {
  readonly name: string;
  private pendingCursor: string | null = '0';
  /** bumped by redeliver(), so a read under way does not move the cursor past a reset */
  private generation = 0;
  private claimCursor = '0-0';
  private nextClaimAt = 0;
  private nClaimed = 0;
  private readClientId?: number;
  /** stops the connection-state log lines (a deliberate close is not a lost connection) */
  unwatch: () => void = () => {};
  private readonly claimEveryMs: number;

  private constructor(
    private readonly reader: Redis,
    readonly ctl: Redis,
    readonly stream: string,
    readonly group: string,
    readonly consumer: string,
    private readonly claimIdleMs: number,
  ) {
    this.name = `redis stream ${stream} (group ${group}, consumer ${consumer})`;
    this.claimEveryMs = Math.max(100, Math.min(claimIdleMs / 2, 10_000));
  }

  static async open(url: string, stream: string, group: string, consumer: string, claimIdleMs: number, log?: Progress['log']): Promise<RedisStreamSource> {
    const reader = await openRedis(url, { kind: 'reader', name: `dictl-read-${consumer}` });
    const ctl = await openRedis(url, { kind: 'reader', name: `dictl-ctl-${consumer}` });
    const s = new RedisStreamSource(reader, ctl, stream, group, consumer, claimIdleMs);
    if (log) s.unwatch = watchConnections(url, [reader, ctl], log);
    const refreshId = async () => {
      try {
        s.readClientId = Number(await reader.call('CLIENT', 'ID'));
      } catch {
        /* next ready event retries */
      }
    };
    await refreshId();
    // After a reconnect, a read (or claim) whose reply was lost with the connection has already moved
    // entries into our pending list; ioredis re-sends the command and gets the next entries. Re-read
    // our pending entries so those are not left behind until claimIdleMs.
    reader.on('ready', () => {
      void refreshId();
      s.redeliver();
    });
    ctl.on('ready', () => s.redeliver());
    await s.ensureGroup();
    return s;
  }

  async ensureGroup(): Promise<void> {
    try {
      await this.ctl.call('XGROUP', 'CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  async read(max: number, blockMs: number): Promise<SourceEvent[]> {
    try {
      // 1. our own pending entries (read before a crash or a failed batch, never acked)
      if (this.pendingCursor !== null) {
        const gen = this.generation;
        const entries = await this.xreadgroup(max, undefined, this.pendingCursor);
        if (entries.length > 0) {
          if (gen === this.generation) this.pendingCursor = entries[entries.length - 1][0];
          return await this.decode(entries);
        }
        if (gen === this.generation) this.pendingCursor = null;
      }
      // 2. entries of consumers idle longer than claimIdleMs
      if (Date.now() >= this.nextClaimAt) {
        const reply = (await this.ctl.call('XAUTOCLAIM', this.stream, this.group, this.consumer, String(this.claimIdleMs), this.claimCursor, 'COUNT', String(max))) as [string, XEntry[], string[]?];
        const [next, entries] = reply;
        this.claimCursor = next;
        if (next === '0-0') {
          this.nextClaimAt = Date.now() + this.claimEveryMs;
          await this.forgetDeadConsumers();
        }
        if (entries.length > 0) {
          this.nClaimed += entries.length;
          return await this.poisonCheck(await this.decode(entries));
        }
      }
      // 3. new entries
      return await this.decode(await this.xreadgroup(max, blockMs, '>'));
    } catch (err) {
      if (String((err as Error).message).includes('NOGROUP')) {
        // the group (or the stream) vanished, e.g. Redis restarted without persistence: start over at 0
        await this.ensureGroup();
        this.pendingCursor = '0';
        return [];
      }
      throw err;
    }
  }

  /**
   * Consumers of this group with nothing pending and idle for more than 10 × claimIdleMs (dead
   * processes, e.g. the default host-pid names of earlier runs) are removed from the group so it does
   * not fill up with names. Harmless if one is alive after all: its next read re-creates it.
   */
  private async forgetDeadConsumers(): Promise<void> {
    const rows = (await this.ctl.call('XINFO', 'CONSUMERS', this.stream, this.group)) as (string | number)[][];
    for (const row of rows) {
      const info: Record<string, string | number> = {};
      for (let i = 0; i + 1 < row.length; i += 2) info[String(row[i])] = row[i + 1];
      if (info.name === this.consumer || Number(info.pending) !== 0 || Number(info.idle) <= 10 * this.claimIdleMs) continue;
      await this.ctl.call('XGROUP', 'DELCONSUMER', this.stream, this.group, String(info.name));
      this.forgotten++;
    }
  }

  /** consumers removed by forgetDeadConsumers */
  forgotten = 0;

  /**
   * An entry delivered more than MAX_DELIVERIES times was never acked by anyone: it probably kills
   * the consumers that read it. It is dead-lettered instead of being handed on again.
   */
  private async poisonCheck(events: SourceEvent[]): Promise<SourceEvent[]> {
    if (events.length === 0) return events;
    const ids = events.map((e) => e.id).sort(compareIds);
    const rows = (await this.ctl.call('XPENDING', this.stream, this.group, ids[0], ids[ids.length - 1], String(events.length * 2 + 10))) as [string, string, number, number][];
    const deliveries = new Map(rows.map((r) => [r[0], Number(r[3])]));
    for (const e of events) {
      const n = deliveries.get(e.id) ?? 0;
      if (n > MAX_DELIVERIES) {
        e.error = `delivered ${n} times without being acked (does it crash the scorer?)`;
        delete e.event;
        delete e.flat;
      }
    }
    return events;
  }

  private async xreadgroup(max: number, blockMs: number | undefined, id: string): Promise<XEntry[]> {
    const args: (string | number)[] = ['GROUP', this.group, this.consumer, 'COUNT', max];
    if (blockMs !== undefined) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.stream, id);
    const reply = (await this.reader.call('XREADGROUP', ...args)) as [string, XEntry[]][] | null;
    if (!reply || reply.length === 0) return [];
    return reply[0][1];
  }

  private async decode(entries: XEntry[]): Promise<SourceEvent[]> {
    const out: SourceEvent[] = [];
    const gone: string[] = [];
    for (const [id, fields] of entries) {
      if (fields === null) gone.push(id); // deleted or trimmed while pending: nothing to score
      else out.push(decodeFields(id, fields));
    }
    if (gone.length > 0) await this.ctl.call('XACK', this.stream, this.group, ...gone);
    return out;
  }

  async ack(events: SourceEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.ctl.call('XACK', this.stream, this.group, ...events.map((e) => e.id));
  }

  redeliver(): void {
    // our pending entries list holds every unacked entry: re-read it from the start
    this.pendingCursor = '0';
    this.generation++;
  }

  claimed(): number {
    return this.nClaimed;
  }

  wake(): void {
    if (this.readClientId !== undefined) this.ctl.call('CLIENT', 'UNBLOCK', String(this.readClientId)).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.unwatch();
    this.reader.disconnect();
    await this.ctl.quit().catch(() => this.ctl.disconnect());
  }
}

export function resultJson(r: ResultRecord): string {
  const o: Record<string, unknown> = { event_id: r.eventId, score: r.score };
  if (r.label !== undefined) o.label = r.label;
  if (r.prediction !== undefined) o.prediction = r.prediction;
  if (r.probabilities !== undefined) o.probabilities = r.probabilities;
  if (r.segment !== undefined) o.segment = r.segment;
  if (r.decision) Object.assign(o, r.decision);
  if (r.explanation) Object.assign(o, explanationFields(r.explanation));
  return JSON.stringify(o);
}

/** base, explained_class (multiclass) and reasons of an explained result, as output members */
function explanationFields(e: NonNullable<ResultRecord['explanation']>): Record<string, unknown> {
  return e.class === undefined ? { base: e.base, reasons: e.reasons } : { base: e.base, explained_class: e.class, reasons: e.reasons };
}

export class RedisStreamSink implements Sink {
  readonly name: string;
  constructor(
    private readonly r: Redis,
    readonly key: string,
  ) {
    this.name = `redis stream ${key}`;
  }
  async write(results: ResultRecord[]): Promise<void> {
    await xaddOnce(
      this.r,
      this.key,
      results.map((x) => ({ id: x.eventId, fields: [['score', String(x.score)], ['data', resultJson(x)]] })),
    );
  }
  async close(): Promise<void> {}
}

export class RedisHashSink implements Sink {
  readonly name: string;
  constructor(
    private readonly r: Redis,
    readonly prefix: string,
  ) {
    this.name = `redis hashes ${prefix}*`;
  }
  async write(results: ResultRecord[]): Promise<void> {
    const p = this.r.pipeline();
    for (const x of results) {
      const f: string[] = ['event_id', x.eventId, 'score', String(x.score)];
      if (x.label !== undefined) f.push('label', x.label);
      if (x.prediction !== undefined) f.push('prediction', String(x.prediction));
      if (x.probabilities !== undefined) f.push('probabilities', JSON.stringify(x.probabilities));
      if (x.segment !== undefined) f.push('segment', String(x.segment));
      // the decision (action, band, model and policy versions, review, challenger) as fields too
      for (const [k, v] of Object.entries(x.decision ?? {})) if (v !== undefined && v !== null) f.push(k, typeof v === 'string' ? v : JSON.stringify(v));
      for (const [k, v] of Object.entries(x.explanation ? explanationFields(x.explanation) : {})) f.push(k, typeof v === 'string' ? v : JSON.stringify(v));
      p.hset(`${this.prefix}${x.eventId}`, ...f);
    }
    const res = await p.exec();
    for (const [err] of res ?? []) if (err) throw err;
  }
  async close(): Promise<void> {}
}

export class RedisDeadLetterSink implements DeadLetterSink {
  readonly name: string;
  constructor(
    private readonly r: Redis,
    readonly key: string,
  ) {
    this.name = `redis stream ${key}`;
  }
  async write(items: DeadLetter[]): Promise<void> {
    await xaddOnce(
      this.r,
      this.key,
      items.map((d) => ({
        id: d.eventId,
        fields: [
          ['reason', d.reason],
          ['payload', d.payload],
          ['source', d.source],
        ],
      })),
    );
  }
  async close(): Promise<void> {}
}

/**
 * Results to a stream, dead letters to a stream and the XACK of the batch, in ONE Lua script: the
 * batch is committed atomically (no window where results are written but the events not acked) and
 * in one round trip. KEYS: out stream, its marker prefix, dead-letter stream, its marker prefix,
 * source stream. ARGV: group, retention, #dead, packed results, packed ack ids, dead-letter entries.
 */
const COMMIT_LUA = `
local group = ARGV[1]
local retention = tonumber(ARGV[2])
local nd = tonumber(ARGV[3])
local pos = 6
${ADD_ONCE_FN}
-- results arrive packed in ARGV[4], one "id TAB score TAB data" line each (JSON data holds no raw
-- tab or newline): one argument instead of three per event keeps the client and the protocol cheap
local ids, scores, datas, buckets = {}, {}, {}, {}
local n = 0
for line in string.gmatch(ARGV[4], '[^\\n]+') do
  local t1 = string.find(line, '\\t', 1, true)
  local t2 = string.find(line, '\\t', t1 + 1, true)
  n = n + 1
  local id = string.sub(line, 1, t1 - 1)
  ids[n] = id
  scores[n] = string.sub(line, t1 + 1, t2 - 1)
  datas[n] = string.sub(line, t2 + 1)
  local dash = string.find(id, '-', 1, true)
  if dash and dash > 7 then buckets[n] = string.sub(id, 1, dash - 7) else buckets[n] = '0' end
end
-- per run of ids sharing a marker set (usually the whole batch; at most 1000 at a time): one
-- SMISMEMBER and one SADD instead of a SADD per event; an id repeated within the batch counts once
local added = 0
local fresh = {}
local i = 1
while i <= n do
  local j = i
  while j < n and j - i < 999 and buckets[j + 1] == buckets[i] do j = j + 1 end
  local key = KEYS[2] .. buckets[i]
  local run = {}
  for k = i, j do run[#run + 1] = ids[k] end
  local member = redis.call('SMISMEMBER', key, unpack(run))
  local new = {}
  for k = i, j do
    local id = ids[k]
    if member[k - i + 1] == 0 and not fresh[id] then
      fresh[id] = true
      new[#new + 1] = id
    end
  end
  if #new > 0 then
    redis.call('SADD', key, unpack(new))
    redis.call('PEXPIRE', key, retention)
    for k = i, j do
      local id = ids[k]
      if fresh[id] == true then
        fresh[id] = 1
        redis.call('XADD', KEYS[1], '*', 'event_id', id, 'score', scores[k], 'data', datas[k])
        added = added + 1
      end
    end
  end
  i = j + 1
end
local d = addOnce(KEYS[3], KEYS[4], nd, 3, retention)
-- ids to ack, space separated in ARGV[5]
local ids = {}
for id in string.gmatch(ARGV[5], '%S+') do
  ids[#ids + 1] = id
  if #ids == 1000 then
    redis.call('XACK', KEYS[5], group, unpack(ids))
    ids = {}
  end
end
if #ids > 0 then redis.call('XACK', KEYS[5], group, unpack(ids)) end
return {added, d}`;

type WithCommit = Redis & { dictlCommitBatch(...args: string[]): Promise<[number, number]> };

export class RedisBatchCommitter implements BatchCommitter {
  constructor(
    private readonly r: Redis,
    readonly source: string,
    readonly group: string,
    readonly outStream: string,
    readonly deadStream: string,
    readonly retentionMs = MARKER_RETENTION_MS,
  ) {
    if (!(r as unknown as Partial<WithCommit>).dictlCommitBatch) r.defineCommand('dictlCommitBatch', { numberOfKeys: 5, lua: COMMIT_LUA });
  }

  async commit(results: ResultRecord[], dead: DeadLetter[], events: SourceEvent[]): Promise<void> {
    let packed = '';
    for (const x of results) packed += `${x.eventId}\t${x.score}\t${resultJson(x)}\n`;
    let acks = '';
    for (const e of events) acks += e.id + ' ';
    const args: string[] = [
      this.outStream,
      `${this.outStream}:done:`,
      this.deadStream,
      `${this.deadStream}:done:`,
      this.source,
      this.group,
      String(this.retentionMs),
      String(dead.length),
      packed,
      acks,
    ];
    for (const d of dead) args.push(d.eventId, 'reason', d.reason, 'payload', d.payload, 'source', d.source);
    await (this.r as unknown as WithCommit).dictlCommitBatch(...args);
  }
}
