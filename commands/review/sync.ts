import { Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { syncFromRedis } from '../../src/ops/review-sync.js';

export default class ReviewSync extends DictlCommand {
  static override summary = 'Copy review cases queued on a Redis stream (reviews:MODEL, written when scoring from Redis) into the workspace review queue.';
  static override examples = [
    '<%= config.bin %> review sync --redis redis://127.0.0.1:6379 --model churn-model',
    '<%= config.bin %> review sync --redis redis://10.0.0.5:6379 --model churn-model --json',
  ];
  static override flags = {
    ...writeFlags,
    redis: Flags.string({ description: 'Redis URL the scorer queued reviews on', required: true }),
    model: Flags.string({ description: 'model whose stream reviews:MODEL to read', required: true }),
  };

  async run() {
    const { flags } = await this.parseCommand(ReviewSync);
    const r = await syncFromRedis(this.workspace, flags.redis, flags.model, { wait: flags.wait });
    return this.emit(r, (x) => `Read ${x.read} entries from ${x.stream}: ${x.added} new review cases, ${x.skipped} already known or unreadable (cursor ${x.cursor})`);
  }
}
