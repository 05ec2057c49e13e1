/** Progress text: counts, rate and ETA; redrawn on a terminal, periodic plain lines otherwise, silent with --json/--quiet. */
import { describe, expect, it } from 'vitest';
import { duration, makeProgress, progressText } from '../../../src/ui/progress.js';

describe('progress text (pure)', () => {
  it('count, percentage, rate and ETA', () => {
    expect(progressText(450, 1000, 'rows', 1000)).toBe(' 45% 450/1,000 rows · 450 rows/s · ETA 1 s');
    expect(progressText(2_500_000, 5_000_000, 'rows', 2000)).toBe(' 50% 2,500,000/5,000,000 rows · 1.25M rows/s · ETA 2 s');
    expect(progressText(1200, undefined, 'events', 2000)).toBe(' 1,200 events · 600 events/s');
    expect(progressText(10, 100, 'rows', 100)).toBe(' 10% 10/100 rows'); // too early for a rate
    expect(duration(125)).toBe('2 min 05 s');
    expect(duration(3720)).toBe('1 h 02 min');
  });

  it('a pipe gets one line per phase and a plain line per interval; a terminal gets a redrawn line', () => {
    let t = 0;
    const out: string[] = [];
    const p = makeProgress({ tty: false, now: () => t, intervalMs: 1000, write: (s) => out.push(s) });
    p.phase('Writing x');
    for (t = 100; t <= 2500; t += 100) p.tick(t * 10, 25_000);
    expect(out).toEqual(['Writing x…\n', 'Writing x… 40% 10,000/25,000 rows · 10.0k rows/s · ETA 2 s\n', 'Writing x… 80% 20,000/25,000 rows · 10.0k rows/s · ETA 1 s\n']);
    const tty: string[] = [];
    t = 0;
    const q = makeProgress({ tty: true, now: () => t, write: (s) => tty.push(s) });
    q.phase('Fitting');
    t = 1000;
    q.tick(500, 1000);
    q.done();
    expect(tty).toEqual(['Fitting…', '\r\x1b[2KFitting… 50% 500/1,000 rows · 500 rows/s · ETA 1 s', '\r\x1b[2K']);
  });

  it('--json and --quiet print no phase or tick', () => {
    for (const o of [{ json: true }, { quiet: true }]) {
      const out: string[] = [];
      let t = 0;
      const p = makeProgress({ ...o, tty: false, now: () => t, intervalMs: 1, write: (s) => out.push(s) });
      p.phase('Writing x');
      t = 5000;
      p.tick(5, 10);
      expect(out).toEqual([]);
    }
  });
});
