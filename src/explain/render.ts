/**
 * Explanations in outputs: the JSON members `"base"` and `"reasons"` (and `"explained_class"` for
 * multiclass models) spliced into a result line, and the CSV cells base, reasonI_column,
 * reasonI_value, reasonI_contribution. Pure.
 */
import type { Explanation } from './explainer.js';

const jnum = (x: number): string => (Number.isFinite(x) ? JSON.stringify(x) : 'null');
const prefixes = new Map<string, string>();

/** `,"base":…,"reasons":[…]` of a scored row (`explanation`) or of row j of a columnar result (`explanations[j]`); "" when none */
export function explainMembers(s: object, j?: number): string {
  const e = j === undefined ? (s as { explanation?: Explanation | null }).explanation : (s as { explanations?: (Explanation | null)[] }).explanations?.[j];
  if (!e) return '';
  let out = `,"base":${jnum(e.base)}`;
  if (e.class !== undefined) out += `,"explained_class":${JSON.stringify(e.class)}`;
  out += ',"reasons":[';
  for (let k = 0; k < e.reasons.length; k++) {
    const r = e.reasons[k];
    let pre = prefixes.get(r.column);
    if (pre === undefined) {
      pre = `{"column":${JSON.stringify(r.column)},"value":`;
      if (prefixes.size < 4096) prefixes.set(r.column, pre);
    }
    const v = typeof r.value === 'number' ? jnum(r.value) : JSON.stringify(r.value);
    out += (k ? ',' : '') + pre + v + ',"contribution":' + jnum(r.contribution) + '}';
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
