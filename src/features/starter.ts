/**
 * `feature init`: a commented starter feature set written from a dataset's schema and profile, so a new
 * set need not be typed column by column. Pure: a DatasetVersion in, YAML text out.
 *   numbers           impute median → standardize
 *   low-cardinality   impute mode → one_hot (unknown values → all zeros)
 *   high-cardinality  impute mode → one_hot with min_frequency (rare and unseen values share one "other" column)
 *   left out, with the reason as a comment: the label, ID-like columns (a distinct value per row),
 *   constant columns, dates and timestamps (derive a number from them with expr: first)
 */
import { usageError } from '../errors.js';
import type { ColumnProfile, DatasetVersion } from '../types.js';

export const LOW_CARDINALITY = 20;

export interface StarterOptions {
  name: string;
  label: string;
  positive?: string;
}

export interface StarterResult {
  text: string;
  numeric: string[];
  oneHot: string[];
  frequent: string[];
  leftOut: { column: string; why: string }[];
  label: { column: string; task: 'binary' | 'multiclass' | 'regression'; positive?: string; classes?: string[] };
}

const yamlStr = (s: string) => (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) && !/^(yes|no|true|false|on|off|null|y|n)$/i.test(s) ? s : JSON.stringify(s));
const idLike = (p: ColumnProfile, rows: number) => (p.type === 'integer' || p.type === 'string') && p.nulls === 0 && rows > 1 && p.distinct >= rows * (p.distinctApprox ? 0.97 : 1);

export function starterFeatureSet(ds: DatasetVersion, o: StarterOptions): StarterResult {
  const prof = new Map(ds.profile.map((p) => [p.name, p]));
  const lp = prof.get(o.label);
  if (!lp) throw usageError(`--label ${o.label}: ${ds.ref} has no column "${o.label}"`, `columns: ${ds.columns.map((c) => c.name).join(', ')}`);
  const values = (lp.top ?? []).map((t) => t.value);
  let label: StarterResult['label'];
  if (o.positive !== undefined) {
    if (lp.top && lp.distinct <= (lp.top?.length ?? 0) && !values.includes(o.positive))
      throw usageError(`--positive "${o.positive}" is not a value of ${o.label}`, `values: ${values.join(', ')}`);
    label = { column: o.label, task: 'binary', positive: o.positive };
  } else if ((lp.type === 'number' || lp.type === 'integer') && lp.distinct > 2) label = { column: o.label, task: 'regression' };
  else if ((lp.type === 'number' || lp.type === 'integer') && lp.distinct === 2) label = { column: o.label, task: 'binary', positive: String(lp.max) };
  else if (lp.distinct === 2 && values.length === 2) label = { column: o.label, task: 'binary', positive: values[1] }; // the rarer value
  else if (lp.distinct > 2 && values.length >= lp.distinct) label = { column: o.label, task: 'multiclass', classes: [...values].sort() };
  else throw usageError(`cannot tell the classes of ${o.label} (${lp.distinct} values)`, 'pass --positive VALUE for a binary label');

  const numeric: string[] = [];
  const oneHot: string[] = [];
  const frequent: string[] = [];
  const leftOut: StarterResult['leftOut'] = [];
  const minFreq = Math.max(10, Math.ceil(ds.rows * 0.01));
  for (const c of ds.columns) {
    const p = prof.get(c.name);
    if (c.name === o.label) continue;
    if (!p) {
      leftOut.push({ column: c.name, why: 'no profile' });
      continue;
    }
    if (p.distinct <= 1) leftOut.push({ column: c.name, why: `constant (${p.distinct === 0 ? 'always missing' : 'one value'})` });
    else if (idLike(p, ds.rows)) leftOut.push({ column: c.name, why: `ID-like: ${p.distinct.toLocaleString('en-US')} distinct values in ${ds.rows.toLocaleString('en-US')} rows` });
    else if (c.type === 'date' || c.type === 'timestamp') leftOut.push({ column: c.name, why: `${c.type}: derive a number first (e.g. expr: "date_diff(...)") or use it as entity.time` });
    else if (c.type === 'number' || c.type === 'integer') numeric.push(c.name);
    else if (p.distinct <= LOW_CARDINALITY) oneHot.push(c.name);
    else frequent.push(c.name);
  }
  if (numeric.length + oneHot.length + frequent.length === 0) throw usageError(`${ds.ref} has no usable feature column besides the label`);

  const L: string[] = [];
  L.push(`# Starter feature set for ${ds.ref}, written by: dictl feature init ${o.name} --from ${ds.ref} --label ${o.label}${o.positive !== undefined ? ` --positive ${o.positive}` : ''}`);
  L.push('# Review it, then: dictl feature build ' + o.name + '. Transforms are fitted on the training rows of the holdout only.');
  L.push(`source: ${ds.ref}`);
  L.push('label:');
  L.push(`  column: ${yamlStr(o.label)}`);
  if (label.task === 'binary') {
    L.push(`  positive: ${JSON.stringify(label.positive)}${o.positive === undefined ? '   # guessed: the rarer value; change it if the other one is the event to predict' : ''}`);
    const others = values.filter((v) => v !== label.positive);
    if (lp.distinct === 2 && others.length === 1) L.push(`  negative: ${JSON.stringify(others[0])}`);
    else L.push(`  # the other ${lp.distinct - 1} values are grouped as "not_${label.positive}"; name one with negative: VALUE to use only it`);
  } else if (label.task === 'multiclass') L.push(`  classes: [${label.classes!.map((c) => JSON.stringify(c)).join(', ')}]`);
  else L.push('  task: regression');
  L.push('features:');
  if (numeric.length) {
    L.push(`  # ${numeric.length} numeric column${numeric.length === 1 ? '' : 's'}: missing → median, then standardized (mean 0, sd 1)`);
    const ids = leftOut.filter((x) => /ID-like/.test(x.why)).map((x) => yamlStr(x.column));
    L.push(`  # (or select them all: columns: {type: numeric${ids.length ? `, exclude: [${ids.join(', ')}]` : ''}})`);
    L.push('  - columns:');
    for (const n of numeric) L.push(`      - ${yamlStr(n)}${profileNote(prof.get(n)!)}`);
    L.push('    transforms:');
    L.push('      - impute: median');
    L.push('      - standardize');
  }
  if (oneHot.length) {
    L.push(`  # ${oneHot.length} text column${oneHot.length === 1 ? '' : 's'} with at most ${LOW_CARDINALITY} values: missing → most frequent, then one indicator per value (unseen → all zeros)`);
    L.push('  - columns:');
    for (const n of oneHot) L.push(`      - ${yamlStr(n)}   # ${prof.get(n)!.distinct} values`);
    L.push('    transforms:');
    L.push('      - impute: mode');
    L.push('      - one_hot: { unknown: zeros }');
  }
  if (frequent.length) {
    L.push(`  # ${frequent.length} text column${frequent.length === 1 ? '' : 's'} with many values: one indicator per value seen at least ${minFreq} times; rarer and unseen values share "other"`);
    L.push('  - columns:');
    for (const n of frequent) L.push(`      - ${yamlStr(n)}   # ${prof.get(n)!.distinct}${prof.get(n)!.distinctApprox ? ' (approx.)' : ''} values`);
    L.push('    transforms:');
    L.push('      - impute: mode');
    L.push(`      - one_hot: { min_frequency: ${minFreq}, unknown: other }`);
  }
  if (leftOut.length) {
    L.push('# left out:');
    for (const x of leftOut) L.push(`#   ${x.column}: ${x.why}`);
  }
  return { text: L.join('\n') + '\n', numeric, oneHot, frequent, leftOut, label };
}

function profileNote(p: ColumnProfile): string {
  const bits: string[] = [];
  if (typeof p.min === 'number' && typeof p.max === 'number') bits.push(`${fmt(p.min)} to ${fmt(p.max)}`);
  if (p.nulls > 0) bits.push(`${p.nulls} missing`);
  return bits.length ? `   # ${bits.join(', ')}` : '';
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, ''));
