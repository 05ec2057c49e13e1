/**
 * The explanation section of the evaluation report: a bar chart of mean |contribution| per source
 * column and a dependence plot (value against contribution, one dot per holdout row; categories as
 * strips) for the top columns. Hand-drawn SVG like the rest of the report. Pure.
 */
import { esc, num } from '../ui/html.js';
import type { DependenceSeries, GlobalExplanation } from './global.js';

const C1 = '#1f6fb2';
const W = 360;
const H = 300;
const M = { l: 48, r: 12, t: 28, b: 40 };

function importanceChart(g: GlobalExplanation, max = 15): string {
  const cols = g.columns.slice(0, max);
  const left = 200;
  const row = 18;
  const h = M.t + cols.length * row + 30;
  const w = 560;
  const top = Math.max(1e-12, ...cols.map((c) => c.meanAbs));
  const sx = (v: number) => left + (v / top) * (w - left - 60);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="mean absolute contribution">`];
  parts.push(`<text x="${w / 2}" y="16" text-anchor="middle" class="t">Mean |contribution| per column (margin scale)</text>`);
  cols.forEach((c, i) => {
    const y = M.t + i * row;
    parts.push(`<text x="${left - 6}" y="${y + 12}" text-anchor="end" class="k">${esc(c.column)}</text>`);
    parts.push(`<rect class="bar" x="${left}" y="${y + 2}" width="${(sx(c.meanAbs) - left).toFixed(2)}" height="${row - 5}" fill="${C1}"><title>${esc(`${c.column}: ${num(c.meanAbs)}`)}</title></rect>`);
    parts.push(`<text x="${(sx(c.meanAbs) + 4).toFixed(2)}" y="${y + 12}" class="k">${num(c.meanAbs, 3)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function dependencePlot(d: DependenceSeries): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const ys = d.points.map((p) => p.contribution).filter(Number.isFinite);
  let y0 = Math.min(0, ...ys);
  let y1 = Math.max(0, ...ys);
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sy = (y: number) => M.t + ph - ((y - y0) / (y1 - y0)) * ph;
  let sx: (v: string | number | null) => number;
  let ticks: { x: number; label: string }[];
  if (d.kind === 'number') {
    const xs = d.points.map((p) => p.value).filter((v): v is number => typeof v === 'number');
    let x0 = Math.min(...xs);
    let x1 = Math.max(...xs);
    if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
    sx = (v) => M.l + ((Number(v) - x0) / (x1 - x0)) * pw;
    ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ x: M.l + f * pw, label: num(x0 + f * (x1 - x0), 2) }));
  } else {
    const cats = [...new Set(d.points.map((p) => (p.value === null ? '(missing)' : String(p.value))))].sort();
    const gw = pw / cats.length;
    const at = new Map(cats.map((c, i) => [c, M.l + gw * (i + 0.5)]));
    // a deterministic spread inside each strip so that dots do not all sit on one line
    let k = 0;
    sx = (v) => at.get(v === null ? '(missing)' : String(v))! + (((k++ * 0.618034) % 1) - 0.5) * gw * 0.5;
    ticks = cats.length <= 12 ? cats.map((c) => ({ x: at.get(c)!, label: c })) : [];
  }
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(`dependence ${d.column}`)}">`];
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="t">${esc(d.column)}</text>`);
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" class="f"/>`);
  parts.push(`<line x1="${M.l}" y1="${sy(0).toFixed(2)}" x2="${M.l + pw}" y2="${sy(0).toFixed(2)}" class="d"/>`);
  for (let q = 0; q <= 4; q++) {
    const v = y0 + ((y1 - y0) * q) / 4;
    parts.push(`<text x="${M.l - 6}" y="${(sy(v) + 4).toFixed(2)}" text-anchor="end" class="k">${num(v, 2)}</text>`);
  }
  for (const t of ticks) parts.push(`<text x="${t.x.toFixed(2)}" y="${M.t + ph + 14}" text-anchor="middle" class="k">${esc(t.label)}</text>`);
  for (const p of d.points) {
    if (!Number.isFinite(p.contribution) || (d.kind === 'number' && typeof p.value !== 'number')) continue;
    parts.push(`<circle class="pt" cx="${sx(p.value).toFixed(1)}" cy="${sy(p.contribution).toFixed(1)}" r="2" fill="${C1}" fill-opacity="0.45"/>`);
  }
  parts.push(`<text x="${M.l + pw / 2}" y="${H - 6}" text-anchor="middle" class="k">${esc(d.column)}</text>`);
  parts.push(`<text x="12" y="${M.t + ph / 2}" text-anchor="middle" class="k" transform="rotate(-90 12 ${M.t + ph / 2})">contribution</text>`);
  parts.push('</svg>');
  return parts.join('');
}

export function explanationSection(g: GlobalExplanation): string {
  const what = g.explainedClass === 'positive' ? 'the log-odds of the positive class' : g.explainedClass === 'predicted' ? "each row's predicted class margin" : 'the prediction';
  const rows = g.columns.map((c) => `<tr><td>${esc(c.column)}</td><td>${num(c.meanAbs)}</td><td>${num(c.mean)}</td></tr>`).join('');
  return [
    `<h2 id="explanations">Why: contributions per column</h2>`,
    `<p class="s">Exact contributions to ${what} of each source column on the ${g.rows} holdout rows (base value ${num(g.base)}), the same ones <code>dictl score --explain</code> gives and review cases keep.</p>`,
    `<div class="charts"><figure>${importanceChart(g)}</figure>${g.dependence.map((d) => `<figure>${dependencePlot(d)}</figure>`).join('')}</div>`,
    `<table><thead><tr><th>column</th><th>mean |contribution|</th><th>mean contribution</th></tr></thead><tbody>${rows}</tbody></table>`,
  ].join('\n');
}
