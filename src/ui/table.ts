import Table from 'cli-table3';

/** A plain table (no colour codes, so it reads the same piped or on a terminal). */
export function renderTable(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r.map((v) => (v === null || v === undefined ? '' : typeof v === 'number' ? fmtNum(v) : v)));
  return t.toString();
}

export function fmtNum(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(digits);
}

/** A horizontal bar for inline charts in tables. */
export function bar(fraction: number, width = 20): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '·'.repeat(width - full);
}
