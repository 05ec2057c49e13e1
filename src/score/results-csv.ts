/** Results as CSV cells: the decision columns and RFC 4180 quoting. Pure. */
import type { DecisionFields } from '../decide/runtime.js';
import { csvField } from '../util/csv.js';

/** The decision columns a CSV result gets when the package carries a decision policy. */
export const DECISION_CSV_COLUMNS = ['action', 'band', 'model', 'policy_version', 'autonomy', 'review', 'review_id', 'intended'];

export function decisionCsv(d: Partial<DecisionFields> | undefined): string {
  if (!d) return ','.repeat(DECISION_CSV_COLUMNS.length);
  const cells = [d.action, d.band, d.model, String(d.policyVersion), d.autonomy, String(d.review), d.reviewId ?? '', d.intended ?? ''];
  return ',' + cells.map((c) => csvField(String(c))).join(',');
}


