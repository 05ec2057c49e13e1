/**
 * Explanations in outputs: the JSON members `"base"` and `"reasons"` (and `"explained_class"` for
 * multiclass models) spliced into a result line, and the CSV cells base, reasonI_column,
 * reasonI_value, reasonI_contribution. Pure.
 */
import type { BatchExplanations, Explanation } from './explainer.js';
import { writeJsonNumber } from '../util/number-text.js';

const jnum = (x: number): string => (Number.isFinite(x) ? JSON.stringify(x) : 'null');
/** values repeat (categories, counts): their JSON text is kept, up to a bound */
const valText = new Map<string | number | boolean | null, string>();
const jval = (v: string | number | boolean | null): string => {
  let s = valText.get(v);
  if (s === undefined) {
    s = typeof v === 'number' ? jnum(v) : JSON.stringify(v);
    if (valText.size >= 1 << 16) valText.clear();
    valText.set(v, s);
  }
  return s;
};
/** the base value is the same for every row of a class */
let lastBase = NaN;
let lastBaseText = '';
const jbase = (x: number): string => {
  if (x !== lastBase) {
    lastBase = x;
    lastBaseText = `,"base":${jnum(x)}`;
  }
  return lastBaseText;
};
const prefixes = new Map<string, string>();
const prefix = (column: string): string => {
  let pre = prefixes.get(column);
  if (pre === undefined) {
    pre = `{"column":${JSON.stringify(column)},"value":`;
    if (prefixes.size < 4096) prefixes.set(column, pre);
  }
  return pre;
};

/** the members of row j of a batch (columnar results) */
function batchMembers(b: BatchExplanations, j: number): string {
  if (Number.isNaN(b.base[j])) return '';
  let out = jbase(b.base[j]);
  if (b.cls) out += `,"explained_class":${JSON.stringify(b.at(j)!.class)}`;
  out += ',"reasons":[';
  const k = b.k;
  for (let t = 0; t < k; t++) {
    const c = b.col[j * k + t];
    if (c < 0) break;
    out += (t ? ',' : '') + b.columnPrefix[c] + jval(b.vals[j * k + t]) + ',"contribution":' + jnum(b.contrib[j * k + t]) + '}';
  }
  return out + ']';
}

const utf8 = (s: string) => Uint8Array.from(Buffer.from(s, 'utf8'));
const B_CONTRIBUTION = utf8(',"contribution":');
const B_NULL = utf8('null');
/** per batch's columnPrefix (shared by the batches of one explainer): the prefixes as UTF-8 */
const prefixBytes = new WeakMap<string[], Uint8Array[]>();
/** JSON text (UTF-8) of string and boolean values, up to a bound */
const strBytes = new Map<string | boolean, Uint8Array>();
let lastBaseBytes = NaN;
let baseBytes = new Uint8Array(0);

/** what one reason can take beyond its value's and contribution's text */
const REASON_ROOM = 64;

/**
 * Writes the members batchMembers gives for row j (`,"base":…,"reasons":[…]`, multiclass aside) as
 * UTF-8 into a buffer, byte for byte the same; `room(k)` makes room for k more bytes at the current
 * offset and returns the buffer to write to. Returns the offset after them.
 */
export function writeBatchMembers(b: BatchExplanations, j: number, buf: Uint8Array, o: number, room: (o: number, k: number) => Uint8Array): number {
  if (Number.isNaN(b.base[j])) return o;
  if (b.cls) {
    const s = batchMembers(b, j);
    buf = room(o, s.length * 3);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return o + Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).utf8Write(s, o);
      buf[o + i] = c;
    }
    return o + s.length;
  }
  const x = b.base[j];
  if (!Object.is(x, lastBaseBytes)) {
    lastBaseBytes = x;
    baseBytes = utf8(`${jbase(x)},"reasons":[`);
  }
  let pre = prefixBytes.get(b.columnPrefix);
  if (!pre) {
    pre = b.columnPrefix.map(utf8);
    prefixBytes.set(b.columnPrefix, pre);
  }
  const k = b.k;
  buf = room(o, baseBytes.length + 2);
  for (let i = 0; i < baseBytes.length; i++) buf[o++] = baseBytes[i];
  for (let t = 0; t < k; t++) {
    const c = b.col[j * k + t];
    if (c < 0) break;
    const v = b.vals[j * k + t];
    let vb: Uint8Array | null = null;
    if (v === null) vb = B_NULL;
    else if (typeof v !== 'number') {
      vb = strBytes.get(v) ?? null;
      if (vb === null) {
        vb = utf8(JSON.stringify(v));
        if (strBytes.size >= 1 << 16) strBytes.clear();
        strBytes.set(v, vb);
      }
    }
    const p = pre[c];
    buf = room(o, p.length + (vb ? vb.length : 0) + REASON_ROOM);
    if (t) buf[o++] = 44; // ,
    for (let i = 0; i < p.length; i++) buf[o++] = p[i];
    if (vb) for (let i = 0; i < vb.length; i++) buf[o++] = vb[i];
    else o = writeJsonNumber(buf, o, v as number);
    for (let i = 0; i < B_CONTRIBUTION.length; i++) buf[o++] = B_CONTRIBUTION[i];
    o = writeJsonNumber(buf, o, b.contrib[j * k + t]);
    buf[o++] = 125; // }
  }
  buf = room(o, 1);
  buf[o++] = 93; // ]
  return o;
}

/** `,"base":…,"reasons":[…]` of a scored row (`explanation`) or of row j of a columnar result (`explanations`); "" when none */
export function explainMembers(s: { explanation?: (Omit<Explanation, 'reasons'> & { reasons?: Explanation['reasons'] }) | null; explanations?: BatchExplanations }, j?: number): string {
  if (j !== undefined) return s.explanations ? batchMembers(s.explanations, j) : '';
  const e = s.explanation;
  if (!e) return '';
  let out = `,"base":${jnum(e.base)}`;
  if (e.class !== undefined) out += `,"explained_class":${JSON.stringify(e.class)}`;
  out += ',"reasons":[';
  const reasons = e.reasons ?? [];
  for (let k = 0; k < reasons.length; k++) {
    const r = reasons[k];
    out += (k ? ',' : '') + prefix(r.column) + jval(r.value) + ',"contribution":' + jnum(r.contribution) + '}';
  }
  return out + ']';
}

export function explainCsvHeader(k: number): string[] {
  const h = ['base'];
  for (let i = 1; i <= k; i++) h.push(`reason${i}_column`, `reason${i}_value`, `reason${i}_contribution`);
  return h;
}

/** the CSV cells (each already quoted as needed) of an explanation with room for k reasons */
export function explainCsvCells(e: Explanation | null | undefined, k: number, quote: (s: string) => string): string[] {
  const cells = [e ? String(e.base) : ''];
  for (let i = 0; i < k; i++) {
    const r = e?.reasons[i];
    cells.push(r ? quote(r.column) : '', r && r.value !== null ? quote(String(r.value)) : '', r ? String(r.contribution) : '');
  }
  return cells;
}

const signed = (x: number) => (x >= 0 ? '+' : '') + (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(2) : x.toExponential(1));

/** one reason for people: "international_plan = yes: +1.21" */
export function reasonText(r: { column: string; value: unknown; contribution: number }): string {
  const v = r.value === null || r.value === undefined ? '(missing)' : String(r.value);
  return `${r.column} = ${v}: ${signed(r.contribution)}`;
}
