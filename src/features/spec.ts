/**
 * Feature-set files (features/NAME.yaml): parsing and schema validation. Every error names the file,
 * the line and the field (`features/churn.yaml:12: features[3].transforms[1].clip.min: ...`).
 * Pure apart from reading the one file.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node as YNode, type Document } from 'yaml';
import { DictlError, notFound } from '../errors.js';
import type { ColumnSchema, Expr } from '../types.js';
import { resolveDataset } from '../datasets/store.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { ExprError, parseExpr } from '../pipeline/expr.js';

export type TransformSpec =
  | { op: 'impute'; strategy: 'mean' | 'median' | 'mode' | 'constant'; value?: number | string }
  | { op: 'standardize'; withMean: boolean; withStd: boolean }
  | { op: 'min_max' }
  | { op: 'robust' }
  | { op: 'log1p' }
  | { op: 'clip'; min?: number; max?: number }
  | { op: 'bucketize'; splits?: number[]; quantiles?: number }
  | { op: 'string_index'; order: 'frequency' | 'alphabet'; handleInvalid: 'error' | 'skip' | 'keep' }
  | { op: 'one_hot'; dropLast: boolean; minFrequency?: number; maxCategories?: number; unknown: 'zeros' | 'other' | 'error' };

export interface FeatureSpec {
  name: string;
  /** exactly one of column / expr / interaction */
  column?: string;
  expr?: string;
  exprAst?: Expr;
  interaction?: [string, string];
  transforms: TransformSpec[];
  /** 'categorical' when the chain ends in one_hot / string_index */
  kind: 'numeric' | 'categorical' | 'interaction';
  line: number;
  where: string; // "features[3]"
  /** a column selector, replaced by one feature per matching column when the set is loaded against its source */
  select?: ColumnSelector;
}

/** `columns: {type: numeric, include: [total_*], exclude: [id]}` or a glob such as `columns: "total_*"`. */
export interface ColumnSelector {
  type: 'numeric' | 'string' | 'boolean' | 'any';
  include: string[];
  exclude: string[];
}

export interface AggregateSpec {
  name: string;
  /** dataset ref of the events table */
  events: string;
  key: string;
  time: string;
  column?: string;
  agg: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'last';
  /** window length in seconds */
  windowSeconds: number;
  window: string;
  line: number;
}

export interface FeatureSetSpec {
  name: string;
  file: string;
  source: string;
  holdout?: string;
  /** absent: an unsupervised feature set (segments); it is fitted on all rows, or on a named holdout's training rows */
  label?: { column: string; task: 'binary' | 'multiclass' | 'regression'; positive?: string; negative?: string; classes?: string[] };
  entity?: { key: string; time?: string };
  aggregates: AggregateSpec[];
  features: FeatureSpec[];
  allowPii: boolean;
  description?: string;
  /** the parsed definition in canonical form (hashed for the build identity) */
  definition: unknown;
}

export class SpecError extends DictlError {}

const TRANSFORMS = ['impute', 'standardize', 'min_max', 'robust', 'log1p', 'clip', 'bucketize', 'string_index', 'one_hot'] as const;
const AGGS = ['count', 'sum', 'avg', 'min', 'max', 'last'] as const;

export const featureSetPath = (ws: Workspace, name: string) => join(ws.featuresDir, `${validateName('feature set', name)}.yaml`);

export function listFeatureSetFiles(ws: Workspace): string[] {
  if (!existsSync(ws.featuresDir)) return [];
  return readdirSync(ws.featuresDir)
    .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

export function loadFeatureSet(ws: Workspace, name: string): FeatureSetSpec {
  let path = featureSetPath(ws, name);
  if (!existsSync(path) && existsSync(path.replace(/\.yaml$/, '.yml'))) path = path.replace(/\.yaml$/, '.yml');
  if (!existsSync(path)) throw notFound(`feature set "${name}" not found (no ${path})`, 'see: dictl feature list');
  const rel = path.startsWith(ws.root + '/') ? path.slice(ws.root.length + 1) : path;
  const spec = parseFeatureSet(readFileSync(path, 'utf8'), rel, name);
  if (!spec.features.some((f) => f.select)) return spec;
  // selectors match the source dataset's columns: resolved here so every command sees the same features
  return expandSelectors(spec, resolveDataset(ws, spec.source).columns);
}

const isGlob = (s: string) => /[*?[]/.test(s);

/** A glob (`*`, `?`, `[abc]`) as an anchored regular expression. */
export function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = glob.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const TYPE_MATCH: Record<ColumnSelector['type'], (t: ColumnSchema['type']) => boolean> = {
  numeric: (t) => t === 'number' || t === 'integer',
  string: (t) => t === 'string',
  boolean: (t) => t === 'boolean',
  any: () => true,
};

/**
 * Pure: each selector → one feature per matching column, in the dataset's column order. A selector never
 * picks the label, the entity key or time, nor a column another feature already names.
 */
export function expandSelectors(spec: FeatureSetSpec, columns: ColumnSchema[]): FeatureSetSpec {
  const named = new Set(spec.features.filter((f) => !f.select).map((f) => f.column).filter((c): c is string => Boolean(c)));
  const reserved = new Set([spec.label?.column, spec.entity?.key, spec.entity?.time].filter((c): c is string => Boolean(c)));
  const taken = new Set<string>();
  const features: FeatureSpec[] = [];
  for (const f of spec.features) {
    if (!f.select) {
      features.push(f);
      continue;
    }
    const s = f.select;
    const inc = s.include.map(globRegex);
    const exc = s.exclude.map(globRegex);
    const hit = columns.filter(
      (c) => TYPE_MATCH[s.type](c.type) && inc.some((r) => r.test(c.name)) && !exc.some((r) => r.test(c.name)) && !reserved.has(c.name) && !named.has(c.name) && !taken.has(c.name),
    );
    if (hit.length === 0)
      throw new DictlError('usage', `${spec.file}:${f.line}: ${f.where} matches no column of ${spec.source} (type ${s.type}, include ${s.include.join(', ')}${s.exclude.length ? `, exclude ${s.exclude.join(', ')}` : ''})`, {
        hint: `columns: ${columns.map((c) => `${c.name} (${c.type})`).join(', ')}`,
      });
    for (const c of hit) {
      taken.add(c.name);
      features.push({ name: c.name, column: c.name, transforms: f.transforms, kind: f.kind, line: f.line, where: `${f.where}[${c.name}]` });
    }
  }
  return { ...spec, features };
}

const normOp = (s: string) => s.trim().toLowerCase().replace(/-/g, '_').replace(/^minmax$/, 'min_max').replace(/^onehot$/, 'one_hot').replace(/^stringindex$/, 'string_index').replace(/^robust_scale$/, 'robust');

/** Parses and validates a feature-set document. `file` is used in messages; `name` defaults the set's name. */
export function parseFeatureSet(text: string, file: string, name: string): FeatureSetSpec {
  const lc = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: unknown): number => {
    const r = (node as YNode | undefined)?.range;
    return r ? lc.linePos(r[0]).line : 1;
  };
  const fail = (node: unknown, field: string, msg: string): never => {
    throw new SpecError('data', `${file}:${lineOf(node)}: ${field}: ${msg}`, { hint: 'fix the feature-set file; the format is in: dictl feature build --help' });
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? 1;
    throw new SpecError('data', `${file}:${line}: YAML: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) fail(root, '(top level)', 'must be a mapping with source, features and (for supervised models) label');
  const rootMap = root as unknown as import('yaml').YAMLMap;

  const getNode = (m: import('yaml').YAMLMap, key: string): YNode | undefined => {
    const pair = m.items.find((p) => isScalar(p.key) && p.key.value === key);
    return pair ? ((pair.value ?? pair.key) as YNode) : undefined;
  };
  const checkKeys = (m: import('yaml').YAMLMap, allowed: string[], where: string) => {
    for (const p of m.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '?';
      if (!allowed.includes(k)) fail(p.key, where ? `${where}.${k}` : k, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  };
  const str = (node: YNode | undefined, field: string, opts: { required?: boolean } = {}): string | undefined => {
    if (node === undefined || (isScalar(node) && node.value === null)) {
      if (opts.required) fail(node ?? rootMap, field, 'is required');
      return undefined;
    }
    if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number' && typeof node.value !== 'boolean'))
      fail(node, field, 'must be a text value');
    const v = String((node as import('yaml').Scalar).value);
    if (!v.trim()) fail(node, field, 'must not be empty');
    return v;
  };
  const num = (node: YNode | undefined, field: string): number | undefined => {
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'number' || !Number.isFinite(node.value)) fail(node, field, 'must be a finite number');
    return (node as import('yaml').Scalar).value as number;
  };
  const bool = (node: YNode | undefined, field: string, dflt: boolean): boolean => {
    if (node === undefined) return dflt;
    if (!isScalar(node) || typeof node.value !== 'boolean') fail(node, field, 'must be true or false');
    return (node as import('yaml').Scalar).value as boolean;
  };
  const oneOf = <T extends string>(node: YNode | undefined, field: string, allowed: readonly T[], dflt?: T): T => {
    const v = str(node, field, { required: dflt === undefined });
    if (v === undefined) return dflt as T;
    const n = normOp(v) as T;
    if (!allowed.includes(n)) fail(node, field, `must be one of ${allowed.join(', ')} (got "${v}")`);
    return n;
  };

  checkKeys(rootMap, ['name', 'description', 'source', 'holdout', 'label', 'entity', 'aggregates', 'features', 'allow_pii'], '');
  const setName = str(getNode(rootMap, 'name'), 'name') ?? name;
  if (setName !== name) fail(getNode(rootMap, 'name'), 'name', `"${setName}" does not match the file name "${name}"`);
  const source = str(getNode(rootMap, 'source'), 'source', { required: true })!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(@([0-9]+|latest))?$/.test(source)) fail(getNode(rootMap, 'source'), 'source', `"${source}" is not a dataset reference (NAME, NAME@3 or NAME@latest)`);
  const holdout = str(getNode(rootMap, 'holdout'), 'holdout');
  if (holdout !== undefined && !/^[0-9a-f]{8,64}$/.test(holdout)) fail(getNode(rootMap, 'holdout'), 'holdout', 'must be a holdout hash (hex)');
  const description = str(getNode(rootMap, 'description'), 'description');
  const allowPii = bool(getNode(rootMap, 'allow_pii'), 'allow_pii', false);

  // label
  const labelNode = getNode(rootMap, 'label');
  let label: FeatureSetSpec['label'];
  if (labelNode !== undefined && isScalar(labelNode)) fail(labelNode, 'label', 'must be a mapping: {column: NAME, positive: VALUE} (or classes: [...] / task: regression)');
  if (labelNode !== undefined && !isMap(labelNode)) fail(labelNode, 'label', 'must be a mapping');
  if (labelNode !== undefined) {
    const m = labelNode as unknown as import('yaml').YAMLMap;
    checkKeys(m, ['column', 'positive', 'negative', 'classes', 'task'], 'label');
    const column = str(getNode(m, 'column'), 'label.column', { required: true })!;
    const positive = str(getNode(m, 'positive'), 'label.positive');
    const negative = str(getNode(m, 'negative'), 'label.negative');
    const classesNode = getNode(m, 'classes');
    let classes: string[] | undefined;
    if (classesNode !== undefined) {
      if (!isSeq(classesNode) || classesNode.items.length < 2) fail(classesNode, 'label.classes', 'must be a list of at least 2 class values');
      classes = (classesNode as import('yaml').YAMLSeq).items.map((it, i) => str(it as YNode, `label.classes[${i}]`, { required: true })!);
      if (new Set(classes).size !== classes.length) fail(classesNode, 'label.classes', 'has duplicates');
    }
    const dflt = classes ? 'multiclass' : positive !== undefined ? 'binary' : undefined;
    const task = oneOf(getNode(m, 'task'), 'label.task', ['binary', 'multiclass', 'regression'] as const, dflt);
    if (task === undefined) fail(m, 'label', 'give positive: VALUE (binary), classes: [...] (multiclass) or task: regression');
    if (task === 'binary' && positive === undefined) fail(m, 'label.positive', 'is required for a binary label');
    if (task === 'multiclass' && !classes) fail(m, 'label.classes', 'is required for a multiclass label');
    if (task === 'regression' && (positive !== undefined || classes)) fail(m, 'label', 'a regression label takes no positive or classes');
    if (negative !== undefined && task !== 'binary') fail(m, 'label.negative', 'applies to a binary label only');
    if (negative !== undefined && negative === positive) fail(m, 'label.negative', `is the same value as label.positive ("${positive}")`);
    label = {
      column,
      task,
      ...(positive !== undefined && task === 'binary' ? { positive } : {}),
      ...(negative !== undefined ? { negative } : {}),
      ...(classes && task === 'multiclass' ? { classes } : {}),
    };
  }

  // entity
  let entity: FeatureSetSpec['entity'];
  const entNode = getNode(rootMap, 'entity');
  if (entNode !== undefined) {
    if (!isMap(entNode)) fail(entNode, 'entity', 'must be a mapping {key: COLUMN, time: COLUMN}');
    const m = entNode as unknown as import('yaml').YAMLMap;
    checkKeys(m, ['key', 'time'], 'entity');
    entity = { key: str(getNode(m, 'key'), 'entity.key', { required: true })! };
    const t = str(getNode(m, 'time'), 'entity.time');
    if (t !== undefined) entity.time = t;
  }

  // aggregates
  const aggregates: AggregateSpec[] = [];
  const aggNode = getNode(rootMap, 'aggregates');
  if (aggNode !== undefined) {
    if (!isSeq(aggNode)) fail(aggNode, 'aggregates', 'must be a list');
    if (!entity?.time) fail(aggNode, 'aggregates', 'need entity: {key: COLUMN, time: COLUMN} so they can be joined as of each row\'s time');
    (aggNode as import('yaml').YAMLSeq).items.forEach((it, i) => {
      const w = `aggregates[${i}]`;
      if (!isMap(it)) fail(it, w, 'must be a mapping');
      const m = it as import('yaml').YAMLMap;
      checkKeys(m, ['name', 'events', 'key', 'time', 'column', 'agg', 'window'], w);
      const aname = str(getNode(m, 'name'), `${w}.name`, { required: true })!;
      const events = str(getNode(m, 'events'), `${w}.events`, { required: true })!;
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(@([0-9]+|latest))?$/.test(events)) fail(getNode(m, 'events'), `${w}.events`, 'must be a dataset reference');
      const agg = oneOf(getNode(m, 'agg'), `${w}.agg`, AGGS);
      const column = str(getNode(m, 'column'), `${w}.column`);
      if (agg !== 'count' && column === undefined) fail(m, `${w}.column`, `is required for ${agg}`);
      const window = str(getNode(m, 'window'), `${w}.window`, { required: true })!;
      const mm = /^(\d+)\s*(s|m|h|d|w)$/.exec(window);
      if (!mm || Number(mm[1]) <= 0) fail(getNode(m, 'window'), `${w}.window`, 'must look like 30m, 12h, 7d or 2w (a positive length)');
      const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[mm![2] as 's']!;
      aggregates.push({
        name: aname,
        events,
        key: str(getNode(m, 'key'), `${w}.key`) ?? entity!.key,
        time: str(getNode(m, 'time'), `${w}.time`) ?? entity!.time!,
        ...(column !== undefined ? { column } : {}),
        agg,
        window,
        windowSeconds: Number(mm![1]) * unit,
        line: lineOf(it),
      });
    });
  }

  // features
  const featNode = getNode(rootMap, 'features');
  if (featNode === undefined) fail(rootMap, 'features', 'is required (a list)');
  if (!isSeq(featNode) || featNode.items.length === 0) fail(featNode, 'features', 'must be a non-empty list');
  const features: FeatureSpec[] = [];
  (featNode as import('yaml').YAMLSeq).items.forEach((it, i) => {
    const w = `features[${i}]`;
    if (isScalar(it)) {
      const col = str(it as YNode, w, { required: true })!;
      features.push({ name: col, column: col, transforms: [], kind: 'numeric', line: lineOf(it), where: w });
      return;
    }
    if (!isMap(it)) fail(it, w, 'must be a mapping (name/column/expr/interaction, transforms)');
    const m = it as import('yaml').YAMLMap;
    checkKeys(m, ['name', 'column', 'columns', 'expr', 'interaction', 'transforms', 'description'], w);
    const transforms = parseTransforms(getNode(m, 'transforms'), `${w}.transforms`);
    const sources = ['column', 'columns', 'expr', 'interaction'].filter((k) => getNode(m, k) !== undefined);
    if (sources.length !== 1) fail(m, w, `needs exactly one of column, columns, expr, interaction (got ${sources.length ? sources.join(', ') : 'none'})`);
    const cat = transforms.length > 0 && (transforms[transforms.length - 1].op === 'one_hot' || transforms[transforms.length - 1].op === 'string_index');
    const kind = cat ? 'categorical' : 'numeric';
    const line = lineOf(it);
    if (sources[0] === 'columns') {
      const cn = getNode(m, 'columns');
      if (getNode(m, 'name') !== undefined) fail(getNode(m, 'name'), `${w}.name`, 'cannot be given with columns: (each feature is named after its column)');
      const globList = (node: YNode | undefined, field: string): string[] => {
        if (node === undefined) return [];
        if (isScalar(node)) return [str(node, field, { required: true })!];
        if (!isSeq(node)) fail(node, field, 'must be a list of column names or glob patterns');
        return (node as import('yaml').YAMLSeq).items.map((x, j) => str(x as YNode, `${field}[${j}]`, { required: true })!);
      };
      if (isMap(cn)) {
        const sm = cn as unknown as import('yaml').YAMLMap;
        checkKeys(sm, ['type', 'include', 'exclude'], `${w}.columns`);
        const type = oneOf(getNode(sm, 'type'), `${w}.columns.type`, ['numeric', 'string', 'boolean', 'any'] as const, 'any');
        const include = globList(getNode(sm, 'include'), `${w}.columns.include`);
        const exclude = globList(getNode(sm, 'exclude'), `${w}.columns.exclude`);
        features.push({ name: `${w}.columns`, transforms, kind, line, where: `${w}.columns`, select: { type, include: include.length ? include : ['*'], exclude } });
        return;
      }
      if (isScalar(cn)) {
        const g = str(cn as YNode, `${w}.columns`, { required: true })!;
        if (!isGlob(g)) fail(cn, `${w}.columns`, 'must be a list of column names, a glob pattern such as "total_*", or a selector {type: numeric, exclude: [id]}');
        features.push({ name: `${w}.columns`, transforms, kind, line, where: `${w}.columns`, select: { type: 'any', include: [g], exclude: [] } });
        return;
      }
      if (!isSeq(cn) || cn.items.length === 0) fail(cn, `${w}.columns`, 'must be a non-empty list of column names');
      (cn as import('yaml').YAMLSeq).items.forEach((c, j) => {
        const col = str(c as YNode, `${w}.columns[${j}]`, { required: true })!;
        if (isGlob(col)) features.push({ name: `${w}.columns[${j}]`, transforms, kind, line: lineOf(c), where: `${w}.columns[${j}]`, select: { type: 'any', include: [col], exclude: [] } });
        else features.push({ name: col, column: col, transforms, kind, line: lineOf(c), where: `${w}.columns[${j}]` });
      });
      return;
    }
    const fname = str(getNode(m, 'name'), `${w}.name`);
    if (sources[0] === 'column') {
      const col = str(getNode(m, 'column'), `${w}.column`, { required: true })!;
      features.push({ name: fname ?? col, column: col, transforms, kind, line, where: w });
    } else if (sources[0] === 'expr') {
      if (fname === undefined) fail(m, `${w}.name`, 'is required for an expr feature');
      const exprText = str(getNode(m, 'expr'), `${w}.expr`, { required: true })!;
      let ast: Expr;
      try {
        ast = parseExpr(exprText);
      } catch (e) {
        if (e instanceof ExprError) fail(getNode(m, 'expr'), `${w}.expr`, `feature "${fname}": ${e.message}`);
        throw e;
      }
      if (cat) fail(getNode(m, 'transforms'), `${w}.transforms`, `feature "${fname}": an expression is numeric; one_hot/string_index need a categorical column`);
      features.push({ name: fname!, expr: exprText, exprAst: ast!, transforms, kind: 'numeric', line, where: w });
    } else {
      if (fname === undefined) fail(m, `${w}.name`, 'is required for an interaction feature');
      const inode = getNode(m, 'interaction');
      if (!isSeq(inode) || inode.items.length !== 2) fail(inode, `${w}.interaction`, 'must be a list of two earlier feature outputs [a, b]');
      const pair = (inode as import('yaml').YAMLSeq).items.map((x, j) => str(x as YNode, `${w}.interaction[${j}]`, { required: true })!) as [string, string];
      if (transforms.length) fail(getNode(m, 'transforms'), `${w}.transforms`, 'an interaction takes no transforms (transform its two inputs instead)');
      features.push({ name: fname!, interaction: pair, transforms: [], kind: 'interaction', line, where: w });
    }
  });

  // names, chain rules
  const seen = new Map<string, string>();
  for (const f of features) {
    const failF = (msg: string): never => {
      throw new SpecError('data', `${file}:${f.line}: ${f.where}: feature "${f.name}": ${msg}`, { hint: 'fix the feature-set file' });
    };
    if (f.name.startsWith('__')) failF('names starting with "__" are reserved');
    if (/[\u0000-\u001f]/.test(f.name) || f.name.length > 128) failF('name has control characters or is longer than 128');
    if (f.name.includes('=')) failF('names may not contain "=" (used in one-hot output names)');
    if (seen.has(f.name)) failF(`duplicate feature name (also ${seen.get(f.name)})`);
    seen.set(f.name, f.where);
    checkChain(f, failF);
  }
  for (const a of aggregates) {
    const clash = features.find((f) => f.name === a.name && f.column !== a.name);
    if (clash) throw new SpecError('data', `${file}:${a.line}: aggregates: "${a.name}" has the same name as a feature`);
  }

  const definition = {
    name: setName,
    source,
    ...(holdout ? { holdout } : {}),
    ...(label ? { label } : {}),
    ...(entity ? { entity } : {}),
    aggregates: aggregates.map(({ line: _l, ...rest }) => rest),
    features: features.map((f) => ({ name: f.name, column: f.column, expr: f.exprAst, interaction: f.interaction, transforms: f.transforms })),
    allowPii,
  };
  return { name: setName, file, source, ...(holdout ? { holdout } : {}), ...(label ? { label } : {}), ...(entity ? { entity } : {}), aggregates, features, allowPii, ...(description ? { description } : {}), definition };

  function parseTransforms(node: YNode | undefined, where: string): TransformSpec[] {
    if (node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) fail(node, where, 'must be a list of transforms');
    return (node as import('yaml').YAMLSeq).items.map((it, i) => parseTransform(it as YNode, `${where}[${i}]`));
  }

  function parseTransform(node: YNode, where: string): TransformSpec {
    let op: string;
    let opts: import('yaml').YAMLMap | undefined;
    let scalarArg: YNode | undefined;
    if (isScalar(node)) {
      op = normOp(String(node.value));
    } else if (isMap(node) && node.items.length === 1) {
      const p = node.items[0];
      op = normOp(String(isScalar(p.key) ? p.key.value : '?'));
      const v = p.value as YNode | null;
      if (v && isMap(v)) opts = v as import('yaml').YAMLMap;
      else if (v && !(isScalar(v) && v.value === null)) scalarArg = v;
    } else fail(node, where, 'must be a transform name or a one-key mapping like {impute: median}');
    if (!(TRANSFORMS as readonly string[]).includes(op!)) fail(node, where, `unknown transform "${op!}" (allowed: ${TRANSFORMS.join(', ')})`);
    const w = `${where}.${op!}`;
    const o = (k: string) => (opts ? getNode(opts, k) : undefined);
    const noScalar = () => {
      if (scalarArg !== undefined) fail(scalarArg, w, 'takes options as a mapping, not a single value');
    };
    switch (op!) {
      case 'impute': {
        let strategy: 'mean' | 'median' | 'mode' | 'constant';
        let value: number | string | undefined;
        if (scalarArg !== undefined) strategy = oneOf(scalarArg, w, ['mean', 'median', 'mode', 'constant'] as const);
        else {
          if (opts) checkKeys(opts, ['strategy', 'value'], w);
          strategy = oneOf(o('strategy'), `${w}.strategy`, ['mean', 'median', 'mode', 'constant'] as const, 'median');
          const vn = o('value');
          if (vn !== undefined) {
            if (!isScalar(vn) || (typeof vn.value !== 'number' && typeof vn.value !== 'string')) fail(vn, `${w}.value`, 'must be a number or a text value');
            value = (vn as import('yaml').Scalar).value as number | string;
            if (typeof value === 'number' && !Number.isFinite(value)) fail(vn, `${w}.value`, 'must be finite');
          }
        }
        if (strategy === 'constant' && value === undefined) fail(node, `${w}.value`, 'is required for strategy constant');
        if (strategy !== 'constant' && value !== undefined) fail(node, `${w}.value`, 'is only used with strategy constant');
        return { op: 'impute', strategy, ...(value !== undefined ? { value } : {}) };
      }
      case 'standardize':
        noScalar();
        if (opts) checkKeys(opts, ['with_mean', 'with_std'], w);
        return { op: 'standardize', withMean: bool(o('with_mean'), `${w}.with_mean`, true), withStd: bool(o('with_std'), `${w}.with_std`, true) };
      case 'min_max':
      case 'robust':
      case 'log1p':
        noScalar();
        if (opts) checkKeys(opts, [], w);
        return { op: op! as 'min_max' };
      case 'clip': {
        noScalar();
        if (!opts) fail(node, w, 'needs min and/or max, e.g. {clip: {min: 0, max: 100}}');
        checkKeys(opts!, ['min', 'max'], w);
        const min = num(o('min'), `${w}.min`);
        const max = num(o('max'), `${w}.max`);
        if (min === undefined && max === undefined) fail(node, w, 'needs min and/or max');
        if (min !== undefined && max !== undefined && min > max) fail(o('min'), `${w}.min`, `must not exceed max (${min} > ${max})`);
        return { op: 'clip', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
      }
      case 'bucketize': {
        noScalar();
        if (!opts) fail(node, w, 'needs splits: [..] or quantiles: N');
        checkKeys(opts!, ['splits', 'quantiles'], w);
        const sn = o('splits');
        const qn = o('quantiles');
        if ((sn === undefined) === (qn === undefined)) fail(node, w, 'needs exactly one of splits or quantiles');
        if (sn !== undefined) {
          if (!isSeq(sn) || sn.items.length === 0) fail(sn, `${w}.splits`, 'must be a non-empty list of numbers');
          const splits = (sn as import('yaml').YAMLSeq).items.map((x, j) => num(x as YNode, `${w}.splits[${j}]`)!);
          for (let j = 1; j < splits.length; j++) if (!(splits[j] > splits[j - 1])) fail(sn, `${w}.splits`, 'must be strictly increasing');
          return { op: 'bucketize', splits };
        }
        const q = num(qn, `${w}.quantiles`)!;
        if (!Number.isInteger(q) || q < 2 || q > 1000) fail(qn, `${w}.quantiles`, `must be a whole number from 2 to 1000 (got ${q})`);
        return { op: 'bucketize', quantiles: q };
      }
      case 'string_index': {
        noScalar();
        if (opts) checkKeys(opts, ['order', 'handle_invalid'], w);
        return {
          op: 'string_index',
          order: oneOf(o('order'), `${w}.order`, ['frequency', 'alphabet'] as const, 'frequency'),
          handleInvalid: oneOf(o('handle_invalid'), `${w}.handle_invalid`, ['error', 'skip', 'keep'] as const, 'error'),
        };
      }
      case 'one_hot': {
        noScalar();
        if (opts) checkKeys(opts, ['drop_last', 'min_frequency', 'max_categories', 'unknown'], w);
        const dropLast = bool(o('drop_last'), `${w}.drop_last`, false);
        const minFrequency = num(o('min_frequency'), `${w}.min_frequency`);
        if (minFrequency !== undefined && !(minFrequency >= 1 ? Number.isInteger(minFrequency) : minFrequency > 0))
          fail(o('min_frequency'), `${w}.min_frequency`, `must be a count ≥ 1 or a fraction between 0 and 1 (got ${minFrequency})`);
        const maxCategories = num(o('max_categories'), `${w}.max_categories`);
        if (maxCategories !== undefined && (!Number.isInteger(maxCategories) || maxCategories < 1))
          fail(o('max_categories'), `${w}.max_categories`, `must be a whole number ≥ 1 (got ${maxCategories})`);
        const unknown = oneOf(o('unknown'), `${w}.unknown`, ['zeros', 'other', 'error'] as const, 'zeros');
        if (dropLast && unknown !== 'zeros') fail(o('unknown'), `${w}.unknown`, 'drop_last needs unknown: zeros (the dropped category is all zeros)');
        if (dropLast && (minFrequency !== undefined || maxCategories !== undefined)) fail(o('drop_last'), `${w}.drop_last`, 'cannot be combined with min_frequency/max_categories');
        return { op: 'one_hot', dropLast, unknown, ...(minFrequency !== undefined ? { minFrequency } : {}), ...(maxCategories !== undefined ? { maxCategories } : {}) };
      }
    }
    throw new Error('unreachable');
  }
}

function checkChain(f: FeatureSpec, failF: (msg: string) => never): void {
  const t = f.transforms;
  if (f.kind === 'categorical') {
    for (let i = 0; i < t.length - 1; i++) {
      const s = t[i];
      if (s.op !== 'impute') failF(`only impute may come before ${t[t.length - 1].op} (found ${s.op})`);
      if (s.op === 'impute' && (s.strategy === 'mean' || s.strategy === 'median')) failF(`impute ${s.strategy} is numeric; a categorical column takes impute mode or constant`);
      if (s.op === 'impute' && s.strategy === 'constant' && typeof s.value !== 'string') failF('impute constant before a categorical transform needs a text value');
    }
    if (t.filter((s) => s.op === 'impute').length > 1) failF('impute given twice');
  } else {
    for (const s of t) {
      if (s.op === 'one_hot' || s.op === 'string_index') failF(`${s.op} must be the last transform`);
      if (s.op === 'impute' && s.strategy === 'constant' && typeof s.value !== 'number') failF('impute constant on a numeric feature needs a number value');
    }
  }
}
