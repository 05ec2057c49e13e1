/**
 * An in-process stream with consumer-group semantics (entries, a per-group delivery cursor, a pending
 * list per entry, claim of idle entries) and in-memory sinks. Used to test the runner without a
 * broker (the Kafka path) and handy for embedding dictl's scorer in another Node program. Below them,
 * a batch source and sink of any batch shape, for driving the engine loop itself.
 */
import { decodeJson } from './event.js';
import type { BatchSink, BatchSource, DeadLetter, DeadLetterSink, ResultRecord, Sink, Source, SourceEvent } from './types.js';

interface Pending {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

export class MemoryStream {
  readonly entries: { id: string; payload: string }[] = [];
  private groups = new Map<string, { next: number; pending: Map<string, Pending> }>();
  private listeners = new Set<() => void>();

  append(payload: string): string {
    const id = `${this.entries.length + 1}`;
    this.entries.push({ id, payload });
    for (const l of this.listeners) l();
    return id;
  }

  group(name: string) {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { next: 0, pending: new Map() }));
    return g;
  }

  pendingCount(group: string): number {
    return this.group(group).pending.size;
  }

  /** resolves on the next append or after ms */
  waitForAppend(ms: number, wake: { fn?: () => void }): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.listeners.delete(done);
        wake.fn = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.listeners.add(done);
      wake.fn = done;
    });
  }

  payload(id: string): string {
    return this.entries[Number(id) - 1].payload;
  }
}

export class MemorySource implements Source {
  readonly name: string;
  private redeliverQueue: string[] = [];
  private nClaimed = 0;
  private wakeRef: { fn?: () => void } = {};
  constructor(
    readonly stream: MemoryStream,
    readonly groupName: string,
    readonly consumer: string,
    readonly claimIdleMs = 30_000,
  ) {
    this.name = `memory stream (group ${groupName}, consumer ${consumer})`;
    // like Redis: our own pending entries (left by an earlier run of this consumer) come first
    for (const [id, p] of this.stream.group(groupName).pending) if (p.consumer === consumer) this.redeliverQueue.push(id);
  }

  async read(max: number, blockMs: number): Promise<SourceEvent[]> {
    const g = this.stream.group(this.groupName);
    const now = Date.now();
    const take = (ids: string[]) => ids.map((id) => decodeJson(id, this.stream.payload(id)));
    if (this.redeliverQueue.length > 0) return take(this.redeliverQueue.splice(0, max));
    const claim: string[] = [];
    for (const [id, p] of g.pending) {
      if (claim.length >= max) break;
      if (p.consumer !== this.consumer && now - p.deliveredAt >= this.claimIdleMs) claim.push(id);
    }
    if (claim.length > 0) {
      for (const id of claim) {
        const p = g.pending.get(id)!;
        g.pending.set(id, { consumer: this.consumer, deliveredAt: now, deliveries: p.deliveries + 1 });
      }
      this.nClaimed += claim.length;
      return take(claim);
    }
    if (g.next >= this.stream.entries.length) await this.stream.waitForAppend(blockMs, this.wakeRef);
    const ids: string[] = [];
    while (ids.length < max && g.next < this.stream.entries.length) {
      const id = this.stream.entries[g.next++].id;
      g.pending.set(id, { consumer: this.consumer, deliveredAt: Date.now(), deliveries: 1 });
      ids.push(id);
    }
    return take(ids);
  }

  async ack(events: SourceEvent[]): Promise<void> {
    const g = this.stream.group(this.groupName);
    for (const e of events) g.pending.delete(e.id);
  }

  redeliver(events: SourceEvent[]): void {
    const g = this.stream.group(this.groupName);
    for (const e of events) if (g.pending.get(e.id)?.consumer === this.consumer) this.redeliverQueue.push(e.id);
  }

  claimed(): number {
    return this.nClaimed;
  }

  wake(): void {
    this.wakeRef.fn?.();
  }

  async close(): Promise<void> {}
}

/** Results by event id (a replay overwrites: idempotent); `failures` makes the next writes throw. */
export class MemorySink implements Sink {
  readonly name = 'memory sink';
  readonly results = new Map<string, ResultRecord>();
  writes = 0;
  failures = 0;
  async write(results: ResultRecord[]): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('sink unavailable');
    }
    this.writes++;
    for (const r of results) this.results.set(r.eventId, r);
  }
  async close(): Promise<void> {}
}

export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly name = 'memory dead letters';
  readonly items = new Map<string, DeadLetter>();
  async write(items: DeadLetter[]): Promise<void> {
    for (const d of items) this.items.set(d.eventId, d);
  }
  async close(): Promise<void> {}
}

/** Batches handed out in order, then the end; the acks it took. Drives the engine loop in a test without a process. */
export class MemoryBatchSource<B> implements BatchSource<B> {
  readonly name = 'memory batches';
  readonly acked: B[] = [];
  private next = 0;
  constructor(private readonly batches: B[]) {}
  async read(): Promise<B | null> {
    return this.next < this.batches.length ? this.batches[this.next++] : null;
  }
  async ack(batch: B): Promise<void> {
    this.acked.push(batch);
  }
  wake(): void {}
  async close(): Promise<void> {}
}

/** Every batch written, with what the engine made of it, in order. */
export class MemoryBatchSink<B, S> implements BatchSink<B, S> {
  readonly name = 'memory batch sink';
  readonly written: { batch: B; scored: S }[] = [];
  async write(batch: B, scored: S): Promise<void> {
    this.written.push({ batch, scored });
  }
  async close(): Promise<void> {}
}
