import { Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { listReviews } from '../../src/review/queue.js';
import { renderTable } from '../../src/ui/table.js';
import { reasonText } from '../../src/explain/render.js';

export default class ReviewList extends DictlCommand {
  static override summary = 'Cases waiting for human review, with their inputs, score, why they were routed to review and the top reasons behind the score.';
  static override examples = [
    '<%= config.bin %> review list',
    '<%= config.bin %> review list --model churn-model --limit 20',
    '<%= config.bin %> review list --status resolved --json',
  ];
  static override flags = {
    model: Flags.string({ description: 'only this model' }),
    status: Flags.string({ description: 'pending | resolved | all', default: 'pending', options: ['pending', 'resolved', 'all'] }),
    limit: Flags.integer({ description: 'show at most this many', min: 1 }),
  };

  async run() {
    const { flags } = await this.parseCommand(ReviewList);
    const r = listReviews(this.workspace, { model: flags.model, status: flags.status as 'pending' | 'resolved' | 'all', limit: flags.limit });
    return this.emit(r, (x) => {
      const head = `${x.pending} pending, ${x.resolved} resolved`;
      if (x.cases.length === 0) return head;
      const inputs = (i: Record<string, unknown>) => {
        const s = Object.entries(i)
          .map(([k, v]) => `${k}=${v === null ? '' : String(v)}`)
          .join(' ');
        return s.length > 60 ? s.slice(0, 59) + '…' : s;
      };
      return (
        renderTable(
          ['id', 'model', 'policy', 'score', 'band', 'model says', 'reason', 'why (top 3)', 'label', 'inputs'],
          x.cases.map((c) => {
            const cls = x.classes[`${c.model}@${c.modelVersion}`] ?? { yes: 'yes', no: 'no' };
            return [c.id, `${c.model}@${c.modelVersion}`, `@${c.policyVersion}`, c.score, c.band, cls[c.call], c.reason, (c.reasons ?? []).slice(0, 3).map(reasonText).join('; '), c.resolution ? `${cls[c.resolution.label]} (${c.resolution.by})` : '', inputs(c.input)];
          }),
        ) +
        '\n' +
        head
      );
    });
  }
}
