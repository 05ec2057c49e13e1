/** Number formats for people (no table library: pure modules may import this). */
/** A p-value for people: "< 0.0001", else two significant digits ("0.23", "1"). */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p < 1e-4) return '< 0.0001';
  return String(Number(p.toPrecision(2)));
}

/** One spelling per metric for people: training metrics use camelCase keys (prAuc), evaluations snake_case (pr_auc). */
export function metricKey(k: string): string {
  return k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** Model parameters as "C=0.1 penalty=l2 …", leaving out the ones not set (null, undefined). */
export function fmtParams(params: Record<string, unknown>, sep = ' '): string {
  return Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? shortNum(v) : Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(sep);
}

/** At most 6 significant digits, no trailing zeros: 0.09340000000000001 → "0.0934". */
export const shortNum = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v));

/** A threshold for people: 4 significant digits (the stored value stays exact). */
export const fmtThreshold = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v));
