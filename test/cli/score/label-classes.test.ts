/** Class names from the data: the negative class is the label column's other value, or named, or an explained group. */
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { churnExample, cli, must } from '../../helpers/workspace.js';

describe('class names in every output (real CLI, churn)', () => {
  it('model.json, manifest, NDJSON and CSV scores, report use "no", never "not_yes"', () => {
    const dir = churnExample('dictl-classes-');
    const model = JSON.parse(readFileSync(join(dir, 'registry/models/m/versions/1/model.json'), 'utf8'));
    expect(model.label).toMatchObject({ column: 'churn', positive: 'yes', negative: 'no' });
    must(cli(dir, ['package', 'm@1', '--out', 'pkg']));
    const man = JSON.parse(readFileSync(join(dir, 'pkg/manifest.json'), 'utf8'));
    expect(man.model.classes).toEqual(['no', 'yes']);
    const events = must(cli(dir, ['dataset', 'sample', 'churn@1', '--rows', '20', '--drop', 'churn', '--ndjson'])).stdout;
    const scored = must(cli(dir, ['score', '--package', 'pkg'], { input: events })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(scored).toHaveLength(20);
    for (const s of scored) expect(s.label).toBe(s.score >= model.threshold ? 'yes' : 'no');
    expect(scored.some((s) => s.label === 'no')).toBe(true);
    writeFileSync(join(dir, 'events.ndjson'), events);
    must(cli(dir, ['score', '--package', 'pkg', '--input', 'events.ndjson', '--output', 'scores.csv']));
    const csv = readFileSync(join(dir, 'scores.csv'), 'utf8').split('\n');
    expect(csv[0].split(',')).toEqual(['row', 'score', 'label', 'p_no', 'p_yes']);
    expect(csv.join('\n')).not.toContain('not_yes');
    const show = must(cli(dir, ['model', 'show', 'm@1'])).stdout;
    expect(show).toContain('label churn: positive "yes", negative "no"');
  });

  it('a feature set may name the negative class; more values than two are then refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-classes-'));
    must(cli(tmpdir(), ['init', dir]));
    writeFileSync(join(dir, 'grades.csv'), 'x,grade\n' + Array.from({ length: 30 }, (_, i) => `${i},${['good', 'bad', 'ok'][i % 3]}`).join('\n') + '\n');
    must(cli(dir, ['dataset', 'register', 'grades', '--file', 'grades.csv', '--steward', 'ml@example.com', '--consent', 'opt-in']));
    must(cli(dir, ['holdout', 'create', 'grades@1', '--fraction', '0.2', '--seed', '1']));
    writeFileSync(join(dir, 'features/g.yaml'), 'source: grades@1\nlabel: {column: grade, positive: bad, negative: good}\nfeatures:\n  - x\n');
    const r = cli(dir, ['feature', 'build', 'g']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('label column "grade" has values other than positive "bad" and negative "good": "ok" (10 rows)');
    writeFileSync(join(dir, 'features/g.yaml'), 'source: grades@1\nlabel: {column: grade, positive: bad}\nfeatures:\n  - x\n');
    const ok = cli(dir, ['feature', 'build', 'g'], { env: { DICTL_QUIET: '' } });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('label grade: 2 values other than "bad" are grouped as "not_bad"');
    const show = must(cli(dir, ['feature', 'show', 'g'])).stdout;
    expect(show).toContain('label grade: positive "bad", negative "not_bad" (groups "good", "ok")');
  });
});

describe('class names that are not yes/no (real CLI)', () => {
  it('"left"/"stayed" in pipe and CSV scores and in the review list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-classes-'));
    must(cli(tmpdir(), ['init', dir]));
    const rows = ['tenure,calls,status'];
    for (let i = 0; i < 400; i++) rows.push(`${i % 50},${(i * 7) % 11},${(i % 50) < 15 && i % 3 !== 0 ? 'left' : 'stayed'}`);
    writeFileSync(join(dir, 'subs.csv'), rows.join('\n') + '\n');
    must(cli(dir, ['dataset', 'register', 'subs', '--file', 'subs.csv', '--steward', 'ml@example.com', '--consent', 'opt-in']));
    must(cli(dir, ['holdout', 'create', 'subs@1', '--fraction', '0.25', '--stratify', 'status', '--seed', '1']));
    writeFileSync(join(dir, 'features/subs.yaml'), 'source: subs@1\nlabel: {column: status, positive: left}\nfeatures:\n  - columns: [tenure, calls]\n    transforms: [standardize]\n');
    must(cli(dir, ['feature', 'build', 'subs']));
    must(cli(dir, ['train', '--features', 'subs', '--name', 's', '--c', '1']));
    must(cli(dir, ['decide', 'policy', 'set', 's', '--owner', 'ana@example.com', '--act-above', '0.95', '--review-between', '0.01,0.95', '--autonomy', 'human-in-the-loop']));
    must(cli(dir, ['package', 's@1', '--out', 'pkg']));
    const events = rows.slice(1, 41).map((r) => { const [t, c] = r.split(','); return JSON.stringify({ tenure: Number(t), calls: Number(c) }); }).join('\n') + '\n';
    const piped = must(cli(dir, ['score', '--package', 'pkg'], { input: events })).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(new Set(piped.map((p) => p.label))).toEqual(new Set(['left', 'stayed']));
    writeFileSync(join(dir, 'ev.ndjson'), events);
    must(cli(dir, ['score', '--package', 'pkg', '--input', 'ev.ndjson', '--out', 'out.csv']));
    expect(readFileSync(join(dir, 'out.csv'), 'utf8').split('\n')[0].split(',').slice(0, 5)).toEqual(['row', 'score', 'label', 'p_stayed', 'p_left']);
    const list = must(cli(dir, ['review', 'list', '--model', 's', '--json'])).json;
    expect(list.classes['s@1']).toEqual({ yes: 'left', no: 'stayed' });
    const text = must(cli(dir, ['review', 'list', '--model', 's'])).stdout;
    const said = text.split('\n').filter((l) => l.includes('rv-')).map((l) => l.split('│')[6].trim());
    expect(said.length).toBeGreaterThan(0);
    for (const x of said) expect(['left', 'stayed']).toContain(x);
  });
});

