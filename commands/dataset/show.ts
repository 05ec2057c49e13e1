import { Args } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { showDataset } from '../../src/datasets/info.js';
import { renderDatasetVersion } from '../../src/datasets/render.js';

export default class DatasetShow extends DictlCommand {
  static override summary = 'Show one dataset version: metadata, hashes, schema and column profile.';
  static override examples = ['<%= config.bin %> dataset show churn@1', '<%= config.bin %> dataset show churn        # latest version', '<%= config.bin %> dataset show credit@2 --json'];
  static override args = { ref: Args.string({ description: 'NAME, NAME@VERSION or NAME@latest', required: true }) };

  async run() {
    const { args } = await this.parseCommand(DatasetShow);
    const r = showDataset(this.workspace, args.ref);
    return this.emit(r, renderDatasetVersion);
  }
}
