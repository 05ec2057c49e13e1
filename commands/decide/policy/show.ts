import { Args } from '@oclif/core';
import { DictlCommand } from '../../../src/base.js';
import { resolvePolicy } from '../../../src/decide/policy-store.js';
import { renderPolicy } from '../../../src/decide/render.js';

export default class PolicyShow extends DictlCommand {
  static override summary = 'Show the current (or a given) decision policy version of a model.';
  static override examples = ['<%= config.bin %> decide policy show churn-model', '<%= config.bin %> decide policy show churn-model/policy@2 --json'];
  static override args = { ref: Args.string({ description: 'MODEL (its current policy) or MODEL/policy@N (a policy version)', required: true }) };

  async run() {
    const { args } = await this.parseCommand(PolicyShow);
    return this.emit(resolvePolicy(this.workspace, args.ref, (m) => this.progress.warn(m)), (p) => renderPolicy(p));
  }
}
