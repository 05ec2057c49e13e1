/**
 * Dead letters to an NDJSON file: one line per rejected event
 * {"event_id","reason","payload","source","at"}, appended and fdatasynced per batch before the batch is
 * acked. A replay after a crash may append a line twice (same event_id); readers dedupe on event_id.
 */
import { DeadLetterFile } from '../io/dead-letter.js';
import type { DeadLetter, DeadLetterSink } from './types.js';

export class FileDeadLetterSink implements DeadLetterSink {
  readonly name: string;
  private file: DeadLetterFile;
  /** opens the file for appending now, so a bad path fails at start-up rather than on the first bad event */
  constructor(readonly path: string) {
    this.name = `file ${path}`;
    this.file = new DeadLetterFile(path, { durable: true, hint: '--dead-letter FILE (NDJSON, appended) or stream:KEY' });
  }
  async write(items: DeadLetter[]): Promise<void> {
    const at = new Date().toISOString();
    this.file.write(items.map((d) => JSON.stringify({ event_id: d.eventId, reason: d.reason, payload: d.payload, source: d.source, at })));
  }
  async close(): Promise<void> {
    this.file.close();
  }
}
