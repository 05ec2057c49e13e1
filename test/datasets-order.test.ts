import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerDataset } from '../src/datasets/register.js';
import { withDuck, sqlString } from '../src/io/duck.js';
import { workspaceAt } from '../src/workspace.js';
import { newWorkspace, tempDir } from './datasets-helpers.js';

describe('source row order', () => {
  it('a CSV large enough to be read in parallel keeps its row order in data.parquet', async () => {
    // 250,000 rows (~25 MB): more than one DuckDB CSV buffer, so threads really split the file
    const N = 250_000;
    const parts: string[] = ['id,v,cat,note'];
    for (let i = 0; i < N; i++) {
      const id = (i * 7919) % N; // a permutation: the order is not sorted by any column
      parts.push(`${id},${(i % 1000) / 7},${i % 13 === 0 ? '' : 'c' + (i % 5)},${i % 17 === 0 ? '"a, quoted ""note"""' : 'plain'}`);
    }
    const f = join(tempDir(), 'big.csv');
    writeFileSync(f, parts.join('\n') + '\n');
    const ws = newWorkspace();
    const r = await registerDataset(workspaceAt(ws), { name: 'big', file: f, steward: 'dt@example.com' });
    expect(r.rows).toBe(N);
    const got = await withDuck((d) =>
      d.all<{ h: string; n: number }>(
        `SELECT md5(string_agg(id::VARCHAR || '|' || coalesce(cat, '~') || '|' || note, ',' ORDER BY file_row_number)) AS h, count(*) AS n FROM read_parquet(${sqlString(r.path)}, file_row_number = true)`,
      ),
    );
    const expected = createHash('md5')
      .update(
        parts
          .slice(1)
          .map((l, i) => `${(i * 7919) % N}|${i % 13 === 0 ? '~' : 'c' + (i % 5)}|${i % 17 === 0 ? 'a, quoted "note"' : 'plain'}`)
          .join(','),
      )
      .digest('hex');
    expect(got[0].n).toBe(N);
    expect(got[0].h).toBe(expected);
    expect(r.profile.find((p) => p.name === 'cat')!.nulls).toBe(Math.ceil(N / 13));
  }, 60_000);
});
