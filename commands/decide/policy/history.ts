import { Args } from '@oclif/core';
import { DictlCommand } from '../../../src/base.js';
import { policyHistory } from '../../../src/decide/policy-store.js';
import { renderTable } from '../../../src/ui/table.js';

export default class PolicyHistory extends DictlCommand {
  static override summary = 'Every version of a model\'s decision policy, with who changed it, when and why.';
  static override examples = ['<%= config.bin %> decide policy history churn-model', '<%= config.bin %> decide policy history churn-model --json'];
  static override args = { model: Args.string({ description: 'model name', required: true }) };

  async run() {
    const { args } = await this.parseCommand(PolicyHistory);
    return this.emit(policyHistory(this.workspace, args.model), (h) =>
      renderTable(
        ['policy', 'when', 'by', 'source', 'autonomy', 'act above', 'review band', 'owner', 'reason'],
        h.versions.map((p) => [`@${p.version}`, p.audit?.ts ?? '', p.audit?.actor ?? '', p.source, p.autonomy, p.actAbove, p.review ? `${p.review[0].toFixed(4)}–${p.review[1].toFixed(4)}` : '-', p.owner, p.audit?.reason ?? '']),
      ),
    );
  }
}
