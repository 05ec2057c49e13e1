import { Args } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { showReview } from '../../src/review/queue.js';
import { renderCase } from '../../src/review/render.js';

export default class ReviewShow extends DictlCommand {
  static override summary = 'One review case: its score, band, why it was routed to review, the reasons behind the score, its inputs and resolution.';
  static override description =
    'Reasons are contributions on the margin scale (log-odds for binary models) of each source column, largest |contribution| first, relative to the base value; they were computed when the case was queued, from the scorer package.';
  static override examples = ['<%= config.bin %> review show rv-0123456789abcdef', '<%= config.bin %> review show rv-0123456789abcdef --json'];
  static override args = { id: Args.string({ description: 'case id (see dictl review list)', required: true }) };

  async run() {
    const { args } = await this.parseCommand(ReviewShow);
    return this.emit(showReview(this.workspace, args.id), renderCase);
  }
}
