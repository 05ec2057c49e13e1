import { Flags } from '@oclif/core';
import { DictlCommand } from '../../src/base.js';
import { queryAudit } from '../../src/registry/log.js';
import { renderTable } from '../../src/ui/table.js';

export default class RegistryLog extends DictlCommand {
  static override summary = 'Show the audit trail: who did what, to which dataset or model, when and why.';
  static override examples = [
    '<%= config.bin %> registry log',
    '<%= config.bin %> registry log --subject churn-model --action model.promote',
    '<%= config.bin %> registry log --actor alice --since 2026-11-24 --limit 20 --json',
  ];
  static override flags = {
    subject: Flags.string({ description: 'only entries about this name (churn-model) or ref (churn-model@3)' }),
    action: Flags.string({ description: 'only this action or family (model.promote, model)' }),
    actor: Flags.string({ description: 'only entries by this user' }),
    since: Flags.string({ description: 'only entries at or after this date/time (ISO)' }),
    limit: Flags.integer({ description: 'only the most recent N entries', min: 0 }),
  };

  async run() {
    const { flags } = await this.parseCommand(RegistryLog);
    const r = queryAudit(this.workspace, { subject: flags.subject, action: flags.action, actor: flags.actor, since: flags.since, limit: flags.limit });
    return this.emit(r, (x) =>
      x.entries.length === 0
        ? 'No audit entries match.'
        : renderTable(
            ['when', 'who', 'action', 'subject', 'why'],
            x.entries.map((e) => [e.ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), e.actor, e.action, e.subject, e.reason ?? '']),
          ) + `\n${x.entries.length} of ${x.total} entries`,
    );
  }
}
