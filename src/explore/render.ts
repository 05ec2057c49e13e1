/** Renderings of an ExploreResult: terminal tables with inline bars, and a self-contained HTML page. Pure. */
import { fmtP } from '../ui/format.js';
import { niceTicks, tickLabel } from '../ui/ticks.js';
import { bar, renderTable } from '../ui/table.js';
import type { ColumnStory, ExploreResult } from './explore.js';
import { esc } from '../ui/html.js';

const pct = (x: number, d = 1) => `${(100 * x).toFixed(d)}%`;
const signed = (x: number, d = 1) => `${x >= 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(d)} pt`;
const pFmt = (p: number) => (p < 1e-4 ? 'p < 0.0001' : `p = ${fmtP(p)}`);

export function verdict(c: ColumnStory): string {
  const a = c.association;
  if (a.p < 0.001) return `strong evidence the ${c.column} segments differ (${pFmt(a.p)}, V = ${a.cramersV.toFixed(2)})`;
  if (a.p < 0.05) return `some evidence the ${c.column} segments differ (${pFmt(a.p)}, V = ${a.cramersV.toFixed(2)})`;
  return `no clear difference between ${c.column} segments (${pFmt(a.p)})`;
}

export function renderExploreText(r: ExploreResult): string {
  const out: string[] = [];
  out.push(`${r.dataset}: ${r.target} = ${r.positive} in ${r.overall.positives} of ${r.overall.n} rows: ${pct(r.overall.rate)} (95% CI ${pct(r.overall.ci[0])}–${pct(r.overall.ci[1])})${r.missingTarget ? `; ${r.missingTarget} rows without a target left out` : ''}`);
  out.push('');
  out.push('Segments departing most from the overall rate:');
  out.push(renderTable(['column', 'segment', 'rows', 'rate', '95% CI', 'vs overall', 'z'], r.ranking.map((s) => [s.column, s.label, s.n, pct(s.rate), `${pct(s.ci[0])}–${pct(s.ci[1])}`, signed(s.diff), s.z.toFixed(1)])));
  const maxRate = Math.max(r.overall.rate, ...r.columns.flatMap((c) => c.segments.map((s) => s.ci[1])));
  for (const c of r.columns) {
    out.push('');
    out.push(`${c.column} (${c.kind === 'bins' ? 'quantile bins' : c.kind === 'time' ? 'by period' : 'categories'}): ${verdict(c)}`);
    out.push(
      renderTable(
        ['segment', 'rows', 'rate', '', '95% CI', 'vs overall', 'z', 'q', ''],
        c.segments.map((s) => [s.label, s.n, pct(s.rate), bar(s.rate / (maxRate || 1), 20), `${pct(s.ci[0])}–${pct(s.ci[1])}`, signed(s.diff), s.z.toFixed(1), s.q === undefined ? '' : fmtP(s.q), s.significant ? '*' : '']),
      ),
    );
  }
  out.push('');
  out.push(`* significant: ${r.multipleComparisons}; q = the Benjamini–Hochberg adjusted p-value`);
  if (r.skipped.length) {
    out.push('');
    for (const s of r.skipped) out.push(`skipped ${s.column}: ${s.reason}`);
  }
  return out.join('\n');
}


/** One horizontal bar chart (inline SVG) per column: rate per segment, its CI as a whisker, the overall rate as a line. */
function chart(c: ColumnStory, overall: number, scale: number): string {
  const rowH = 22;
  const left = 190;
  const width = 420;
  const axisY = c.segments.length * rowH + 8;
  const h = axisY + 50;
  const x = (v: number) => left + (v / scale) * width;
  const parts: string[] = [`<svg width="${left + width + 70}" height="${h}" role="img" aria-label="${esc(c.column)}">`];
  c.segments.forEach((s, i) => {
    const y = 4 + i * rowH;
    const colour = !s.significant ? '#7f8c8d' : s.rate > overall ? '#c0392b' : '#2471a3';
    parts.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end" font-size="12">${esc(s.label)} (${s.n})</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${Math.max(0, x(s.rate) - left).toFixed(1)}" height="${rowH - 8}" fill="${colour}" opacity="0.8"><title>${esc(s.label)}: ${pct(s.rate)} of ${s.n} (95% CI ${pct(s.ci[0])}–${pct(s.ci[1])})</title></rect>`);
    parts.push(`<line x1="${x(s.ci[0]).toFixed(1)}" x2="${x(s.ci[1]).toFixed(1)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="#222" stroke-width="1.5"/>`);
    parts.push(`<text x="${(x(s.ci[1]) + 4).toFixed(1)}" y="${y + 14}" font-size="11">${pct(s.rate)}</text>`);
  });
  // the x axis: the rate, with round percentage ticks
  parts.push(`<line x1="${left}" x2="${left + width}" y1="${axisY}" y2="${axisY}" stroke="#444"/>`);
  for (const t of niceTicks(scale, 5).filter((t) => t <= scale + 1e-9)) {
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${axisY}" y2="${axisY + 4}" stroke="#444"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${axisY + 16}" font-size="11" text-anchor="middle">${tickLabel(Number((t * 100).toPrecision(6)))}%</text>`);
  }
  parts.push(`<text x="${left + width / 2}" y="${axisY + 46}" font-size="11" text-anchor="middle">rate of the target (bars), 95% interval (whiskers)</text>`);
  parts.push(`<line x1="${x(overall).toFixed(1)}" x2="${x(overall).toFixed(1)}" y1="0" y2="${axisY}" stroke="#000" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${x(overall).toFixed(1)}" y="${axisY + 30}" font-size="11" text-anchor="middle">overall ${pct(overall)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

export function renderExploreHtml(r: ExploreResult): string {
  const scale = Math.min(1, Math.max(r.overall.rate, ...r.columns.flatMap((c) => c.segments.map((s) => s.ci[1]))) * 1.05 || 1);
  const sections = r.columns.map(
    (c) => `<section><h2>${esc(c.column)}</h2><p>${esc(verdict(c))}. χ² = ${c.association.chi2.toFixed(1)} on ${c.association.df} df.</p>${chart(c, r.overall.rate, scale)}</section>`,
  );
  const rank = r.ranking.map((s) => `<tr><td>${esc(s.column)}</td><td>${esc(s.label)}</td><td>${s.n}</td><td>${pct(s.rate)}</td><td>${pct(s.ci[0])}–${pct(s.ci[1])}</td><td>${signed(s.diff)}</td><td>${s.z.toFixed(1)}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.dataset)}: ${esc(r.target)} = ${esc(r.positive)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:left}section{margin:2em 0}.note{color:#555}</style>
</head><body>
<h1>${esc(r.dataset)}: what drives ${esc(r.target)} = ${esc(r.positive)}?</h1>
<p>Overall rate ${pct(r.overall.rate)} (${r.overall.positives} of ${r.overall.n}; 95% CI ${pct(r.overall.ci[0])}–${pct(r.overall.ci[1])}).
<span class="note">Bars: red = segment rate significantly above the overall rate, blue = below, grey = not clearly different; significance: ${esc(r.multipleComparisons)}. Whiskers: 95% Wilson interval.</span></p>
<h2>Segments departing most from the overall rate</h2>
<table><tr><th>column</th><th>segment</th><th>rows</th><th>rate</th><th>95% CI</th><th>vs overall</th><th>z</th></tr>${rank.join('')}</table>
${sections.join('\n')}
${r.skipped.length ? `<p class="note">Skipped: ${r.skipped.map((s) => `${esc(s.column)} (${esc(s.reason)})`).join('; ')}</p>` : ''}
</body></html>
`;
}
