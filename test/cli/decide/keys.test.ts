/**
 * Review cases are keyed by the event, not only by its inputs: two events with equal inputs are two
 * cases (a file's rows, the pipe's `id`s), and scoring the same events again queues nothing new.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { churnModel, decideCli as cli, cliWorkspace } from '../../helpers/workspace.js';

let dir: string;
let twin: Record<string, unknown>; // a holdout row whose score is in the review band
let other: Record<string, unknown>;

const ok = (args: string[], o: { input?: string } = {}) => {
  const r = cli(dir, args, o);
  if (r.code !== 0) throw new Error(`dictl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const pending = () => ok(['review', 'list']).json.cases as { id: string; key?: string; source: string; band: string; input: Record<string, unknown> }[];

beforeAll(async () => {
  let ws;
  ({ dir, ws } = cliWorkspace());
  const model = await churnModel(dir, ws);
  const inputs = model.pipeline.inputs.map((i) => i.name);
  const { loadSplitRows } = await import('../../../src/decide/data.js');
  const rows = (await loadSplitRows(ws, model, 'test')).rows.map((r) => Object.fromEntries(inputs.map((k) => [k, r[k] ?? null])));
  ok(['decide', 'policy', 'set', 'churn-model', '--owner', 'ana@example.com', '--act-above', '0.6', '--review-between', '0.3,0.6', '--action-high', 'retain-offer', '--action-low', 'none']);
  ok(['package', 'churn-model@1', '--out', join(dir, 'pkg')]);
  // find a review-band row and a low-band one with a throwaway pipe run (rows without ids: content keyed)
  const probe = ok(['score', '--package', join(dir, 'pkg')], { input: rows.slice(0, 200).map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const out = probe.stdout.trim().split('\n').map((l) => JSON.parse(l));
  twin = rows[out.findIndex((o) => o.band === 'review')];
  other = rows[out.findIndex((o) => o.band === 'low')];
  expect(twin && other).toBeTruthy();
}, 400_000);

describe('review cases keyed by event', () => {
  it('a file with the same review-band row twice queues two cases (row:0, row:2); re-scoring queues none', () => {
    const before = pending().length;
    const file = join(dir, 'twins.ndjson');
    writeFileSync(file, [twin, other, twin].map((r) => JSON.stringify(r)).join('\n') + '\n');
    ok(['score', '--package', join(dir, 'pkg'), '--input', file, '--output', join(dir, 'twins-out.ndjson')]);
    const fromFile = pending().filter((c) => c.source === file);
    expect(pending().length).toBe(before + 2);
    expect(fromFile.map((c) => c.key).sort()).toEqual(['row:0', 'row:2']);
    expect(fromFile[0].input).toEqual(fromFile[1].input);
    expect(new Set(fromFile.map((c) => c.id)).size).toBe(2);
    ok(['score', '--package', join(dir, 'pkg'), '--input', file, '--output', join(dir, 'twins-out2.ndjson')]);
    expect(pending().length).toBe(before + 2);
  }, 120_000);

  it('pipe events with ids: equal inputs under ids "a" and 7 are two cases keyed a and 7; a replay queues none', () => {
    const before = pending().length;
    const text = [JSON.stringify({ id: 'a', ...twin }), JSON.stringify({ id: 7, ...twin })].join('\n') + '\n';
    const r = ok(['score', '--package', join(dir, 'pkg')], { input: text });
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toMatchObject([{ id: 'a', band: 'review', review: true }, { id: 7, band: 'review', review: true }]);
    const piped = pending().filter((c) => c.source === 'stdin' && (c.key === 'a' || c.key === '7'));
    expect(piped).toHaveLength(2);
    expect(pending().length).toBe(before + 2);
    ok(['score', '--package', join(dir, 'pkg')], { input: text });
    expect(pending().length).toBe(before + 2);
  }, 120_000);
});
