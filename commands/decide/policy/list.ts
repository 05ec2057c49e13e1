import { DictlCommand } from '../../../src/base.js';
import { listPolicies } from '../../../src/decide/policy-store.js';
import { renderTable } from '../../../src/ui/table.js';

export default class PolicyList extends DictlCommand {
  static override summary = 'List models with a decision policy and their current version.';
  static override examples = ['<%= config.bin %> decide policy list', '<%= config.bin %> decide policy list --json'];

  async run() {
    await this.parseCommand(PolicyList);
    const policies = listPolicies(this.workspace);
    return this.emit({ policies }, (r) =>
      r.policies.length === 0
        ? 'No decision policies yet. Set one: dictl decide policy set MODEL --owner EMAIL --act-above 0.8 --review-between 0.4,0.8'
        : renderTable(
            ['model', 'policy', 'owner', 'autonomy', 'act above', 'review band', 'audit sample', 'source'],
            r.policies.map((p) => [p.model, `@${p.current.version} of ${p.versions}`, p.current.owner, p.current.autonomy, p.current.actAbove, p.current.review ? `${p.current.review[0].toFixed(4)}–${p.current.review[1].toFixed(4)}` : '-', p.current.sampleRate, p.current.source]),
          ),
    );
  }
}
