import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { usageError } from '../../src/errors.js';
import { readFileSync, existsSync } from 'node:fs';
import * as q from '../../src/ops/review-resolve.js';

export default class ReviewResolve extends DictlCommand {
  static override summary = 'Record a human\'s call on a review case (final; recorded in the audit log).';
  static override examples = [
    '<%= config.bin %> review resolve rv-3f2a9c0d11e4b7a2 --label yes --reviewer ana@example.com',
    '<%= config.bin %> review resolve rv-3f2a9c0d11e4b7a2 --label no --reviewer ana@example.com --note "called the customer, staying"',
    '<%= config.bin %> review resolve --file labels.ndjson --reviewer ana@example.com --json',
  ];
  static override args = { id: Args.string({ description: 'review case id (from dictl review list)' }) };
  static override flags = {
    ...writeFlags,
    label: Flags.string({ description: 'the outcome: yes (positive) or no', options: ['yes', 'no'] }),
    reviewer: Flags.string({ description: 'email of the reviewer', required: true, aliases: ['by'] }),
    note: Flags.string({ description: 'free-text note' }),
    file: Flags.string({ description: 'resolve many: NDJSON lines {"id": "...", "label": "yes"|"no"}' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(ReviewResolve);
    if (flags.file) {
      if (args.id) throw usageError('give either a case ID or --file, not both');
      if (!existsSync(flags.file)) throw usageError(`--file ${flags.file} does not exist`);
      const items = readFileSync(flags.file, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l, i) => {
          let o: { id?: unknown; label?: unknown };
          try {
            o = JSON.parse(l);
          } catch {
            throw usageError(`${flags.file} line ${i + 1} is not JSON`);
          }
          if (typeof o.id !== 'string' || (o.label !== 'yes' && o.label !== 'no')) throw usageError(`${flags.file} line ${i + 1} needs "id" and "label": "yes"|"no"`);
          return { id: o.id, label: o.label as 'yes' | 'no' };
        });
      const n = await q.resolveMany(this.workspace, items, flags.reviewer, { wait: flags.wait });
      return this.emit({ resolved: n, given: items.length }, (r) => `Resolved ${r.resolved} of ${r.given} cases (already resolved or unknown ids were skipped)`);
    }
    if (!args.id) throw usageError('a case ID (or --file) is required', 'see: dictl review list');
    if (!flags.label) throw usageError('--label yes|no is required');
    const r = await q.resolveReview(this.workspace, args.id, { label: flags.label, by: flags.reviewer, note: flags.note, wait: flags.wait });
    return this.emit(r, (x) => `Resolved ${x.case.id} as "${x.resolution.label}" by ${x.resolution.by} (${x.agrees ? 'agrees' : 'disagrees'} with the model's "${x.case.call}" at score ${x.case.score.toFixed(4)})`);
  }
}
