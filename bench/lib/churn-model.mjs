// The churn-shaped scoring model the score and explain benchmarks share (15 numeric inputs: impute +
// standardize; 4 string inputs with 51/3/2/2 categories: mode impute + one-hot; a logistic model),
// and the seeded generator (mulberry32) behind it and their data.
import { seededRng } from '../../dist/src/util/random.js';

export const rng = seededRng;
export const NUM = Array.from({ length: 15 }, (_, i) => `x${i}`);
export const CATS = [
  ['state', Array.from({ length: 51 }, (_, i) => `s${String(i).padStart(2, '0')}`)],
  ['area_code', ['a408', 'a415', 'a510']],
  ['international_plan', ['no', 'yes']],
  ['voice_mail_plan', ['no', 'yes']],
];

export function model() {
  const r = rng(7);
  const features = [];
  const outputNames = [];
  for (const c of NUM) {
    features.push({ kind: 'numeric', name: c, input: c, steps: [{ op: 'impute', value: 50 + r() }, { op: 'affine', sub: 50 + r(), div: 10 + r() }] });
    outputNames.push(c);
  }
  for (const [c, cats] of CATS) {
    const outputs = cats.map((v) => `${c}=${v}`);
    features.push({ kind: 'onehot', name: c, input: c, impute: cats[0], categories: cats, folded: [], otherSlot: false, unknown: 'zeros', outputs });
    outputNames.push(...outputs);
  }
  const P = outputNames.length;
  return {
    kind: 'model', name: 'bench', version: 1, algorithm: 'logistic', task: 'binary',
    label: { column: 'y', task: 'binary', positive: 'yes', classes: ['no', 'yes'] },
    featureNames: outputNames, coef: [Array.from({ length: P }, () => (r() - 0.5) * 0.6)], intercept: [-1.5], threshold: 0.5,
    params: {}, convergence: { solver: 'none', iterations: 0, converged: true, gradNorm: 0, warnings: [] }, trainMetrics: {}, seed: 1,
    pipeline: {
      inputs: [...NUM.map((name) => ({ name, type: 'number', nullable: true })), ...CATS.map(([name]) => ({ name, type: 'string', nullable: true }))],
      derived: [], features, outputNames,
    },
    lineage: { dataset: 'bench@1', datasetSha256: '', featureSet: { name: 'bench', version: 1, hash: '' }, holdout: '', allowUnconsented: false, dictlVersion: '0', node: process.version },
  };
}

