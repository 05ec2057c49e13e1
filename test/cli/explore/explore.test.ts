import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { association, departureZ, wilson } from '../../../src/explore/stats.js';
import { explore } from '../../../src/explore/explore.js';
import { renderExploreHtml, renderExploreText } from '../../../src/explore/render.js';
import { registerDataset } from '../../../src/ops/dataset-register.js';
import { workspaceAt, type Workspace } from '../../../src/workspace.js';
import { cliJson as cli, newWorkspace, DATASETS as SHARED, tempDir } from '../../helpers/workspace.js';

describe('explore on data', () => {
  let dir: string;
  let ws: Workspace;
  let rows: string[][];
  let header: string[];
  beforeAll(async () => {
    dir = newWorkspace();
    ws = workspaceAt(dir);
    await registerDataset(ws, { name: 'churn', file: join(SHARED, 'churn.csv'), steward: 'dt@example.com', consent: 'opt-in' });
    const lines = readFileSync(join(SHARED, 'churn.csv'), 'utf8').trim().split('\n');
    header = lines[0].split(',');
    rows = lines.slice(1).map((l) => l.split(','));
  }, 30_000);

  it('rates by category match a direct count, with intervals and ranking', async () => {
    const r = await explore(ws, { ref: 'churn@1', target: 'churn', by: ['international_plan', 'area_code', 'state'] });
    expect(r.positive).toBe('yes');
    expect(r.overall).toMatchObject({ n: 5000, positives: 707, rate: 0.1414 });
    const ip = header.indexOf('international_plan');
    const ch = header.indexOf('churn');
    const yes = rows.filter((x) => x[ip] === 'yes');
    const yesChurn = yes.filter((x) => x[ch] === 'yes').length;
    const story = r.columns.find((c) => c.column === 'international_plan')!;
    const seg = story.segments.find((s) => s.label === 'yes')!;
    expect(seg.n).toBe(yes.length);
    expect(seg.positives).toBe(yesChurn);
    expect(seg.rate).toBeCloseTo(yesChurn / yes.length, 6);
    const [lo, hi] = wilson(yesChurn, yes.length);
    expect(seg.ci[0]).toBeCloseTo(lo, 6);
    expect(seg.ci[1]).toBeCloseTo(hi, 6);
    expect(seg.z).toBeCloseTo(departureZ(yesChurn, yes.length, 707 / 5000), 4);
    // the plan matters far more than the area code
    expect(r.columns[0].column).toBe('international_plan');
    expect(r.columns.find((c) => c.column === 'area_code')!.association.p).toBeGreaterThan(0.01);
    expect(r.ranking[0]).toMatchObject({ column: 'international_plan', label: 'yes' });
    for (const c of r.columns) expect(c.segments.reduce((a, s) => a + s.n, 0)).toBe(5000);
    const text = renderExploreText(r);
    expect(text).toContain('churn = yes in 707 of 5000 rows: 14.1%');
    expect(text).toContain('█');
  });

  it('numeric columns in quantile bins; small integer columns as categories', async () => {
    const r = await explore(ws, { ref: 'churn', target: 'churn', by: ['total_day_charge', 'number_customer_service_calls'], bins: 4 });
    const bins = r.columns.find((c) => c.column === 'total_day_charge')!;
    expect(bins.kind).toBe('bins');
    expect(bins.segments).toHaveLength(4);
    const sizes = bins.segments.map((s) => s.n);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    for (const s of sizes) expect(Math.abs(s - 1250)).toBeLessThan(30);
    // the top quarter of day charges churns more than any other
    const top = bins.segments[3];
    expect(top.label.startsWith('≥ ')).toBe(true);
    expect(top.rate).toBeGreaterThan(Math.max(...bins.segments.slice(0, 3).map((s) => s.rate)));
    const edge = Number(top.label.slice(2));
    const col = header.indexOf('total_day_charge');
    const ch = header.indexOf('churn');
    const inTop = rows.filter((x) => Number(x[col]) >= edge);
    expect(top.n).toBe(inTop.length);
    expect(top.positives).toBe(inTop.filter((x) => x[ch] === 'yes').length);
    const calls = r.columns.find((c) => c.column === 'number_customer_service_calls')!;
    expect(calls.kind).toBe('category');
    expect(calls.segments.map((s) => s.label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('by time period, with missing values, and the HTML page', async () => {
    const f = join(tempDir(), 'orders.csv');
    const lines = ['order_date,region,returned'];
    for (let i = 0; i < 120; i++) {
      const month = (i % 4) + 1;
      const date = `2024-0${month}-${String((i % 28) + 1).padStart(2, '0')}`;
      lines.push(`${i % 10 === 9 ? '' : date},${i % 3 === 0 ? 'north' : 'south'},${month === 2 || i % 7 === 0 ? 'yes' : 'no'}`);
    }
    writeFileSync(f, lines.join('\n') + '\n');
    await registerDataset(ws, { name: 'orders', file: f, steward: 'dt@example.com' });
    const r = await explore(ws, { ref: 'orders', target: 'returned', time: 'order_date', every: 'month', by: ['region'] });
    const t = r.columns.find((c) => c.kind === 'time')!;
    expect(t.segments.map((s) => s.label)).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '(missing)']);
    expect(t.segments.map((s) => s.n)).toEqual([30, 24, 30, 24, 12]) // rows with i % 10 = 9 (no date) fall in months 2 and 4;
    expect(t.segments[1].rate).toBe(1);
    const q = await explore(ws, { ref: 'orders', target: 'returned', time: 'order_date', every: 'quarter', by: ['region'] });
    expect(q.columns.find((c) => c.kind === 'time')!.segments.map((s) => s.label)).toEqual(['2024-Q1', '2024-Q2', '(missing)']);
    const html = renderExploreHtml(r);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBe(r.columns.length);
  });

  it('CLI: --json and --html; bad target is a usage error', () => {
    const out = join(tempDir(), 'story.html');
    const r = cli(dir, ['explore', 'churn@1', '--target', 'churn', '--by', 'voice_mail_plan', '--html', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.overall.positives).toBe(707);
    expect(readFileSync(out, 'utf8')).toContain('voice_mail_plan');
    const bad = cli(dir, ['explore', 'churn@1', '--target', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.json.error.message).toContain('--target "nope" is not a column of churn@1');
  });
});
