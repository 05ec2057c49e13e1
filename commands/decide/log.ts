import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { queryDecisions } from '../../src/decide/decision-query.js';
import { renderDecisionLog } from '../../src/decide/render.js';

export default class DecideLog extends DictlCommand {
  static override summary = 'The decision log: every decision a scorer made under a packaged policy, when, on what input, by which model and policy, and why (base and top reasons).';
  static override description = [
    '`dictl score --package DIR` logs each decision of a package with a decision policy to registry/decisions/MODEL/ (one segment per scored batch, written atomically before the batch\'s outputs), with the reasons of the output (--explain K) or, without it, the top 5.',
    'The key is the event\'s id member on pipes, row:N for files, the stream entry id (Redis) or offset (Kafka); --where matches a model input of the event (the log keeps the inputs the model was given).',
    '--since is inclusive and --until exclusive, both ISO dates (midnight UTC) or times; --on DAY is one UTC day. Entries are listed oldest first.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> decide log churn-model --key C123 --on 2026-05-03',
    '<%= config.bin %> decide log churn-model --since 2026-05-03 --until 2026-05-04 --action retain-offer --json',
    '<%= config.bin %> decide log --where state=KS --where international_plan=yes --limit 10',
    '<%= config.bin %> decide log churn-model --band review --since 2026-05-03T09:00:00Z',
  ];
  static override args = { model: Args.string({ description: 'model name (default: every model with a log)', required: false }) };
  static override flags = {
    key: Flags.string({ description: 'only the decisions of this event key' }),
    where: Flags.string({ description: 'COL=VALUE: only events whose model input COL held VALUE (empty = missing; repeatable)', multiple: true }),
    since: Flags.string({ description: 'from this ISO date or time on (inclusive)' }),
    until: Flags.string({ description: 'before this ISO date or time (exclusive)' }),
    on: Flags.string({ description: 'one UTC day, YYYY-MM-DD (instead of --since/--until)' }),
    action: Flags.string({ description: 'only decisions with this action' }),
    band: Flags.string({ description: 'only this band', options: ['high', 'review', 'low'] }),
    limit: Flags.integer({ description: 'list at most this many (the oldest first)', min: 1 }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DecideLog);
    const r = queryDecisions(this.workspace, { model: args.model, key: flags.key, where: flags.where, since: flags.since, until: flags.until, on: flags.on, action: flags.action, band: flags.band, limit: flags.limit });
    return this.emit(r, renderDecisionLog);
  }
}
