/**
 * The records dictl writes and reads: the contracts between datasets, features, training, the
 * registry, the packaged scorer and decisions. Files holding these are written with stableStringify
 * (sorted keys) and hold no timestamps where byte-identical reproduction is promised (holdouts,
 * models, feature state); times live in the audit log and in run.json files.
 */

// ───────────────────────── datasets ─────────────────────────
export type ColumnType = 'number' | 'integer' | 'string' | 'boolean' | 'timestamp' | 'date';
/** Where a score falls under a decision policy (src/decide/policy.ts). */
export type Band = 'high' | 'review' | 'low';
export type Consent = 'opt-in' | 'opt-out' | 'not-required' | 'unknown';

export interface ColumnSchema {
  name: string;
  type: ColumnType;
  /** DuckDB type as stored in the Parquet file */
  duckType: string;
  nullable: boolean;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  nulls: number;
  distinct: number;
  /** true when `distinct` is a HyperLogLog estimate (high-cardinality columns of large data sets) */
  distinctApprox?: boolean;
  min?: number | string;
  max?: number | string;
  mean?: number;
  stddev?: number;
  /** most frequent values of string columns, most frequent first (ties alphabetical) */
  top?: { value: string; count: number }[];
}

/** datasets/NAME/VERSION/meta.json, beside data.parquet */
export interface DatasetVersion {
  kind: 'dataset';
  name: string;
  version: number;
  ref: string; // "churn@1"
  createdAt: string;
  createdBy: string;
  source: { file?: string; format: 'csv' | 'parquet' | 'derived' | 'review'; sha256: string; bytes: number };
  /** sha256 of the stored data.parquet bytes */
  dataSha256: string;
  rows: number;
  columns: ColumnSchema[];
  profile: ColumnProfile[];
  steward: string;
  sourceDescription?: string;
  license?: string;
  consent: Consent;
  pii: string[];
  description?: string;
  tags: Record<string, string>;
  /** lineage: parent dataset refs and the SQL that derived this one */
  parents: string[];
  sql?: string;
  /** model versions whose outputs are columns here (a `segment` column from dataset derive --segments) */
  models?: string[];
  /** 1 as registered; each metadata amendment (e.g. `dataset consent`) adds one; the data bytes never change */
  metadataVersion?: number;
  amendments?: { metadataVersion: number; at: string; by: string; reason: string; field: 'consent'; from: string; to: string }[];
}

// ───────────────────────── holdouts ─────────────────────────
/** registry/holdouts/HASH.json — no timestamps: same inputs and seed give identical bytes */
export interface Holdout {
  kind: 'holdout';
  /** sha256 of {dataSha256, testRows} */
  hash: string;
  dataset: string; // "churn@1"
  dataSha256: string;
  method: 'stratified' | 'random' | 'rows';
  fraction?: number;
  stratify?: string;
  seed?: number;
  nRows: number;
  nTest: number;
  nTrain: number;
  /** 0-based data-row numbers of the test rows, ascending */
  testRows: number[];
}

// ───────────────────────── features ─────────────────────────
/** A restricted expression language shared by SQL, the in-process scorer and ONNX. */
export type Expr =
  | { t: 'num'; v: number }
  | { t: 'col'; name: string }
  | { t: 'neg'; e: Expr }
  | { t: 'bin'; op: '+' | '-' | '*' | '/'; l: Expr; r: Expr }
  | { t: 'call'; fn: 'nullif' | 'coalesce' | 'abs' | 'ln' | 'log1p' | 'sqrt' | 'exp' | 'greatest' | 'least'; args: Expr[] };

/** Fitted numeric steps, applied in order to one number; null/NaN is "missing". */
export type NumericStep =
  | { op: 'impute'; value: number } // missing → value
  | { op: 'affine'; sub: number; div: number } // (x - sub) / div: standardize, min-max, robust
  | { op: 'log1p' }
  | { op: 'clip'; min?: number; max?: number }
  | { op: 'bucketize'; splits: number[] }; // → index of the bucket, 0..splits.length

export interface NumericFeature {
  kind: 'numeric';
  name: string; // output column name
  input: string; // raw input or derived column name
  steps: NumericStep[];
}

export interface OneHotFeature {
  kind: 'onehot';
  name: string;
  input: string;
  /** value used when the input is missing (mode imputation / constant); absent → missing is "unknown" */
  impute?: string;
  /** one output per category, in this order */
  categories: string[];
  /** values seen in training but folded into the "other" slot (rare values) */
  folded: string[];
  /** true → one extra output "<name>=__other__" receiving folded (and, if unknown=other, unknown) values */
  otherSlot: boolean;
  /** what an unseen value does: all zeros, the other slot, or an error */
  unknown: 'zeros' | 'other' | 'error';
  outputs: string[];
}

export interface IndexFeature {
  kind: 'index';
  name: string;
  input: string;
  impute?: string;
  /** index i ↔ vocabulary[i] */
  vocabulary: string[];
  /** Spark handleInvalid: error | skip (row dropped offline; error online) | keep (index = vocabulary.length) */
  unknown: 'error' | 'skip' | 'keep';
}

export interface InteractionFeature {
  kind: 'interaction';
  name: string;
  /** names of two earlier output columns */
  left: string;
  right: string;
}

export type FittedFeature = NumericFeature | OneHotFeature | IndexFeature | InteractionFeature;

export interface PipelineInput {
  name: string;
  type: 'number' | 'string';
  nullable: boolean;
}

/**
 * Everything needed to turn one raw event (named columns) into the model's feature vector.
 * The feature builder fits it; the ONNX exporter and the in-process scorer both execute it.
 */
export interface FittedPipeline {
  inputs: PipelineInput[];
  /** computed before features, in order; may reference inputs and earlier derived columns */
  derived: { name: string; expr: Expr }[];
  features: FittedFeature[];
  /** the flattened model input, in order (numeric/index/interaction: name; onehot: its outputs) */
  outputNames: string[];
}

export interface LabelSpec {
  column: string;
  task: 'binary' | 'multiclass' | 'regression';
  /** binary: the positive class; multiclass: the classes in index order */
  positive?: string;
  classes?: string[];
  /** binary: the negative class as named in the data (the label column's other value) or by the feature set */
  negative?: string;
  /** binary, more than two values in the data: the values grouped under `negative` */
  negativeGroups?: string[];
}

/** registry/features/NAME/VERSION/state.json */
export interface FeatureBuild {
  kind: 'feature-build';
  name: string;
  version: number;
  /** sha256 of (definition, source data hash, holdout hash): the build's identity */
  hash: string;
  definitionHash: string;
  dataset: string; // "churn@1"
  /** holdout hash; null for an unsupervised set fitted on all rows (no holdout named) */
  holdout: string | null;
  /** absent for an unsupervised feature set */
  label?: LabelSpec;
  pipeline: FittedPipeline;
  rows: { train: number; test: number; skipped: number };
  /** allow_pii and consent overrides in effect */
  allowPii: boolean;
  allowUnconsented: boolean;
}
/**
 * features.parquet beside state.json has columns: __row BIGINT (source data-row number),
 * __split VARCHAR ('train'|'test'), __label DOUBLE (binary 1/0; multiclass class index; regression
 * value), then pipeline.outputNames as DOUBLE (one-hot indicators as BOOLEAN: the same 0/1 values, far
 * cheaper to write; CAST(x AS DOUBLE) reads them as 1.0/0.0, as loadMatrix does), in that order.
 */

// ───────────────────────── models ─────────────────────────
export interface ConvergenceInfo {
  solver: string;
  iterations: number;
  converged: boolean;
  /** final gradient norm (inf-norm) or change measure */
  gradNorm: number;
  warnings: string[];
}

export interface CvTrial {
  params: Record<string, number | string>;
  foldScores: number[];
  mean: number;
  sd: number;
}

export interface CvResult {
  metric: string;
  folds: number;
  seed: number;
  /**
   * 'per-fold': the feature state (imputation, scaling, categories) was refitted on each fold's
   * training rows, as a scikit-learn Pipeline inside GridSearchCV; 'shared': fitted once on all
   * training rows (older models, or when the feature set changed since the build)
   */
  preprocessing?: 'per-fold' | 'shared';
  /** fold index (0..k-1) of each training row, in training-row order */
  foldOf: number[];
  trials: CvTrial[];
  best: Record<string, number | string>;
}

/**
 * registry/models/NAME/versions/N/model.json — deterministic bytes for the same inputs and seed.
 * `algorithm` names the model family (src/ml/families); the family's own fields sit beside the
 * common ones: the linear families keep `coef`/`intercept` at the top level (the layout model.json
 * always had), trees keep theirs under `trees`.
 */
export type ModelVersion = LinearModelVersion | TreeModelVersion | SegmentModelVersion;

export interface ModelVersionBase {
  kind: 'model';
  name: string;
  version: number;
  algorithm: string;
  task: 'binary' | 'multiclass' | 'regression' | 'segmentation';
  /** what a supervised model predicts; absent for a segmentation */
  label?: LabelSpec;
  featureNames: string[];
  /** binary decision threshold on P(positive) */
  threshold: number;
  params: Record<string, number | string | boolean | null>;
  convergence: ConvergenceInfo;
  trainMetrics: Record<string, number>;
  cv?: CvResult;
  seed: number;
  pipeline: FittedPipeline;
  lineage: {
    dataset: string;
    datasetSha256: string;
    featureSet: { name: string; version: number; hash: string };
    /** null: a segmentation of an unsupervised set fitted on all rows */
    holdout: string | null;
    allowUnconsented: boolean;
    dictlVersion: string;
    node: string;
  };
}

export interface LinearModelVersion extends ModelVersionBase {
  algorithm: 'logistic' | 'linear';
  /** K rows (binary and regression: 1 row; multiclass: one per class) × featureNames.length */
  coef: number[][];
  intercept: number[];
}

/** Gradient-boosted trees: the engine's serialised model (gbdtToJSON) and which inputs are category codes. */
export interface TreeModelVersion extends ModelVersionBase {
  algorithm: 'gbdt';
  trees: {
    /** featureNames that reach the trees as category codes 0..m-1 (string-index features) */
    categorical: string[];
    /** gbdtToJSON of the fitted ensemble */
    model: Record<string, unknown>;
  };
}

/**
 * k-means segments: centres in the model's feature space (featureNames order), the fit's figures, and
 * for each k tried by --tune its inertia and silhouette. No label; task 'segmentation'.
 */
export interface SegmentModelVersion extends ModelVersionBase {
  algorithm: 'kmeans';
  task: 'segmentation';
  kmeans: {
    k: number;
    /** k rows × featureNames.length */
    centers: number[][];
    /** training rows per segment */
    sizes: number[];
    inertia: number;
    /** mean silhouette on the seeded sample of training rows */
    silhouette: number | null;
    silhouetteSample: number;
  };
}
