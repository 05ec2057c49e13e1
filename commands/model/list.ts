import { Args, Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { listModels } from '../../src/registry/models.js';
import { renderTable, fmtNum } from '../../src/ui/table.js';

export default class ModelList extends DictlCommand {
  static override summary = 'List registered models and versions with aliases and holdout metrics.';
  static override examples = [
    '<%= config.bin %> model list',
    '<%= config.bin %> model list churn-model --all',
    '<%= config.bin %> model list --json',
  ];
  static override args = { name: Args.string({ description: 'only this model', required: false }) };
  static override flags = { all: Flags.boolean({ description: 'include archived versions', default: false }) };

  async run() {
    const { args, flags } = await this.parseCommand(ModelList);
    const models = listModels(this.workspace, { name: args.name, includeArchived: flags.all });
    const r = { models };
    return this.emit(r, (x) => {
      const rows = x.models.flatMap((m) =>
        m.versions.map((v) => [
          v.ref,
          v.aliases.join(', '),
          v.task,
          v.featureSet,
          v.holdout.slice(0, 12),
          v.metrics?.auc !== undefined ? fmtNum(v.metrics.auc) : v.metrics?.rmse !== undefined ? `rmse ${fmtNum(v.metrics.rmse)}` : '',
          v.archived ? 'archived' : '',
          v.registeredAt ?? '',
        ]),
      );
      return rows.length === 0 ? 'No models registered yet. Try: dictl train --features NAME --name MODEL' : renderTable(['model', 'aliases', 'task', 'features', 'holdout', 'auc', 'state', 'registered'], rows);
    });
  }
}
