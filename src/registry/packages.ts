/**
 * The lineage records of built scorer packages: registry/packages/<sha256>.json, one per package
 * built (written by `dictl package`, read by `dictl lineage` and doctor).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { appendAudit, type AuditEntry } from '../io/audit.js';
import { readJson, type Checkup } from '../io/checkup.js';
import { sha256File } from '../util/hash.js';
import type { Workspace } from '../workspace.js';
import { modelRefExists } from './models.js';

export const packagesDir = (ws: Workspace) => join(ws.registryDir, 'packages');

/**
 * doctor: every package lineage record parses, is named by its sha256, was built from a model in the
 * registry and has its model.package audit entry (the repair appends it); a package folder that now
 * holds another model.onnx is worth knowing.
 */
export async function verifyPackages(ws: Workspace, c: Checkup, audit: AuditEntry[]): Promise<void> {
  const pkgDir = packagesDir(ws);
  for (const f of existsSync(pkgDir) ? readdirSync(pkgDir).sort() : []) {
    if (f.startsWith('.') || !f.endsWith('.json')) continue;
    const p = join(pkgDir, f);
    const r = readJson<{ model?: string; out?: string; sha256?: string }>(p);
    if (!r.ok) {
      c.add('error', 'package-parse', p, `package record does not parse: ${r.error}`);
      continue;
    }
    if (r.value.sha256 !== f.slice(0, -5)) c.add('error', 'package-hash', p, `package record names sha256 ${String(r.value.sha256).slice(0, 12)}, its file name says ${f.slice(0, 12)}`);
    if (!modelRefExists(ws, r.value.model)) c.add('error', 'package-model', p, `package was built from ${r.value.model}, which is not in the registry`);
    else if (!audit.some((e) => e.action === 'model.package' && (e.details as { sha256?: string } | undefined)?.sha256 === r.value.sha256))
      c.add('leftover', 'audit-missing-package', p, `package of ${r.value.model} (${String(r.value.sha256).slice(0, 12)}) is recorded but its model.package audit entry was never written`, () =>
        appendAudit(ws, { action: 'model.package', subject: r.value.model!, actor: c.actor, reason: 'recorded by dictl doctor --repair after a crash', details: { out: r.value.out, sha256: r.value.sha256, recovered: true } }),
      );
    const onnx = r.value.out ? join(r.value.out, 'model.onnx') : undefined;
    if (onnx && existsSync(onnx)) {
      const h = await sha256File(onnx);
      if (h.sha256 !== r.value.sha256) c.add('info', 'package-changed', onnx, `the package folder now holds a different model.onnx than the one recorded (rebuilt or edited)`);
    }
  }
}
