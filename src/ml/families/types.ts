/**
 * The model-family seam. Every family (linear models, gradient-boosted trees, …) implements
 * ModelFamily; train, --tune, evaluate, package, score, decide, the shadow challenger and drift reach
 * a model only through it (src/ml/families/index.ts), so adding a family is one file here plus one
 * registry line.
 */
import type { GraphBuilder, TensorRef } from '../../onnx/builder.js';
import type { ConvergenceInfo, FittedPipeline, ModelVersion } from '../../types.js';
import type { SegmentProfile } from '../kmeans/profile.js';
import type { Task } from '../predict.js';
import type { ExplainPart } from '../../explain/explainer.js';
import type { Tick } from '../../ui/progress.js';

export type ParamValue = number | string | boolean | null;
export type HyperParams = Record<string, ParamValue>;

/** The typed training matrix a family fits on. */
export interface TrainingData {
  /** row-major n × p; NaN = missing */
  X: Float64Array;
  n: number;
  p: number;
  /** binary 0/1; multiclass class index; regression value */
  y: Float64Array;
  task: Task;
  /** number of classes: 2 binary, K multiclass, 1 regression */
  K: number;
  /** per-row weights (class weights), or undefined for 1 */
  sampleWeight?: Float64Array;
  /** per column: 1 = category codes 0..m-1 (string-index features) */
  categorical: Uint8Array;
  names: string[];
}

export interface FitContext {
  seed: number;
  /** threads the fit may use (the calling thread included) */
  threads?: number;
  /** progress of an iterative fit */
  onTick?: Tick;
  /** the decision threshold (binary), recorded with the model */
  threshold: number;
}

/** What a fit adds to the model record: the family's own fields plus the common descriptive ones. */
export interface FamilyFit {
  /** the family's fields of ModelVersion (e.g. coef/intercept, trees) */
  part: Record<string, unknown>;
  params: HyperParams;
  convergence: ConvergenceInfo;
  warnings: string[];
}

/** One dimension of a family's random-search space. */
export interface SearchDim {
  key: string;
  kind: 'log' | 'float' | 'int' | 'choice';
  lo?: number;
  hi?: number;
  values?: ParamValue[];
}

/** A model's family-specific description for `model show`, evaluate and the report. */
export interface FamilySummary {
  /** one line, e.g. "logistic regression (l2, C=1)" or "gbdt: 87 rounds kept of 100 (early stopping)" */
  headline: string;
  /** per-feature importance (trees: total split gain), highest first */
  importance?: { feature: string; gain: number; share: number }[];
  /** boosting rounds kept */
  rounds?: number;
  /** loss per round: training rows and the early-stopping validation rows */
  curve?: { train: number[]; validation?: number[]; bestIter?: number; loss: string };
  /** segmentations: size, centre and most distinctive columns of each segment */
  segments?: SegmentProfile[];
}

/** How a family wants its inputs encoded by the feature set. */
export interface FeatureEncoding {
  /** numerics must be scaled (linear models) or may come raw (trees) */
  numerics: 'scaled' | 'raw';
  /** categoricals as one-hot indicators or as category codes */
  categoricals: 'one-hot' | 'codes';
  /** missing numbers may reach the model as NaN */
  missing: 'impute' | 'native';
}

export interface ModelFamily {
  /** the family name, recorded as model.algorithm */
  name: string;
  /** one-line description for --help and errors */
  description: string;
  tasks: Task[];
  encoding: FeatureEncoding;
  /** the hyper-parameters a grid may search */
  paramKeys: string[];
  /** default hyper-parameters for a task */
  defaults(task: Task): HyperParams;
  /** checks and completes raw hyper-parameters; throws RangeError naming the key */
  validateParams(raw: HyperParams, task: Task): HyperParams;
  /** the random-search space */
  searchSpace(task: Task): SearchDim[];
  /** checks the training matrix for this family: errors for what cannot be fitted, warnings for the rest */
  checkData(d: TrainingData, params: HyperParams): string[];
  fit(d: TrainingData, params: HyperParams, ctx: FitContext): Promise<FamilyFit>;
  /** checks a model record's family fields (before registering, after reading) */
  checkModel(m: Omit<ModelVersion, 'version'>): void;
  /** margins (linear scores / raw boosted scores) n × M row-major: M = 1 binary and regression, K multiclass */
  margins(m: ModelVersion, X: Float64Array, n: number, p: number): Float64Array;
  /** the family's part of the ONNX graph: features X [N,P] double → margins [N,M] double */
  onnxMargins(g: GraphBuilder, X: TensorRef, m: ModelVersion): TensorRef;
  summary(m: ModelVersion): FamilySummary;
  /**
   * What exact per-row contributions of the family's margins need beside the feature pipeline (a
   * package carries it in explain.json, src/explain): linear → coefficients and the training means of
   * the inputs (read through `means`, only when needed); trees → the trees with their covers. Throws a
   * RangeError saying why when a model cannot be explained; a family without it cannot explain.
   */
  explainPart?(m: ModelVersion, means: () => Promise<Float64Array>): Promise<ExplainPart>;
}

/** Names of the pipeline outputs that are category codes (string-index features). */
export function categoricalOutputs(p: FittedPipeline): Set<string> {
  return new Set(p.features.filter((f) => f.kind === 'index').map((f) => f.name));
}
