/**
 * NDJSON files, one JSON value a line. Two readers: an append-only log's (a torn line from a crash
 * mid-append is skipped; doctor reports it) and an input file's (every line must be a JSON object; the
 * first that is not is a data error naming its line).
 *
 * What a crash mid-append leaves in a log: the first bytes of a line, without its newline. The next
 * append then starts on that same line, so the line reads as the torn fragment followed by one whole
 * record; readers that can tell a record of their log (`isRecord`) take it back from the end of such a
 * line (the fragment is skipped). Without `isRecord` nothing is taken back: a fragment may end in a
 * whole nested object, which is not a record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dataError, notFound } from '../errors.js';

/** A whole JSON value at the end of a line that does not parse (a record appended after a torn one), if any. */
function recordAfterFragment(line: string, isRecord: (v: unknown) => boolean): { value: unknown; at: number } | undefined {
  for (let at = line.indexOf('{', 1); at > 0; at = line.indexOf('{', at + 1)) {
    let value: unknown;
    try {
      value = JSON.parse(line.slice(at));
    } catch {
      continue; // not where the record starts
    }
    if (isRecord(value)) return { value, at };
  }
  return undefined;
}

/** Every parseable line of an NDJSON log (and any record appended after a torn line); a missing file is an empty log. */
export function readLog<T>(path: string, isRecord?: (v: unknown) => boolean): T[] {
  if (!existsSync(path)) return [];
  return scanLog(readFileSync(path, 'utf8'), isRecord).records.map((r) => r.value as T);
}

export interface LogScan {
  /** the values read, with their 1-based line; `glued` when it followed a torn fragment on its line */
  records: { value: unknown; line: number; text: string; glued?: boolean }[];
  /** what does not parse: torn fragments (with their line) */
  torn: { line: number; text: string }[];
  /** the text does not end with a newline: the last line was cut mid-append (or its newline was) */
  unterminated: boolean;
}

/** An NDJSON log's text line by line: records, torn fragments (a record glued after one is kept), and whether the last line is unterminated. */
export function scanLog(text: string, isRecord?: (v: unknown) => boolean): LogScan {
  const scan: LogScan = { records: [], torn: [], unterminated: text.length > 0 && !text.endsWith('\n') };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim()) continue;
    try {
      scan.records.push({ value: JSON.parse(l), line: i + 1, text: l });
    } catch {
      const r = isRecord && recordAfterFragment(l, isRecord);
      if (r) {
        scan.torn.push({ line: i + 1, text: l.slice(0, r.at) });
        scan.records.push({ value: r.value, line: i + 1, text: l.slice(r.at), glued: true });
      } else scan.torn.push({ line: i + 1, text: l });
    }
  }
  return scan;
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
