/** Human renderings of policies, optimisation results and trust reports. */
import { bar, fmtNum, renderTable } from '../ui/table.js';
import { describePolicy, type DecisionPolicy } from './policy.js';
import type { OptimizeResult } from './optimize.js';
import type { TrustReport } from './trust.js';

export function renderPolicy(p: DecisionPolicy): string {
  const lines = [
    `Policy ${p.model}/policy@${p.version}${p.modelVersion !== undefined ? ` (written for ${p.model}@${p.modelVersion})` : ''}`,
    `  owner:     ${p.owner}`,
    `  autonomy:  ${p.autonomy}`,
    `  bands:     ${describePolicy(p)}`,
    `  audit:     ${p.sampleRate > 0 ? `${fmtNum(p.sampleRate * 100, 2)}% of automatic decisions sampled for review` : 'no audit sample'}`,
    `  source:    ${p.source}${p.parent !== undefined ? ` (from policy@${p.parent})` : ''}`,
  ];
  if (p.note) lines.push(`  note:      ${p.note}`);
  return lines.join('\n');
}

export function renderOptimize(r: OptimizeResult & { model: string; saved?: DecisionPolicy }): string {
  const b = r.best;
  const lines = [
    `Cost-optimal policy for ${r.model} on its holdout (${r.n} cases, ${r.positives} positive; costs fp=${r.costs.fp} fn=${r.costs.fn} review=${r.costs.review}; review capacity ${fmtNum(r.capacity * 100, 1)}%)`,
    '',
    renderTable(
      ['act-above', 'review from', 'review share', 'cost, no review', 'cost, best review', 'curve'],
      r.curve.map((c) => {
        const worst = Math.max(...r.curve.map((x) => x.costNoReview));
        return [c.actAbove, c.reviewShare > 0 ? c.reviewFrom : '-', `${fmtNum(c.reviewShare * 100, 1)}%`, c.costNoReview, c.costWithReview, bar(worst > 0 ? c.costWithReview / worst : 0)];
      }),
    ),
    '',
    `Best: act above ${fmtNum(b.actAbove)}${b.review ? `, review ${fmtNum(b.review[0])}–${fmtNum(b.review[1])} (${fmtNum(b.reviewShare * 100, 1)}% of cases)` : ', no review band'}: expected cost ${fmtNum(b.cost)} per case (fp ${b.counts.fp}, fn ${b.counts.fn}, reviews ${b.counts.review})`,
    `Best fixed threshold without review: ${fmtNum(r.bestNoReview.actAbove)}: expected cost ${fmtNum(r.bestNoReview.cost)} per case`,
  ];
  if (r.saved) lines.push(`Saved as ${r.saved.model}/policy@${r.saved.version}`);
  return lines.join('\n');
}

export function renderTrust(t: TrustReport & { model: string; policyVersion: number }): string {
  const lines = [
    `Agreement between ${t.model}'s calls and human labels (policy@${t.policyVersion}; ${Math.round(t.confidence * 100)}% Wilson intervals, target ${t.target})`,
    '',
    renderTable(
      ['band', 'labelled', 'agree', 'rate', 'lower', 'upper'],
      [...t.bands.map((b) => [b.band, b.n, b.agree, b.n ? b.rate : '-', b.n ? b.lower : '-', b.n ? b.upper : '-']), ['all', t.total.n, t.total.agree, t.total.n ? t.total.rate : '-', t.total.lower, t.total.upper]],
    ),
  ];
  for (const e of [t.lowEdge, t.highEdge]) if (e) lines.push(`edge ${fmtNum(e.from)}–${fmtNum(e.to)} → automatic "${e.call}": ${e.agree}/${e.n} agree, lower bound ${fmtNum(e.lower)}`);
  lines.push('', t.recommendation ? `Recommendation: ${t.recommendation.reason}` : `No change recommended: ${t.reason}`);
  if (t.recommendation) lines.push(`Apply it with: dictl decide policy widen ${t.model} --target ${t.target}`);
  return lines.join('\n');
}
