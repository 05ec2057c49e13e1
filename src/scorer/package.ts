/**
 * Builds a scorer package from a registered model: model.onnx, input.avsc, manifest.json, README.md,
 * spark_job.py, dictl_scoring.py and requirements.txt — byte-identical for the same model (no timestamps, sorted JSON keys). Optionally
 * also DIR.tar (deterministic ustar). The package use case (ops/package.ts) records lineage in
 * registry/packages/<sha256 of model.onnx>.json and audits `model.package`.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { commitDir, dropStaging, ensureDir, stagingDirFor, tempPathFor, TMP_MARKER, writeFileAtomic } from '../io/atomic.js';
import { crashPoint } from '../io/faults.js';
import { pidAlive } from '../io/lock.js';
import { usageError, dataError } from '../errors.js';
import type { ModelVersion } from '../types.js';
import { classNames, exportOnnx, ONNX_OPSET } from '../ml/families/onnx-export.js';
import { sha256 } from '../util/hash.js';
import { stableStringify } from '../util/json.js';
import { avroSchemaForInputs } from './avro.js';
import type { Manifest, ManifestFeature } from './manifest.js';
import { makeTar } from './tar.js';
import { readmeText } from './docs.js';
import { requirementsText, scoringModuleText, sparkJobText } from './spark.js';
import { dictlVersion } from '../util/version.js';
import { EXPLAIN_FILE, type ExplainSpec } from '../explain/explainer.js';

export function onnxruntimeVersion(): string {
  try {
    return String(createRequire(import.meta.url)('onnxruntime-node/package.json').version);
  } catch {
    return 'unknown';
  }
}

export interface PackageOptions {
  /** the decision policy to embed; null when none */
  decisionPolicy?: unknown;
  /** what the package needs to explain its scores (explain.json); absent → the package cannot explain */
  explain?: ExplainSpec;
}

export interface PackageFiles {
  /** file name → bytes, in the order written (manifest.json last) */
  files: [string, Uint8Array][];
  manifest: Manifest;
  onnxSha256: string;
}

function manifestFeatures(model: ModelVersion): ManifestFeature[] {
  return model.pipeline.features.map((f) => {
    switch (f.kind) {
      case 'numeric':
        return { name: f.name, kind: f.kind, input: f.input, outputs: [f.name] };
      case 'onehot': {
        const o: ManifestFeature = { name: f.name, kind: f.kind, input: f.input, outputs: f.outputs, categories: f.categories, folded: f.folded, otherSlot: f.otherSlot, unknown: f.unknown };
        if (f.impute !== undefined) o.impute = f.impute;
        return o;
      }
      case 'index': {
        const o: ManifestFeature = { name: f.name, kind: f.kind, input: f.input, outputs: [f.name], vocabulary: f.vocabulary, unknown: f.unknown };
        if (f.impute !== undefined) o.impute = f.impute;
        return o;
      }
      case 'interaction':
        return { name: f.name, kind: f.kind, outputs: [f.name], input: undefined };
    }
  });
}

/** Everything in a package, in memory. Pure apart from reading dictl's and onnxruntime's versions. */
export function buildPackageFiles(model: ModelVersion, opts: PackageOptions = {}): PackageFiles {
  const version = dictlVersion();
  let onnxBytes: Uint8Array;
  try {
    onnxBytes = exportOnnx(model, { producerVersion: version });
  } catch (e) {
    throw dataError(`cannot compile ${model.name}@${model.version} to ONNX: ${(e as Error).message}`);
  }
  const ref = `${model.name}@${model.version}`;
  const schema = avroSchemaForInputs(`${model.name}_event`, model.pipeline.inputs, `One scoring event for dictl model ${ref}`);
  const classes = classNames(model);
  const K = model.task === 'regression' || model.task === 'segmentation' ? 1 : classes.length;
  const outputs: Manifest['outputs'] =
    model.task === 'segmentation'
      ? [
          { name: 'segment', type: 'int64', shape: ['N', 1], description: 'the nearest segment (centre), 0 … k−1' },
          { name: 'distance', type: 'double', shape: ['N', 1], description: 'Euclidean distance to that centre, in feature space' },
        ]
      : model.task === 'regression'
      ? [{ name: 'prediction', type: 'double', shape: ['N', 1], description: 'the linear prediction' }]
      : [
          { name: 'probabilities', type: 'double', shape: ['N', K], description: `class probabilities in the order of model.classes (${classes.join(', ')})` },
          { name: 'label', type: 'string', shape: ['N', 1], description: model.task === 'binary' ? `"${classes[1]}" when P(${classes[1]}) >= ${model.threshold}, else "${classes[0]}"` : 'the most probable class' },
        ];
  const unknownPolicy: Record<string, string> = {};
  for (const f of model.pipeline.features) if (f.kind === 'onehot' || f.kind === 'index') unknownPolicy[f.name] = f.unknown;
  const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  const avsc = enc(JSON.stringify(schema, null, 2) + '\n');
  const base: Omit<Manifest, 'files'> = {
    kind: 'dictl-scorer-package',
    formatVersion: 1,
    model: {
      ref,
      name: model.name,
      version: model.version,
      task: model.task,
      algorithm: model.algorithm,
      ...(model.label ? { label: model.label } : {}),
      classes,
      threshold: model.threshold,
      recordSha256: sha256(stableStringify(model)),
    },
    inputs: model.pipeline.inputs.map((inp, i) => ({ name: inp.name, field: schema.fields[i].name, type: inp.type, nullable: inp.nullable, onnxType: inp.type === 'number' ? 'double' : 'string' })),
    outputs,
    featureOrder: model.featureNames && model.featureNames.length ? model.featureNames : model.pipeline.outputNames,
    features: manifestFeatures(model),
    unknownPolicy,
    lineage: model.lineage,
    onnx: { irVersion: 8, opset: { ...ONNX_OPSET }, file: 'model.onnx' },
    versions: { dictl: version, onnxruntime: onnxruntimeVersion() },
    decisionPolicy: opts.decisionPolicy ?? null,
    ...(opts.explain ? { explain: { file: EXPLAIN_FILE, family: opts.explain.family } } : {}),
  };
  const readme = enc(readmeText({ ...base, files: {} }));
  const spark = enc(sparkJobText());
  const others: [string, Uint8Array][] = [
    ['model.onnx', onnxBytes],
    ['input.avsc', avsc],
    ['README.md', readme],
    ['spark_job.py', spark],
    ['dictl_scoring.py', enc(scoringModuleText())],
    ['requirements.txt', enc(requirementsText())],
  ];
  if (opts.explain) others.push([EXPLAIN_FILE, enc(stableStringify(opts.explain))]);
  const files: Manifest['files'] = {};
  for (const [name, b] of others) files[name] = { sha256: sha256(b), bytes: b.length };
  const manifest: Manifest = { ...base, files };
  return { files: [...others, ['manifest.json', enc(stableStringify(manifest))]], manifest, onnxSha256: files['model.onnx'].sha256 };
}

export interface PackageResult {
  model: string;
  out: string;
  files: { name: string; sha256: string; bytes: number }[];
  onnxSha256: string;
  tar?: { path: string; sha256: string; bytes: number };
  /** the lineage record in registry/packages/; null when the registry is read-only (package written, nothing recorded) */
  lineageRecord: string | null;
  inputs: number;
  features: number;
  /** whether the package carries explain.json (score --explain); when not, why */
  explains: boolean;
  warnings: string[];
}

/** Refuses a --out that is not empty and not an earlier dictl package. */
export function checkPackageFolder(pkg: PackageFiles, dir: string, out: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw usageError(`--out ${out} exists and is not a folder`);
  const entries = readdirSync(dir);
  const ours = new Set([...pkg.files.map(([n]) => n)]);
  const foreign = entries.filter((e) => !ours.has(e));
  if (entries.length > 0 && (!entries.includes('manifest.json') || foreign.length > 0))
    throw usageError(`--out ${out} is not empty and is not a dictl package (${(foreign.length ? foreign : entries).slice(0, 3).join(', ')})`, 'choose an empty or new folder');
}

/** True when `path` is a ustar archive whose first entry is the folder `base/`: an archive an earlier `package --tar` wrote. */
function isPackageTar(path: string, base: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const h = Buffer.alloc(512);
    if (readSync(fd, h, 0, 512, 0) !== 512) return false;
    const name = h.subarray(0, 100).toString('utf8').replace(/\0[\s\S]*$/, '');
    return name === `${base}/` && h.subarray(257, 263).toString('latin1') === 'ustar\0' && h[156] === 0x35;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Refuses OUT.tar when it exists and is anything but an archive of an earlier package of the same folder. */
export function checkTarTarget(dir: string): void {
  const path = `${dir}.tar`;
  if (!existsSync(path)) return;
  if (!statSync(path).isFile() || !isPackageTar(path, basename(dir)))
    throw usageError(`--tar: ${path} exists and is not an archive of an earlier package of ${basename(dir)}; refusing to overwrite it`, 'move the file away, or choose another --out');
}

const OLD_SUFFIX = '.old';

/**
 * Staging and set-aside folders of earlier runs beside `dir` whose process is gone: a set-aside old
 * package is put back when the run died between the two renames (so `dir` is never left empty for
 * long), everything else is removed.
 */
export function cleanPackageLeftovers(dir: string): string[] {
  const parent = dirname(dir);
  const prefix = `${TMP_MARKER}${basename(dir)}`;
  const done: string[] = [];
  if (!existsSync(parent)) return done;
  for (const e of readdirSync(parent).sort()) {
    const m = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${OLD_SUFFIX.replace('.', '\\.')})?\\.(\\d+)\\.[0-9a-f]{8}$`).exec(e);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const p = join(parent, e);
    if (m[1] && !existsSync(dir)) renameSync(p, dir);
    else rmSync(p, { recursive: true, force: true });
    done.push(p);
  }
  return done;
}

/**
 * Writes the files into `out`, replacing an earlier package there (never other content) without a
 * moment where `out` holds a partial package: the new package is staged beside it, the old one is
 * renamed aside, the new one renamed in, and the old one removed last.
 */
export function writePackage(pkg: PackageFiles, out: string, tar: boolean): { tar?: { path: string; sha256: string; bytes: number } } {
  const dir = resolve(out);
  cleanPackageLeftovers(dir);
  checkPackageFolder(pkg, dir, out);
  if (tar) checkTarTarget(dir);
  ensureDir(dirname(dir));
  const staging = stagingDirFor(dir);
  let aside: string | undefined;
  try {
    for (const [name, bytes] of pkg.files) writeFileSync(join(staging, name), bytes);
    if (existsSync(dir)) {
      aside = tempPathFor(dir + OLD_SUFFIX);
      renameSync(dir, aside);
    }
    crashPoint('package-swap');
    commitDir(staging, dir);
  } catch (e) {
    dropStaging(staging);
    if (aside && !existsSync(dir)) renameSync(aside, dir);
    throw e;
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
  if (!tar) return {};
  const bytes = makeTar(pkg.files, basename(dir));
  const path = `${dir}.tar`;
  writeFileAtomic(path, bytes);
  return { tar: { path, sha256: sha256(bytes), bytes: bytes.length } };
}
