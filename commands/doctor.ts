import { Flags } from '@oclif/core';
import { DictlCommand, writeFlags } from '../src/base.js';
import { usageError } from '../src/errors.js';
import { runDoctor } from '../src/ops/doctor.js';
import { renderTable } from '../src/ui/table.js';

export default class Doctor extends DictlCommand {
  static override summary = 'Verify every hash and reference in datasets/ and registry/; with --repair, clear what a crash left behind.';
  static override description =
    'Checks dataset data hashes, holdout hashes, feature builds, model files, aliases, the audit log, the review queue, the shadow log and the decision log. Crash leftovers (orphan temp files and staged folders, a stale lock, a torn audit, review or shadow line, a missing audit entry) are repaired with --repair under the workspace lock; real inconsistencies are reported, never guessed away. Exits 1 when the workspace is inconsistent.';
  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --repair',
    '<%= config.bin %> doctor --repair --force   # the lock is held by a process on another host that is gone',
    '<%= config.bin %> doctor --json --workspace ~/projects/churn',
  ];
  static override flags = {
    ...writeFlags,
    repair: Flags.boolean({ description: 'fix crash leftovers (takes the workspace lock)', default: false }),
    force: Flags.boolean({ description: 'with --repair: clear the workspace lock even when its holder looks alive (a process on another host, or a pid reused by another program); make sure it is really gone', default: false }),
    actor: Flags.string({ description: 'who runs the repair (default: the OS user)' }),
  };

  async run() {
    const { flags } = await this.parseCommand(Doctor);
    if (flags.force && !flags.repair) throw usageError('--force only goes with --repair', 'dictl doctor --repair --force');
    const r = await runDoctor(this.workspace, { repair: flags.repair, force: flags.force, wait: flags.wait, actor: flags.actor, progress: this.progress });
    const reason = `${r.errors} inconsistenc${r.errors === 1 ? 'y' : 'ies'} found (see the list above)`;
    return this.emitVerdict(r, r.consistent, reason, (x) => {
      const c = x.checked;
      const head =
        `Checked ${c.datasets} dataset versions, ${c.holdouts} holdouts, ${c.featureBuilds} feature builds, ${c.models} model versions, ${c.aliases} aliases, ${c.auditEntries} audit entries, ` +
        `${c.reviewCases} review cases (${c.resolutions} resolved), ${c.shadowEntries} shadow entries, ${c.decisions} decisions in ${c.decisionSegments} segments.`;
      const rows = x.issues.map((i) => [i.severity, i.code, i.path, i.message + (i.repaired ? ' [repaired]' : '')]);
      const verdict = x.consistent
        ? `Consistent.${x.leftovers ? ` ${x.leftovers} crash leftover(s)${x.repaired ? `, ${x.repaired} repaired` : '; run dictl doctor --repair to clear them'}.` : ''}`
        : `INCONSISTENT: ${x.errors} error(s).`;
      return [head, rows.length ? renderTable(['severity', 'check', 'path', 'detail'], rows) : '', verdict].filter(Boolean).join('\n');
    });
  }
}
