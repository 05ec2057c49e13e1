/** Number formats for people (no table library: pure modules may import this). */
/** A p-value for people: "< 0.0001", else two significant digits ("0.23", "1"). */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p < 1e-4) return '< 0.0001';
  return String(Number(p.toPrecision(2)));
}
