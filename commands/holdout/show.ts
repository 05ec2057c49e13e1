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
    return this.emit(out, (x) => Object.entries(x).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : v}`).join('\n'));
  }
}
