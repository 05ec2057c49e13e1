/**
 * Progress and logs go to stderr only, so stdout stays one JSON document under --json.
 * On a terminal a live line is redrawn; otherwise one line per phase is printed.
 */
export interface Progress {
  phase(label: string): void;
  tick(done: number, total?: number): void;
  log(msg: string): void;
  warn(msg: string): void;
  done(): void;
}

export function makeProgress(opts: { quiet?: boolean } = {}): Progress {
  const tty = Boolean(process.stderr.isTTY);
  const quiet = opts.quiet || process.env.DICTL_QUIET === '1';
  let label = '';
  let last = 0;
  let live = false;
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
