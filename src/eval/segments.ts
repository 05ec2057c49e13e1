/**
 * A segmentation's description for `evaluate` and its HTML report: the size of each segment (bar
 * chart) and the centre profile (a heat map of every feature's centre against the mean of all
 * training rows, labelled in the inputs' units where the transforms are invertible). Pure but for
 * writing the report file.
 */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { summarizeFamily } from '../ml/families/index.js';
import type { SegmentColumn, SegmentProfile } from '../ml/kmeans/profile.js';
import { resolveModel } from '../registry/models.js';
import type { SegmentModelVersion } from '../types.js';
import { renderTable } from '../ui/table.js';
import type { Workspace } from '../workspace.js';
import { barChart, esc } from './report.js';

export interface SegmentEvaluation {
  kind: 'segmentation';
  model: string;
  headline: string;
  k: number;
  inertia: number;
  silhouette: number | null;
  silhouetteSample: number;
  segments: SegmentProfile[];
  report?: string;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3));

/** One column of a profile as text: the centre (and all rows') in the input's units where possible. */
export function describeColumn(c: SegmentColumn): string {
  return c.original ? `${c.original.input} ${fmt(c.original.value)} (all ${fmt(c.original.overall)})` : `${c.feature} ${fmt(c.value)} (all ${fmt(c.overall)})`;
}

/**
 * Heat map: one row per segment, one column per feature; the colour is the centre's departure from
 * all rows in feature units (blue below, red above, clipped at ±2), the cell text its value.
 */
export function profileHeatmap(segments: SegmentProfile[]): string {
  const features = segments[0]?.centre ?? [];
  const cw = 64;
  const ch = 24;
  const left = 70;
  const top = 120;
  const W = left + cw * features.length + 100;
  const H = top + ch * segments.length + 10;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Segment centres">`];
  parts.push(`<text x="4" y="16" class="t">Segment centres vs all rows (colour: difference in feature units)</text>`);
  features.forEach((f, j) => {
    const x = left + j * cw + cw / 2;
    parts.push(`<text x="${x}" y="${top - 6}" class="k" transform="rotate(-45 ${x} ${top - 6})">${esc(f.original?.input ?? f.feature)}</text>`);
  });
  segments.forEach((s, i) => {
    const y = top + i * ch;
    parts.push(`<text x="${left - 6}" y="${y + ch / 2 + 4}" text-anchor="end" class="k">segment ${s.segment}</text>`);
    s.centre.forEach((c, j) => {
      const d = Math.max(-2, Math.min(2, c.value - c.overall)) / 2;
      const r = d > 0 ? 255 : Math.round(255 * (1 + d));
      const b = d < 0 ? 255 : Math.round(255 * (1 - d));
      const g = Math.round(255 * (1 - Math.abs(d)));
      const shown = c.original ? c.original.value : c.value;
      parts.push(`<rect x="${left + j * cw}" y="${y}" width="${cw - 1}" height="${ch - 1}" fill="rgb(${r},${g},${b})"><title>${esc(describeColumn(c))}</title></rect>`);
      parts.push(`<text x="${left + j * cw + cw / 2}" y="${y + ch / 2 + 4}" text-anchor="middle" class="k">${esc(fmt(shown))}</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The terminal table of segments: rows, share, most distinctive columns. */
export function segmentTable(segments: SegmentProfile[]): string {
  return renderTable(['segment', 'rows', 'share', 'most distinctive (centre vs all rows)'], segments.map((s) => [String(s.segment), String(s.size), `${(100 * s.share).toFixed(1)}%`, s.distinctive.map(describeColumn).join('; ')]));
}

export function renderSegmentReport(e: SegmentEvaluation): string {
  const sizes = barChart('Segment sizes', 'segment', 'training rows', e.segments.map((s) => String(s.segment)), [{ name: 'rows', color: '#1f6fb2', values: e.segments.map((s) => s.size) }]);
  const rows = e.segments
    .map((s) => `<tr><td>${s.segment}</td><td>${s.size}</td><td>${(100 * s.share).toFixed(1)}%</td><td>${esc(s.distinctive.map(describeColumn).join('; '))}</td></tr>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Segments of ${esc(e.model)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}.s{color:#555}
figure{margin:0;border:1px solid #eee;display:inline-block}svg .t{font-size:13px;font-weight:600}svg .k{font-size:10px;fill:#222}svg .g{stroke:#eee}svg .f{fill:none;stroke:#999}svg .d{stroke:#999;stroke-dasharray:4 3}
</style></head>
<body>
<h1>Segments of ${esc(e.model)}</h1>
<p class="s">${esc(e.headline)}.</p>
<h2>Sizes</h2><figure>${sizes}</figure>
<h2>Most distinctive columns</h2>
<table><thead><tr><th>segment</th><th>rows</th><th>share</th><th>centre vs all rows</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Centre profile</h2><figure>${profileHeatmap(e.segments)}</figure>
</body></html>
`;
}

/** The segments of a segmentation model, and with `report` the HTML report written there. */
export function evaluateSegments(ws: Workspace, refText: string, opts: { report?: string } = {}): SegmentEvaluation {
  const r = resolveModel(ws, refText);
  const m = r.model as SegmentModelVersion;
  const fam = summarizeFamily(m);
  const e: SegmentEvaluation = {
    kind: 'segmentation',
    model: r.ref,
    headline: fam.headline,
    k: m.kmeans.k,
    inertia: m.kmeans.inertia,
    silhouette: m.kmeans.silhouette,
    silhouetteSample: m.kmeans.silhouetteSample,
    segments: fam.segments ?? [],
  };
  if (opts.report) {
    const path = resolve(opts.report);
    writeFileAtomic(path, renderSegmentReport(e));
    e.report = path;
  }
  return e;
}
