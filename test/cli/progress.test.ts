/** Progress: counts, rate and ETA; redrawn on a terminal, periodic plain lines otherwise, silent with --json/--quiet. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, must } from '../helpers/workspace.js';

describe('progress on real commands (non-TTY stderr)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dictl-progress-'));
  must(cli(tmpdir(), ['init', dir]));
  const n = 600_000;
  const lines = ['id,a,c,label'];
  for (let i = 0; i < n; i++) lines.push(`${i},${(i % 97) * 1.5},k${i % 7},${i % 5 === 0 ? 'yes' : 'no'}`);
  writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
  const env = { DICTL_QUIET: '', DICTL_PROGRESS_MS: '1' };

  it('register and feature build print counts, rate and ETA; --json prints none', () => {
    const r = must(cli(dir, ['dataset', 'register', 'big', '--file', 'big.csv', '--steward', 'a@b.co', '--consent', 'opt-in'], { env: env }));
    expect(r.stderr).toMatch(/^Writing big\.csv as Parquet… \d+% [\d,]+\/[\d,]+ rows( · [\d.]+[kM]? rows\/s( · ETA \d+ s)?)?$/m);
    expect(r.stderr).toMatch(/^Profiling… \d+% [\d,]+\/[\d,]+ rows/m);
    must(cli(dir, ['holdout', 'create', 'big@1', '--fraction', '0.2', '--seed', '1']));
    writeFileSync(join(dir, 'features/big.yaml'), 'source: big@1\nlabel: {column: label, positive: "yes"}\nfeatures:\n  - column: a\n    transforms: [{impute: median}, standardize]\n  - column: c\n    transforms: [{impute: mode}, one_hot]\n');
    const b = must(cli(dir, ['feature', 'build', 'big'], { env: env }));
    expect(b.stderr).toMatch(/^writing 8 feature columns… \d+% [\d,]+\/[\d,]+ rows/m);
    const j = must(cli(dir, ['dataset', 'register', 'big2', '--file', 'big.csv', '--steward', 'a@b.co', '--consent', 'opt-in', '--json'], { env: env }));
    expect(j.stderr).toBe('');
  });

  it('score on files counts events against the file; -q prints nothing, not even the summary', () => {
    must(cli(dir, ['train', '--features', 'big', '--name', 'm', '--c', '1']));
    must(cli(dir, ['package', 'm@1', '--out', 'pkg']));
    const s = must(cli(dir, ['score', '--package', 'pkg', '--input', 'big.csv', '--output', 'out.csv'], { env: env }));
    expect(s.stderr).toMatch(/^Scoring big\.csv… \d+% [\d,]+\/600,000 events/m);
    // a Parquet input: the total comes from the file's footer, so there is a percentage (and an ETA)
    const p = must(cli(dir, ['score', '--package', 'pkg', '--input', 'datasets/big/1/data.parquet', '--out', 'out2.csv'], { env: env }));
    expect(p.stderr).toMatch(/^Scoring \S*data\.parquet… \d+% [\d,]+\/600,000 events/m);
    const q = must(cli(dir, ['score', '--package', 'pkg', '-q'], { env: env, input: '{"a": 1, "c": "k1"}\n' }));
    expect(q.stdout.trim().split('\n')).toHaveLength(1);
    expect(q.stderr).toBe('');
  });
});
