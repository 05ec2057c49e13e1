import { Args } from '@oclif/core';
import { DictlCommand } from '../../../src/base.js';

export default class PolicyShow extends DictlCommand {
  static override summary = 'Show the current (or a given) decision policy version of a model.';
  static override examples = ['<%= config.bin %> decide policy show churn-model', '<%= config.bin %> decide policy show churn-model@2 --json'];
  static override args = { ref: Args.string({ description: 'MODEL or MODEL@N (policy version)', required: true }) };

  async run() {
    const { args } = await this.parseCommand(PolicyShow);
    const { resolvePolicy } = await import('../../../src/decide/store.js');
    const { renderPolicy } = await import('../../../src/decide/render.js');
    return this.emit(resolvePolicy(this.workspace, args.ref), (p) => renderPolicy(p));
  }
}
