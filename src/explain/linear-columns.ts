/**
 * Per-column contributions of a one-margin linear model (logistic, linear regression) straight from a
 * columnar batch, without building the n × p matrix of model inputs. A source column fed by one
 * numeric feature contributes w·(x′ − μ) (x′ its input after the feature's steps); one fed by a one-hot
 * feature contributes the sum of its levels' w·(x − μ), which depends only on which level is hot, so it
 * is tabulated once per level (and for "no level"). Each table entry is summed in the same order, from
 * the same terms, as the row-wise sum over the model inputs (explainer.ts), so the contributions are
 * the same doubles. Pipelines with anything else (derived columns, interactions, index features, two
 * features on one input) get no plan and take the general path. Pure.
 */
import type { FittedPipeline, NumericStep } from '../types.js';
import { outputOffsets, toCategory, toNumber } from '../pipeline/apply.js';
import type { Columns } from '../pipeline/columns.js';
import type { SourceColumns } from './columns.js';

/** a one-hot row that the row executor would reject (unknown: error) */
const BAD = -1;

type ColumnPlan =
  | { kind: 'numeric'; input: string; steps: NumericStep[]; w: number; mu: number }
  | {
      kind: 'onehot';
      input: string;
      impute: string | undefined;
      /** per state (level hot, or the last one: no level): the column's contribution */
      table: Float64Array;
      /** state of each category and folded value */
      known: Map<string, number>;
      /** state of a value neither a category nor folded, and of a missing value without impute */
      unknown: number;
    };

export interface LinearColumnsPlan {
  /** per source column (SourceColumns order) */
  columns: ColumnPlan[];
}

/** The plan of a pipeline whose every source column is one numeric or one-hot feature of a raw input; null otherwise. */
export function linearColumnsPlan(p: FittedPipeline, columns: SourceColumns, w: ArrayLike<number>, mu: ArrayLike<number>): LinearColumnsPlan | null {
  if (p.derived.length) return null;
  if (!p.features.every((f) => f.kind !== 'numeric' || f.steps.every(plainStep))) return null;
  const offsets = outputOffsets(p);
  const plan: (ColumnPlan | undefined)[] = new Array(columns.names.length);
  for (const f of p.features) {
    if (f.kind !== 'numeric' && f.kind !== 'onehot') return null;
    const c = columns.names.indexOf(f.input);
    const v = columns.value[c];
    if (c < 0 || plan[c] || v.kind !== 'input' || v.name !== f.input) return null;
    if (f.kind === 'numeric') {
      const j = offsets.get(f.name);
      if (j === undefined || columns.of[j] !== c) return null;
      plan[c] = { kind: 'numeric', input: f.input, steps: f.steps, w: w[j], mu: mu[j] };
      continue;
    }
    const j0 = offsets.get(f.outputs[0]);
    const width = f.outputs.length;
    if (j0 === undefined || width !== f.categories.length + (f.otherSlot ? 1 : 0)) return null;
    for (let q = 0; q < width; q++) if (offsets.get(f.outputs[q]) !== j0 + q || columns.of[j0 + q] !== c) return null;
    // state q < width: output q is 1 (the others 0); state width: every output 0
    const table = new Float64Array(width + 1);
    for (let st = 0; st <= width; st++) {
      let s = 0;
      for (let q = 0; q < width; q++) s += w[j0 + q] * ((q === st ? 1 : 0) - mu[j0 + q]);
      table[st] = s;
    }
    // the one-hot rules of the columnar pipeline (pipeline/columns.ts), as states
    const zeros = width;
    const other = f.otherSlot ? f.categories.length : -1;
    const known = new Map<string, number>();
    for (const v of f.folded) known.set(v, other >= 0 ? other : zeros);
    f.categories.forEach((cat, k) => known.set(cat, k));
    const unknown = f.unknown === 'other' && other >= 0 ? other : f.unknown === 'error' ? BAD : zeros;
    plan[c] = { kind: 'onehot', input: f.input, impute: f.impute, table, known, unknown };
  }
  for (let c = 0; c < plan.length; c++) if (!plan[c]) return null;
  return { columns: plan as ColumnPlan[] };
}

const num = (x: unknown) => typeof x === 'number';
const optNum = (x: unknown) => x === undefined || typeof x === 'number';
/** a step whose parameters are numbers (what the NaN-for-null loops below assume) */
function plainStep(s: NumericStep): boolean {
  switch (s.op) {
    case 'impute':
      return num(s.value);
    case 'affine':
      return num(s.sub) && num(s.div);
    case 'log1p':
      return true;
    case 'clip':
      return optNum(s.min) && optNum(s.max);
    case 'bucketize':
      return Array.isArray(s.splits) && s.splits.every(num);
    default:
      return false;
  }
}

const missingColumn: ArrayLike<unknown> = { length: 0 };

/**
 * Column c's contributions of rows [0, n) into out[c·n .. c·n + n) (column-major, C × n); bad[i] = 1
 * where the row executor would reject row i.
 */
export function linearColumnContributions(plan: LinearColumnsPlan, cols: Columns, n: number, out: Float64Array, bad: Uint8Array): void {
  for (let c = 0; c < plan.columns.length; c++) {
    const pc = plan.columns[c];
    const src = cols[pc.input] ?? missingColumn;
    const o = c * n;
    if (pc.kind === 'numeric') {
      // the input after the steps, NaN = missing (applyStep's null)
      if (src instanceof Float64Array) for (let i = 0; i < n; i++) out[o + i] = src[i];
      else
        for (let i = 0; i < n; i++) {
          const x = toNumber(src[i]);
          out[o + i] = x === null ? NaN : x;
        }
      for (const s of pc.steps) numericStep(s, out, o, n);
      const w = pc.w;
      const mu = pc.mu;
      for (let i = 0; i < n; i++) out[o + i] = 0 + w * (out[o + i] - mu);
    } else {
      const { table, known, unknown, impute } = pc;
      for (let i = 0; i < n; i++) {
        const x = src[i];
        let v = typeof x === 'string' ? (x === '' ? null : x) : toCategory(x);
        if (v === null && impute !== undefined) v = impute;
        const st = v === null ? unknown : (known.get(v) ?? unknown);
        if (st === BAD) {
          bad[i] = 1;
          out[o + i] = NaN;
        } else out[o + i] = table[st];
      }
    }
  }
}

/** applyStep over out[o..o+n), NaN standing for null (no step makes NaN of a number: affine turns it into null) */
function numericStep(s: NumericStep, out: Float64Array, o: number, n: number): void {
  switch (s.op) {
    case 'impute': {
      const v = s.value;
      for (let i = o; i < o + n; i++) if (out[i] !== out[i]) out[i] = v;
      return;
    }
    case 'affine': {
      const { sub, div } = s;
      for (let i = o; i < o + n; i++) out[i] = (out[i] - sub) / div;
      return;
    }
    case 'log1p':
      for (let i = o; i < o + n; i++) {
        const x = out[i];
        out[i] = !(x > -1) ? NaN : Math.log(1 + x);
      }
      return;
    case 'clip': {
      const { min, max } = s;
      for (let i = o; i < o + n; i++) {
        const x = out[i];
        if (x !== x) continue;
        if (min !== undefined && x < min) out[i] = min;
        else if (max !== undefined && x > max) out[i] = max;
      }
      return;
    }
    case 'bucketize': {
      const splits = s.splits;
      for (let i = o; i < o + n; i++) {
        const x = out[i];
        if (x !== x) continue;
        let k = 0;
        for (const b of splits) if (x >= b) k++;
        out[i] = k;
      }
      return;
    }
  }
}
