/**
 * Finds what is structurally wrong with a CSV file, for an error message a person can act on: the
 * first invalid UTF-8 byte, the first row whose field count differs from the header's, or a quote
 * that is never closed. Only run when DuckDB has refused a file (its own messages are long and,
 * when sniffing fails, vague), so it favours clarity over speed. Streams the file; no DuckDB.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';

export interface CsvProblem {
  kind: 'encoding' | 'ragged' | 'unterminated-quote';
  /** 1-based line of the file (the header is line 1) */
  line: number;
  message: string;
}

/** Picks the delimiter from the header line: the most frequent of , ; TAB | outside quotes (default ","). */
export function detectDelimiter(headerLine: string, quote = '"'): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let inQ = false;
  for (const ch of headerLine) {
    if (ch === quote) inQ = !inQ;
    else if (!inQ && ch in counts) counts[ch]++;
  }
  let best = ',';
  for (const d of [';', '\t', '|']) if (counts[d] > counts[best]) best = d;
  return best;
}

/** Length of the UTF-8 sequence starting with byte b, or 0 if b cannot start one. */
function seqLen(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

export async function diagnoseCsv(path: string, delimiter: string, quote = '"'): Promise<CsvProblem | undefined> {
  const D = delimiter.charCodeAt(0);
  const Q = quote.charCodeAt(0);
  let line = 1;
  let recordStartLine = 1;
  let fields = 1;
  let headerFields = -1;
  let inQuote = false;
  let quoteLine = 0;
  let pendingCont = 0; // continuation bytes still expected by the UTF-8 decoder
  let lead = 0;
  let fieldChars = 0; // bytes in the current record (to skip blank lines)
  const endRecord = (): CsvProblem | undefined => {
    if (fieldChars === 0 && fields === 1) return undefined; // blank line
    if (headerFields < 0) headerFields = fields;
    else if (fields !== headerFields)
      return {
        kind: 'ragged',
        line: recordStartLine,
        message: `line ${recordStartLine} has ${fields} field${fields === 1 ? '' : 's'} but the header has ${headerFields}`,
      };
    fields = 1;
    fieldChars = 0;
    return undefined;
  };
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i];
      if (pendingCont > 0) {
        if ((b & 0xc0) !== 0x80) return { kind: 'encoding', line, message: `line ${line} is not valid UTF-8 (byte 0x${lead.toString(16)}); the file must be UTF-8` };
        pendingCont--;
        fieldChars++;
        continue;
      }
      if (b >= 0x80) {
        const n = seqLen(b);
        if (n === 0) return { kind: 'encoding', line, message: `line ${line} is not valid UTF-8 (byte 0x${b.toString(16)}); the file must be UTF-8` };
        pendingCont = n - 1;
        lead = b;
        fieldChars++;
        continue;
      }
      if (b === Q) {
        if (inQuote) {
          if (buf[i + 1] === Q) i++; // escaped quote "" (a pair split across chunks is rare and harmless here)
          else inQuote = false;
        } else {
          inQuote = true;
          quoteLine = line;
        }
        fieldChars++;
        continue;
      }
      if (b === 0x0a) {
        line++;
        if (inQuote) continue;
        const p = endRecord();
        if (p) return p;
        recordStartLine = line;
        continue;
      }
      if (inQuote) continue;
      if (b === 0x0d) continue;
      if (b === D) fields++;
      fieldChars++;
    }
  }
  if (pendingCont > 0) return { kind: 'encoding', line, message: `line ${line} ends inside a UTF-8 sequence; the file must be UTF-8` };
  if (inQuote) return { kind: 'unterminated-quote', line: quoteLine, message: `line ${quoteLine} opens a quoted field that is never closed` };
  return endRecord();
}

/** The useful part of a DuckDB error: the first line, plus the CSV line and reason when it gives them. */
export function condenseDuckError(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const first = (lines[0] ?? message).replace(/^[A-Za-z ]+ Error: /, '');
  const lineNo = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  if (lineNo) {
    const reason = lines.find((l, i) => i > 0 && !l.startsWith('Original Line') && !l.startsWith('CSV Error') && !l.startsWith('Possible'));
    return `line ${lineNo}: ${reason ?? first}`;
  }
  const conv = /Could not convert string "([^"]*)" to '?(\w+)'?/.exec(message);
  if (conv) {
    const col = /Column at position: \d+ Set type: \w+ Sniffed type: \w+|column "?([^"\s]+)"?/i.exec(message);
    return `value "${conv[1]}" is not ${conv[2]}${col?.[1] ? ` (column ${col[1]})` : ''}`;
  }
  return first;
}

/** The header's field names (RFC 4180 quoting), from the start of the file; undefined if no complete header line is in `head`. */
export function parseHeader(head: string, delimiter: string, quote = '"'): string[] | undefined {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const fields: string[] = [];
  let cur = '';
  let inQ = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQ) {
      if (ch === quote) {
        if (text[i + 1] === quote) {
          cur += quote;
          i++;
        } else inQ = false;
      } else cur += ch;
    } else if (ch === quote) inQ = true;
    else if (ch === delimiter) {
      fields.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(cur);
      return fields;
    } else cur += ch;
  }
  return undefined;
}

/** A problem with the header names: an empty name, or two names that DuckDB would treat as one (case-insensitive). */
export function headerProblem(names: string[]): string | undefined {
  const seen = new Map<string, number>();
  for (let i = 0; i < names.length; i++) {
    const n = names[i].trim();
    if (n === '') return `column ${i + 1} has no name in the header`;
    const k = n.toLowerCase();
    if (seen.has(k)) return `the header names two columns "${names[seen.get(k)!]}" and "${names[i]}" (names must differ, ignoring case)`;
    seen.set(k, i);
  }
  return undefined;
}

/** The compression format a file starts with (by magic bytes), or undefined. */
export function compressionOf(head: Uint8Array): string | undefined {
  const b = (i: number) => head[i];
  if (head.length >= 2 && b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (head.length >= 4 && b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (head.length >= 3 && b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  if (head.length >= 6 && b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (head.length >= 4 && b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return 'zip';
  return undefined;
}

/** Longest header line read (bytes): far above any real header (10,000 columns of 100 characters). */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024;

/**
 * The whole header line (up to its newline outside quotes, or the end of the file), however long:
 * the names are checked on all of it, not on the first few KB. Undefined when it is longer than
 * MAX_HEADER_BYTES.
 */
export function readHeaderLine(path: string, quote = '"'): string | undefined {
  const Q = quote.charCodeAt(0);
  const fd = openSync(path, 'r');
  try {
    const parts: Buffer[] = [];
    let total = 0;
    let inQ = false;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, total);
      if (got === 0) return Buffer.concat(parts).toString('utf8');
      for (let i = 0; i < got; i++) {
        const c = buf[i];
        if (c === Q) inQ = !inQ;
        else if (c === 0x0a && !inQ) {
          parts.push(Buffer.from(buf.subarray(0, i)));
          return Buffer.concat(parts).toString('utf8');
        }
      }
      parts.push(Buffer.from(buf.subarray(0, got)));
      total += got;
      if (total > MAX_HEADER_BYTES) return undefined;
    }
  } finally {
    closeSync(fd);
  }
}
