/** explore guards against multiple comparisons: Benjamini–Hochberg within a column, and nothing marked when the column's χ² test is not significant. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, must } from '../../helpers/workspace.js';

describe('explore (real CLI)', () => {
  it('one lucky segment among 20 in a column with no overall difference is not coloured, and the guard is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-bh-'));
    must(cli(tmpdir(), ['init', dir]));
    const rows = ['store,churn'];
    for (let s = 0; s < 20; s++) for (let i = 0; i < 100; i++) rows.push(`s${String(s).padStart(2, '0')},${i < (s === 7 ? 30 : 20) ? 'yes' : 'no'}`);
    writeFileSync(join(dir, 'shops.csv'), rows.join('\n') + '\n');
    must(cli(dir, ['dataset', 'register', 'shops', '--file', 'shops.csv', '--steward', 'a@b.co', '--consent', 'opt-in']));
    const r = must(cli(dir, ['explore', 'shops', '--target', 'churn', '--html', 'x.html', '--json']));
    const col = r.json.columns[0];
    expect(col.association.p).toBeGreaterThan(0.5);
    const lucky = col.segments.find((s: { label: string }) => s.label === 's07');
    expect(lucky.ci[0]).toBeGreaterThan(r.json.overall.rate); // its own 95% interval excludes the overall rate…
    expect(lucky.p).toBeLessThan(0.05);
    expect(lucky.significant).toBe(false); // …but it is one of 20 in a column with no overall difference
    expect(r.json.multipleComparisons).toBe("Benjamini–Hochberg across each column's segments (q < 0.05), only in columns whose χ² test has p < 0.05");
    const html = readFileSync(join(dir, 'x.html'), 'utf8');
    expect(html).not.toContain('#c0392b');
    expect(html).toContain('Benjamini–Hochberg');
    const text = must(cli(dir, ['explore', 'shops', '--target', 'churn'])).stdout;
    expect(text).toContain("* significant: Benjamini–Hochberg across each column's segments");
  });
});
