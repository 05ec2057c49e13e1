/** Round axis ticks (steps of 1, 2, 2.5 or 5 × 10^k) from 0 to at least `max`. Pure. */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const n = Math.ceil(max / step - 1e-9);
  // rounded to the step's decimals so 0.1 + 0.2 prints 0.3
  const dec = Math.max(0, -Math.floor(Math.log10(step)) + (step / mag === 2.5 ? 1 : 0));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(dec)));
}

/** A tick label: no trailing zeros ("0.5", "2", "12.5"). */
export const tickLabel = (v: number): string => String(Number(v.toPrecision(6)));
