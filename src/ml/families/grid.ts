/**
 * Search spaces across families: parsing --grid with a `model=` axis and family-prefixed keys
 * ("model=logistic,gbdt;logistic.C=0.1,1;gbdt.learning_rate=0.05,0.1"; an unprefixed key applies to
 * every family that has it) and sampling --trials from it. A search over one linear family keeps the
 * linear parser and sampler of cv.ts exactly, so its trials (and model.json) are what they always were.
 * Pure.
 */
import { parseGrid, sampleTrials, trialRecord, type TrialParams } from '../cv.js';
import type { Penalty } from '../logistic.js';
import type { Task } from '../predict.js';
import { makeRng } from '../splits.js';
import { getFamily } from './index.js';
import type { HyperParams, ModelFamily, ParamValue } from './types.js';

export interface FamilyTrial {
  family: string;
  /** the complete, validated hyper-parameters of the fit */
  params: HyperParams;
  /** what the CV table shows: the family (when the search spans several) and the searched values */
  record: Record<string, number | string>;
}

export interface SearchSpec {
  task: Task;
  /** families when the grid has no model= axis (the --model family, or the task's default) */
  families: string[];
  /** base hyper-parameters per family (flags / --param, validated) */
  base: Record<string, HyperParams>;
}

const isLinear = (f: string) => f === 'logistic' || f === 'linear';

function scalar(v: string): ParamValue {
  if (v === 'null' || v === 'none') return null;
  const x = Number(v);
  return v.trim() !== '' && Number.isFinite(x) ? x : v;
}

function linearBase(b: HyperParams): TrialParams {
  const t: TrialParams = { C: b.C as number, penalty: b.penalty as Penalty };
  if (t.penalty === 'elasticnet') t.l1_ratio = (b.l1_ratio as number | null) ?? 0.5;
  return t;
}

function linearTrial(family: string, t: TrialParams, base: HyperParams, multi: boolean): FamilyTrial {
  return { family, params: { ...base, C: t.C, penalty: t.penalty, l1_ratio: t.penalty === 'elasticnet' ? (t.l1_ratio ?? 0.5) : null }, record: { ...(multi ? { model: family } : {}), ...trialRecord(t) } };
}

function checkTask(f: ModelFamily, task: Task): void {
  if (!f.tasks.includes(task)) throw new RangeError(`model family ${f.name} does not fit a ${task} label (it fits ${f.tasks.join(', ')})`);
}

/** The trials of a grid, families in the order of model= (or the given family), last key fastest. */
export function parseFamilyGrid(text: string, s: SearchSpec): { trials: FamilyTrial[]; families: string[]; multi: boolean } {
  const parts = text.split(';').map((x) => x.trim()).filter(Boolean);
  if (parts.length === 0) throw new RangeError('--grid is empty');
  let families = s.families;
  let multi = false;
  const axes: { family: string | null; key: string; raw: string; values: string[] }[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) throw new RangeError(`--grid part "${part}" is not KEY=V1,V2,…`);
    const raw = part.slice(0, eq).trim();
    const values = part.slice(eq + 1).split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new RangeError(`--grid ${raw} has an empty value`);
    if (raw === 'model') {
      if (multi) throw new RangeError('--grid names model twice');
      for (const v of values) getFamily(v);
      if (new Set(values).size !== values.length) throw new RangeError('--grid model= names a family twice');
      families = values;
      multi = true;
      continue;
    }
    const dot = raw.indexOf('.');
    const family = dot > 0 ? raw.slice(0, dot) : null;
    let key = dot > 0 ? raw.slice(dot + 1) : raw;
    key = key === 'c' ? 'C' : key.replace(/-/g, '_');
    if (family !== null) getFamily(family);
    axes.push({ family, key, raw, values });
  }
  for (const f of families) checkTask(getFamily(f), s.task);
  const perFamily = new Map<string, typeof axes>(families.map((f) => [f, []]));
  for (const a of axes) {
    if (a.family !== null) {
      if (!perFamily.has(a.family)) throw new RangeError(`--grid ${a.raw}: ${a.family} is not among the searched families (${families.join(', ')})${multi ? '' : '; add model=…'}`);
      if (!getFamily(a.family).paramKeys.includes(a.key)) throw new RangeError(`--grid ${a.raw}: ${a.family} has no parameter ${a.key} (it has ${getFamily(a.family).paramKeys.join(', ')})`);
      perFamily.get(a.family)!.push(a);
      continue;
    }
    const takers = families.filter((f) => getFamily(f).paramKeys.includes(a.key));
    if (takers.length === 0) {
      if (families.length === 1 && isLinear(families[0])) perFamily.get(families[0])!.push(a); // cv.ts names the linear keys in its message
      else throw new RangeError(`--grid key "${a.raw}" is not a parameter of ${families.join(' or ')}`);
    }
    for (const f of takers) perFamily.get(f)!.push(a);
  }
  const trials: FamilyTrial[] = [];
  for (const f of families) {
    const fam = getFamily(f);
    const fa = perFamily.get(f)!;
    for (const a of fa) if (fa.filter((b) => b.key === a.key).length > 1) throw new RangeError(`--grid names ${f}.${a.key} twice`);
    const base = s.base[f] ?? fam.defaults(s.task);
    if (isLinear(f)) {
      const lin = fa.length ? parseGrid(fa.map((a) => `${a.key}=${a.values.join(',')}`).join(';'), linearBase(base)) : [linearBase(base)];
      for (const t of lin) trials.push(linearTrial(f, t, base, multi));
      continue;
    }
    let combos: Record<string, ParamValue>[] = [{}];
    for (const a of fa) {
      const next: Record<string, ParamValue>[] = [];
      for (const c of combos) for (const v of a.values) next.push({ ...c, [a.key]: scalar(v) });
      combos = next;
    }
    for (const c of combos) {
      let params: HyperParams;
      try {
        params = fam.validateParams({ ...base, ...c }, s.task);
      } catch (e) {
        throw new RangeError(`--grid ${f}.${(e as Error).message}`);
      }
      const record: Record<string, number | string> = multi ? { model: f } : {};
      for (const [k, v] of Object.entries(c)) record[k] = v === null ? 'null' : (v as number | string);
      trials.push({ family: f, params, record });
    }
  }
  return { trials, families, multi };
}

function sampleDim(d: ReturnType<ModelFamily['searchSpace']>[number], rng: ReturnType<typeof makeRng>): ParamValue {
  switch (d.kind) {
    case 'log':
      return Number(Math.exp(Math.log(d.lo!) + (Math.log(d.hi!) - Math.log(d.lo!)) * rng.next()).toPrecision(3));
    case 'float':
      return Number((d.lo! + (d.hi! - d.lo!) * rng.next()).toFixed(3));
    case 'int':
      return d.lo! + rng.int(d.hi! - d.lo! + 1);
    case 'choice':
      return d.values![rng.int(d.values!.length)];
  }
}

/**
 * Random search: N trials. From a grid: N distinct grid points (seeded). Without one: each trial
 * picks a family (seeded) and samples its search space; one linear family keeps cv.ts's sampler.
 */
export function sampleFamilyTrials(count: number, seed: number, s: SearchSpec, grid?: { trials: FamilyTrial[]; families: string[]; multi: boolean }): FamilyTrial[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`--trials must be a positive integer, got ${count}`);
  const families = grid?.families ?? s.families;
  for (const f of families) checkTask(getFamily(f), s.task);
  const multi = grid?.multi ?? families.length > 1;
  if (grid) {
    const rng = makeRng(seed ^ 0x5eed);
    const idx = grid.trials.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx.slice(0, Math.min(count, idx.length)).sort((a, b) => a - b).map((i) => grid.trials[i]);
  }
  if (families.length === 1 && isLinear(families[0])) {
    const f = families[0];
    const base = s.base[f] ?? getFamily(f).defaults(s.task);
    return sampleTrials(count, seed, linearBase(base)).map((t) => linearTrial(f, t, base, false));
  }
  const rng = makeRng(seed ^ 0x5eed);
  const out: FamilyTrial[] = [];
  for (let i = 0; i < count; i++) {
    const f = families.length === 1 ? families[0] : families[rng.int(families.length)];
    const fam = getFamily(f);
    const base = s.base[f] ?? fam.defaults(s.task);
    const c: Record<string, ParamValue> = {};
    for (const d of fam.searchSpace(s.task)) c[d.key] = sampleDim(d, rng);
    if (isLinear(f)) {
      out.push(linearTrial(f, { ...linearBase(base), C: c.C as number }, base, multi));
      continue;
    }
    const params = fam.validateParams({ ...base, ...c }, s.task);
    const record: Record<string, number | string> = multi ? { model: f } : {};
    for (const [k, v] of Object.entries(c)) record[k] = v === null ? 'null' : (v as number | string);
    out.push({ family: f, params, record });
  }
  return out;
}
