/** Human rendering of one review case (`review show`). Pure. */
import { reasonText } from '../explain/render.js';
import type { CaseWithResolution } from './queue.js';

export function renderCase(c: CaseWithResolution): string {
  const lines = [
    `${c.id}  ${c.model}@${c.modelVersion}  policy @${c.policyVersion}`,
    `score ${c.score}  band ${c.band}  intended action ${c.action}  model says ${c.call}`,
    `routed to review: ${c.reason}`,
    `source ${c.source}${c.key !== undefined ? ` (${c.key})` : ''}  queued ${c.at}`,
  ];
  if (c.reasons && c.reasons.length) {
    lines.push(`why (contributions to the margin, base ${c.base ?? '?'}):`);
    for (const r of c.reasons) lines.push(`  ${reasonText(r)}`);
  } else lines.push('why: no reasons recorded (the scorer package could not explain)');
  lines.push('inputs:');
  for (const [k, v] of Object.entries(c.input)) lines.push(`  ${k} = ${v === null ? '(missing)' : String(v)}`);
  lines.push(c.resolution ? `resolved: ${c.resolution.label} by ${c.resolution.by} at ${c.resolution.at}${c.resolution.note ? ` (${c.resolution.note})` : ''}` : 'pending');
  return lines.join('\n');
}
