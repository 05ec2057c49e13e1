/**
 * The Avro record schema of one scoring event (input.avsc): the datasets module's mapping
 * (src/datasets/avro.ts avroSchemaFor) applied to the raw pipeline inputs, so a package enforces the
 * same schema `dictl dataset schema --format avro` exports. Numbers → "double", strings → "string",
 * nullable → ["null", T] with default null; a column name Avro does not allow (e.g. "mean radius")
 * becomes "mean_radius" with the real name in "dictl.column" (JSON events use the real names).
 */
import { avroSchemaFor, type AvroRecordSchema } from '../datasets/avro.js';
import type { PipelineInput } from '../types.js';

export type { AvroRecordSchema };

export function avroSchemaForInputs(recordName: string, inputs: PipelineInput[], doc?: string): AvroRecordSchema {
  return avroSchemaFor(recordName, inputs, { namespace: 'dictl.events', doc });
}
