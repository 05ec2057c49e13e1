/**
 * Where registered datasets live and how references resolve. Layout:
 *   datasets/NAME/VERSION/data.parquet   the stored data, source row order preserved
 *   datasets/NAME/VERSION/meta.json      DatasetVersion (written last: a version without it is not committed)
 * Data-row numbers (0-based, the order of the source file) are the Parquet file row numbers:
 * read them with read_parquet(path, file_row_number = true).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { notFound } from '../errors.js';
import type { DatasetVersion } from '../types.js';
import { parseRef, validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { sha256File } from '../util/hash.js';
import { listDirs, readJson, type Checkup } from '../io/checkup.js';

export const datasetDir = (ws: Workspace, name: string) => join(ws.datasetsDir, validateName('dataset', name));
export const datasetVersionDir = (ws: Workspace, name: string, version: number) => join(datasetDir(ws, name), String(version));
export const datasetDataPath = (ws: Workspace, name: string, version: number) => join(datasetVersionDir(ws, name, version), 'data.parquet');
export const datasetMetaPath = (ws: Workspace, name: string, version: number) => join(datasetVersionDir(ws, name, version), 'meta.json');

/** Committed version numbers of a dataset, ascending (folders with a meta.json). */
export function datasetVersions(ws: Workspace, name: string): number[] {
  const dir = datasetDir(ws, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(dir, d, 'meta.json')))
    .map(Number)
    .sort((a, b) => a - b);
}

export function readDatasetVersion(ws: Workspace, name: string, version: number): DatasetVersion {
  const p = datasetMetaPath(ws, name, version);
  if (!existsSync(p)) throw notFound(`dataset ${name}@${version} not found`, `see: dictl dataset list`);
  return JSON.parse(readFileSync(p, 'utf8')) as DatasetVersion;
}

/** Resolves "name", "name@3", "name@latest". */
export function resolveDataset(ws: Workspace, refText: string): DatasetVersion {
  const { name, ref } = parseRef('dataset', refText);
  const versions = datasetVersions(ws, name);
  if (versions.length === 0) throw notFound(`dataset "${name}" is not registered`, `register it: dictl dataset register ${name} --file PATH --steward EMAIL`);
  if (ref === 'latest') return readDatasetVersion(ws, name, versions[versions.length - 1]);
  if (typeof ref === 'number') return readDatasetVersion(ws, name, ref);
  throw notFound(`dataset reference "${refText}" is not a version`, `use ${name}@N or ${name}@latest`);
}

export function listDatasetNames(ws: Workspace): string[] {
  if (!existsSync(ws.datasetsDir)) return [];
  return readdirSync(ws.datasetsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && datasetVersions(ws, d.name).length > 0)
    .map((d) => d.name)
    .sort();
}

/**
 * doctor: every dataset version's meta.json names its folder and data.parquet hashes to what it
 * records. Returns ref → recorded data sha256 of the versions whose data is there.
 */
export async function verifyDatasets(ws: Workspace, c: Checkup): Promise<Map<string, string>> {
  const datasetSha = new Map<string, string>();
  for (const name of listDirs(ws.datasetsDir)) {
    for (const v of listDirs(join(ws.datasetsDir, name))) {
      const dir = join(ws.datasetsDir, name, v);
      if (!/^[1-9]\d*$/.test(v)) {
        c.add('error', 'dataset-stray-folder', dir, `unexpected folder in dataset ${name}`);
        continue;
      }
      c.checked.datasets++;
      const meta = readJson<DatasetVersion>(join(dir, 'meta.json'));
      if (!meta.ok) {
        c.add('error', 'dataset-meta', join(dir, 'meta.json'), `meta.json missing or unreadable: ${meta.error}`);
        continue;
      }
      const m = meta.value;
      if (m.name !== name || m.version !== Number(v)) c.add('error', 'dataset-identity', join(dir, 'meta.json'), `meta.json names ${m.name}@${m.version}, folder is ${name}@${v}`);
      const data = join(dir, 'data.parquet');
      if (!existsSync(data)) {
        c.add('error', 'dataset-data-missing', data, 'data.parquet is missing');
        continue;
      }
      const h = await sha256File(data);
      if (h.sha256 !== m.dataSha256) c.add('error', 'dataset-hash', data, `sha256 ${h.sha256.slice(0, 12)} does not match meta.json ${String(m.dataSha256).slice(0, 12)}`);
      datasetSha.set(`${name}@${v}`, m.dataSha256);
      c.committed.push({ kind: 'dataset', ref: `${name}@${v}`, path: join(dir, 'meta.json'), actions: ['dataset.register', 'dataset.derive'], entry: () => ({ action: (m.parents ?? []).length ? 'dataset.derive' : 'dataset.register', subject: `${name}@${v}`, details: { dataSha256: m.dataSha256, rows: m.rows } }) });
    }
  }
  return datasetSha;
}
