/**
 * What an evaluation records (registry/models/NAME/versions/N/evaluation.json): the score tables of a
 * model on its holdout, and per segment with --by. Types only; the use case is src/ops/evaluate.ts.
 */
import type { ModelVersion } from '../types.js';
import type { ScoreTables } from './score.js';

export interface SegmentResult {
  value: string;
  n: number;
  positives?: number;
  metrics: Record<string, number | null>;
}

/** registry/models/NAME/versions/N/evaluation.json */
export interface Evaluation extends ScoreTables {
  kind: 'evaluation';
  model: string;
  task: ModelVersion['task'];
  holdout: string;
  featureBuild: string;
  featureHash: string;
  dataset: string;
  threshold: number;
  label: ModelVersion['label'];
  segments?: { column: string; groups: SegmentResult[] };
}

