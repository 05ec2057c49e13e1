import { Args, Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../../src/base.js';
import { amendConsent } from '../../src/ops/dataset-consent.js';
import { CONSENTS } from '../../src/datasets/register.js';

export default class DatasetConsent extends DictlCommand {
  static override summary = "Amend a dataset version's consent (audited; a new metadata version; the data bytes are unchanged).";
  static override examples = [
    '<%= config.bin %> dataset consent churn@1 --consent opt-in --reason "opt-in collected at renewal (LEGAL-42)" --actor dpo@example.com',
    '<%= config.bin %> dataset consent credit@2 --consent opt-out --reason "customer objection batch 7" --actor dpo@example.com --json',
  ];
  static override args = { dataset: Args.string({ description: 'DATASET@VERSION (or DATASET for the latest)', required: true }) };
  static override flags = {
    ...writeFlags,
    consent: Flags.string({ description: 'the new consent basis', options: CONSENTS, required: true }),
    reason: Flags.string({ description: 'why it changed (kept in the metadata and the audit log)', required: true }),
    actor: Flags.string({ description: 'who records the change: an e-mail address or a team id', required: true, aliases: ['by'] }),
  };

  async run() {
    const { args, flags } = await this.parseCommand(DatasetConsent);
    const r = await amendConsent(this.workspace, args.dataset, { consent: flags.consent, reason: flags.reason, by: flags.actor, wait: flags.wait });
    return this.emit(r, (x) =>
      x.unchanged
        ? `${x.dataset} already has consent "${x.to}"; nothing changed`
        : `${x.dataset}: consent "${x.from}" → "${x.to}" (metadata version ${x.metadataVersion}; data sha256 ${x.dataSha256.slice(0, 12)} unchanged)`,
    );
  }
}
