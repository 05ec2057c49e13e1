import { DictlCommand } from '../../src/base.js';
import { listHoldouts } from '../../src/holdouts/store.js';
import { renderTable } from '../../src/ui/table.js';

export default class HoldoutList extends DictlCommand {
  static override summary = 'List the persisted holdouts.';
  static override examples = ['<%= config.bin %> holdout list', '<%= config.bin %> holdout list --json'];

  async run() {
    await this.parseCommand(HoldoutList);
    const holdouts = listHoldouts(this.workspace).map(({ testRows: _t, ...h }) => h);
    return this.emit({ holdouts }, (r) =>
      r.holdouts.length === 0
        ? 'No holdouts yet. Create one: dictl holdout create DATASET@VER --fraction 0.2 --stratify COL'
        : renderTable(['hash', 'dataset', 'method', 'test', 'train', 'seed'], r.holdouts.map((h) => [h.hash.slice(0, 12), h.dataset, h.method + (h.stratify ? `(${h.stratify})` : ''), h.nTest, h.nTrain, h.seed])),
    );
  }
}
