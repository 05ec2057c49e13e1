/** Human renderings of policies, optimisation results and trust reports. */
import { bar, fmtNum, renderTable } from '../ui/table.js';
import { describePolicy, type DecisionPolicy } from './policy.js';
import type { OptimizeResult } from './optimize.js';
import type { TrustReport } from './trust.js';
import type { ShadowReport } from './shadow.js';
import type { DecisionQueryResult } from './decision-query.js';
import { reasonText } from '../explain/render.js';

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

export function renderShadow(r: ShadowReport & { log: string; synced?: { stream: string; added: number } }): string {
  const pct = (x: number) => `${fmtNum(x * 100, 1)}%`;
  const lines: string[] = [];
  if (r.synced) lines.push(`Copied ${r.synced.added} new entries from ${r.synced.stream}`);
  lines.push(`Shadow log of ${r.model}: ${r.events} events (${r.log})`);
  for (const p of r.pairs) lines.push(`  champion ${p.champion} vs challenger ${p.challenger}: ${p.events} events`);
  if (r.failed) lines.push(`  challenger failed on ${r.failed} events (left out below)`);
  if (r.pairs.length > 1) lines.push(`  the figures below pool all ${r.pairs.length} pairs; compare one with --challenger NAME@VERSION`);
  const ci = `${Math.round(r.confidence * 100)}% CI`;
  lines.push(
    '',
    `Same action:   ${r.actionAgreement.agree}/${r.actionAgreement.n} = ${pct(r.actionAgreement.rate)} (${ci} ${pct(r.actionAgreement.lower)}–${pct(r.actionAgreement.upper)})`,
    `Same yes/no:   ${r.callAgreement.agree}/${r.callAgreement.n} = ${pct(r.callAgreement.rate)} (${ci} ${pct(r.callAgreement.lower)}–${pct(r.callAgreement.upper)})`,
    `Score (challenger − champion): mean |diff| ${fmtNum(r.scoreDiff.meanAbs)}, max ${fmtNum(r.scoreDiff.maxAbs)}, mean ${fmtNum(r.scoreDiff.mean)}`,
    '',
    'champion action ↓ / challenger action →',
    renderTable(['', ...r.confusion.actions], r.confusion.actions.map((a, i) => [a, ...r.confusion.counts[i]])),
  );
  const l = r.labelled;
  if (!l) lines.push('', 'No human labels yet (resolve review cases, or pass --labels FILE).');
  else
    lines.push(
      '',
      `Human labels: ${l.n} events (${l.fromReviews} from reviews, ${l.fromLabels} from --labels; ${l.positives} yes)`,
      renderTable(
        ['model', 'agree', 'rate', 'lower', 'upper'],
        [
          [r.pairs.length === 1 ? r.pairs[0].champion : 'champion', l.champion.agree, l.champion.rate, l.champion.lower, l.champion.upper],
          [r.pairs.length === 1 ? r.pairs[0].challenger : 'challenger', l.challenger.agree, l.challenger.rate, l.challenger.lower, l.challenger.upper],
        ],
      ),
      `right by both ${l.both}, only champion ${l.onlyChampion}, only challenger ${l.onlyChallenger}, neither ${l.neither}`,
    );
  return lines.join('\n');
}

export function renderDecisionLog(r: DecisionQueryResult): string {
  const range = `${r.since ?? 'the start'} to ${r.until ?? 'now'}`;
  const head = `${r.matched} decision${r.matched === 1 ? '' : 's'} of ${r.models.join(', ')} from ${range}${r.entries.length < r.matched ? ` (the first ${r.entries.length} shown)` : ''}`;
  if (r.entries.length === 0) return head;
  return (
    renderTable(
      ['at', 'key', 'model', 'policy', 'score', 'band', 'action', 'why (top 3)'],
      r.entries.map((e) => [e.at, e.key ?? '', e.model, `@${e.policy}`, e.score, e.band, e.intended !== undefined && e.intended !== e.action ? `${e.action} (intended ${e.intended})` : e.action, (e.reasons ?? []).slice(0, 3).map(reasonText).join('; ')]),
    ) +
    '\n' +
    head
  );
}
