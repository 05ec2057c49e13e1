/**
 * The evaluation report: one self-contained HTML file (inline CSS, hand-drawn SVG charts, no scripts,
 * no network) with ROC, PR, calibration, lift and gain charts, the metric tables and the lineage.
 * renderReport is pure; writeReport writes it atomically.
 */
import { describeLabel } from '../labels.js';
import { niceTicks, tickLabel } from '../ui/ticks.js';
import { fmtParams } from '../ui/format.js';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { summarizeFamily } from '../ml/families/index.js';
import type { ModelVersion } from '../types.js';
import type { MetricDiff } from './curves.js';
import type { Evaluation } from './evaluation.js';
import { esc, num } from '../ui/html.js';

export { esc, num };

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** draw dots at each point as well */
  dots?: boolean;
}

const W = 360;
const H = 300;
const M = { l: 48, r: 12, t: 28, b: 40 };

/** A line chart on [x0,x1]×[y0,y1] with axes, ticks, optional diagonal and a legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], opts: { diagonal?: boolean; yMax?: number; yMin?: number; xMax?: number; legendBottom?: boolean; marker?: number } = {}): string {
  const yMax = opts.yMax ?? 1;
  const yMin = opts.yMin ?? 0;
  const xMax = opts.xMax ?? 1;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const sx = (x: number) => M.l + Math.max(0, Math.min(1, x / xMax)) * pw;
  const sy = (y: number) => M.t + ph - ((Math.max(yMin, Math.min(yMax, y)) - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="t">${esc(title)}</text>`);
  for (let k = 0; k <= 5; k++) {
    const fx = (k / 5) * xMax;
    const fy = yMin + (k / 5) * (yMax - yMin);
    parts.push(`<line x1="${sx(fx)}" y1="${M.t}" x2="${sx(fx)}" y2="${M.t + ph}" class="g"/>`);
    parts.push(`<line x1="${M.l}" y1="${sy(fy)}" x2="${M.l + pw}" y2="${sy(fy)}" class="g"/>`);
    parts.push(`<text x="${sx(fx)}" y="${M.t + ph + 14}" text-anchor="middle" class="k">${xMax === 1 ? num(fx, 1) : num(Math.round(fx), 0)}</text>`);
    parts.push(`<text x="${M.l - 6}" y="${sy(fy) + 4}" text-anchor="end" class="k">${num(fy, yMax - yMin < 0.5 ? 3 : yMax > 2 ? 1 : 1)}</text>`);
  }
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" class="f"/>`);
  if (opts.marker !== undefined) parts.push(`<line x1="${sx(opts.marker)}" y1="${M.t}" x2="${sx(opts.marker)}" y2="${M.t + ph}" class="d"/>`);
  if (opts.diagonal) parts.push(`<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(Math.min(1, yMax))}" class="d"/>`);
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(2)},${sy(y).toFixed(2)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    if (s.dots) for (const [x, y] of s.points) parts.push(`<circle cx="${sx(x).toFixed(2)}" cy="${sy(y).toFixed(2)}" r="3" fill="${s.color}"/>`);
  }
  const ly = opts.legendBottom ? M.t + ph - 8 - series.length * 16 : M.t + 8;
  series.forEach((s, i) => {
    parts.push(`<rect x="${M.l + 8}" y="${ly + i * 16}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${M.l + 22}" y="${ly + 9 + i * 16}" class="k">${esc(s.name)}</text>`);
  });
  parts.push(`<text x="${M.l + pw / 2}" y="${H - 6}" text-anchor="middle" class="k">${esc(xLabel)}</text>`);
  parts.push(`<text x="12" y="${M.t + ph / 2}" text-anchor="middle" class="k" transform="rotate(-90 12 ${M.t + ph / 2})">${esc(yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Grouped bars: one group per category, one bar per series; a dashed reference line at `ref`. */
export function barChart(title: string, xLabel: string, yLabel: string, categories: string[], series: { name: string; color: string; values: number[] }[], ref?: number): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  // round ticks (1, 2, 3… not 1.1, 2.2, 3.3): the axis ends on the first tick above the tallest bar
  const ticks = niceTicks(Math.max(1e-9, ref ?? 0, ...series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.05, 5);
  const max = ticks[ticks.length - 1];
  const sy = (y: number) => M.t + ph - (Math.max(0, y) / max) * ph;
  const gw = pw / Math.max(1, categories.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="t">${esc(title)}</text>`);
  for (const v of ticks) {
    parts.push(`<line x1="${M.l}" y1="${sy(v)}" x2="${M.l + pw}" y2="${sy(v)}" class="g"/>`);
    parts.push(`<text x="${M.l - 6}" y="${sy(v) + 4}" text-anchor="end" class="k">${tickLabel(v)}</text>`);
  }
  parts.push(`<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" class="f"/>`);
  categories.forEach((c, i) => {
    series.forEach((s, j) => {
      const v = s.values[i];
      if (!Number.isFinite(v)) return;
      const x = M.l + i * gw + gw * 0.1 + j * bw;
      parts.push(`<rect x="${x.toFixed(2)}" y="${sy(v).toFixed(2)}" width="${bw.toFixed(2)}" height="${(M.t + ph - sy(v)).toFixed(2)}" fill="${s.color}"><title>${esc(`${s.name} ${c}: ${num(v, 3)}`)}</title></rect>`);
    });
    parts.push(`<text x="${(M.l + i * gw + gw / 2).toFixed(2)}" y="${M.t + ph + 14}" text-anchor="middle" class="k">${esc(c)}</text>`);
  });
  if (ref !== undefined) parts.push(`<line x1="${M.l}" y1="${sy(ref)}" x2="${M.l + pw}" y2="${sy(ref)}" class="d"/>`);
  series.forEach((s, i) => {
    parts.push(`<rect x="${M.l + pw - 120}" y="${M.t + 8 + i * 16}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${M.l + pw - 106}" y="${M.t + 17 + i * 16}" class="k">${esc(s.name)}</text>`);
  });
  parts.push(`<text x="${M.l + pw / 2}" y="${H - 6}" text-anchor="middle" class="k">${esc(xLabel)}</text>`);
  parts.push(`<text x="12" y="${M.t + ph / 2}" text-anchor="middle" class="k" transform="rotate(-90 12 ${M.t + ph / 2})">${esc(yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function table(head: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${typeof c === 'number' ? num(c) : c === null || c === undefined ? '–' : esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const C1 = '#1f6fb2';
const C2 = '#d9822b';

/** The model family's part of the report: trees show the rounds kept, the loss per round and the importance. */
function familySections(model: ModelVersion): string[] {
  const s = summarizeFamily(model);
  const out: string[] = [];
  if (s.curve) {
    const c = s.curve;
    const all = [...c.train, ...(c.validation ?? [])].filter(Number.isFinite);
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
    const pts = (v: number[]): [number, number][] => v.map((y, i) => [i + 1, y]);
    const series: Series[] = [{ name: 'training rows', color: C1, points: pts(c.train) }, ...(c.validation ? [{ name: 'validation rows (early stopping)', color: C2, points: pts(c.validation) }] : [])];
    const chart = lineChart(`Loss per round (${c.loss})`, 'boosting round', c.loss, series, { xMax: Math.max(1, c.train.length), yMin: Math.max(0, lo - pad), yMax: hi + pad, ...(c.bestIter !== undefined ? { marker: c.bestIter } : {}) });
    out.push(`<h2>Boosting</h2><p class="s">${esc(s.headline)}.</p><div class="charts"><figure>${chart}</figure></div>`);
  } else out.push(`<h2>Model</h2><p class="s">${esc(s.headline)}.</p>`);
  if (s.importance) {
    const top = s.importance.slice(0, 25);
    out.push(`<h2>Feature importance (total split gain)</h2>${table(['feature', 'gain', 'share'], top.map((x) => [x.feature, x.gain, `${(100 * x.share).toFixed(1)}%`]))}${s.importance.length > top.length ? `<p class="s">${s.importance.length - top.length} more features not shown.</p>` : ''}`);
  }
  return out;
}

/** The whole report as one HTML string. */
export function renderReport(ev: Evaluation, baseline?: Evaluation, diffs?: MetricDiff[], model?: ModelVersion, explanation?: string): string {
  const named = (e: Evaluation) => e.model;
  const sections: string[] = [];
  const metricRows = diffs
    ? diffs.map((d) => [d.metric, d.candidate, d.baseline, d.diff === null ? null : (d.diff >= 0 ? '+' : '') + d.diff.toFixed(4), d.better === null ? '' : d.better ? 'better' : 'worse'])
    : Object.entries(ev.metrics).map(([k, v]) => [k, v]);
  sections.push(`<h2>Holdout metrics</h2>${table(diffs ? ['metric', named(ev), named(baseline!), 'difference', ''] : ['metric', named(ev)], metricRows)}`);
  sections.push(
    `<p class="s">${ev.n} holdout rows${ev.positives !== undefined ? `, ${ev.positives} positive` : ''}; ${ev.task}${ev.task === 'binary' ? `, threshold ${ev.threshold}` : ''}${ev.ece !== undefined ? `; expected calibration error ${num(ev.ece)}` : ''}.</p>`,
  );
  if (ev.confusion) {
    const c = ev.confusion;
    sections.push(`<h2>Confusion matrix (threshold ${esc(ev.threshold)})</h2>${table(['', 'predicted positive', 'predicted negative'], [['actual positive', c.tp, c.fn], ['actual negative', c.fp, c.tn]])}`);
  }
  if (ev.roc && ev.pr && ev.calibration && ev.lift) {
    const both = (f: (e: Evaluation) => [number, number][], dots = false): Series[] => [
      { name: named(ev), color: C1, points: f(ev), dots },
      ...(baseline?.roc ? [{ name: named(baseline), color: C2, points: f(baseline), dots }] : []),
    ];
    // with a baseline, a title shows both models' numbers, in legend order
    const vs = (k: string) => (baseline ? `${num(ev.metrics[k], 3)} vs ${num(baseline.metrics[k], 3)}` : num(ev.metrics[k], 3));
    const charts = [
      lineChart(`ROC (AUC ${vs('auc')})`, 'false positive rate', 'true positive rate', both((e) => e.roc!.map((p) => [p.fpr, p.tpr])), { diagonal: true }),
      lineChart(`Precision–recall (AP ${vs('pr_auc')})`, 'recall', 'precision', both((e) => e.pr!.map((p) => [p.recall, p.precision])), { legendBottom: true }),
      lineChart('Calibration (10 bins)', 'mean predicted probability', 'observed positive rate', both((e) => e.calibration!.filter((b) => b.count > 0).map((b) => [b.meanPredicted!, b.observedRate!]), true), { diagonal: true }),
      barChart('Lift by decile', 'decile (highest scores first)', 'lift', ev.lift.map((r) => String(r.decile)), [
        { name: named(ev), color: C1, values: ev.lift.map((r) => r.lift) },
        ...(baseline?.lift ? [{ name: named(baseline), color: C2, values: baseline.lift.map((r) => r.lift) }] : []),
      ], 1),
      lineChart('Cumulative gain', 'share of rows (highest scores first)', 'share of positives', both((e) => [[0, 0], ...e.lift!.map((r) => [r.cumCount / e.n, r.cumGain] as [number, number])], true), { diagonal: true }),
    ];
    sections.push(`<h2>Charts</h2><div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>`);
    sections.push(
      `<h2>Calibration table</h2>${table(
        ['bin', 'range', 'rows', 'positives', 'mean predicted', 'observed rate'],
        ev.calibration.map((b) => [b.bin, `${b.lo.toFixed(1)}–${b.hi.toFixed(1)}`, b.count, b.positives, b.meanPredicted, b.observedRate]),
      )}`,
    );
    sections.push(
      `<h2>Lift and gain by decile</h2>${table(
        ['decile', 'rows', 'positives', 'rate', 'lift', 'cumulative gain', 'cumulative lift', 'score range'],
        ev.lift.map((r) => [r.decile, r.count, r.positives, r.rate, r.lift, r.cumGain, r.cumLift, `${num(r.minScore)}–${num(r.maxScore)}`]),
      )}`,
    );
  }
  if (ev.segments) {
    const keys = Object.keys(ev.segments.groups[0]?.metrics ?? {});
    sections.push(`<h2>By ${esc(ev.segments.column)}</h2>${table(['segment', 'rows', ...keys], ev.segments.groups.map((g) => [g.value, g.n, ...keys.map((k) => g.metrics[k])]))}`);
  }
  if (model) sections.push(...familySections(model));
  if (explanation) sections.push(explanation);
  const lin: unknown[][] = [
    ['model', ev.model],
    ['dataset', ev.dataset],
    ['feature build', `${ev.featureBuild} (${ev.featureHash.slice(0, 16)})`],
    ['holdout', ev.holdout],
    ['label', ev.label ? describeLabel(ev.label) : 'none (segmentation)'],
  ];
  if (model) {
    lin.push(['algorithm', `${model.algorithm} (${fmtParams(model.params, ', ')})`]);
    lin.push(['seed', model.seed]);
    lin.push(['dictl / node', `${model.lineage.dictlVersion} / ${model.lineage.node}`]);
  }
  if (baseline) lin.push(['compared with', `${baseline.model} (same holdout)`]);
  sections.push(`<h2>Lineage</h2>${table(['', ''], lin)}`);

  const title = `Evaluation of ${ev.model}${baseline ? ` vs ${baseline.model}` : ''}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#f3f3f3}.s{color:#555}.charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;border:1px solid #eee}
svg .t{font-size:13px;font-weight:600}svg .k{font-size:10px;fill:#444}svg .g{stroke:#eee}svg .f{fill:none;stroke:#999}svg .d{stroke:#999;stroke-dasharray:4 3}
</style></head>
<body>
<h1>${esc(title)}</h1>
${sections.join('\n')}
</body></html>
`;
}

export function writeReport(file: string, ev: Evaluation, baseline?: Evaluation, diffs?: MetricDiff[], model?: ModelVersion, explanation?: string): string {
  const path = resolve(file);
  writeFileAtomic(path, renderReport(ev, baseline, diffs, model, explanation));
  return path;
}
