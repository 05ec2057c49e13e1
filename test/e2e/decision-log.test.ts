/**
 * The decision log store and its queries: segments written whole (concurrent writers, SIGKILL at random
 * points), time ranges that read only the segments inside them, and the query's filters and errors.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileDecisionLog, inputsJson, readSegment, segmentsOf } from '../../src/decide/decision-log.js';
import { matcher, queryDecisions } from '../../src/decide/decision-query.js';
import type { DecisionFields } from '../../src/decide/runtime.js';
import { initWorkspace, workspaceAt } from '../../src/workspace.js';
import { runDoctor } from '../../src/ops/doctor.js';
import { ROOT } from '../helpers/workspace.js';

const decision = (score: number): DecisionFields => ({ score, action: score >= 0.8 ? 'block' : 'allow', band: score >= 0.8 ? 'high' : 'low', model: 'm@2', modelVersion: 2, policyVersion: 3, autonomy: 'autonomous', review: false });

function freshWorkspace() {
  const root = mkdtempSync(join(tmpdir(), 'dictl-declog-'));
  initWorkspace(root);
  return workspaceAt(root);
}

describe('decision log store', () => {
  it('one segment per flushed batch, fields in a fixed order, reasons kept; days and times outside a range are not read', async () => {
    const ws = freshWorkspace();
    const times = ['2026-05-02T23:59:59.999Z', '2026-05-03T00:00:00.000Z', '2026-05-03T14:22:33.123Z', '2026-05-04T00:00:00.000Z'];
    let t = 0;
    const log = fileDecisionLog(ws, 'm', () => times[t]);
    for (t = 0; t < times.length; t++) {
      log.record([decision(0.1 + t / 10), decision(0.9)], {
        keys: [`C${t}`, undefined],
        row: (i) => ({ x: t, y: i === 0 ? 'a' : null }),
        explain: (i) => (i === 0 ? { base: -1, reasons: [{ column: 'x', value: t, contribution: 0.5 }] } : null),
        source: 'stdin',
      });
      expect(await log.flush()).toBe(2);
    }
    expect(await log.flush()).toBe(0);
    expect(log.stats()).toEqual({ entries: 8, segments: 4 });
    const segs = segmentsOf(ws, 'm');
    expect(segs.map((s) => s.path.split('/').slice(-2).join('/'))).toEqual([
      `2026-05-02/20260502T235959999Z-${process.pid}-0.ndjson`,
      `2026-05-03/20260503T000000000Z-${process.pid}-1.ndjson`,
      `2026-05-03/20260503T142233123Z-${process.pid}-2.ndjson`,
      `2026-05-04/20260504T000000000Z-${process.pid}-3.ndjson`,
    ]);
    const first = readFileSync(segs[2].path, 'utf8').split('\n')[0];
    expect(first).toBe('{"at":"2026-05-03T14:22:33.123Z","key":"C2","model":"m@2","policy":3,"autonomy":"autonomous","score":0.30000000000000004,"band":"low","action":"allow","review":false,"base":-1,"reasons":[{"column":"x","value":2,"contribution":0.5}],"source":"stdin","input":{"x":2,"y":"a"}}');
    // --on 2026-05-03: exactly the two segments of that day (midnight in, next midnight out)
    const day = queryDecisions(ws, { model: 'm', on: '2026-05-03' });
    expect(day.segments).toBe(2);
    expect(day.matched).toBe(4);
    expect(day.entries.map((e) => e.at)).toEqual([times[1], times[1], times[2], times[2]]);
    expect(queryDecisions(ws, { since: '2026-05-03T14:22:33.123Z' }).matched).toBe(4);
    expect(queryDecisions(ws, { until: '2026-05-03T14:22:33.123Z' }).matched).toBe(4);
    const c2 = queryDecisions(ws, { key: 'C2' });
    expect(c2.matched).toBe(1);
    expect(c2.entries[0].reasons).toEqual([{ column: 'x', value: 2, contribution: 0.5 }]);
    expect(queryDecisions(ws, { where: ['y='] }).matched).toBe(4);
    expect(queryDecisions(ws, { where: ['y=a', 'x=3'] }).entries.map((e) => e.key)).toEqual(['C3']);
    expect(queryDecisions(ws, { action: 'block' }).matched).toBe(4);
    expect(queryDecisions(ws, { band: 'high', limit: 1 }).entries).toHaveLength(1);
    expect(queryDecisions(ws, { band: 'high', limit: 1 }).matched).toBe(4);
  });

  it('inputsJson gives the text of JSON.stringify of the row object (missing values null), from the columns', () => {
    const cols = { a: Float64Array.from([1.5, NaN, -0, 1e21, 0.1 + 0.2]), b: ['x', '', 'q"uo\\te', '\u2028é', 'x'] };
    const inputs = [{ name: 'b' }, { name: 'a' }, { name: 'gone' }];
    const j = inputsJson(cols, inputs);
    for (let i = 0; i < 5; i++) {
      const row = { b: cols.b[i] === '' ? null : cols.b[i], a: Number.isNaN(cols.a[i]) ? null : cols.a[i], gone: null };
      expect(j(i)).toBe(JSON.stringify(row));
    }
    expect(inputsJson(cols, [])(0)).toBe('{}');
  });

  it('errors: not a date, an empty range, --on with --since, a bad --where, an unknown model, an empty log, an edited segment', () => {
    const ws = freshWorkspace();
    expect(() => queryDecisions(ws, {})).toThrow(/the decision log is empty/);
    expect(() => matcher({ since: 'May 3' })).toThrow(/--since "May 3" is not an ISO date or time/);
    expect(() => matcher({ since: '2026-05-04', until: '2026-05-03' })).toThrow(/must be after --since/);
    expect(() => matcher({ on: '2026-05-03', since: '2026-05-01' })).toThrow(/--on DAY is a range of its own/);
    expect(() => matcher({ on: '2026-05-03T10:00:00Z' })).toThrow(/must be a date/);
    expect(() => matcher({ where: ['=x'] })).toThrow(/is not COL=VALUE/);
    const log = fileDecisionLog(ws, 'm', () => '2026-05-03T10:00:00.000Z');
    log.record([decision(0.5)], { row: () => ({}), source: 's' });
    return log.flush().then(() => {
      expect(() => queryDecisions(ws, { model: 'other' })).toThrow(/no decisions of model "other" are logged/);
      const [s] = segmentsOf(ws, 'm');
      writeFileSync(s.path, readFileSync(s.path, 'utf8').slice(0, 20) + '\n');
      expect(() => queryDecisions(ws, { model: 'm' })).toThrow(/does not parse/);
    });
  });

  it('12 concurrent writers, 4 of them SIGKILLed at random points: every segment is whole, no entry is lost or doubled for the writers that finished, temp files are not segments and doctor clears them', async () => {
    const ws = freshWorkspace();
    const WRITERS = 12;
    const SEGS = 40;
    const PER = 200;
    const mod = join(ROOT, 'dist/src/decide/decision-log.js');
    expect(existsSync(mod)).toBe(true);
    const script = `
      const { fileDecisionLog } = await import(${JSON.stringify(mod)});
      const w = Number(process.argv[1]);
      const log = fileDecisionLog({ registryDir: ${JSON.stringify(ws.registryDir)} }, 'm');
      const pad = 'x'.repeat(200);
      for (let s = 0; s < ${SEGS}; s++) {
        const d = Array.from({ length: ${PER} }, (_, i) => ({ score: i / ${PER}, action: 'a', band: 'low', model: 'm@1', modelVersion: 1, policyVersion: 1, autonomy: 'autonomous', review: false }));
        log.record(d, { keys: d.map((_, i) => 'w' + w + '-' + s + '-' + i), row: () => ({ pad }), source: 'w' + w });
        await log.flush();
        process.stdout.write('.');
      }
      process.stdout.write('done');
    `;
    const kill = new Set([1, 4, 7, 10]);
    const runs = Array.from({ length: WRITERS }, (_, w) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, String(w)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      // a killed writer dies after a few segments, at whatever point of the next one it has reached
      const after = 3 + ((w * 7) % 20);
      child.stdout.on('data', (b) => {
        out += b;
        if (kill.has(w) && out.length >= after) child.kill('SIGKILL');
      });
      child.stderr.on('data', (b) => (err += b));
      return new Promise<{ w: number; done: boolean; err: string }>((res) => child.on('close', () => res({ w, done: out.endsWith('done'), err })));
    });
    const results = await Promise.all(runs);
    for (const r of results) if (!kill.has(r.w)) expect(r.done, r.err).toBe(true);
    const segs = segmentsOf(ws, 'm');
    const byWriter = new Map<string, string[]>();
    for (const s of segs) {
      const es = readSegment(s.path);
      expect(es).toHaveLength(PER);
      for (const e of es) byWriter.set(e.source, [...(byWriter.get(e.source) ?? []), e.key!]);
    }
    for (const r of results) {
      const keys = byWriter.get(`w${r.w}`) ?? [];
      expect(new Set(keys).size).toBe(keys.length);
      if (r.done) expect(keys.length).toBe(SEGS * PER);
      else expect(keys.length % PER).toBe(0);
    }
    expect(queryDecisions(ws, { model: 'm' }).matched).toBe(segs.length * PER);
    // the kills landed while writing: some killed writer had written segments but not all of them
    const cut = results.filter((r) => kill.has(r.w) && !r.done).map((r) => (byWriter.get(`w${r.w}`) ?? []).length);
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.some((c) => c > 0 && c < SEGS * PER)).toBe(true);
    // what a kill mid-write leaves: at most a temp file per killed writer, which is not a segment
    const temps = readdirSync(join(ws.registryDir, 'decisions/m'), { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
    expect(temps.length).toBeLessThanOrEqual(kill.size);
    if (temps.length) {
      await runDoctor(ws, { repair: true, force: true });
      const left = readdirSync(join(ws.registryDir, 'decisions/m'), { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
      expect(left).toEqual([]);
    }
  }, 120_000);
});
