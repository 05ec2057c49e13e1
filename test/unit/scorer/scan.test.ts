/**
 * The pipe path's fast flat-NDJSON scanner (src/scorer/scan.ts) against the exact path (JSON.parse +
 * scorer.validate): on many generated valid and broken lines it may only accept what the exact path
 * accepts, with the same values and the same id echo; and scorePipe's whole output and dead letters
 * must equal the exact implementation's, line for line.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { buildPackageFiles, writePackage } from '../../../src/scorer/package.js';
import { loadScorer, type Scorer } from '../../../src/scorer/scorer.js';
import { FlatScanner, type ScanColumns } from '../../../src/scorer/scan.js';
import { scorePipe } from '../../../src/score/pipe.js';
import { resultFields } from '../../../src/score/results-ndjson.js';
import { makeProgress } from '../../../src/ui/progress.js';
import { fixtureModel, strictFixturePipeline } from '../../helpers/onnx-fixtures.js';
import { makeRng } from '../../../src/ml/splits.js';


function rng(seed: number) {
  const r = makeRng(seed);
  return () => r.next();
}

const NUMBER_TEXTS = [
  '0', '-0', '1', '-1', '7', '42', '0.5', '-0.25', '3.14159', '1e5', '1E-3', '2.5e+3', '-1.5E2', '1e400', '-1e400', '1e-400',
  '123456789012345', '1234567890123456', '12345678901234567890', '0.1', '0.30000000000000004', '1.0000000000000002',
  '9007199254740993', '0.000001', '0.0000000000000000000001', '0.00000000000000000000001', '1.7976931348623157e308',
  '5e-324', '100', '1.50', '00', '01', '-01', '1.', '.5', '+1', '-', '1e', '1e+', '0x10', 'NaN', 'Infinity', '1..2', '--1', '1e5.5', '2 ',
];
const STRING_TEXTS = [
  '"gold"', '"silver"', '"bronze"', '"platinum"', '""', '"red"', '"rome"', '"paris"', '"zürich"', '"日本"', '"😀"', '"s\\u0069lver"',
  '"a\\"b"', '"tab\\t"', '"\\/"', '"gold', '"go\u0001ld"', '"gold\\"', '"\\u00"',
];
const OTHER_TEXTS = ['null', 'true', 'false', 'nul', 'tru', '[]', '[1,2]', '{}', '{"x":1}', 'undefined', '"x"'];
const KEYS = ['a', 'b', 'color', 'city', 'tier', 'mean radius', 'id', 'extra', 'x', 'a\\u0062', 'ci\\ty', '__proto__', 'toString'];

function generate(r: () => number, n: number): string[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const valid = () => {
    const m: [string, string][] = [
      ['a', r() < 0.1 ? 'null' : String(Math.round((r() - 0.5) * 1e4) / 100)],
      ['b', String(Math.round(r() * 1000))],
      ['color', pick(['"red"', '"green"', '"blue"', '"mauve"', 'null', '""'])],
      ['city', pick(['"rome"', '"paris"', '"oslo"', '"lima"', '""'])],
      ['tier', pick(['"gold"', '"silver"', '"bronze"', 'null'])],
      ['mean radius', String(Math.round(r() * 2000) / 100)],
    ];
    if (r() < 0.7) m.unshift(['id', r() < 0.5 ? String(Math.floor(r() * 1e6)) : `"ev-${Math.floor(r() * 1e6)}"`]);
    if (r() < 0.2) m.splice(Math.floor(r() * m.length), 0, ['extra', pick([...NUMBER_TEXTS.slice(0, 12), ...STRING_TEXTS.slice(0, 6), 'true', 'null'])]);
    if (r() < 0.2) m.sort(() => r() - 0.5);
    return m;
  };
  const render = (m: [string, string][], sp = false) => {
    const s = sp ? ' ' : '';
    return `{${s}${m.map(([k, v]) => `"${k}"${s}:${s}${v}`).join(`,${s}`)}${s}}`;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = valid();
    const u = r();
    if (u < 0.3) out.push(render(m, r() < 0.1));
    else if (u < 0.5) {
      // one value replaced by something else
      const j = Math.floor(r() * m.length);
      m[j][1] = pick([...NUMBER_TEXTS, ...STRING_TEXTS, ...OTHER_TEXTS]);
      out.push(render(m));
    } else if (u < 0.6) {
      // a field dropped or duplicated
      const j = Math.floor(r() * m.length);
      if (r() < 0.5) m.splice(j, 1);
      else m.push([m[j][0], pick([m[j][1], ...NUMBER_TEXTS.slice(0, 8), ...STRING_TEXTS.slice(0, 6), 'null'])]);
      out.push(render(m));
    } else if (u < 0.7) {
      // a key replaced
      const j = Math.floor(r() * m.length);
      m[j][0] = pick(KEYS);
      out.push(render(m));
    } else if (u < 0.8) {
      // truncated or corrupted text
      const t = render(m);
      const at = Math.floor(r() * t.length);
      out.push(r() < 0.5 ? t.slice(0, at) : t.slice(0, at) + pick(['"', '{', '}', ',', ':', '\\', ' ', '\t', '\u00e9', 'x', '0']) + t.slice(at + 1));
    } else if (u < 0.85) {
      // whitespace, CR, BOM and surrounding oddities
      const t = render(m, r() < 0.5);
      out.push(pick([` ${t}`, `${t} `, `\t${t}\t`, `${t}\r`, `\ufeff${t}`, `${t},`, `${t}}`, `[${t}]`, `${t} x`, '', ' ', '\u00a0', t.replace(/,/g, ' , ')]));
    } else if (u < 0.9) {
      // ids of every kind
      m.unshift(['id', pick(['null', 'true', 'false', '-0', '1e3', '1.50', '1e400', '"ünï"', '"a\\"b"', '{"k":1}', '[1]', '12345678901234567', '-7', '0'])]);
      out.push(render(m));
    } else out.push(render(m, false));
  }
  return out;
}

/** what the exact path (JSON.parse + validate) makes of one line: the column values and id, or null */
function exact(scorer: Scorer, line: string): { nums: number[]; strs: string[]; id: string | undefined } | null {
  let ev: unknown;
  try {
    ev = JSON.parse(line);
  } catch {
    return null;
  }
  const v = scorer.validate(ev);
  if (!v.ok) return null;
  const nums: number[] = [];
  const strs: string[] = [];
  for (const inp of scorer.manifest.inputs) {
    const x = v.row[inp.name];
    if (inp.type === 'number') nums.push(typeof x === 'number' ? x : NaN);
    else strs.push(typeof x === 'string' ? x : x === null || x === undefined ? '' : String(x));
  }
  const id = (ev as Record<string, unknown>).id;
  return { nums, strs, id: id === undefined ? undefined : JSON.stringify(id) };
}

/** the pipe path as it was before the scanner: JSON.parse + validate per line, scoreColumns per batch */
async function referencePipe(scorer: Scorer, text: string, batchSize: number): Promise<{ out: string; dead: string[] }> {
  // error lines name the input line, blank lines counted
  const numbered = text
    .split('\n')
    .map((l, k) => ({ l: l.endsWith('\r') ? l.slice(0, -1) : l, no: k + 1 }))
    .filter((x) => x.l.trim() !== '');
  const lines = numbered.map((x) => x.l);
  const out: string[] = [];
  const dead: string[] = [];
  for (let b = 0; b < lines.length; b += batchSize) {
    const batch = lines.slice(b, b + batchSize);
    const res: string[] = new Array(batch.length);
    const rows: Record<string, unknown>[] = [];
    const at: number[] = [];
    const ids: unknown[] = [];
    batch.forEach((l, i) => {
      const no = numbered[b + i].no;
      let ev: unknown;
      try {
        ev = JSON.parse(l);
      } catch (e) {
        const reason = `bad JSON: ${(e as Error).message}`;
        res[i] = JSON.stringify({ error: reason, line: no });
        dead.push(JSON.stringify({ line: no, reason, payload: l }));
        return;
      }
      const v = scorer.validate(ev);
      if (!v.ok) {
        const id = ev && typeof ev === 'object' ? (ev as Record<string, unknown>).id : undefined;
        res[i] = JSON.stringify(id === undefined ? { error: v.reason, line: no } : { id, error: v.reason, line: no });
        dead.push(JSON.stringify({ line: no, reason: v.reason, payload: l }));
        return;
      }
      rows.push(v.row);
      at.push(i);
      ids.push((ev as Record<string, unknown>).id);
    });
    if (rows.length) {
      const cols: Record<string, Float64Array | string[]> = {};
      for (const inp of scorer.manifest.inputs)
        cols[inp.name] =
          inp.type === 'number'
            ? Float64Array.from(rows, (r) => (typeof r[inp.name] === 'number' ? (r[inp.name] as number) : NaN))
            : rows.map((r) => (typeof r[inp.name] === 'string' ? (r[inp.name] as string) : ''));
      const s = await scorer.scoreColumns(cols, rows.length);
      rows.forEach((_, j) => (res[at[j]] = ids[j] === undefined ? `{${resultFields(s, j)}}` : `{"id":${JSON.stringify(ids[j])},${resultFields(s, j)}}`));
    }
    out.push(...res);
  }
  return { out: out.length ? out.join('\n') + '\n' : '', dead };
}

describe('fast NDJSON scanner vs the exact path', () => {
  let dir: string;
  let scorer: Scorer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dictl-scan-'));
    writePackage(buildPackageFiles(fixtureModel('binary', strictFixturePipeline())), join(dir, 'pkg'), true);
    scorer = await loadScorer(join(dir, 'pkg'), { batchSize: 64 });
  });
  afterAll(() => scorer?.close());

  it('handles the package (double/string inputs) and declines inputs named like Object.prototype members', () => {
    expect(scorer.scanInputs?.map((i) => [i.name, i.kind, i.nullOK, i.missingOK])).toEqual([
      ['a', 'number', true, true],
      ['b', 'number', true, true],
      ['color', 'string', true, true],
      ['city', 'string', false, false],
      ['tier', 'string', true, true],
      ['mean radius', 'number', false, false],
    ]);
    expect(FlatScanner.for([{ name: 'toString', kind: 'number', nullOK: true, missingOK: true, checks: [] }])).toBeNull();
  });

  it('accepts only what JSON.parse + validate accept, with identical values and id text', () => {
    const scanner = FlatScanner.for(scorer.scanInputs!)!;
    const inputs = scorer.manifest.inputs;
    const lines = generate(rng(1), 30_000);
    let fast = 0;
    let exactOk = 0;
    for (const line of lines) {
      const buf = Buffer.from(line, 'utf8');
      const cols: ScanColumns = {
        num: inputs.map((i) => (i.type === 'number' ? new Float64Array(1) : null)),
        str: inputs.map((i) => (i.type === 'string' ? new Array<string>(1) : null)),
        ids: [undefined],
      };
      const ok = scanner.scan(buf, 0, buf.length, 0, cols);
      const ref = exact(scorer, line);
      if (ref) exactOk++;
      if (!ok) continue;
      fast++;
      if (!ref) throw new Error(`fast path accepted a line the exact path rejects: ${line}`);
      const nums = cols.num.filter((c) => c).map((c) => c![0]);
      const strs = cols.str.filter((c) => c).map((c) => c![0]);
      nums.forEach((x, k) => {
        if (!Object.is(x, ref.nums[k])) throw new Error(`number ${k} differs (${x} vs ${ref.nums[k]}) on ${line}`);
      });
      expect(strs, line).toEqual(ref.strs);
      expect(cols.ids[0], line).toBe(ref.id);
    }
    // the fast path must actually carry the plain events
    expect(fast).toBeGreaterThan(0.8 * exactOk);
    expect(exactOk).toBeGreaterThan(5000);
    expect(lines.length - exactOk).toBeGreaterThan(5000);
  });

  it('every number form JSON allows parses to the same double (or is declined)', () => {
    const scanner = FlatScanner.for(scorer.scanInputs!)!;
    const r = rng(5);
    const texts: string[] = [...NUMBER_TEXTS];
    for (let i = 0; i < 20_000; i++) {
      const x = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
      texts.push(String(x), x.toFixed(Math.floor(r() * 20)), x.toPrecision(1 + Math.floor(r() * 21)), x.toExponential(Math.floor(r() * 18)));
    }
    const cols: ScanColumns = { num: [new Float64Array(1), new Float64Array(1), null, null, null, new Float64Array(1)], str: [null, null, [''], [''], [''], null], ids: [undefined] };
    let fast = 0;
    for (const t of texts) {
      const line = `{"a":${t},"city":"rome","tier":"gold","mean radius":1}`;
      const ok = scanner.scan(Buffer.from(line), 0, line.length, 0, cols);
      let ref: number | null = null;
      try {
        ref = JSON.parse(line).a;
      } catch {
        /* invalid JSON */
      }
      if (ok) {
        fast++;
        if (ref === null || !Object.is(cols.num[0]![0], ref)) throw new Error(`${t}: fast ${cols.num[0]![0]} vs JSON.parse ${ref}`);
      }
    }
    expect(fast).toBeGreaterThan(texts.length / 2);
  });

  it('scorePipe writes exactly what the exact implementation writes, error lines and dead letters included', async () => {
    // one row per onnxruntime run: a score can differ in its last bit with the row's position in a
    // run, and which lines share a run depends on how input chunks arrive (before and after the scanner)
    const scorer = await loadScorer(join(dir, 'pkg'), { batchSize: 1 });
    const lines = generate(rng(2), 6000);
    const mixed = lines.join('\n') + '\n';
    // only valid events: whole batches take the all-scored block writer
    const valid = lines.filter((l) => exact(scorer, l) !== null).join('\n') + '\n';
    for (const [batchSize, chunk, text] of [
      [64, 997, mixed],
      [1000, 1 << 16, mixed],
      [7, 13, mixed],
      [256, 4093, valid],
    ] as const) {
      const deadPath = join(dir, `dead-${batchSize}.ndjson`);
      const buf = Buffer.from(text, 'utf8');
      const parts: Buffer[] = [];
      for (let p = 0; p < buf.length; p += chunk) parts.push(buf.subarray(p, p + chunk));
      let got = '';
      const sink = new Writable({
        write(c, _e, cb) {
          got += c.toString();
          cb();
        },
      });
      const summary = await scorePipe(scorer, Readable.from(parts, { objectMode: false }), sink, { batchSize, deadLetter: deadPath, metricsEvery: 0, progress: makeProgress({ quiet: true }) });
      const ref = await referencePipe(scorer, text, batchSize);
      expect(got.split('\n')).toEqual(ref.out.split('\n'));
      expect(readFileSync(deadPath, 'utf8').split('\n').filter((l) => l)).toEqual(ref.dead);
      expect(summary.deadLettered).toBe(ref.dead.length);
      expect(summary.eventsIn).toBe(ref.out.split('\n').length - 1);
    }
    scorer.close();
  });
});
