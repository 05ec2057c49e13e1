import { DictlCommand } from '../../src/base.js';
import { listDatasets } from '../../src/datasets/info.js';
import { renderTable } from '../../src/ui/table.js';

export default class DatasetList extends DictlCommand {
  static override summary = 'List registered datasets with their latest version, size, steward and consent.';
  static override examples = ['<%= config.bin %> dataset list', '<%= config.bin %> dataset list --json', '<%= config.bin %> dataset list --workspace ~/projects/churn'];

  async run() {
    await this.parseCommand(DatasetList);
    const r = listDatasets(this.workspace);
    return this.emit(r, (x) =>
      x.datasets.length === 0
        ? 'No datasets registered yet. Try: dictl dataset register NAME --file PATH --steward EMAIL'
        : renderTable(
            ['name', 'latest', 'versions', 'rows', 'cols', 'steward', 'consent', 'pii', 'parents'],
            x.datasets.map((d) => [d.name, d.latest, d.versions.length, d.rows, d.columns, d.steward, d.consent, d.pii.join(', '), d.parents.join(', ')]),
          ),
    );
  }
}
