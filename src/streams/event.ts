/**
 * Event payload decoding, shared by every source. Two formats:
 *  - JSON: a Redis entry with a field `data` holding the event as a JSON object (other fields are
 *    ignored), or a Kafka message value holding the JSON object;
 *  - flat fields: a Redis entry without `data`; each field is an input column. Redis stores strings,
 *    so numeric-looking values become numbers and empty values become null; if the event then fails
 *    validation the plain strings are tried (a categorical "042" stays a string).
 */
import type { SourceEvent } from './types.js';

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

export function decodeJson(id: string, text: string): SourceEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { id, raw: text, error: `bad JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { id, raw: text, error: 'event is not a JSON object' };
  }
  return { id, raw: text, event: value as Record<string, unknown> };
}

/** Redis entry fields as returned by XREADGROUP: [k1, v1, k2, v2, ...]. */
export function decodeFields(id: string, fields: string[]): SourceEvent {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'data') return decodeJson(id, fields[i + 1]);
  }
  const flat: Record<string, string> = {};
  const event: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const k = fields[i];
    const v = fields[i + 1];
    flat[k] = v;
    event[k] = coerceString(v);
  }
  return { id, raw: JSON.stringify(flat), event, flat };
}

/** "3.5" → 3.5, "" → null, anything else unchanged. */
export function coerceString(v: string): unknown {
  if (v === '') return null;
  if (NUMBER.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return v;
}
