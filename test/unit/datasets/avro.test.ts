/** Avro and JSON Schema of a dataset schema. */
import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { avroName, avroSchemaFor, jsonSchemaFor } from '../../../src/datasets/avro.js';

describe('avro schema (pure)', () => {
  const cols = [
    { name: 'id', type: 'integer' as const, nullable: false },
    { name: 'mean radius', type: 'number' as const, nullable: true },
    { name: 'mean-radius', type: 'number' as const, nullable: false },
    { name: 'plan', type: 'string' as const, nullable: true },
    { name: 'ok', type: 'boolean' as const, nullable: false },
    { name: 'day', type: 'date' as const, nullable: false },
    { name: 'at', type: 'timestamp' as const, nullable: true },
    { name: '2x', type: 'number' as const, nullable: false },
  ];
  it('maps types, nullable → union with null, and keeps invalid names recoverable', () => {
    const s = avroSchemaFor('churn-v2', cols);
    expect(s.name).toBe('churn_v2');
    expect(s.fields).toEqual([
      { name: 'id', type: 'long' },
      { name: 'mean_radius', type: ['null', 'double'], default: null, 'dictl.column': 'mean radius' },
      { name: 'mean_radius_2', type: 'double', 'dictl.column': 'mean-radius' },
      { name: 'plan', type: ['null', 'string'], default: null },
      { name: 'ok', type: 'boolean' },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }], default: null },
      { name: '_2x', type: 'double', 'dictl.column': '2x' },
    ]);
    expect(avroName('a.b c')).toBe('a_b_c');
  });
  it('is a schema avsc accepts, and it enforces null only where allowed', () => {
    const t = avro.Type.forSchema(avroSchemaFor('t', cols) as never);
    const good = { id: 1, mean_radius: null, mean_radius_2: 2.5, plan: 'a', ok: true, day: 19000, at: null, _2x: 1 };
    expect(t.isValid(good)).toBe(true);
    expect(t.isValid({ ...good, id: null })).toBe(false);
    expect(t.isValid({ ...good, plan: 3 })).toBe(false);
    expect(t.fromBuffer(t.toBuffer(good))).toEqual(good);
  });
  it('JSON Schema form', () => {
    const j = jsonSchemaFor('x@1', cols.slice(0, 2)) as { properties: Record<string, unknown>; required: string[] };
    expect(j.properties).toEqual({ id: { type: 'integer' }, 'mean radius': { type: ['number', 'null'] } });
    expect(j.required).toEqual(['id', 'mean radius']);
  });
});
