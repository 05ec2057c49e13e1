import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { archiveModel } from '../../src/ops/model-archive.js';

export default class ModelArchive extends DictlCommand {
  static override summary = 'Archive a model version (hidden from list and @latest, kept on disk), or restore it.';
  static override examples = [
    '<%= config.bin %> model archive churn-model@2 --reason "trained on a bad extract"',
    '<%= config.bin %> model archive churn-model@2 --restore',
    '<%= config.bin %> model archive churn-model@3 --json --wait 10',
  ];
  static override args = { model: Args.string({ description: 'model reference, e.g. churn-model@2', required: true }) };
  static override flags = {
    ...writeFlags,
    restore: Flags.boolean({ description: 'un-archive the version', default: false }),
    reason: Flags.string({ description: 'why (kept in the audit log)' }),
    actor: Flags.string({ description: 'who is doing this (default: the OS user)' }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(ModelArchive);
    const r = await archiveModel(this.workspace, args.model, { wait: flags.wait, actor: flags.actor, reason: flags.reason, restore: flags.restore });
    return this.emit(r, (x) => (x.changed ? `${x.archived ? 'Archived' : 'Restored'} ${x.ref}` : `${x.ref} was already ${x.archived ? 'archived' : 'live'}`));
  }
}
