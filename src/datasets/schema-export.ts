/** `dataset schema NAME@VER --format avro|json`: the version's schema as Avro or JSON Schema. */
import type { Workspace } from '../workspace.js';
import { avroSchemaFor, jsonSchemaFor } from './avro.js';
import { resolveDataset } from './store.js';

export interface SchemaExport {
  dataset: string;
  format: 'avro' | 'json';
  schema: unknown;
}

export function exportSchema(ws: Workspace, ref: string, format: 'avro' | 'json'): SchemaExport {
  const m = resolveDataset(ws, ref);
  const schema = format === 'avro' ? avroSchemaFor(m.name, m.columns, { doc: `${m.ref} (data sha256 ${m.dataSha256})` }) : jsonSchemaFor(m.ref, m.columns);
  return { dataset: m.ref, format, schema };
}
