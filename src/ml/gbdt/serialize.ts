/**
 * model.json form of a fitted model. gbdtToJSON gives a plain object with a fixed key order (the
 * same model → the same bytes under JSON.stringify); gbdtFromJSON checks everything scoring relies
 * on (shapes, node links pointing forward so every path ends at a leaf, features in range) and
 * throws a RangeError naming the first fault.
 */
import type { GbdtModel, GbdtTree } from './index.js';
import { validateGbdtParams } from './params.js';

function treeJSON(t: GbdtTree): GbdtTree {
  const o: GbdtTree = { feature: t.feature, threshold: t.threshold, missingLeft: t.missingLeft, left: t.left, right: t.right, value: t.value, gain: t.gain, count: t.count };
  if (t.categories) o.categories = t.categories;
  if (t.cover) o.cover = t.cover;
  return o;
}

export function gbdtToJSON(model: GbdtModel): object {
  return {
    format: model.format,
    K: model.K,
    nFeatures: model.nFeatures,
    treesPerRound: model.treesPerRound,
    baseScore: model.baseScore,
    nIter: model.nIter,
    earlyStopping: model.earlyStopping,
    curve: model.curve,
    importance: model.importance,
    params: model.params,
    seed: model.seed,
    trees: model.trees.map(treeJSON),
  };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function numArray(v: unknown, what: string, len?: number): number[] {
  if (!Array.isArray(v)) throw new RangeError(`${what} must be an array`);
  if (len !== undefined && v.length !== len) throw new RangeError(`${what} holds ${v.length} values, expected ${len}`);
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) throw new RangeError(`${what}[${i}] must be a finite number`);
  return v as number[];
}

function int(v: unknown, what: string, lo: number): number {
  if (!Number.isInteger(v) || (v as number) < lo) throw new RangeError(`${what} must be an integer ≥ ${lo}, got ${JSON.stringify(v)}`);
  return v as number;
}

function checkTree(o: unknown, where: string, p: number): GbdtTree {
  if (!isObj(o)) throw new RangeError(`${where} must be an object`);
  const feature = numArray(o.feature, `${where}.feature`);
  const m = feature.length;
  if (m === 0) throw new RangeError(`${where} has no nodes`);
  const t: GbdtTree = {
    feature,
    threshold: numArray(o.threshold, `${where}.threshold`, m),
    missingLeft: numArray(o.missingLeft, `${where}.missingLeft`, m),
    left: numArray(o.left, `${where}.left`, m),
    right: numArray(o.right, `${where}.right`, m),
    value: numArray(o.value, `${where}.value`, m),
    gain: numArray(o.gain, `${where}.gain`, m),
    count: numArray(o.count, `${where}.count`, m),
  };
  let cats: (number[] | null)[] | undefined;
  if (o.categories !== undefined) {
    if (!Array.isArray(o.categories) || o.categories.length !== m) throw new RangeError(`${where}.categories must be an array of ${m} entries`);
    cats = o.categories.map((c, i) => (c === null ? null : numArray(c, `${where}.categories[${i}]`).map((x) => int(x, `${where}.categories[${i}] code`, 0))));
    t.categories = cats;
  }
  if (o.cover !== undefined) {
    t.cover = numArray(o.cover, `${where}.cover`, m);
    for (let i = 0; i < m; i++) if (!(t.cover[i] >= 0)) throw new RangeError(`${where}.cover[${i}] must be ≥ 0`);
  }
  for (let i = 0; i < m; i++) {
    const f = feature[i];
    if (f === -1) {
      if (t.left[i] !== -1 || t.right[i] !== -1) throw new RangeError(`${where} node ${i} is a leaf with children`);
      if (cats && cats[i] !== null) throw new RangeError(`${where} node ${i} is a leaf with categories`);
      continue;
    }
    if (!Number.isInteger(f) || f < 0 || f >= p) throw new RangeError(`${where} node ${i} splits on feature ${f}, the model has ${p}`);
    for (const c of [t.left[i], t.right[i]]) if (!Number.isInteger(c) || c <= i || c >= m) throw new RangeError(`${where} node ${i} has child ${c} (children must follow their parent, within ${m} nodes)`);
    if (t.missingLeft[i] !== 0 && t.missingLeft[i] !== 1) throw new RangeError(`${where} node ${i} missingLeft must be 0 or 1`);
    if (!(cats && cats[i] !== null) && Math.fround(t.threshold[i]) !== t.threshold[i]) throw new RangeError(`${where} node ${i} threshold ${t.threshold[i]} is not a float32 value`);
  }
  return t;
}

export function gbdtFromJSON(o: unknown): GbdtModel {
  if (!isObj(o)) throw new RangeError('a gbdt model must be an object');
  if (o.format !== 'dictl-gbdt/1') throw new RangeError(`unknown gbdt model format ${JSON.stringify(o.format)} (expected dictl-gbdt/1)`);
  const K = int(o.K, 'K', 1);
  const p = int(o.nFeatures, 'nFeatures', 1);
  const T = int(o.treesPerRound, 'treesPerRound', 1);
  if (T !== (K > 2 ? K : 1)) throw new RangeError(`treesPerRound ${T} does not fit K = ${K}`);
  const baseScore = numArray(o.baseScore, 'baseScore', T);
  const nIter = int(o.nIter, 'nIter', 0);
  if (!Array.isArray(o.trees) || o.trees.length !== nIter * T) throw new RangeError(`trees must hold nIter × treesPerRound = ${nIter * T} trees`);
  const trees = o.trees.map((t, i) => checkTree(t, `trees[${i}]`, p));
  if (!isObj(o.earlyStopping) || typeof o.earlyStopping.enabled !== 'boolean') throw new RangeError('earlyStopping must be an object with enabled');
  if (!isObj(o.curve)) throw new RangeError('curve must be an object');
  const curve: GbdtModel['curve'] = { train: numArray(o.curve.train, 'curve.train') };
  if (o.curve.validation !== undefined) curve.validation = numArray(o.curve.validation, 'curve.validation');
  if (!isObj(o.params)) throw new RangeError('params must be an object');
  const params = validateGbdtParams(o.params);
  if ((params.loss === 'log_loss') !== K >= 2) throw new RangeError(`loss ${params.loss} does not fit K = ${K}`);
  const es = o.earlyStopping as GbdtModel['earlyStopping'];
  return {
    format: 'dictl-gbdt/1',
    K,
    nFeatures: p,
    treesPerRound: T,
    baseScore,
    trees,
    nIter,
    earlyStopping: { enabled: es.enabled, ...(es.bestIter !== undefined ? { bestIter: int(es.bestIter, 'earlyStopping.bestIter', 1) } : {}), ...(es.validationRows !== undefined ? { validationRows: int(es.validationRows, 'earlyStopping.validationRows', 0) } : {}) },
    curve,
    importance: numArray(o.importance, 'importance', p),
    params,
    seed: typeof o.seed === 'number' && Number.isFinite(o.seed) ? o.seed : (() => { throw new RangeError('seed must be a finite number'); })(),
  };
}
