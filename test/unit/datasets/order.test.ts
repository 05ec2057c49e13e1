import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerDataset } from '../../../src/ops/dataset-register.js';
import { withDuck, sqlString } from '../../../src/io/duck.js';
import { workspaceAt } from '../../../src/workspace.js';
import { newWorkspace, tempDir } from '../../helpers/workspace.js';

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

describe('types that change past the sniffer sample', () => {
  const big = (last: string) => {
    const lines = ['a,b'];
    for (let i = 0; i < 300_000; i++) lines.push(`${i},x`);
    lines.push(`${last},y`);
    const f = join(tempDir(), 'late.csv');
    writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };
  it('an integer column with a decimal far down is stored as numbers, never rounded', async () => {
    const ws = newWorkspace();
    const r = await registerDataset(workspaceAt(ws), { name: 'late', file: big('2.5'), steward: 'dt@example.com' });
    expect(r.columns[0]).toMatchObject({ name: 'a', type: 'number', duckType: 'DOUBLE' });
    const [last] = await withDuck((d) => d.all<{ a: number }>(`SELECT a FROM read_parquet(${sqlString(r.path)}, file_row_number = true) WHERE file_row_number = 300000`));
    expect(last.a).toBe(2.5);
    expect(r.profile[0].max).toBe(299999);
  }, 60_000);
  it('text far down an integer column is a mixed-types error; --type forces are respected', async () => {
    const ws = newWorkspace();
    const f = big('oops');
    const e = await registerDataset(workspaceAt(ws), { name: 'late', file: f, steward: 'dt@example.com' }).then(
      () => undefined,
      (x: unknown) => x as Error & { exitCode: number },
    );
    expect(e?.exitCode).toBe(3);
    expect(e?.message).toMatch(/column "a" has mixed types: it holds integers but also "oops"/);
    const e2 = await registerDataset(workspaceAt(ws), { name: 'late', file: big('2.5'), steward: 'dt@example.com', types: { a: 'integer' } }).then(
      () => undefined,
      (x: unknown) => x as Error,
    );
    expect(e2?.message).toMatch(/column "a" has mixed types: it holds integers but also "2.5"/);
    const ok = await registerDataset(workspaceAt(ws), { name: 'late', file: f, steward: 'dt@example.com', types: { a: 'string' } });
    expect(ok.columns[0].type).toBe('string');
  }, 60_000);
});
