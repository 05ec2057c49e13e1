/** Read-only views of registered datasets: the list and one version's full record. */
import type { DatasetVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { datasetDataPath, datasetVersions, listDatasetNames, readDatasetVersion, resolveDataset } from './store.js';

export interface DatasetListEntry {
  name: string;
  versions: number[];
  latest: string;
  rows: number;
  columns: number;
  steward: string;
  consent: DatasetVersion['consent'];
  pii: string[];
  parents: string[];
  createdAt: string;
}

export function listDatasets(ws: Workspace): { datasets: DatasetListEntry[] } {
  const datasets = listDatasetNames(ws).map((name) => {
    const versions = datasetVersions(ws, name);
    const m = readDatasetVersion(ws, name, versions[versions.length - 1]);
    return {
      name,
      versions,
      latest: m.ref,
      rows: m.rows,
      columns: m.columns.length,
      steward: m.steward,
      consent: m.consent,
      pii: m.pii,
      parents: m.parents,
      createdAt: m.createdAt,
    };
  });
  return { datasets };
}

export type ShowResult = DatasetVersion & { path: string; versions: number[] };

export function showDataset(ws: Workspace, ref: string): ShowResult {
  const m = resolveDataset(ws, ref);
  return { ...m, path: datasetDataPath(ws, m.name, m.version), versions: datasetVersions(ws, m.name) };
}
