/**
 * The promotion gate, pure: parse conditions such as "auc>=0.80", "auc>=champion+0.002",
 * "logloss<=champion*1.01", "f1>champion+1%" and evaluate them against a candidate's and a baseline's
 * metrics.
 *
 * Semantics follow MLflow's MetricThreshold (an absolute threshold, a minimum absolute change or a
 * minimum relative change against the baseline, a direction per metric) with two fixes:
 *  - relative change is measured against |baseline|: "champion*1.01" needs baseline + 0.01·|baseline|
 *    (MLflow divides by the signed baseline, which flips the meaning for negative metrics such as R²<0);
 *  - with no baseline (the first model), conditions against the champion pass with a notice, or fail
 *    when the champion is required.
 */
import { usageError } from '../errors.js';
import { GREATER_IS_BETTER } from '../ml/metrics.js';

export type GateOp = '>=' | '>' | '<=' | '<';

export interface GateCondition {
  /** the text as given */
  text: string;
  /** canonical metric name (a key of GREATER_IS_BETTER, ml/metrics.ts) */
  metric: string;
  op: GateOp;
  /** absolute: compare with `value`; change: compare with baseline + delta (plus) or baseline + (k−1)·|baseline| (times) */
  kind: 'absolute' | 'change';
  value?: number;
  change?: { mode: 'plus' | 'times'; k: number };
}

export interface ConditionResult {
  condition: string;
  metric: string;
  op: GateOp;
  candidate: number | null;
  baseline: number | null;
  /** the value the candidate had to reach (null when it could not be computed) */
  needed: number | null;
  passed: boolean;
  note?: string;
}

export interface GateResult {
  passed: boolean;
  results: ConditionResult[];
  failed: ConditionResult[];
  notices: string[];
}

/** Direction per metric (true = greater is better), from the metrics module. */

const SYNONYMS: Record<string, string> = {
  roc_auc: 'auc',
  rocauc: 'auc',
  prauc: 'pr_auc',
  average_precision: 'pr_auc',
  ap: 'pr_auc',
  log_loss: 'logloss',
  brier_score: 'brier',
  acc: 'accuracy',
};

export function canonicalMetric(name: string): string {
  const n = name.trim().toLowerCase().replace(/-/g, '_');
  return SYNONYMS[n] ?? n;
}

const NUM = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?`;
const COND_RE = new RegExp(String.raw`^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(>=|<=|>|<)\s*(.+?)\s*$`);
const ABS_RE = new RegExp(String.raw`^(${NUM})$`, 'i');
const CHANGE_RE = new RegExp(String.raw`^(?:champion|baseline)\s*(?:([+*-])\s*(${NUM})\s*(%)?)?$`, 'i');

/** Parses one condition; a usage error names what is wrong. */
export function parseCondition(text: string): GateCondition {
  const m = COND_RE.exec(text);
  if (!m) throw usageError(`gate condition "${text}" is not METRIC OP VALUE`, 'e.g. --gate "auc>=0.80" --gate "auc>=champion+0.002" --gate "logloss<=champion*1.01"');
  const metric = canonicalMetric(m[1]);
  const op = m[2] as GateOp;
  const rhs = m[3];
  if (!(metric in GREATER_IS_BETTER)) throw usageError(`gate condition "${text}": unknown metric "${m[1]}"`, `metrics: ${Object.keys(GREATER_IS_BETTER).join(', ')}`);
  const greater = op === '>=' || op === '>';
  if (greater !== GREATER_IS_BETTER[metric])
    throw usageError(
      `gate condition "${text}": ${metric} is ${GREATER_IS_BETTER[metric] ? 'higher' : 'lower'}-is-better, so the condition must use ${GREATER_IS_BETTER[metric] ? '>= or >' : '<= or <'}`,
    );
  const abs = ABS_RE.exec(rhs);
  if (abs) {
    const value = Number(abs[1]);
    if (!Number.isFinite(value)) throw usageError(`gate condition "${text}": threshold is not a finite number`);
    return { text: text.trim(), metric, op, kind: 'absolute', value };
  }
  const ch = CHANGE_RE.exec(rhs);
  if (!ch) throw usageError(`gate condition "${text}": right side must be a number, champion, champion+X, champion-X, champion*K or champion+X%`);
  if (!ch[1]) return { text: text.trim(), metric, op, kind: 'change', change: { mode: 'plus', k: 0 } };
  let x = Number(ch[2]);
  if (!Number.isFinite(x)) throw usageError(`gate condition "${text}": change is not a finite number`);
  const pct = Boolean(ch[3]);
  if (ch[1] === '*') {
    if (pct) throw usageError(`gate condition "${text}": use champion*1.01 or champion+1%, not both`);
    if (x <= 0) throw usageError(`gate condition "${text}": the factor must be positive`);
    return { text: text.trim(), metric, op, kind: 'change', change: { mode: 'times', k: x } };
  }
  if (ch[1] === '-') x = -x;
  if (pct) return { text: text.trim(), metric, op, kind: 'change', change: { mode: 'times', k: 1 + x / 100 } };
  return { text: text.trim(), metric, op, kind: 'change', change: { mode: 'plus', k: x } };
}

export function parseGate(texts: string[]): GateCondition[] {
  return texts.map(parseCondition);
}

/** The value a candidate has to reach for a change condition: baseline + k, or baseline + (k − 1)·|baseline|. */
export function neededFor(c: GateCondition, baseline: number): number {
  if (c.kind === 'absolute') return c.value!;
  const { mode, k } = c.change!;
  return mode === 'plus' ? baseline + k : baseline + (k - 1) * Math.abs(baseline);
}

function compare(op: GateOp, a: number, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Evaluates every condition. `baseline` null = there is no champion yet. Every condition must pass;
 * a metric the candidate lacks (or NaN) fails its condition.
 */
export function evaluateGate(
  conditions: GateCondition[],
  candidate: Record<string, number | null | undefined>,
  baseline: Record<string, number | null | undefined> | null,
  opts: { requireChampion?: boolean } = {},
): GateResult {
  const results: ConditionResult[] = [];
  const notices: string[] = [];
  for (const c of conditions) {
    const cand = num(candidate[c.metric]);
    const base = baseline ? num(baseline[c.metric]) : null;
    const r: ConditionResult = { condition: c.text, metric: c.metric, op: c.op, candidate: cand, baseline: base, needed: null, passed: false };
    if (c.kind === 'absolute') {
      r.needed = c.value!;
      if (cand === null) r.note = `candidate has no ${c.metric}`;
      else r.passed = compare(c.op, cand, r.needed);
    } else if (baseline === null) {
      if (opts.requireChampion) r.note = 'no champion to compare with (--require-champion)';
      else {
        r.passed = cand !== null;
        r.note = cand === null ? `candidate has no ${c.metric}` : 'no champion yet: condition passes';
        if (cand !== null) notices.push(`${c.text}: no champion yet, so the condition passes`);
      }
    } else if (base === null) r.note = `champion has no ${c.metric}`;
    else {
      r.needed = neededFor(c, base);
      if (cand === null) r.note = `candidate has no ${c.metric}`;
      else r.passed = compare(c.op, cand, r.needed);
    }
    results.push(r);
  }
  const failed = results.filter((r) => !r.passed);
  return { passed: failed.length === 0, results, failed, notices };
}

const fmt = (v: number | null) => (v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '').replace(/\.$/, ''));

/** One line per failed condition: metric, candidate, baseline, needed. */
export function failureLine(r: ConditionResult): string {
  return `${r.condition}: ${r.metric} candidate ${fmt(r.candidate)}, champion ${fmt(r.baseline)}, needed ${r.op} ${fmt(r.needed)}${r.note ? ` (${r.note})` : ''}`;
}

export const formatGateNumber = fmt;
