/** An append-only NDJSON log after crashes mid-append: torn fragments, a record glued to one, an unterminated last line. */
import { describe, expect, it } from 'vitest';
import { scanLog } from '../../../src/io/ndjson.js';

const isCase = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && (v as { id: string }).id.startsWith('rv-');

describe('scanLog', () => {
  it('reads whole lines, and a record appended after a torn fragment when the log can tell its records', () => {
    const a = '{"id":"rv-a","input":{"id":"e1","x":1}}';
    const b = '{"id":"rv-b","input":{"id":"e2","x":2}}';
    // the fragment of a line cut right after its nested input object, then the next append on the same line
    const text = `${a}\n${a.slice(0, 38)}${b}\n`;
    const s = scanLog(text, isCase);
    expect(s.unterminated).toBe(false);
    expect(s.records.map((r) => [r.line, (r.value as { id: string }).id, r.glued ?? false])).toEqual([
      [1, 'rv-a', false],
      [2, 'rv-b', true],
    ]);
    expect(s.torn).toEqual([{ line: 2, text: a.slice(0, 38) }]);
    expect(s.records[1].text).toBe(b);
    // without a record test nothing is taken back: the nested {"id":"e1","x":1} of the fragment is no record
    const plain = scanLog(text);
    expect(plain.records).toHaveLength(1);
    expect(plain.torn).toEqual([{ line: 2, text: `${a.slice(0, 38)}${b}` }]);
    expect(scanLog(`${a.slice(0, 38)}\n`, isCase)).toEqual({ records: [], torn: [{ line: 1, text: a.slice(0, 38) }], unterminated: false });
  });

  it('a last line without its newline is unterminated, whether or not it parses', () => {
    expect(scanLog('{"id":"rv-a"}\n{"id":"rv-b"').unterminated).toBe(true);
    expect(scanLog('{"id":"rv-a"}\n{"id":"rv-b"}').records).toHaveLength(2);
    expect(scanLog('{"id":"rv-a"}\n{"id":"rv-b"}').unterminated).toBe(true);
    expect(scanLog('').unterminated).toBe(false);
  });
});
