/**
 * Turns a push-style consumer (kafkajs eachBatch) into a pull Source: the consumer pushes a batch
 * and waits until every event of it is acked; the runner pulls events, and acks them after writing.
 * Pulled-but-unacked events can be put back (redeliver) after a failed batch. Pure in-process logic.
 */
interface Ticket {
  remaining: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class PushPullQueue<T extends object> {
  private queue: T[] = [];
  private tickets = new Map<T, Ticket>();
  /** pulled, not yet acked, in pull order */
  private outstanding = new Map<T, true>();
  private waiter?: () => void;
  private closed?: Error;

  /** Resolves when all items are acked; rejects if the queue is closed first. */
  push(items: T[]): Promise<void> {
    if (this.closed) return Promise.reject(this.closed);
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const t: Ticket = { remaining: items.length, resolve, reject };
      for (const it of items) {
        this.tickets.set(it, t);
        this.queue.push(it);
      }
      this.notify();
    });
  }

  async pull(max: number, blockMs: number): Promise<T[]> {
    if (this.queue.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, blockMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiter = done;
      });
      this.waiter = undefined;
    }
    const out = this.queue.splice(0, max);
    for (const it of out) this.outstanding.set(it, true);
    return out;
  }

  ack(items: T[]): void {
    for (const it of items) {
      this.outstanding.delete(it);
      const t = this.tickets.get(it);
      if (!t) continue;
      this.tickets.delete(it);
      if (--t.remaining === 0) t.resolve();
    }
  }

  /** Puts these pulled-but-unacked items back at the front of the queue, in their order. */
  redeliver(items: T[]): void {
    const back = items.filter((it) => this.outstanding.has(it));
    for (const it of back) this.outstanding.delete(it);
    this.queue.unshift(...back);
  }

  wake(): void {
    this.waiter?.();
  }

  close(err = new Error('stream stopped')): void {
    this.closed = err;
    const seen = new Set<Ticket>();
    for (const t of this.tickets.values()) {
      if (seen.has(t)) continue;
      seen.add(t);
      t.reject(err);
    }
    this.tickets.clear();
    this.queue = [];
    this.outstanding.clear();
    this.wake();
  }

  get queued(): number {
    return this.queue.length;
  }

  private notify() {
    this.waiter?.();
  }
}
