/**
 * `dictl score --format arrow`: an Arrow IPC stream in (written by apache-arrow's writer, the bytes
 * pyarrow.ipc.new_stream and Spark's mapInArrow exchange) → an Arrow IPC stream out, read back with
 * apache-arrow's reader; every row's values equal the NDJSON pipe's output for the same events.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dictionary, Float64, Int32, Utf8, tableFromIPC, tableToIPC, Table, vectorFromArray } from 'apache-arrow';
import { buildPackageFiles, writePackage } from '../../../src/scorer/package.js';
import { fixtureModel, fixtureRows, strictFixturePipeline } from '../../helpers/onnx-fixtures.js';
import { cli } from '../../helpers/cli.js';

// 40 events: the fixture rows with an id, a strict tier (error policy) and every 7th tier unknown
const events = Array.from({ length: 40 }, (_, i) => ({
  id: `e${i}`,
  ...fixtureRows[i % fixtureRows.length],
  tier: i % 7 === 3 ? 'platinum' : ['gold', 'silver', 'bronze'][i % 3],
  'mean radius': 8 + i / 4,
}));

function arrowOf(rows: typeof events, o: { numberAs?: 'utf8' } = {}): Buffer {
  const num = (k: string) => rows.map((r) => ((r as Record<string, unknown>)[k] ?? null) as number | null);
  const str = (k: string) => rows.map((r) => ((r as Record<string, unknown>)[k] ?? null) as string | null);
  const t = new Table({
    id: vectorFromArray(str('id'), new Utf8()),
    a: o.numberAs === 'utf8' ? vectorFromArray(num('a').map((x) => (x === null ? null : String(x))), new Utf8()) : vectorFromArray(num('a'), new Float64()),
    b: vectorFromArray(num('b').map((x) => (x === null ? null : Math.round(x))), new Int32()),
    color: vectorFromArray(str('color'), new Utf8()),
    city: vectorFromArray(str('city'), new Dictionary(new Utf8(), new Int32())),
    tier: vectorFromArray(str('tier'), new Utf8()),
    'mean radius': vectorFromArray(num('mean radius'), new Float64()),
    extra: vectorFromArray(rows.map(() => 'ignored'), new Utf8()),
  });
  return Buffer.from(tableToIPC(t, 'stream'));
}

describe('score --format arrow', () => {
  let pkg: string;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dictl-arrow-'));
    pkg = join(dir, 'pkg');
    writePackage(buildPackageFiles(fixtureModel('binary', strictFixturePipeline())), pkg, false);
  });

  it('gives every row the NDJSON pipe\'s values, rejected rows an error (and a dead letter), in input order', () => {
    const r = cli(process.cwd(), ['score', '--package', pkg, '--format', 'arrow', '--dead-letter', join(dir, 'dead.ndjson')], { input: arrowOf(events), encoding: 'buffer' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Scored 34 of 40 events with fx@1 \(6 dead-lettered\)/); // the summary: stdout carries the data
    const t = tableFromIPC(r.stdout);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'score', 'label', 'p_no', 'p_yes', 'error']);
    expect(t.numRows).toBe(events.length);
    // the same events as NDJSON (b as the integers the Arrow column carries)
    const lines = events.map((e) => JSON.stringify({ ...e, b: e.b === null || e.b === undefined ? e.b : Math.round(e.b as number) })).join('\n') + '\n';
    const nd = cli(process.cwd(), ['score', '--package', pkg], { input: lines, encoding: 'buffer' });
    expect(nd.code).toBe(0);
    const want = nd.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    const rows = t.toArray().map((x) => x.toJSON());
    let rejected = 0;
    rows.forEach((got, i) => {
      expect(got.id).toBe(events[i].id);
      if (want[i].error) {
        rejected++;
        expect(got.error).toBe(want[i].error);
        expect([got.score, got.label, got.p_no, got.p_yes]).toEqual([null, null, null, null]);
      } else {
        expect(got.error).toBeNull();
        expect([got.score, got.label, got.p_no, got.p_yes]).toEqual([want[i].score, want[i].label, ...want[i].probabilities]);
      }
    });
    expect(rejected).toBe(events.filter((e) => e.tier === 'platinum').length);
    const dead = readFileSync(join(dir, 'dead.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => d.row)).toEqual(events.flatMap((e, i) => (e.tier === 'platinum' ? [i] : [])));
    expect(dead[0].reason).toBe('field "tier": unknown category "platinum" for feature "tier" (unknown: error)');
  });

  it('a stream in several batches comes back as as many batches, rows in order', () => {
    // two record batches in one stream: concatenate the batches of two tables under one schema
    const all = tableFromIPC(arrowOf(events));
    const both = Buffer.from(tableToIPC(new Table([...all.slice(0, 15).batches, ...all.slice(15).batches]), 'stream'));
    const r = cli(process.cwd(), ['score', '--package', pkg, '--format', 'arrow'], { input: both, encoding: 'buffer' });
    expect(r.code).toBe(0);
    const t = tableFromIPC(r.stdout);
    expect(t.batches.map((b) => b.numRows)).toEqual([15, 25]);
    expect(t.getChild('id')!.toArray()).toEqual(events.map((e) => e.id));
  });

  it('refuses a stream without a needed column, or with a column of the wrong type: one error line, exit 3, nothing on stdout', () => {
    const t = tableFromIPC(arrowOf(events));
    const noRadius = Buffer.from(tableToIPC(t.select(['id', 'a', 'b', 'color', 'city', 'tier']), 'stream'));
    const r = cli(process.cwd(), ['score', '--package', pkg, '--format', 'arrow'], { input: noRadius, encoding: 'buffer' });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')[0]).toBe('Error (DATA): the Arrow stream lacks the input column(s) "mean radius"');
    expect(r.stdout.length).toBe(0);
    const s = cli(process.cwd(), ['score', '--package', pkg, '--format', 'arrow'], { input: arrowOf(events, { numberAs: 'utf8' }), encoding: 'buffer' });
    expect(s.code).toBe(3);
    expect(s.stderr).toMatch(/^Error \(DATA\): Arrow column "a" is Utf8, the package takes a number/);
    const junk = cli(process.cwd(), ['score', '--package', pkg, '--format', 'arrow'], { input: '{"a": 1}\n', encoding: 'buffer' });
    expect(junk.code).toBe(3);
    expect(junk.stderr).toMatch(/^Error \(DATA\): stdin is not an Arrow IPC stream/);
    const mixed = cli(process.cwd(), ['score', '--package', pkg, '--format', 'arrow', '--input', 'x.csv', '--out', 'y.csv'], { input: '', encoding: 'buffer' });
    expect(mixed.code).toBe(2);
  });
});
