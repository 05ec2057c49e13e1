/**
 * Explanations in outputs: the JSON members `"base"` and `"reasons"` (and `"explained_class"` for
 * multiclass models) spliced into a result line, and the CSV cells base, reasonI_column,
 * reasonI_value, reasonI_contribution. Pure.
 */
import type { BatchExplanations, Explanation } from './explainer.js';

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
