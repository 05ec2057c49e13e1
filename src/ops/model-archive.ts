/**
 * `dictl model archive MODEL@N [--restore]`: archives a version (hidden from list and @latest, kept on
 * disk) or un-archives it, under the workspace lock, with a `model.archive` / `model.restore` audit
 * entry. A version an alias points at cannot be archived.
 */
import { usageError } from '../errors.js';
import { appendAudit, defaultActor } from '../io/audit.js';
import { locked } from '../io/lock.js';
import { archiveVersionUnlocked, resolveModel, restoreVersionUnlocked } from '../registry/models.js';
import { parseRef } from '../util/names.js';
import type { Workspace } from '../workspace.js';

export interface ArchiveResult {
  ref: string;
  archived: boolean;
  changed: boolean;
}

/** Archives (or with `restore`, un-archives) a version. A version an alias points at cannot be archived. */
export async function archiveModel(
  ws: Workspace,
  refText: string,
  opts: { wait?: number; actor?: string; reason?: string; restore?: boolean } = {},
): Promise<ArchiveResult> {
  parseRef('model', refText); // bad names fail before the lock
  return locked(ws, opts.wait, `model archive ${refText}`, () => {
    const r = resolveModel(ws, refText);
    const { name, version } = r.model;
    if (opts.restore) {
      if (!r.archived) return { ref: r.ref, archived: false, changed: false };
      restoreVersionUnlocked(ws, name, version);
      appendAudit(ws, { action: 'model.restore', subject: r.ref, actor: opts.actor, reason: opts.reason });
      return { ref: r.ref, archived: false, changed: true };
    }
    if (r.archived) return { ref: r.ref, archived: true, changed: false };
    if (r.aliases.length)
      throw usageError(`${r.ref} is ${r.aliases.map((a) => `@${a}`).join(', ')}; move or remove the alias before archiving`, `dictl model alias ${name} --remove ${r.aliases[0]}`);
    const actor = opts.actor ?? defaultActor();
    archiveVersionUnlocked(ws, name, version, { actor, reason: opts.reason });
    appendAudit(ws, { action: 'model.archive', subject: r.ref, actor, reason: opts.reason });
    return { ref: r.ref, archived: true, changed: true };
  });
}
