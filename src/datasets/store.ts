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
