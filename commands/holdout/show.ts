import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { readHoldout } from '../../src/holdouts/store.js';

export default class HoldoutShow extends DictlCommand {
  static override summary = 'Show one holdout (by hash or a unique prefix of 8+ hex digits).';
  static override examples = ['<%= config.bin %> holdout show 3f2a9c1d', '<%= config.bin %> holdout show 3f2a9c1d --rows --json'];
  static override args = { hash: Args.string({ required: true, description: 'holdout hash or prefix' }) };
  static override flags = { rows: Flags.boolean({ description: 'include the test row numbers', default: false }) };

  async run() {
    const { args, flags } = await this.parseCommand(HoldoutShow);
    const h = readHoldout(this.workspace, args.hash);
    const out = flags.rows ? h : (({ testRows: _t, ...rest }) => rest)(h);
    return this.emit(out, (x) => {
      const how = h.method === 'rows' ? 'test rows from a file' : `${h.method}${h.stratify ? ` on ${h.stratify}` : ''}, fraction ${h.fraction}, seed ${h.seed}`;
      const lines = [
        `Holdout ${h.hash.slice(0, 12)} of ${h.dataset} (${how})`,
        `  ${h.nTest.toLocaleString('en-US')} test rows, ${h.nTrain.toLocaleString('en-US')} training rows, of ${h.nRows.toLocaleString('en-US')}`,
        `  data sha256 ${h.dataSha256.slice(0, 12)}; full hash ${h.hash}`,
      ];
      if ('testRows' in x) lines.push(`  test rows: ${h.testRows.join(' ')}`);
      return lines.join('\n');
    });
  }
}
