/**
 * `dictl package MODEL@REF --out DIR [--tar]`: the model's package (scorer/package.ts builds and
 * writes the files) with the model's current decision policy and explain spec, its lineage record in
 * registry/packages/ and its audit entry, under the workspace lock.
 */
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
import { appendAudit } from '../io/audit.js';
import { locked, writableDir } from '../io/lock.js';
import { checkOutputPath } from '../io/outputs.js';
import { usageError } from '../errors.js';
import { sha256 } from '../util/hash.js';
import type { Workspace } from '../workspace.js';
import { resolveModel } from '../registry/models.js';
import { packagesDir } from '../registry/packages.js';
import { policyForPackage } from '../decide/policy-store.js';
import { buildPackageFiles, checkPackageFolder, checkTarTarget, writePackage, type PackageResult } from '../scorer/package.js';
import { explainSpecFor } from './explain-background.js';

/** `dictl package MODEL@REF --out DIR [--tar]` */
export async function packageModel(ws: Workspace, refText: string, out: string, opts: { tar?: boolean; wait?: number; decisionPolicy?: unknown } = {}): Promise<PackageResult> {
  if (!out) throw usageError('--out DIR is required');
  const resolved = resolveModel(ws, refText);
  const model = resolved.model;
  // the model's current decision policy, if one is set, rides in manifest.decisionPolicy
  const decisionPolicy = opts.decisionPolicy === undefined ? policyForPackage(ws, model.name) : opts.decisionPolicy;
  // build (and validate) everything before taking the lock or writing anything
  const explain = await explainSpecFor(ws, model);
  const pkg = buildPackageFiles(model, { decisionPolicy, explain: explain.spec ?? undefined });
  const outAbs = checkOutputPath(ws, out, { flag: '--out', kind: 'dir' });
  if (opts.tar) checkOutputPath(ws, `${outAbs}.tar`, { flag: '--tar' });
  checkPackageFolder(pkg, outAbs, out);
  if (opts.tar) checkTarTarget(outAbs);
  const result = (w: ReturnType<typeof writePackage>, lineageRecord: string | null): PackageResult => ({
    model: resolved.ref,
    out: outAbs,
    files: pkg.files.map(([name, b]) => ({ name, sha256: sha256(b), bytes: b.length })),
    onnxSha256: pkg.onnxSha256,
    tar: w.tar,
    lineageRecord,
    inputs: model.pipeline.inputs.length,
    features: pkg.manifest.featureOrder.length,
    explains: explain.spec !== null,
    warnings: explain.spec === null ? [`the package cannot explain its scores (score --explain): ${explain.why}`] : [],
  });
  // a read-only registry: the model version is immutable, reading it needs no lock; nothing is recorded
  if (!writableDir(ws.registryDir)) return result(writePackage(pkg, outAbs, !!opts.tar), null);
  return locked(ws, opts.wait, `package ${refText}`, () => {
    const w = writePackage(pkg, outAbs, !!opts.tar);
    const lineagePath = join(packagesDir(ws), `${pkg.onnxSha256}.json`);
    writeJsonAtomic(lineagePath, { model: resolved.ref, out: outAbs, sha256: pkg.onnxSha256, manifestSha256: sha256(pkg.files[pkg.files.length - 1][1]) });
    appendAudit(ws, { action: 'model.package', subject: resolved.ref, details: { out: outAbs, sha256: pkg.onnxSha256, tar: w.tar?.path ?? null } });
    return result(w, lineagePath);
  });
}
