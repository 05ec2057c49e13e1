/**
 * The Avro record schema of one scoring event (input.avsc): one field per raw pipeline input, numbers
 * as "double", strings as "string", nullable inputs as ["null", T] with default null. Avro names allow
 * only [A-Za-z_][A-Za-z0-9_]*, so a column like "mean radius" gets the field name "mean_radius" and
 * keeps its real name in the field's "column" attribute (events in JSON use the real column names).
 * Pure: no I/O.
 */
import type { PipelineInput } from '../types.js';

export interface AvroField {
  name: string;
  type: string | string[];
  default?: null;
  column: string;
  doc?: string;
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace: string;
  doc?: string;
  fields: AvroField[];
}

export function avroName(raw: string): string {
  let s = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = '_' + s;
  return s;
}

export function avroSchemaForInputs(recordName: string, inputs: PipelineInput[], doc?: string): AvroRecordSchema {
  const used = new Set<string>();
  const fields = inputs.map((inp) => {
    let name = avroName(inp.name);
    if (used.has(name)) {
      let k = 2;
      while (used.has(`${name}_${k}`)) k++;
      name = `${name}_${k}`;
    }
    used.add(name);
    const base = inp.type === 'number' ? 'double' : 'string';
    const f: AvroField = inp.nullable ? { name, type: ['null', base], default: null, column: inp.name } : { name, type: base, column: inp.name };
    return f;
  });
  const schema: AvroRecordSchema = { type: 'record', name: avroName(recordName), namespace: 'dictl.events', fields };
  if (doc) schema.doc = doc;
  return schema;
}
