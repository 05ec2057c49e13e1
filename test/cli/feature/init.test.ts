/** feature init writes a starter set from schema + profile; column selectors expand against the source's columns. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, must } from '../../helpers/workspace.js';

describe('feature init (real CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-finit-'));
  must(cli(tmpdir(), ['init', dir]));
  const rows = ['customer_id,plan,region,spend,visits,signup,constant,city,label'];
  for (let i = 0; i < 400; i++) rows.push(`C${1000 + i},${['a', 'b', 'c'][i % 3]},${['n', 's'][i % 2]},${(i * 7) % 113}.5,${i % 9 === 0 ? '' : i % 17},2024-01-${String((i % 28) + 1).padStart(2, '0')},x,city${i % 60},${i % 4 === 0 ? 'bad' : 'good'}`);
  writeFileSync(join(dir, 'shop.csv'), rows.join('\n') + '\n');
  must(cli(dir, ['dataset', 'register', 'shop', '--file', 'shop.csv', '--steward', 'a@b.co', '--consent', 'opt-in']));
  must(cli(dir, ['holdout', 'create', 'shop@1', '--fraction', '0.25', '--seed', '3']));

  it('numbers standardized, few-valued text one-hot, many-valued text by frequency; ID, constant, date and label left out with reasons', () => {
    const r = must(cli(dir, ['feature', 'init', 'shop', '--from', 'shop@1', '--label', 'label', '--positive', 'bad', '--json']));
    expect(r.json).toMatchObject({
      file: 'features/shop.yaml',
      numeric: ['spend', 'visits'],
      oneHot: ['plan', 'region'],
      frequent: ['city'],
      label: { column: 'label', task: 'binary', positive: 'bad' },
    });
    expect(r.json.leftOut).toEqual([
      { column: 'customer_id', why: 'ID-like: 400 distinct values in 400 rows' },
      { column: 'signup', why: 'date: derive a number first (e.g. expr: "date_diff(...)") or use it as entity.time' },
      { column: 'constant', why: 'constant (one value)' },
    ]);
    const text = readFileSync(join(dir, 'features/shop.yaml'), 'utf8');
    expect(text).toContain('#   customer_id: ID-like: 400 distinct values in 400 rows');
    expect(text).toContain('  negative: "good"');
    expect(text).toContain('one_hot: { min_frequency: 10, unknown: other }');
    const b = must(cli(dir, ['feature', 'build', 'shop', '--json']));
    expect(b.json.rows).toEqual({ train: 300, test: 100, skipped: 0 });
    // refuses to overwrite
    const again = cli(dir, ['feature', 'init', 'shop', '--from', 'shop@1', '--label', 'label']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('features/shop.yaml already exists');
  });

  it('selectors: {type: numeric, exclude: [...]} and globs build the same matrix as the names typed out', () => {
    writeFileSync(join(dir, 'features/typed.yaml'), 'source: shop@1\nlabel: {column: label, positive: bad}\nfeatures:\n  - columns: [spend, visits]\n    transforms: [{impute: median}, standardize]\n  - columns: [plan, region]\n    transforms: [{impute: mode}, one_hot]\n');
    writeFileSync(join(dir, 'features/sel.yaml'), 'source: shop@1\nlabel: {column: label, positive: bad}\nfeatures:\n  - columns: {type: numeric}\n    transforms: [{impute: median}, standardize]\n  - columns: {type: string, include: ["p*", "reg?on"], exclude: [city]}\n    transforms: [{impute: mode}, one_hot]\n');
    const a = must(cli(dir, ['feature', 'build', 'typed', '--json'])).json;
    const b = must(cli(dir, ['feature', 'build', 'sel', '--json'])).json;
    expect(b.outputs).toEqual(a.outputs);
    const show = must(cli(dir, ['feature', 'show', 'sel', '--json'])).json;
    expect(show.features.map((f: { name: string }) => f.name)).toEqual(['spend', 'visits', 'plan', 'region']);
    writeFileSync(join(dir, 'features/none.yaml'), 'source: shop@1\nlabel: {column: label, positive: bad}\nfeatures:\n  - columns: "zz_*"\n');
    const none = cli(dir, ['feature', 'build', 'none']);
    expect(none.code).toBe(2);
    expect(none.stderr.split('\n')[0]).toBe('Error (USAGE): features/none.yaml:4: features[0].columns matches no column of shop@1 (type any, include zz_*)');
  });
});
