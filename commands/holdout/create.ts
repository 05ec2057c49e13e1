import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { createHoldout } from '../../src/ops/holdout-create.js';
import { usageError } from '../../src/errors.js';

export default class HoldoutCreate extends DictlCommand {
  static override summary = 'Hold out a test split of a dataset version, persisted and hashed; nothing fitted later sees it.';
  static override description =
    'A seeded split (stratified on a column with --stratify) or, with --rows FILE, a split made elsewhere (one 0-based data-row number per line). The same inputs and seed always give the same rows and hash. Feature builds use the latest holdout of their dataset version.';
  static override examples = [
    '<%= config.bin %> holdout create churn@1 --fraction 0.2 --stratify churn --seed 42',
    '<%= config.bin %> holdout create churn@1 --rows ../shared/reference/splits/churn.test_rows.txt --json',
  ];
  static override args = { dataset: Args.string({ description: 'dataset version, e.g. churn@1', required: true }) };
  static override flags = {
    ...writeFlags,
    fraction: Flags.string({ description: 'share of rows to hold out (0..1)', default: undefined }),
    stratify: Flags.string({ description: 'column whose class balance the split keeps' }),
    seed: Flags.integer({ description: 'random seed', default: 42 }),
    rows: Flags.string({ description: 'file of 0-based data-row numbers to hold out (one per line)' }),
    actor: Flags.string({ description: 'who is doing this (default: the OS user)' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(HoldoutCreate);
    const fraction = flags.fraction === undefined ? undefined : Number(flags.fraction);
    if (fraction !== undefined && Number.isNaN(fraction)) throw usageError('--fraction must be a number');
    const r = await createHoldout(this.workspace, args.dataset, { fraction, stratify: flags.stratify, seed: flags.seed, rowsFile: flags.rows, wait: flags.wait, actor: flags.actor });
    return this.emit(r, (x) =>
      [`${x.existing ? 'Holdout already exists' : 'Created holdout'} ${x.holdout.hash.slice(0, 12)} of ${x.holdout.dataset}`, `  ${x.holdout.method}: ${x.holdout.nTest} test rows, ${x.holdout.nTrain} training rows`].join('\n'),
    );
  }
}
