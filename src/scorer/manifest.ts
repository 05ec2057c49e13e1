/** manifest.json of a scorer package: what the graph takes and gives, and where it came from. */
import type { LabelSpec, ModelVersion } from '../types.js';

export interface ManifestInput {
  name: string;
  /** Avro field name in input.avsc */
  field: string;
  type: 'number' | 'string';
  nullable: boolean;
  /** ONNX input tensor element type and shape */
  onnxType: 'double' | 'string';
}

export interface ManifestFeature {
  name: string;
  kind: 'numeric' | 'onehot' | 'index' | 'interaction';
  input?: string;
  outputs: string[];
  categories?: string[];
  folded?: string[];
  otherSlot?: boolean;
  vocabulary?: string[];
  impute?: string | number;
  unknown?: string;
}

export interface Manifest {
  kind: 'dictl-scorer-package';
  formatVersion: 1;
  model: {
    ref: string;
    name: string;
    version: number;
    task: ModelVersion['task'];
    algorithm: ModelVersion['algorithm'];
    /** absent for a segmentation */
    label?: LabelSpec;
    /** probability columns, in order (binary: [negative, positive]) */
    classes: string[];
    threshold: number;
    /** sha256 of the model's registry record (stable JSON) */
    recordSha256: string;
  };
  inputs: ManifestInput[];
  outputs: { name: string; type: 'double' | 'string' | 'int64'; shape: (number | string)[]; description: string }[];
  /** the model's input vector, in order */
  featureOrder: string[];
  features: ManifestFeature[];
  /** per categorical feature: what an unseen value does (error/skip rows are rejected by validation) */
  unknownPolicy: Record<string, string>;
  lineage: ModelVersion['lineage'];
  onnx: { irVersion: number; opset: Record<string, number>; file: string };
  versions: { dictl: string; onnxruntime: string };
  /** the decision policy applied to scores, if one is attached; null = scores only */
  decisionPolicy: unknown;
  /** the file `score --explain` reads (absent: the package cannot explain its scores) */
  explain?: { file: string; family: 'linear' | 'trees' };
  /** sha256 and size of every other file in the package */
  files: Record<string, { sha256: string; bytes: number }>;
}
