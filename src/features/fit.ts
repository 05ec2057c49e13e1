/**
 * Fitting a feature set: checks the definition against the dataset's columns (every error names the
 * feature), then fits every stateful transform — means, medians, modes, scales, quantiles,
 * vocabularies — with DuckDB on the training rows only, giving a FittedPipeline.
 *
 * Statistics follow scikit-learn: StandardScaler uses the population std (a zero std scales by 1),
 * the median interpolates, most-frequent ties go to the smallest value, one-hot categories are sorted
 * (by code point).
 */
import { DictlError } from '../errors.js';
import type { ColumnSchema, FittedFeature, FittedPipeline, NumericStep, PipelineInput, Expr } from '../types.js';
import type { Duck } from '../io/duck.js';
import { exprColumns, sqlDouble } from '../pipeline/expr.js';
import { numInput, stepsSql, strInput, compilePipelineSql } from '../pipeline/sql.js';
import { sqlIdent, sqlString } from '../util/sql-quote.js';
import { duckdb, type SqlDialect } from '../pipeline/dialect.js';
import { imputedMoments, quantileFromWindow, windowLevels } from './stats.js';
import type { FeatureSetSpec, FeatureSpec, TransformSpec } from './spec.js';
import type { Progress } from '../ui/progress.js';

const featErr = (spec: FeatureSetSpec, f: { name: string; line: number }, msg: string, hint?: string) =>
  new DictlError('data', `${spec.file}:${f.line}: feature "${f.name}": ${msg}`, { hint: hint ?? 'fix the feature-set file' });

/** Code-point order (Python's sorted() on str, DuckDB's binary collation). */
export const cmpCodePoint = (a: string, b: string): number => {
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
};

const NUMERIC_DUCK = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*|BOOLEAN)$/i;
const EXACT_CATEGORY_DUCK = /^(VARCHAR|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|BOOLEAN|ENUM.*)$/i;

export interface PlanInputs {
  inputs: PipelineInput[];
  derived: { name: string; expr: Expr }[];
}

/**
 * Checks columns, types and expression references (unknown names, cycles) against the dataset
 * schema; returns the pipeline's inputs and derived columns in dependency order. No data read.
 * `extraNumeric` are computed numeric inputs (entity aggregates) available like columns.
 */
export function checkAgainstSchema(spec: FeatureSetSpec, columns: ColumnSchema[], extraNumeric: string[] = []): PlanInputs {
  const cols = new Map(columns.map((c) => [c.name, c]));
  const inputs = new Map<string, PipelineInput>();
  const useInput = (name: string, type: 'number' | 'string') => {
    const prev = inputs.get(name);
    if (prev && prev.type !== type) prev.type = 'number';
    else if (!prev) inputs.set(name, { name, type, nullable: cols.get(name)?.nullable ?? true });
  };
  const labelColumn = spec.label?.column;
  if (spec.label && !cols.has(spec.label.column)) throw new DictlError('data', `${spec.file}: label.column: column "${spec.label.column}" is not in ${spec.source} (columns: ${columns.map((c) => c.name).join(', ')})`);
  if (spec.label?.task === 'regression' && !NUMERIC_DUCK.test(cols.get(spec.label.column)!.duckType))
    throw new DictlError('data', `${spec.file}: label.column: a regression label must be numeric; "${spec.label.column}" is ${cols.get(spec.label.column)!.duckType}`);
  const exprFeatures = new Map(spec.features.filter((f) => f.exprAst).map((f) => [f.name, f]));
  const extra = new Set(extraNumeric);
  for (const f of spec.features) {
    if (exprFeatures.has(f.name) && cols.has(f.name)) throw featErr(spec, f, `an expression feature may not reuse the column name "${f.name}"`);
  }
  const typeOf = (name: string): 'number' | 'string' | undefined => {
    if (exprFeatures.has(name) || extra.has(name)) return 'number';
    const c = cols.get(name);
    if (!c) return undefined;
    return NUMERIC_DUCK.test(c.duckType) ? 'number' : 'string';
  };
  // expressions: references and cycles
  const order: string[] = [];
  const state = new Map<string, 1 | 2>();
  const visit = (f: FeatureSpec, stack: string[]) => {
    const st = state.get(f.name);
    if (st === 2) return;
    if (st === 1) throw featErr(spec, f, `expressions form a cycle: ${[...stack, f.name].join(' → ')}`);
    state.set(f.name, 1);
    for (const ref of exprColumns(f.exprAst!)) {
      if (ref === labelColumn) throw featErr(spec, f, `expression reads the label column "${ref}" (that would leak the answer)`);
      const dep = exprFeatures.get(ref);
      if (dep) visit(dep, [...stack, f.name]);
      else if (extra.has(ref)) useInput(ref, 'number');
      else {
        const t = typeOf(ref);
        if (t === undefined) throw featErr(spec, f, `expression refers to unknown column "${ref}" (not in ${spec.source} and not an expression feature)`);
        if (t !== 'number') throw featErr(spec, f, `expression uses "${ref}", a ${cols.get(ref)!.duckType} column, as a number`);
        useInput(ref, 'number');
      }
    }
    state.set(f.name, 2);
    order.push(f.name);
  };
  for (const f of exprFeatures.values()) visit(f, []);
  const derived = order.map((n) => ({ name: n, expr: exprFeatures.get(n)!.exprAst! }));

  for (const f of spec.features) {
    if (f.column === undefined) continue;
    if (f.column === labelColumn) throw featErr(spec, f, `uses the label column "${f.column}" as a feature (that would leak the answer)`);
    const t = typeOf(f.column);
    if (t === undefined) throw featErr(spec, f, `unknown column "${f.column}" (columns of ${spec.source}: ${columns.map((c) => c.name).join(', ')})`);
    if (f.kind === 'categorical') {
      if (exprFeatures.has(f.column) || extra.has(f.column)) throw featErr(spec, f, `"${f.column}" is computed (numeric); ${f.transforms[f.transforms.length - 1].op} needs a categorical column`);
      const dt = cols.get(f.column)!.duckType;
      if (!EXACT_CATEGORY_DUCK.test(dt)) throw featErr(spec, f, `${f.transforms[f.transforms.length - 1].op} on a ${dt} column is not supported (use a text or whole-number column, or bucketize it)`);
      useInput(f.column, 'string');
    } else {
      if (t !== 'number') {
        const op = f.transforms.find((s) => s.op !== 'impute')?.op ?? 'a numeric feature';
        throw featErr(spec, f, `type mismatch: ${op} needs a number, but "${f.column}" is ${cols.get(f.column)!.duckType} (use one_hot or string_index for text)`);
      }
      if (!exprFeatures.has(f.column)) useInput(f.column, 'number');
    }
  }
  return { inputs: [...inputs.values()], derived };
}

/** A statistic the fitter needs from the training rows. */
type Need =
  | { k: 'mean' | 'median' | 'mode' | 'std' | 'min' | 'max' }
  | { k: 'quantiles'; q: number[] };

function statSql(need: Need, x: string): string {
  switch (need.k) {
    case 'mean':
      return `avg(${x})`;
    case 'median':
      return `quantile_cont(${x}, 0.5)`;
    case 'std':
      return `stddev_pop(${x})`;
    case 'min':
      return `min(${x})`;
    case 'max':
      return `max(${x})`;
    case 'quantiles':
      return `quantile_cont(${x}, [${need.q.map((v) => String(v)).join(', ')}])`;
    case 'mode':
      throw new Error('mode is fitted with its own grouped query');
  }
}

const stateful = (t: TransformSpec): boolean =>
  (t.op === 'impute' && t.strategy !== 'constant') ||
  (t.op === 'standardize' && (t.withMean || t.withStd)) ||
  t.op === 'min_max' ||
  t.op === 'robust' ||
  (t.op === 'bucketize' && t.quantiles !== undefined);

function statelessStep(t: TransformSpec): NumericStep | undefined {
  switch (t.op) {
    case 'impute':
      return t.strategy === 'constant' ? { op: 'impute', value: t.value as number } : undefined;
    case 'standardize':
      return t.withMean || t.withStd ? undefined : { op: 'affine', sub: 0, div: 1 };
    case 'log1p':
      return { op: 'log1p' };
    case 'clip':
      return { op: 'clip', ...(t.min !== undefined ? { min: t.min } : {}), ...(t.max !== undefined ? { max: t.max } : {}) };
    case 'bucketize':
      return t.splits ? { op: 'bucketize', splits: t.splits } : undefined;
    default:
      return undefined;
  }
}

/** Training rows from which quantiles come from sampled windows (below it, quantile_cont is cheap). */
export const WINDOW_QUANTILES_FROM = 100_000;
/** Rows in the sample that bounds the windows. */
const WINDOW_SAMPLE_ROWS = 500_000;

/**
 * Exact quantiles of large columns: bounds from a row sample (in one scan with the round's other
 * `selects`), then a scan that counts the values below each window and collects those inside; the
 * needed order statistics are picked from the window, and the rare window that misses them is
 * recomputed with quantile_cont. Returns the round's stats by alias (quantile needs: number for a
 * single level, array for several).
 */
async function windowQuantiles(
  duck: Duck,
  rel: string,
  needs: QuantileNeed[],
  nTrain: number,
  selects: string[],
  sampleRows: number,
  sigmas: number,
  progress: Progress['log'],
): Promise<Record<string, unknown>> {
  // scan 1 (one thread, in scan order, so sums are reproducible): the round's other statistics, and the
  // window bounds from a random row sample (the sample only places the windows; results stay exact)
  const p = Math.min(1, sampleRows / nTrain);
  const bounds = needs.map((nd, i) => `quantile_disc(${nd.x}, [${nd.qs.flatMap((q) => windowLevels(q, sampleRows, sigmas)).join(', ')}]) FILTER (WHERE __u < ${p}) AS b${i}`);
  const sampled = await inOrder(duck, selects.length > 0, async () => (await duck.all<Record<string, unknown>>(`SELECT ${[...selects, ...bounds].join(', ')} FROM (SELECT *, random() AS __u FROM ${rel})`))[0]);
  // scan 2 (all threads): per level the count below its window and the window itself, sorted once in
  // the aggregate; the outer projection picks from the sorted window (naming it twice there would sort it twice)
  const agg: string[] = [];
  const pick: string[] = [];
  needs.forEach((nd, i) => {
    agg.push(`count(${nd.x})::BIGINT AS w${i}_n`);
    pick.push(`w${i}_n`);
    const b = (sampled[`b${i}`] as (number | null)[] | null) ?? [];
    nd.qs.forEach((q, j) => {
      const [lv, hv] = windowLevels(q, sampleRows, sigmas);
      const lo = lv === 0 || b[2 * j] === null || b[2 * j] === undefined ? -Infinity : Number(b[2 * j]);
      const hi = hv === 1 || b[2 * j + 1] === null || b[2 * j + 1] === undefined ? Infinity : Number(b[2 * j + 1]);
      const inside = [Number.isFinite(lo) ? `${nd.x} >= ${sqlDouble(lo)}` : `${nd.x} IS NOT NULL`, ...(Number.isFinite(hi) ? [`${nd.x} <= ${sqlDouble(hi)}`] : [])];
      const below = Number.isFinite(lo) ? `count_if(${nd.x} < ${sqlDouble(lo)})` : '0';
      const w = `w${i}_${j}`;
      agg.push(`${below}::BIGINT AS ${w}_below`, `list_sort(list(${nd.x}) FILTER (${inside.join(' AND ')})) AS ${w}_win`);
      // only the two order statistics the quantile needs leave DuckDB (k = floor((n − 1)·q), 1-based in the
      // sorted window): a window holds ~1% of the rows, too many to hand over as lists on large data
      const k = `(floor((w${i}_n - 1) * ${q})::BIGINT - ${w}_below)`;
      // (a negative position would count from the list's end: below the window is a miss, NULL)
      pick.push(`${w}_below`, `CASE WHEN ${k} >= 0 THEN [${w}_win[(${k} + 1)::BIGINT], ${w}_win[(${k} + 2)::BIGINT]] ELSE [NULL, NULL] END AS ${w}_in`);
    });
  });
  const r = (await duck.all<Record<string, unknown>>(`SELECT ${pick.join(', ')} FROM (SELECT ${agg.join(', ')} FROM ${rel})`))[0];
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(sampled)) if (!/^b\d+$/.test(k)) out[k] = sampled[k];
  const shape = (nd: QuantileNeed, v: number[] | null) => (v === null ? null : nd.single ? v[0] : v);
  const missed: number[] = [];
  needs.forEach((nd, i) => {
    const n = num(r[`w${i}_n`])!;
    if (n === 0) {
      out[nd.alias] = null;
      return;
    }
    const vals = nd.qs.map((q, j) => {
      // x[k] and x[k + 1] (NULL when outside the window): a two-value window starting at k
      const [a, b] = ((r[`w${i}_${j}_in`] as (number | null)[] | null) ?? [null, null]).map((v) => (v === null || v === undefined ? undefined : Number(v)));
      const k = Math.floor((n - 1) * q);
      if (a === undefined) return undefined;
      return quantileFromWindow(n, k, b === undefined ? [a] : [a, b], q);
    });
    if (vals.every((v) => v !== undefined)) out[nd.alias] = shape(nd, vals as number[]);
    else missed.push(i);
  });
  if (missed.length) {
    // the sample's bounds missed (about one in 10^9 at 6 standard errors): exact aggregate
    progress(`${missed.length} quantile window${missed.length === 1 ? '' : 's'} missed the order statistics: exact quantiles for ${missed.length === 1 ? 'it' : 'them'}`);
    const ex = (await duck.all<Record<string, unknown>>(`SELECT ${missed.map((i) => `quantile_cont(${needs[i].x}, [${needs[i].qs.join(', ')}]) AS e${i}`).join(', ')} FROM ${rel}`))[0];
    for (const i of missed) out[needs[i].alias] = shape(needs[i], (ex[`e${i}`] as number[] | null)?.map(Number) ?? null);
  }
  return out;
}

/** A quantile statistic of a round: its alias, the SQL of the values, the levels; single = a median. */
interface QuantileNeed {
  alias: string;
  x: string;
  qs: number[];
  single: boolean;
}

/**
 * Runs fn with one DuckDB thread when `ordered`: sums (avg, var_pop, stddev_pop) then see the rows in
 * scan order, so the fitted means and scales are byte-identical from run to run. With several threads
 * the partial sums combine in whatever order threads finish, which changes the last bits on large data.
 */
async function inOrder<T>(duck: Duck, ordered: boolean, fn: () => Promise<T>): Promise<T> {
  if (!ordered) return fn();
  const before = (await duck.all<{ t: number }>(`SELECT current_setting('threads')::BIGINT AS t`))[0].t;
  await duck.run('SET threads = 1');
  try {
    return await fn();
  } finally {
    await duck.run(`SET threads = ${Number(before)}`);
  }
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : Number(v));

/**
 * Fits the pipeline on `trainRel` (SQL relation of the training rows with the raw columns).
 * `progress` receives short step messages.
 */
export async function fitPipeline(
  duck: Duck,
  spec: FeatureSetSpec,
  plan: PlanInputs,
  trainRel: string,
  progress: Progress['log'] = () => {},
  knownTrainRows?: number,
  /** test knobs: training rows from which quantiles use windows, the windows' sample size and width */
  opts: { windowQuantilesFrom?: number; windowSampleRows?: number; windowSigmas?: number } = {},
): Promise<FittedPipeline> {
  const derivedNames = new Set(plan.derived.map((d) => d.name));
  // the training relation with derived columns computed
  const dsql = compilePipelineSql({ inputs: plan.inputs, derived: plan.derived, features: [], outputNames: [] }).derived;
  const rel = dsql.length ? `(SELECT *, ${dsql.map((d) => `${d.sql} AS ${sqlIdent(d.name)}`).join(', ')} FROM ${trainRel})` : trainRel;
  const numX = (input: string) => (derivedNames.has(input) ? sqlIdent(input) : numInput(input));

  const nTrain = knownTrainRows ?? num((await duck.all<{ n: number }>(`SELECT count(*)::BIGINT AS n FROM ${trainRel}`))[0].n)!;
  if (nTrain === 0) throw new DictlError('data', `no training rows: every row of ${spec.source} is in the holdout`);

  // ── numeric features: fit the chain step by step, all features of a round in one query. Quantiles
  // (medians too) of large training sets come from windows bounded by a sample (src/features/stats.ts);
  // an impute followed by standardize is fitted in one round from the present values' moments.
  const numeric = spec.features.filter((f) => f.kind === 'numeric');
  const fitted = new Map<string, NumericStep[]>(numeric.map((f) => [f.name, []]));
  const pos = new Map<string, number>(numeric.map((f) => [f.name, 0]));
  const useWindows = nTrain >= (opts.windowQuantilesFrom ?? WINDOW_QUANTILES_FROM);
  for (let round = 0; ; round++) {
    // apply stateless steps until each feature reaches a stateful one (or its end)
    for (const f of numeric) {
      let i = pos.get(f.name)!;
      while (i < f.transforms.length && !stateful(f.transforms[i])) {
        fitted.get(f.name)!.push(statelessStep(f.transforms[i])!);
        i++;
      }
      pos.set(f.name, i);
    }
    const pending = numeric.filter((f) => pos.get(f.name)! < f.transforms.length);
    if (pending.length === 0) break;
    progress(`fitting ${pending.length} numeric transform${pending.length === 1 ? '' : 's'} (round ${round + 1})`);
    const selects: string[] = [];
    const modeQueries: { f: FeatureSpec; x: string }[] = [];
    const quantileNeeds: QuantileNeed[] = [];
    const slots = new Map<string, string[]>();
    /** features whose impute is followed by standardize: the moments of the present values, by alias */
    const merged = new Map<string, { n: string; mean: string; var: string }>();
    for (const f of pending) {
      const i = pos.get(f.name)!;
      const t = f.transforms[i];
      const x = stepsSql(fitted.get(f.name)!, numX(f.column ?? f.name));
      const needs: Need[] = [];
      if (t.op === 'impute') {
        if (t.strategy === 'mode') modeQueries.push({ f, x });
        else needs.push({ k: t.strategy as 'mean' | 'median' });
      } else if (t.op === 'standardize') needs.push({ k: 'mean' }, { k: 'std' });
      else if (t.op === 'min_max') needs.push({ k: 'min' }, { k: 'max' });
      else if (t.op === 'robust') needs.push({ k: 'quantiles', q: [0.25, 0.5, 0.75] });
      else if (t.op === 'bucketize') needs.push({ k: 'quantiles', q: Array.from({ length: t.quantiles! - 1 }, (_, j) => (j + 1) / t.quantiles!) });
      const names: string[] = [];
      needs.forEach((nd, j) => {
        const alias = `s${slots.size}_${j}`;
        const qs = nd.k === 'median' ? [0.5] : nd.k === 'quantiles' ? nd.q : null;
        if (qs && useWindows) quantileNeeds.push({ alias, x, qs, single: nd.k === 'median' });
        else selects.push(`${statSql(nd, x)} AS ${alias}`);
        names.push(alias);
      });
      slots.set(f.name, names);
      const next = f.transforms[i + 1];
      if (t.op === 'impute' && t.strategy !== 'mode' && t.strategy !== 'constant' && next?.op === 'standardize' && (next.withMean || next.withStd)) {
        const m = { n: `m${slots.size}_n`, mean: `m${slots.size}_mean`, var: `m${slots.size}_var` };
        selects.push(`count(${x}) AS ${m.n}`, `avg(${x}) AS ${m.mean}`, `var_pop(${x}) AS ${m.var}`);
        merged.set(f.name, m);
      }
    }
    const stats: Record<string, unknown> = {};
    if (quantileNeeds.length) Object.assign(stats, await windowQuantiles(duck, rel, quantileNeeds, nTrain, selects, opts.windowSampleRows ?? WINDOW_SAMPLE_ROWS, opts.windowSigmas ?? 6, progress));
    else if (selects.length) Object.assign(stats, await inOrder(duck, true, async () => (await duck.all<Record<string, unknown>>(`SELECT ${selects.join(', ')} FROM ${rel}`))[0]));
    const modes = new Map<string, number | null>();
    for (const { f, x } of modeQueries) {
      const r = await duck.all<{ v: number }>(`SELECT v FROM (SELECT ${x} AS v FROM ${rel}) WHERE v IS NOT NULL GROUP BY v ORDER BY count(*) DESC, v ASC LIMIT 1`);
      modes.set(f.name, r.length ? num(r[0].v) : null);
    }
    for (const f of pending) {
      const t = f.transforms[pos.get(f.name)!];
      const s = slots.get(f.name)!.map((a) => stats[a]);
      const allMissing = () => featErr(spec, f, `${t.op} cannot be fitted: the column has no non-missing values in the ${nTrain} training rows`, 'impute it with a constant first, or drop the feature');
      const standardize = (ts: Extract<TransformSpec, { op: 'standardize' }>, mean: number | null, std: number | null): NumericStep => {
        if (mean === null || Number.isNaN(mean)) throw allMissing();
        const sd = std === null || !Number.isFinite(std) || std === 0 ? 1 : std;
        return { op: 'affine', sub: ts.withMean ? mean : 0, div: ts.withStd ? sd : 1 };
      };
      let step: NumericStep;
      if (t.op === 'impute') {
        const v = t.strategy === 'mode' ? modes.get(f.name)! : num(s[0]);
        if (v === null || !Number.isFinite(v)) throw allMissing();
        step = { op: 'impute', value: v };
      } else if (t.op === 'standardize') step = standardize(t, num(s[0]), num(s[1]));
      else if (t.op === 'min_max') {
        const mn = num(s[0]);
        const mx = num(s[1]);
        if (mn === null || mx === null) throw allMissing();
        step = { op: 'affine', sub: mn, div: mx - mn === 0 ? 1 : mx - mn };
      } else if (t.op === 'robust') {
        const q = s[0] as number[] | null;
        if (!q || q[1] === null) throw allMissing();
        const iqr = Number(q[2]) - Number(q[0]);
        step = { op: 'affine', sub: Number(q[1]), div: iqr === 0 ? 1 : iqr };
      } else {
        const q = s[0] as number[] | null;
        if (!q || q[0] === null) throw allMissing();
        const splits = [...new Set(q.map(Number))].sort((a, b) => a - b);
        step = { op: 'bucketize', splits };
      }
      fitted.get(f.name)!.push(step);
      pos.set(f.name, pos.get(f.name)! + 1);
      const m = merged.get(f.name);
      if (m && step.op === 'impute') {
        // standardize the imputed values without another scan
        const mm = imputedMoments(nTrain, num(stats[m.n])!, num(stats[m.mean]) ?? NaN, num(stats[m.var]) ?? NaN, step.value);
        fitted.get(f.name)!.push(standardize(f.transforms[pos.get(f.name)!] as Extract<TransformSpec, { op: 'standardize' }>, mm.mean, mm.std));
        pos.set(f.name, pos.get(f.name)! + 1);
      }
    }
  }

  // ── categorical features: value counts on the training rows
  const categorical = spec.features.filter((f) => f.kind === 'categorical');
  const counts = new Map<string, { values: Map<string, number>; missing: number }>();
  if (categorical.length) {
    progress(`counting categories of ${categorical.length} column${categorical.length === 1 ? '' : 's'}`);
    const cols = [...new Set(categorical.map((f) => f.column!))];
    for (const c of cols) counts.set(c, { values: new Map(), missing: 0 });
    // every column's value counts in one scan (GROUPING SETS; grouping(gK) = 0 marks column K's rows)
    const g = cols.map((c, k) => `${strInput(c)} AS g${k}`);
    const rows = await duck.all<Record<string, unknown>>(
      `SELECT ${cols.map((_, k) => `grouping(g${k}) AS a${k}, g${k}`).join(', ')}, count(*)::BIGINT AS n FROM (SELECT ${g.join(', ')} FROM ${rel}) GROUP BY GROUPING SETS (${cols.map((_, k) => `(g${k})`).join(', ')})`,
    );
    for (const r of rows) {
      const k = cols.findIndex((_, j) => Number(r[`a${j}`]) === 0);
      const cc = counts.get(cols[k])!;
      const v = r[`g${k}`];
      if (v === null || v === undefined) cc.missing += num(r.n)!;
      else cc.values.set(String(v), num(r.n)!);
    }
  }

  const features: FittedFeature[] = [];
  const outputNames: string[] = [];
  const outputSet = new Set<string>();
  const addOut = (f: FeatureSpec, n: string) => {
    if (outputSet.has(n)) throw featErr(spec, f, `output column "${n}" is produced twice`);
    outputSet.add(n);
    outputNames.push(n);
  };
  for (const f of spec.features) {
    if (f.kind === 'numeric') {
      features.push({ kind: 'numeric', name: f.name, input: f.column ?? f.name, steps: fitted.get(f.name)! });
      addOut(f, f.name);
    } else if (f.kind === 'interaction') {
      const [l, r] = f.interaction!;
      for (const side of [l, r])
        if (!outputSet.has(side)) throw featErr(spec, f, `interaction refers to "${side}", which is not an earlier output (earlier outputs: ${outputNames.slice(0, 12).join(', ')}${outputNames.length > 12 ? ', …' : ''})`);
      features.push({ kind: 'interaction', name: f.name, left: l, right: r });
      addOut(f, f.name);
    } else {
      const { values, missing } = counts.get(f.column!)!;
      const imp = f.transforms.find((t) => t.op === 'impute') as Extract<TransformSpec, { op: 'impute' }> | undefined;
      let impute: string | undefined;
      const vc = new Map(values);
      if (imp) {
        if (imp.strategy === 'constant') impute = String(imp.value);
        else {
          let best: string | undefined;
          for (const [v, n] of values) if (best === undefined || n > values.get(best)! || (n === values.get(best)! && cmpCodePoint(v, best) < 0)) best = v;
          if (best === undefined) throw featErr(spec, f, 'impute mode cannot be fitted: the column has no non-missing values in the training rows');
          impute = best;
        }
        if (missing > 0) vc.set(impute, (vc.get(impute) ?? 0) + missing);
      }
      const last = f.transforms[f.transforms.length - 1];
      if (vc.size === 0) throw featErr(spec, f, `${last.op} cannot be fitted: the column has no non-missing values in the training rows`);
      const byFreq = [...vc.entries()].sort((a, b) => b[1] - a[1] || cmpCodePoint(a[0], b[0]));
      if (last.op === 'string_index') {
        const vocabulary = last.order === 'frequency' ? byFreq.map((e) => e[0]) : [...vc.keys()].sort(cmpCodePoint);
        features.push({ kind: 'index', name: f.name, input: f.column!, ...(impute !== undefined ? { impute } : {}), vocabulary, unknown: last.handleInvalid });
        addOut(f, f.name);
      } else if (last.op === 'one_hot') {
        let keep = byFreq;
        const folded: string[] = [];
        if (last.minFrequency !== undefined) {
          const min = last.minFrequency >= 1 ? last.minFrequency : last.minFrequency * nTrain;
          keep = keep.filter((e) => {
            if (e[1] < min) folded.push(e[0]);
            return e[1] >= min;
          });
        }
        if (last.maxCategories !== undefined && keep.length + (folded.length ? 1 : 0) > last.maxCategories) {
          const room = Math.max(0, last.maxCategories - 1);
          for (const e of keep.slice(room)) folded.push(e[0]);
          keep = keep.slice(0, room);
        }
        let categories = keep.map((e) => e[0]).sort(cmpCodePoint);
        if (last.dropLast && categories.length > 0) {
          folded.push(categories[categories.length - 1]);
          categories = categories.slice(0, -1);
        }
        folded.sort(cmpCodePoint);
        const otherSlot = !last.dropLast && (folded.length > 0 || last.unknown === 'other');
        const outputs = categories.map((c) => `${f.name}=${c}`);
        if (otherSlot) outputs.push(`${f.name}=__other__`);
        features.push({ kind: 'onehot', name: f.name, input: f.column!, ...(impute !== undefined ? { impute } : {}), categories, folded, otherSlot, unknown: last.unknown, outputs });
        for (const o of outputs) addOut(f, o);
      }
    }
  }
  return { inputs: plan.inputs, derived: plan.derived, features, outputNames };
}

/** SQL of the label as DOUBLE (binary 1/0, multiclass index, regression value; NULL without a label). */
export function labelSql(spec: FeatureSetSpec, d: SqlDialect = duckdb): string {
  if (!spec.label) return d.cast('NULL', 'DOUBLE');
  const col = d.id(spec.label.column);
  const text = d.cast(col, 'VARCHAR');
  if (spec.label.task === 'binary') return d.cast(`(CASE WHEN ${text} = ${d.str(spec.label.positive!)} THEN 1.0 ELSE 0.0 END)`, 'DOUBLE');
  if (spec.label.task === 'multiclass') return d.cast(`(CASE ${text} ${spec.label.classes!.map((c, i) => `WHEN ${d.str(c)} THEN ${i}`).join(' ')} END)`, 'DOUBLE');
  return d.cast(col, 'DOUBLE');
}
