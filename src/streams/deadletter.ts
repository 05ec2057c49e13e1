/**
 * Dead letters to an NDJSON file: one line per rejected event
 * {"event_id","reason","payload","source","at"}, appended and fsynced per batch before the batch is
 * acked. A replay after a crash may append a line twice (same event_id); readers dedupe on event_id.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { DeadLetter, DeadLetterSink } from './types.js';

export class FileDeadLetterSink implements DeadLetterSink {
  readonly name: string;
  private fh?: FileHandle;
  constructor(readonly path: string) {
    this.name = `file ${path}`;
  }
  /** opens the file for appending now, so a bad path fails at start-up rather than on the first bad event */
  async open(): Promise<this> {
    this.fh ??= await open(this.path, 'a');
    return this;
  }
  async write(items: DeadLetter[]): Promise<void> {
    this.fh ??= await open(this.path, 'a');
    const at = new Date().toISOString();
    const text = items.map((d) => JSON.stringify({ event_id: d.eventId, reason: d.reason, payload: d.payload, source: d.source, at }) + '\n').join('');
    await this.fh.write(text);
    await this.fh.datasync();
  }
  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
