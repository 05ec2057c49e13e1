/** A CSV field: quoted (inner quotes doubled) when it holds a quote, comma or line break (RFC 4180). */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
