/**
 * `decide optimize MODEL@REF`: scores the model's persisted holdout in process, finds the cost-optimal
 * thresholds under the review cap, optionally writes an HTML report with the cost-curve chart and saves
 * the result as a new policy version.
 */
import { niceTicks, tickLabel } from '../ui/ticks.js';
import { usageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { Progress } from '../ui/progress.js';
import type { Workspace } from '../workspace.js';
import { optimizeThresholds, type Costs, type OptimizeResult } from '../decide/optimize.js';
import type { DecisionPolicy, PolicyActions } from '../decide/policy.js';
import { resolveModel } from '../registry/models.js';
import { loadSplitRows, scoreSplit } from '../decide/data.js';
import { currentPolicy } from '../decide/policy-store.js';
import { setPolicy } from './decide-policy-set.js';
import { esc } from '../ui/html.js';

export interface OptimizeRun extends OptimizeResult {
  model: string;
  holdout: string;
  dataset: string;
  saved?: DecisionPolicy;
  html?: string;
}

export async function optimizeModel(
  ws: Workspace,
  refText: string,
  costs: Costs,
  capacity: number,
  o: { save?: boolean; owner?: string; actions?: Partial<PolicyActions>; sampleRate?: number; html?: string; wait?: number; progress?: Progress } = {},
): Promise<OptimizeRun> {
  const resolved = resolveModel(ws, refText);
  const model = resolved.model;
  const cur = currentPolicy(ws, model.name);
  if (o.save && !o.owner && !cur) throw usageError(`${model.name} has no policy yet, so --save needs --owner EMAIL`);
  o.progress?.phase(`Scoring the holdout of ${resolved.ref}`);
  const split = await scoreSplit(model, await loadSplitRows(ws, model, 'test'));
  o.progress?.phase('Optimising thresholds');
  const r = optimizeThresholds(split.scores, split.labels, costs, capacity);
  const out: OptimizeRun = { ...r, model: resolved.ref, holdout: split.holdout, dataset: split.dataset };
  if (o.html) {
    writeFileAtomic(o.html, htmlReport(out));
    out.html = o.html;
  }
  if (o.save) {
    out.saved = await setPolicy(
      ws,
      model.name,
      {
        owner: o.owner ?? cur!.owner,
        autonomy: cur?.autonomy === 'autonomous' ? 'human-in-the-loop' : (cur?.autonomy ?? 'human-in-the-loop'),
        actAbove: round(r.best.actAbove),
        review: r.best.review ? [round(r.best.review[0]), round(r.best.actAbove)] : null,
        actions: { ...(cur?.actions ?? {}), ...(o.actions ?? {}) },
        sampleRate: o.sampleRate ?? cur?.sampleRate ?? 0,
      },
      {
        wait: o.wait,
        source: 'optimize',
        reason: `cost-optimal on holdout ${split.holdout.slice(0, 12)}: ${r.best.cost.toFixed(4)} per case`,
        evidence: { model: resolved.ref, holdout: split.holdout, costs, capacity, cost: r.best.cost, reviewShare: r.best.reviewShare, counts: r.best.counts, bestNoReviewCost: r.bestNoReview.cost },
      },
    );
  }
  return out;
}

/** Thresholds are kept exact (midpoints between holdout scores reproduce the cost), only clamped to 1. */
const round = (x: number) => Math.min(1, x); // a cut above a score of exactly 1 cannot be expressed: clamp

function htmlReport(r: OptimizeRun): string {
  const W = 640;
  const H = 320;
  const pad = 56; // left and bottom: room for tick labels
  const top = 44; // the legend sits above the plot, never over the curves
  const right = 20;
  const yTicks = niceTicks(Math.max(...r.curve.map((c) => c.costNoReview), 1e-9), 5);
  const maxC = yTicks[yTicks.length - 1];
  const x = (t: number) => pad + t * (W - pad - right);
  const y = (c: number) => H - pad - (c / maxC) * (H - pad - top);
  const ticks = [
    ...[0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => `<line x1="${x(t).toFixed(1)}" y1="${H - pad}" x2="${x(t).toFixed(1)}" y2="${H - pad + 4}" stroke="#444"/><text x="${x(t).toFixed(1)}" y="${H - pad + 16}" text-anchor="middle" font-size="11">${tickLabel(t)}</text>`),
    ...yTicks.map((c) => `<line x1="${pad}" y1="${y(c).toFixed(1)}" x2="${W - right}" y2="${y(c).toFixed(1)}" stroke="#ddd"/><text x="${pad - 6}" y="${(y(c) + 4).toFixed(1)}" text-anchor="end" font-size="11">${tickLabel(c)}</text>`),
  ].join('\n');
  const line = (k: 'costNoReview' | 'costWithReview') => r.curve.map((c, i) => `${i ? 'L' : 'M'}${x(c.actAbove).toFixed(1)},${y(c[k]).toFixed(1)}`).join(' ');
  const rows = r.curve.map((c) => `<tr><td>${c.actAbove}</td><td>${(c.reviewShare * 100).toFixed(1)}%</td><td>${c.costNoReview.toFixed(4)}</td><td>${c.costWithReview.toFixed(4)}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>dictl decide optimize ${esc(r.model)}</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:right}</style></head><body>
<h1>Cost curve: ${esc(r.model)}</h1>
<p>Holdout ${esc(r.holdout.slice(0, 12))} (${r.n} cases). Costs fp=${r.costs.fp}, fn=${r.costs.fn}, review=${r.costs.review}; review capacity ${(r.capacity * 100).toFixed(1)}%.</p>
<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="expected cost by act-above threshold">
${ticks}
<line x1="${pad}" y1="${H - pad}" x2="${W - right}" y2="${H - pad}" stroke="#444"/><line x1="${pad}" y1="${top}" x2="${pad}" y2="${H - pad}" stroke="#444"/>
<path d="${line('costNoReview')}" fill="none" stroke="#c33" stroke-width="2"/>
<path d="${line('costWithReview')}" fill="none" stroke="#36c" stroke-width="2"/>
<circle cx="${x(Math.min(1, r.best.actAbove)).toFixed(1)}" cy="${y(r.best.cost).toFixed(1)}" r="5" fill="#090"/>
<text x="${(pad + W - right) / 2}" y="${H - 16}" text-anchor="middle" font-size="12">act-above threshold</text>
<text x="14" y="${(top + H - pad) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${(top + H - pad) / 2})">expected cost per case</text>
<rect x="${pad}" y="14" width="12" height="3" fill="#c33"/><text x="${pad + 16}" y="20" font-size="12">no review</text>
<rect x="${pad + 100}" y="14" width="12" height="3" fill="#36c"/><text x="${pad + 116}" y="20" font-size="12">best review band</text>
<circle cx="${pad + 256}" cy="16" r="5" fill="#090"/><text x="${pad + 266}" y="20" font-size="12">cost-optimal policy</text>
</svg>
<p><b>Best:</b> act above ${r.best.actAbove.toFixed(4)}${r.best.review ? `, review ${r.best.review[0].toFixed(4)}–${r.best.review[1].toFixed(4)} (${(r.best.reviewShare * 100).toFixed(1)}%)` : ', no review band'}: ${r.best.cost.toFixed(4)} per case.</p>
<table><tr><th>act-above</th><th>review share</th><th>cost, no review</th><th>cost, best review</th></tr>${rows}</table>
</body></html>
`;
}
