/**
 * The dead-letter file: NDJSON lines appended to one file, opened when the run starts (so a bad path
 * fails before any event is read, as a usage error). `durable` files are fdatasynced on every write
 * (stream runs ack the events after it); others once, on close.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { usageError } from '../errors.js';

export class DeadLetterFile {
  private fd: number;
  constructor(
    readonly path: string,
    private readonly o: { durable?: boolean; hint?: string } = {},
  ) {
    try {
      this.fd = openSync(path, 'a', 0o644);
    } catch (e) {
      throw usageError(`cannot open the dead-letter file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, o.hint ?? 'give a writable file path');
    }
  }
  /** appends one line per item (already JSON) */
  write(lines: string[]): void {
    if (lines.length === 0) return;
    writeSync(this.fd, lines.join('\n') + '\n');
    if (this.o.durable) syncQuietly(() => fdatasyncSync(this.fd));
  }
  close(): void {
    if (this.fd < 0) return;
    syncQuietly(() => fsyncSync(this.fd));
    closeSync(this.fd);
    this.fd = -1;
  }
}

/** pipes and some file systems cannot sync */
function syncQuietly(f: () => void) {
  try {
    f();
  } catch {
    /* nothing to sync to */
  }
}
