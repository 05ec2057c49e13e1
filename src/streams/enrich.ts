/** Stream enrichment from the online store: look up each event's entity key, merge under its fields. */
import { mergeUnder, type OnlineLookup } from '../online/redis-features.js';
import type { Enricher, SourceEvent } from './types.js';

export class LookupEnricher implements Enricher {
  constructor(
    readonly lookup: Pick<OnlineLookup, 'getMany' | 'close'>,
    readonly entityKey: string,
  ) {}

  async enrich(events: SourceEvent[]): Promise<void> {
    const targets: SourceEvent[] = [];
    const ids: string[] = [];
    for (const e of events) {
      if (!e.event) continue;
      const raw = e.flat?.[this.entityKey] ?? e.event[this.entityKey];
      if (raw === undefined || raw === null || raw === '') continue;
      targets.push(e);
      ids.push(String(raw));
    }
    if (ids.length === 0) return;
    const found = await this.lookup.getMany(ids);
    targets.forEach((e, i) => {
      if (found[i] === null) e.lookupMiss = `entity ${JSON.stringify(ids[i])} not found in the online store`;
      mergeUnder(e.event!, found[i]);
    });
  }

  async close(): Promise<void> {
    await this.lookup.close();
  }
}
