/**
 * NDJSON files, one JSON value a line. Two readers: an append-only log's (a torn last line from a crash
 * mid-append is skipped; doctor reports it) and an input file's (every line must be a JSON object; the
 * first that is not is a data error naming its line).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dataError, notFound } from '../errors.js';

/** Every parseable line of an NDJSON log; a missing file is an empty log. */
export function readLog<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      /* torn line */
    }
  }
  return out;
}

/**
 * Each non-blank line of an NDJSON input file parsed, with its 1-based line number, until `take`
 * returns false; `notJson` words the error for a line that does not parse (thrown as it returns it).
 */
export function eachLine(path: string, take: (value: unknown, line: number) => boolean | void, notJson: (line: number, e: Error) => Error): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      throw notJson(i + 1, e as Error);
    }
    if (take(v, i + 1) === false) return;
  }
}

/** The objects of an NDJSON input file (at most `limit`), or a data error at the first line that is not one. */
export function readObjects(path: string, limit?: number): Record<string, unknown>[] {
  if (!existsSync(path)) throw notFound(`input file ${path} does not exist`);
  const out: Record<string, unknown>[] = [];
  eachLine(
    path,
    (v, line) => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw dataError(`${path} line ${line} is not a JSON object`);
      out.push(v as Record<string, unknown>);
      return !(limit && out.length >= limit);
    },
    (line) => dataError(`${path} line ${line} is not JSON`, 'the input is one JSON object per line (NDJSON)'),
  );
  return out;
}
