/**
 * The Avro record schema of a dataset version: the schema `dataset schema --format avro` exports and
 * the packaged scorer enforces on events. Pure and deterministic (same columns → same schema).
 *
 * Mapping: integer → long, number → double, string → string, boolean → boolean,
 * date → int (logicalType date), timestamp → long (logicalType timestamp-micros).
 * A nullable column is the union ["null", T] with default null. Avro names allow only
 * [A-Za-z_][A-Za-z0-9_]*, so other characters become "_" (a clash gets a numeric suffix) and the
 * original column name is kept in the field's "dictl.column" attribute whenever it differs.
 */
import type { ColumnType } from '../types.js';

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';
export type AvroType = AvroPrimitive | { type: AvroPrimitive; logicalType: string } | AvroType[];

export interface AvroField {
  name: string;
  type: AvroType;
  default?: null;
  'dictl.column'?: string;
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace: string;
  doc?: string;
  fields: AvroField[];
}

export interface AvroColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

export function avroTypeOf(t: ColumnType): AvroType {
  switch (t) {
    case 'integer':
      return 'long';
    case 'number':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros' };
    default:
      return 'string';
  }
}

/** A valid Avro name for any text: invalid characters → "_", a leading digit gets a "_" prefix. */
export function avroName(text: string): string {
  let n = text.replace(/[^A-Za-z0-9_]/g, '_');
  if (n === '' || /^[0-9]/.test(n)) n = '_' + n;
  return n;
}

export function avroSchemaFor(name: string, columns: AvroColumn[], opts: { namespace?: string; doc?: string } = {}): AvroRecordSchema {
  const used = new Set<string>();
  const fields: AvroField[] = columns.map((c) => {
    const base = avroName(c.name);
    let n = base;
    for (let k = 2; used.has(n); k++) n = `${base}_${k}`;
    used.add(n);
    const t = avroTypeOf(c.type);
    const f: AvroField = c.nullable ? { name: n, type: ['null', t], default: null } : { name: n, type: t };
    if (n !== c.name) f['dictl.column'] = c.name;
    return f;
  });
  const s: AvroRecordSchema = { type: 'record', name: avroName(name), namespace: opts.namespace ?? 'dictl.datasets', fields };
  if (opts.doc) s.doc = opts.doc;
  return s;
}

/** The same schema as JSON Schema (2020-12): every column required, nullable ones may be null. */
export function jsonSchemaFor(name: string, columns: AvroColumn[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const c of columns) {
    const base: Record<string, unknown> =
      c.type === 'integer'
        ? { type: 'integer' }
        : c.type === 'number'
          ? { type: 'number' }
          : c.type === 'boolean'
            ? { type: 'boolean' }
            : c.type === 'date'
              ? { type: 'string', format: 'date' }
              : c.type === 'timestamp'
                ? { type: 'string', format: 'date-time' }
                : { type: 'string' };
    if (c.nullable) base.type = [base.type, 'null'];
    props[c.name] = base;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: name,
    type: 'object',
    properties: props,
    required: columns.map((c) => c.name),
    additionalProperties: false,
  };
}
