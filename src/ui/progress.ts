/**
 * Progress and logs go to stderr only, so stdout stays one JSON document under --json.
 * On a terminal a live line is redrawn; otherwise one line per phase is printed.
 * `count` reports counted work (e.g. fits of a search) with elapsed time and an ETA: redrawn on a
 * terminal, otherwise a plain line at most every PLAIN_EVERY_MS (and at the end).
 */
export interface Progress {
  phase(label: string): void;
  tick(done: number, total?: number): void;
  /** done of total units of the current phase, `detail` naming the current one (e.g. "C=1, fold 3/5") */
  count?(done: number, total: number, detail?: string): void;
  log(msg: string): void;
  warn(msg: string): void;
  done(): void;
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

export function makeProgress(opts: { quiet?: boolean } = {}): Progress {
  const tty = Boolean(process.stderr.isTTY);
  const quiet = opts.quiet || process.env.DICTL_QUIET === '1';
  let label = '';
  let last = 0;
  let live = false;
  let phaseStart = Date.now();
  let lastPlain = 0;
  const clear = () => {
    if (live) {
      process.stderr.write('\r\x1b[2K');
      live = false;
    }
  };
  return {
    phase(l) {
      clear();
      label = l;
      phaseStart = Date.now();
      lastPlain = 0;
      if (!quiet) process.stderr.write(tty ? `${l}…` : `${l}…\n`);
      live = tty && !quiet;
    },
    tick(done, total) {
      if (quiet || !tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const pct = total ? ` ${Math.floor((100 * done) / total)}% (${done}/${total})` : ` ${done}`;
      process.stderr.write(`\r\x1b[2K${label}…${pct}`);
      live = true;
    },
    count(done, total, detail) {
      if (quiet) return;
      const now = Date.now();
      const line = `${label}: ${countLine(done, total, now - phaseStart, detail)}`;
      if (tty) {
        if (now - last < 100 && done < total) return;
        last = now;
        process.stderr.write(`\r\x1b[2K${line}`);
        live = true;
      } else if (now - lastPlain >= PLAIN_EVERY_MS || done === total) {
        lastPlain = now;
        process.stderr.write(line + '\n');
      }
    },
    log(msg) {
      clear();
      if (!quiet) process.stderr.write(msg + '\n');
    },
    warn(msg) {
      clear();
      process.stderr.write(`Warning: ${msg}\n`);
    },
    done() {
      clear();
    },
  };
}
