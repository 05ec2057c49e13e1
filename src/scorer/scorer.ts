/**
 * The packaged scorer: loads a package folder (manifest.json, input.avsc, model.onnx), validates
 * events against input.avsc and the categorical policies, and scores rows in vectorised batches with
 * onnxruntime-node. The score engine (src/score) and the stream runner (src/streams) build on this API.
 *
 * Missing values: an absent or null nullable field is missing (NaN in the number tensor, '' in the
 * string tensor). A string '' is missing too (imputed, else an unknown category). A NaN or ±Infinity
 * number in an event (1e400 in JSON, NaN/inf in a CSV or Parquet file) is refused with its field named.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataError, notFound } from '../errors.js';
import type { Manifest } from './manifest.js';
import type { AvroRecordSchema } from './avro.js';
import { FlatScanner, type Check, type ScanInput } from './scan.js';
import { encodeStringInputs } from './codes.js';
export type { Check };
import { nativeTrees, type InputSlices } from './trees.js';

export interface ScoredRow {
  /** binary: P(positive); multiclass: probability of the predicted class; regression: the prediction; segmentation: distance to the centre */
  score: number;
  /** segmentation: the nearest segment */
  segment?: number;
  label?: string;
  probabilities?: number[];
  prediction?: number;
}

export type Validation = { ok: true; row: Record<string, unknown> } | { ok: false; reason: string };

export interface ScoredColumns {
  n: number;
  /** n values */
  score: Float64Array;
  /** n×K row-major (classification) */
  probabilities?: Float64Array;
  K: number;
  /** a binary model (score = P(positive)); false for a multiclass label that happens to have 2 classes */
  binary?: boolean;
  label?: string[];
  prediction?: Float64Array;
  /** segmentation: n segment ids */
  segment?: Int32Array;
}

/** The one scorer contract: a packaged model (loadScorer) and the score engine around it (src/score/engine.ts). */
export interface Scorer {
  manifest: Manifest;
  dir: string;
  validate(event: unknown): Validation;
  /**
   * `keys` (optional, one per row) identify the events — a file's row, an event's id, a stream entry
   * id — so that a decision policy's review cases and shadow entries of equal inputs stay distinct and
   * a replay of the same event stays idempotent. The model itself ignores them.
   */
  scoreRows(rows: Record<string, unknown>[], keys?: (string | undefined)[]): Promise<ScoredRow[]>;
  /** Columnar scoring: numbers as Float64Array (NaN = missing), strings as string[] ('' = missing). */
  scoreColumns(cols: Record<string, Float64Array | string[]>, n: number, keys?: (string | undefined)[]): Promise<ScoredColumns>;
  /**
   * The inputs as the fast NDJSON scanner (scan.ts) sees them, with exactly the rules validate()
   * applies; null when some input's Avro type is outside what the scanner handles (validate only).
   */
  scanInputs?: ScanInput[] | null;
  close(): void;
}

export interface LoadOptions {
  /** rows per onnxruntime run (default 8192) */
  batchSize?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice); a tree package's walker threads (default 2) */
  threads?: number;
  /** feed string inputs as int32 codes through the rewritten graph (src/scorer/codes.ts); default true */
  coded?: boolean;
  /** a gradient-boosted tree package walks its trees natively (src/scorer/trees.ts); false: onnxruntime scores every batch. Default true */
  native?: boolean;
}


/** NaN and ±Infinity are not values (a missing value is null or absent): the row is refused, as dataset register refuses them */
export const nonFiniteReason = (field: string, v: number): string => `field "${field}": ${v} is not a number value (a missing value is null or absent)`;

interface InputPlan {
  name: string;
  type: 'number' | 'string';
  nullable: boolean;
  isValid: (v: unknown) => boolean;
  /** categorical policies that reject a value (returns a reason) */
  checks: Check[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'object';
  return `${typeof v} ${String(v)}`;
}

/** The unknown-category checks (error/skip policies) of one string input: each returns a reason or null. */
export function categoricalChecks(m: Manifest, input: string): Check[] {
  const out: Check[] = [];
  for (const f of m.features) {
    if (f.input !== input) continue;
    if (f.kind === 'onehot' && f.unknown === 'error') {
      const known = new Set([...(f.categories ?? []), ...(f.folded ?? [])]);
      const imp = typeof f.impute === 'string' && f.impute !== '' ? f.impute : null;
      out.push((v) => {
        const s = v === null || v === undefined || v === '' ? imp : String(v);
        if (s === null) return `field "${input}": missing value and feature "${f.name}" has no imputation (unknown: error)`;
        return known.has(s) ? null : `field "${input}": unknown category ${JSON.stringify(s)} for feature "${f.name}" (unknown: error)`;
      });
    } else if (f.kind === 'index' && (f.unknown === 'error' || f.unknown === 'skip')) {
      const known = new Set(f.vocabulary ?? []);
      const imp = typeof f.impute === 'string' && f.impute !== '' ? f.impute : null;
      out.push((v) => {
        const s = v === null || v === undefined || v === '' ? imp : String(v);
        if (s === null) return `field "${input}": missing value and feature "${f.name}" has no imputation (unknown: ${f.unknown})`;
        return known.has(s) ? null : `field "${input}": unknown category ${JSON.stringify(s)} for feature "${f.name}" (unknown: ${f.unknown})`;
      });
    }
  }
  return out;
}

export function readManifest(dir: string): Manifest {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) throw notFound(`no scorer package at ${dir} (no manifest.json)`, 'build one with: dictl package MODEL@VERSION --out DIR');
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw dataError(`manifest.json in ${dir} is not valid JSON: ${(e as Error).message}`);
  }
  if (m.kind !== 'dictl-scorer-package') throw dataError(`${p} is not a dictl scorer manifest`);
  return m;
}

/** Builds the per-input validation plan from the manifest and input.avsc (parsed with avsc). */
export async function compileValidation(m: Manifest, schema: AvroRecordSchema): Promise<(event: unknown) => Validation> {
  const avro = (await import('avsc')).default;
  const type = avro.Type.forSchema(schema as unknown as Parameters<typeof avro.Type.forSchema>[0]) as unknown as {
    fields: { name: string; type: { isValid(v: unknown): boolean } }[];
  };
  const byField = new Map(type.fields.map((f) => [f.name, f.type]));
  const plans: InputPlan[] = m.inputs.map((inp) => {
    const t = byField.get(inp.field);
    if (!t) throw dataError(`input.avsc has no field "${inp.field}" for input "${inp.name}"`);
    return { name: inp.name, type: inp.type, nullable: inp.nullable, isValid: (v) => t.isValid(v), checks: categoricalChecks(m, inp.name) };
  });
  return (event: unknown): Validation => {
    let ev = event;
    if (typeof ev === 'string' || ev instanceof Uint8Array) {
      const text = typeof ev === 'string' ? ev : Buffer.from(ev).toString('utf8');
      try {
        ev = JSON.parse(text);
      } catch (e) {
        return { ok: false, reason: `bad JSON: ${(e as Error).message}` };
      }
    }
    if (ev === null || typeof ev !== 'object' || Array.isArray(ev)) return { ok: false, reason: `event is not a JSON object (got ${describe(ev)})` };
    const src = ev as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const p of plans) {
      let v = src[p.name];
      if (v === undefined) {
        if (!p.nullable) return { ok: false, reason: `missing field "${p.name}"` };
        v = null;
      }
      if (!p.isValid(v)) {
        if (v === null) return { ok: false, reason: `field "${p.name}" is null but not nullable` };
        return { ok: false, reason: `field "${p.name}": expected ${p.type}${p.nullable ? ' or null' : ''}, got ${describe(v)}` };
      }
      if (typeof v === 'number' && !Number.isFinite(v)) return { ok: false, reason: nonFiniteReason(p.name, v) };
      for (const c of p.checks) {
        const r = c(v);
        if (r) return { ok: false, reason: r };
      }
      row[p.name] = v;
    }
    return { ok: true, row };
  };
}

/**
 * validate()'s rules per input for the fast scanner: Avro "double" / "string", optionally in a union
 * with null, are what it handles (any number / any string; null when the union allows it; absent when
 * the manifest says nullable and null is allowed). Anything else: null (validate() decides alone).
 */
export function scanInputsFor(m: Manifest, schema: AvroRecordSchema): ScanInput[] | null {
  const byField = new Map(schema.fields.map((f) => [f.name, f.type as unknown]));
  const out: ScanInput[] = [];
  for (const inp of m.inputs) {
    const t = byField.get(inp.field);
    let base: unknown = t;
    let nullOK = false;
    if (Array.isArray(t)) {
      if (t.length !== 2 || t[0] !== 'null') return null;
      base = t[1];
      nullOK = true;
    }
    const kind = base === 'double' ? 'number' : base === 'string' ? 'string' : null;
    if (kind === null || kind !== inp.type) return null;
    out.push({ name: inp.name, kind, nullOK, missingOK: inp.nullable && nullOK, checks: categoricalChecks(m, inp.name) });
  }
  return FlatScanner.for(out) ? out : null;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined || v === '' ? NaN : Number(v));
const str = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : String(v));

export async function loadScorer(dir: string, opts: LoadOptions = {}): Promise<Scorer> {
  const manifest = readManifest(dir);
  const onnxPath = join(dir, manifest.onnx?.file ?? 'model.onnx');
  const avscPath = join(dir, 'input.avsc');
  if (!existsSync(onnxPath)) throw notFound(`scorer package ${dir} has no ${manifest.onnx?.file ?? 'model.onnx'}`);
  if (!existsSync(avscPath)) throw notFound(`scorer package ${dir} has no input.avsc`);
  let schema: AvroRecordSchema;
  try {
    schema = JSON.parse(readFileSync(avscPath, 'utf8')) as AvroRecordSchema;
  } catch (e) {
    throw dataError(`input.avsc in ${dir} is not valid JSON: ${(e as Error).message}`);
  }
  const validate = await compileValidation(manifest, schema);
  const scanInputs = scanInputsFor(manifest, schema);
  const ort = (await import('onnxruntime-node')).default;
  const sessOpts: Record<string, unknown> = { graphOptimizationLevel: 'all', executionMode: 'sequential' };
  if (opts.threads !== undefined) sessOpts.intraOpNumThreads = opts.threads;
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  let codes: Map<string, Map<string, number>> | null = null;
  try {
    let bytes: Uint8Array = readFileSync(onnxPath);
    if (opts.coded !== false) {
      const cg = encodeStringInputs(bytes);
      if (cg) {
        bytes = cg.bytes;
        codes = new Map(Object.entries(cg.codebooks).map(([k, book]) => [k, new Map(book.map((v, i) => [v, i]))]));
      }
    }
    session = await ort.InferenceSession.create(bytes, sessOpts);
  } catch (e) {
    throw dataError(`cannot load ${onnxPath}: ${(e as Error).message}`);
  }
  const batchSize = Math.max(1, opts.batchSize ?? 8192);
  const task = manifest.model.task;
  const K = task === 'regression' || task === 'segmentation' ? 1 : manifest.model.classes.length;

  /** a batch's inputs as the graph takes them: numbers Float64Array (NaN = missing), strings string[] ('' = missing) */
  function inputSlices(cols: Record<string, Float64Array | string[]>, start: number, n: number): InputSlices {
    const raw: InputSlices = {};
    for (const inp of manifest.inputs) {
      const c = cols[inp.name];
      if (!c) throw dataError(`missing input column "${inp.name}"`);
      if (inp.type === 'number') {
        const a = c instanceof Float64Array ? c : Float64Array.from(c as string[], num);
        raw[inp.name] = start === 0 && a.length === n ? a : a.subarray(start, start + n);
      } else {
        const a = Array.isArray(c) ? c : Array.from(c as Float64Array, (x) => (Number.isNaN(x) ? '' : String(x)));
        raw[inp.name] = start === 0 && a.length === n ? a : a.slice(start, start + n);
      }
    }
    return raw;
  }

  /** the numeric outputs of model.onnx for a batch */
  type Outputs = { probabilities?: Float64Array; prediction?: Float64Array; segment?: BigInt64Array; distance?: Float64Array };
  async function runGraph(raw: InputSlices, n: number): Promise<Outputs> {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const inp of manifest.inputs) {
      const c = raw[inp.name];
      if (inp.type === 'number') feeds[inp.name] = new ort.Tensor('float64', c as Float64Array, [n, 1]);
      else {
        const a = c as string[];
        const book = codes?.get(inp.name);
        if (book) {
          const miss = book.get('') ?? -1;
          const out = new Int32Array(n);
          for (let i = 0; i < n; i++) {
            const v = a[i];
            out[i] = v === '' || v === null || v === undefined ? miss : (book.get(v) ?? -1);
          }
          feeds[inp.name] = new ort.Tensor('int32', out, [n, 1]);
        } else feeds[inp.name] = new ort.Tensor('string', a, [n, 1]);
      }
    }
    // only the numeric outputs are fetched: the label follows from them in JS exactly as the graph's
    // label output does (binary: P(positive) >= threshold; multiclass: first arg-max), without
    // marshalling N strings out of onnxruntime
    if (task === 'segmentation') {
      const res = await session.run(feeds, ['segment', 'distance']);
      return { segment: res.segment.data as BigInt64Array, distance: res.distance.data as Float64Array };
    }
    if (task === 'regression') return { prediction: (await session.run(feeds, ['prediction'])).prediction.data as Float64Array };
    return { probabilities: (await session.run(feeds, ['probabilities'])).probabilities.data as Float64Array };
  }

  // ── native tree scorer (src/scorer/trees.ts): the one dispatch point; null = the graph scores every batch
  const trees = nativeTrees(dir, manifest, runGraph, { threads: opts.threads, native: opts.native });

  async function runChunk(cols: Record<string, Float64Array | string[]>, start: number, n: number, out: ScoredColumns): Promise<void> {
    const raw = inputSlices(cols, start, n);
    const res: Outputs = (trees && (await trees.run(raw, n))) || (await runGraph(raw, n));
    if (task === 'segmentation') {
      const seg = res.segment!;
      for (let i = 0; i < n; i++) out.segment![start + i] = Number(seg[i]);
      out.score.set(res.distance!, start);
      return;
    }
    if (task === 'regression') {
      const p = res.prediction!;
      out.prediction!.set(p, start);
      out.score.set(p, start);
      return;
    }
    const probs = res.probabilities!;
    out.probabilities!.set(probs, start * K);
    const classes = manifest.model.classes;
    if (task === 'binary') {
      const thr = manifest.model.threshold;
      for (let i = 0; i < n; i++) {
        const p1 = probs[i * 2 + 1];
        out.score[start + i] = p1;
        out.label![start + i] = p1 >= thr ? classes[1] : classes[0];
      }
    } else
      for (let i = 0; i < n; i++) {
        let m = -Infinity;
        let arg = 0;
        for (let k = 0; k < K; k++)
          if (probs[i * K + k] > m) {
            m = probs[i * K + k];
            arg = k;
          }
        out.score[start + i] = m;
        out.label![start + i] = classes[arg];
      }
  }

  async function scoreColumns(cols: Record<string, Float64Array | string[]>, n: number): Promise<ScoredColumns> {
    const out: ScoredColumns = { n, K, binary: task === 'binary', score: new Float64Array(n) };
    if (task === 'regression') out.prediction = new Float64Array(n);
    else if (task === 'segmentation') out.segment = new Int32Array(n);
    else {
      out.probabilities = new Float64Array(n * K);
      out.label = new Array<string>(n);
    }
    for (let s = 0; s < n; s += batchSize) await runChunk(cols, s, Math.min(batchSize, n - s), out);
    return out;
  }

  async function scoreRows(rows: Record<string, unknown>[]): Promise<ScoredRow[]> {
    const n = rows.length;
    if (n === 0) return [];
    const cols: Record<string, Float64Array | string[]> = {};
    for (const inp of manifest.inputs) {
      if (inp.type === 'number') {
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) a[i] = num(rows[i][inp.name]);
        cols[inp.name] = a;
      } else {
        const a = new Array<string>(n);
        for (let i = 0; i < n; i++) a[i] = str(rows[i][inp.name]);
        cols[inp.name] = a;
      }
    }
    const r = await scoreColumns(cols, n);
    const out = new Array<ScoredRow>(n);
    for (let i = 0; i < n; i++) {
      if (task === 'regression') out[i] = { score: r.score[i], prediction: r.prediction![i] };
      else if (task === 'segmentation') out[i] = { score: r.score[i], segment: r.segment![i] };
      else out[i] = { score: r.score[i], label: r.label![i], probabilities: Array.from(r.probabilities!.subarray(i * K, i * K + K)) };
    }
    return out;
  }

  let closed = false;
  return {
    manifest,
    dir,
    validate,
    scoreRows,
    scoreColumns,
    scanInputs,
    close() {
      if (closed) return;
      closed = true;
      trees?.close();
      void session.release?.();
    },
  };
}
