/** Hand-made fitted pipelines and models for the ONNX/scorer tests: every step kind is covered. */
import type { FittedPipeline, ModelVersion } from '../../src/types.js';

export function fixturePipeline(): FittedPipeline {
  return {
    inputs: [
      { name: 'a', type: 'number', nullable: true },
      { name: 'b', type: 'number', nullable: true },
      { name: 'color', type: 'string', nullable: true },
      { name: 'city', type: 'string', nullable: false },
    ],
    derived: [
      { name: 'ratio', expr: { t: 'bin', op: '/', l: { t: 'col', name: 'a' }, r: { t: 'col', name: 'b' } } },
      { name: 'lna', expr: { t: 'call', fn: 'ln', args: [{ t: 'col', name: 'a' }] } },
      { name: 'sq', expr: { t: 'call', fn: 'sqrt', args: [{ t: 'bin', op: '-', l: { t: 'col', name: 'b' }, r: { t: 'num', v: 1 } }] } },
      {
        name: 'mix',
        expr: {
          t: 'call',
          fn: 'coalesce',
          args: [
            { t: 'call', fn: 'nullif', args: [{ t: 'col', name: 'a' }, { t: 'num', v: 3 }] },
            { t: 'call', fn: 'greatest', args: [{ t: 'col', name: 'b' }, { t: 'neg', e: { t: 'call', fn: 'abs', args: [{ t: 'col', name: 'a' }] } }] },
            { t: 'num', v: -7 },
          ],
        },
      },
      { name: 'lo', expr: { t: 'call', fn: 'least', args: [{ t: 'call', fn: 'exp', args: [{ t: 'bin', op: '*', l: { t: 'col', name: 'b' }, r: { t: 'num', v: 0.1 } }] }, { t: 'call', fn: 'log1p', args: [{ t: 'col', name: 'a' }] }] } },
    ],
    features: [
      { kind: 'numeric', name: 'a_std', input: 'a', steps: [{ op: 'impute', value: 2.5 }, { op: 'affine', sub: 1.5, div: 2 }] },
      { kind: 'numeric', name: 'b_log', input: 'b', steps: [{ op: 'impute', value: 1 }, { op: 'clip', min: 0, max: 10 }, { op: 'log1p' }] },
      { kind: 'numeric', name: 'ratio_c', input: 'ratio', steps: [{ op: 'impute', value: 0 }, { op: 'clip', min: -5, max: 5 }] },
      { kind: 'numeric', name: 'a_bucket', input: 'a', steps: [{ op: 'impute', value: 0 }, { op: 'bucketize', splits: [0, 2, 4] }] },
      { kind: 'numeric', name: 'lna_i', input: 'lna', steps: [{ op: 'impute', value: -1 }] },
      { kind: 'numeric', name: 'sq_i', input: 'sq', steps: [{ op: 'impute', value: 0.5 }] },
      { kind: 'numeric', name: 'mix_i', input: 'mix', steps: [{ op: 'impute', value: 0 }] },
      { kind: 'numeric', name: 'lo_i', input: 'lo', steps: [{ op: 'impute', value: 0 }] },
      {
        kind: 'onehot',
        name: 'color',
        input: 'color',
        impute: 'red',
        categories: ['red', 'green', 'blue'],
        folded: ['teal'],
        otherSlot: true,
        unknown: 'other',
        outputs: ['color=red', 'color=green', 'color=blue', 'color=__other__'],
      },
      {
        kind: 'onehot',
        name: 'city',
        input: 'city',
        categories: ['paris', 'rome'],
        folded: [],
        otherSlot: false,
        unknown: 'zeros',
        outputs: ['city=paris', 'city=rome'],
      },
      { kind: 'index', name: 'city_idx', input: 'city', vocabulary: ['rome', 'paris', 'oslo'], unknown: 'keep' },
      { kind: 'interaction', name: 'a_x_red', left: 'a_std', right: 'color=red' },
    ],
    outputNames: [
      'a_std', 'b_log', 'ratio_c', 'a_bucket', 'lna_i', 'sq_i', 'mix_i', 'lo_i',
      'color=red', 'color=green', 'color=blue', 'color=__other__', 'city=paris', 'city=rome', 'city_idx', 'a_x_red',
    ],
  };
}

export function fixtureModel(task: 'binary' | 'multiclass' | 'regression' = 'binary', pipeline: FittedPipeline = fixturePipeline()): ModelVersion {
  const P = pipeline.outputNames.length;
  const K = task === 'multiclass' ? 3 : 1;
  const coef = Array.from({ length: K }, (_, k) => Array.from({ length: P }, (_, j) => Math.sin(1 + j * 0.7 + k * 1.3) * 0.8));
  const intercept = Array.from({ length: K }, (_, k) => 0.1 - 0.2 * k);
  return {
    kind: 'model',
    name: 'fx',
    version: 1,
    algorithm: task === 'regression' ? 'linear' : 'logistic',
    task,
    label:
      task === 'binary'
        ? { column: 'y', task, positive: 'yes', classes: ['no', 'yes'] }
        : task === 'multiclass'
          ? { column: 'y', task, classes: ['low', 'mid', 'high'] }
          : { column: 'y', task },
    featureNames: pipeline.outputNames,
    coef,
    intercept,
    threshold: 0.4,
    params: {},
    convergence: { solver: 'none', iterations: 0, converged: true, gradNorm: 0, warnings: [] },
    trainMetrics: {},
    seed: 1,
    pipeline,
    lineage: {
      dataset: 'fx@1',
      datasetSha256: '0'.repeat(64),
      featureSet: { name: 'fx', version: 1, hash: '1'.repeat(64) },
      holdout: '2'.repeat(64),
      allowUnconsented: false,
      dictlVersion: '0.1.0',
      node: 'v20',
    },
  };
}

/** Rows exercising missing values, out-of-domain math, division by zero, folded/unknown categories. */
export const fixtureRows: Record<string, unknown>[] = [
  { a: 1, b: 2, color: 'red', city: 'paris' },
  { a: null, b: 0, color: 'green', city: 'rome' },
  { a: -2, b: null, color: 'teal', city: 'oslo' },
  { a: 3, b: 0.5, color: 'purple', city: 'berlin' },
  { a: 0, b: 20, color: null, city: '' },
  { a: 5.5, b: -3, color: '', city: 'paris' },
  { a: 2, b: 1, color: 'blue', city: 'rome' },
  { a: -1, b: 4, color: 'blue', city: 'paris' },
];

/** The fixture pipeline plus a strict one-hot and a strict index, to exercise validation. */
export function strictFixturePipeline(): FittedPipeline {
  const p = fixturePipeline();
  p.inputs.push({ name: 'tier', type: 'string', nullable: true }, { name: 'mean radius', type: 'number', nullable: false });
  p.features.push(
    { kind: 'onehot', name: 'tier', input: 'tier', categories: ['gold', 'silver'], folded: ['bronze'], otherSlot: true, unknown: 'error', outputs: ['tier=gold', 'tier=silver', 'tier=__other__'] },
    { kind: 'index', name: 'tier_i', input: 'tier', impute: 'gold', vocabulary: ['gold', 'silver', 'bronze'], unknown: 'error' },
    { kind: 'numeric', name: 'mr', input: 'mean radius', steps: [{ op: 'affine', sub: 10, div: 4 }] },
  );
  p.outputNames.push('tier=gold', 'tier=silver', 'tier=__other__', 'tier_i', 'mr');
  return p;
}
