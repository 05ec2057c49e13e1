/**
 * `dictl model alias MODEL@REF ALIAS` and `dictl model alias MODEL --remove ALIAS`: points an alias at a
 * version (never an archived one) or removes it, under the workspace lock, with a `model.alias` /
 * `model.alias.remove` audit entry. The champion alias is normally moved by `model promote` (the gate).
 */
import { notFound, usageError } from '../errors.js';
import { appendAudit } from '../io/audit.js';
import { crashPoint } from '../io/faults.js';
import { locked } from '../io/lock.js';
import { checkAliasName, removeAliasUnlocked, resolveModel, writeAliasUnlocked } from '../registry/models.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';

export interface AliasResult {
  model: string;
  alias: string;
  version: number | null;
  previous: number | null;
}

export async function setAlias(
  ws: Workspace,
  refText: string,
  alias: string,
  opts: { wait?: number; actor?: string; reason?: string } = {},
): Promise<AliasResult> {
  checkAliasName(alias);
  return locked(ws, opts.wait, `model alias ${refText} ${alias}`, () => {
    const r = resolveModel(ws, refText);
    if (r.archived) throw usageError(`${r.ref} is archived; an alias cannot point at it`, `pick another version: dictl model list ${r.model.name}`);
    const prev = writeAliasUnlocked(ws, r.model.name, alias, r.model.version);
    crashPoint('alias-commit');
    appendAudit(ws, { action: 'model.alias', subject: r.ref, actor: opts.actor, reason: opts.reason, details: { alias, previous: prev } });
    return { model: r.model.name, alias, version: r.model.version, previous: prev };
  });
}

export async function removeAlias(ws: Workspace, name: string, alias: string, opts: { wait?: number; actor?: string; reason?: string } = {}): Promise<AliasResult> {
  validateName('model', name);
  checkAliasName(alias);
  return locked(ws, opts.wait, `model alias ${name} --remove ${alias}`, () => {
    const prev = removeAliasUnlocked(ws, name, alias);
    if (prev === undefined) throw notFound(`model "${name}" has no alias "${alias}"`, `see: dictl model show ${name}`);
    appendAudit(ws, { action: 'model.alias.remove', subject: `${name}@${alias}`, actor: opts.actor, reason: opts.reason, details: { alias, previous: prev } });
    return { model: name, alias, version: null, previous: prev };
  });
}
