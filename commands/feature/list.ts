import { DictlCommand } from '../../src/base.js';
import { listFeatureSets } from '../../src/ops/feature-list.js';
import { renderTable } from '../../src/ui/table.js';

export default class FeatureList extends DictlCommand {
  static override summary = 'List feature sets (features/*.yaml) with their latest build.';
  static override examples = ['<%= config.bin %> feature list', '<%= config.bin %> feature list --json', '<%= config.bin %> feature list -w ~/projects/churn'];

  async run() {
    await this.parseCommand(FeatureList);
    const r = listFeatureSets(this.workspace);
    return this.emit(r, (xs) =>
      xs.length === 0
        ? 'No feature sets: add features/NAME.yaml to the workspace.'
        : renderTable(
            ['name', 'source', 'features', 'builds', 'latest', 'outputs', 'rows (train/test)', 'status'],
            xs.map((x) => [
              x.name,
              x.source ?? '',
              x.features ?? '',
              x.builds,
              x.latest ? `@${x.latest.version} (${x.latest.dataset})` : '-',
              x.latest?.outputs ?? '',
              x.latest ? `${x.latest.rows.train}/${x.latest.rows.test}` : '',
              x.valid ? 'ok' : `invalid: ${x.error}`,
            ]),
          ),
    );
  }
}
