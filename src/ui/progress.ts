/**
 * Progress and logs go to stderr only, so stdout stays one JSON document under --json.
 * On a terminal a live line is redrawn: the phase, then with tick(done, total) the count, percentage, rate
 * and ETA. Otherwise (a pipe, a CI log) each phase is one line and a long phase adds a plain progress line
 * every few seconds (DICTL_PROGRESS_MS, default 5000). --quiet silences phases, ticks and logs; --json
 * silences phases and ticks (logs and warnings still go to stderr).
 * `count` reports counted work (e.g. fits of a search) with elapsed time and an ETA: redrawn on a
 * terminal, otherwise a plain line at most every PLAIN_EVERY_MS (and at the end).
 */
export interface Progress {
  /** a new step; `unit` names what tick() counts (default "rows") */
  phase(label: string, opts?: { unit?: string }): void;
  tick(done: number, total?: number): void;
  /** done of total units of the current phase, `detail` naming the current one (e.g. "C=1, fold 3/5") */
  count?(done: number, total: number, detail?: string): void;
  log(msg: string): void;
  warn(msg: string): void;
  done(): void;
  /** true when phases and ticks are shown (not --quiet or --json): worth counting a total for an ETA */
  readonly active?: boolean;
}

/**
 * The counting callback of the code below the commands (fits, searches, writes, queries): `done` of
 * `total` units, as a Progress's tick or count takes them. The one other shape is Progress itself.
 */
export type Tick = (done: number, total: number) => void;

export interface ProgressOptions {
  quiet?: boolean;
  /** --json: no phase or tick lines */
  json?: boolean;
  /** for tests: treat stderr as a terminal or not, a clock, and the plain-line interval */
  tty?: boolean;
  now?: () => number;
  intervalMs?: number;
  write?: (s: string) => void;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** "1.2M" style for rates: three significant digits. */
export function shortCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(n / 1e3).toPrecision(3)}k`;
  return a >= 100 ? String(Math.round(n)) : n.toPrecision(3).replace(/\.?0+$/, '');
}

/** "8 s", "2 min 05 s", "1 h 02 min". */
export function duration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '?';
  const s = Math.round(sec);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * Pure: the progress text after the label, e.g. " 45% 2,250,000/5,000,000 rows · 1.21M rows/s · ETA 2 s".
 * `elapsedMs` is the time since the count started from `startDone`.
 */
export function progressText(done: number, total: number | undefined, unit: string, elapsedMs: number, startDone = 0): string {
  const rate = elapsedMs > 0 ? ((done - startDone) * 1000) / elapsedMs : 0;
  const parts: string[] = [];
  if (total && total > 0) parts.push(`${Math.min(100, Math.floor((100 * done) / total))}% ${int(done)}/${int(total)} ${unit}`);
  else parts.push(`${int(done)} ${unit}`);
  if (rate > 0 && elapsedMs >= 500) {
    parts.push(`${shortCount(rate)} ${unit}/s`);
    if (total && total > done) parts.push(`ETA ${duration((total - done) / rate)}`);
  }
  return ' ' + parts.join(' · ');
}

/** Seconds for people: 0.4 s, 12.3 s, 4 min 05 s, 1 h 02 min. */
export function humanSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The text of a counted-progress line: "12/25 (48%) · detail · 12.3 s elapsed, ETA 13.1 s". */
export function countLine(done: number, total: number, elapsedMs: number, detail?: string): string {
  const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
  const eta = done > 0 && total > done ? `, ETA ${humanSeconds((elapsedMs / done) * (total - done))}` : '';
  return `${done}/${total} (${pct}%)${detail ? ` · ${detail}` : ''} · ${humanSeconds(elapsedMs)} elapsed${eta}`;
}

/** Plain (non-terminal) counted-progress lines are at most this often. */
export const PLAIN_EVERY_MS = 2000;

export function makeProgress(opts: ProgressOptions = {}): Progress {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY);
  const quiet = opts.quiet || process.env.DICTL_QUIET === '1';
  const silentProgress = quiet || Boolean(opts.json);
  const now = opts.now ?? Date.now;
  const interval = opts.intervalMs ?? (Number(process.env.DICTL_PROGRESS_MS) || 5000);
  const write = opts.write ?? ((s: string) => void process.stderr.write(s));
  let label = '';
  let unit = 'rows';
  let last = 0;
  let live = false;
  // the count's start: reset when a phase begins or the count goes back (a new query in the same phase)
  let t0 = 0;
  let start = 0;
  let prev = 0;
  let lastPlain = 0;
  const clear = () => {
    if (live) {
      write('\r\x1b[2K');
      live = false;
    }
  };
  return {
    active: !silentProgress,
    phase(l, o) {
      clear();
      label = l;
      unit = o?.unit ?? 'rows';
      t0 = now();
      last = t0;
      start = 0;
      prev = 0;
      lastPlain = 0;
      if (!silentProgress) write(tty ? `${l}…` : `${l}…\n`);
      live = tty && !silentProgress;
    },
    tick(done, total) {
      if (silentProgress) return;
      const t = now();
      if (done < prev) {
        t0 = t;
        start = done;
      }
      prev = done;
      if (tty) {
        if (t - last < 100) return;
        last = t;
        write(`\r\x1b[2K${label}…${progressText(done, total, unit, t - t0, start)}`);
        live = true;
      } else {
        if (t - last < interval) return;
        last = t;
        write(`${label}…${progressText(done, total, unit, t - t0, start)}\n`);
      }
    },
    count(done, total, detail) {
      if (silentProgress) return;
      const t = now();
      const line = `${label}: ${countLine(done, total, t - t0, detail)}`;
      if (tty) {
        if (t - last < 100 && done < total) return;
        last = t;
        write(`\r\x1b[2K${line}`);
        live = true;
      } else if (t - lastPlain >= PLAIN_EVERY_MS || done === total) {
        lastPlain = t;
        write(line + '\n');
      }
    },
    log(msg) {
      clear();
      if (!quiet) write(msg + '\n');
    },
    warn(msg) {
      clear();
      write(`Warning: ${msg}\n`);
    },
    done() {
      clear();
    },
  };
}
