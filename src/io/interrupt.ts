/**
 * Ctrl-C (SIGINT) and SIGTERM while a writer holds the workspace lock or owns a staging folder: the
 * registered clean-ups run (newest first: staging folders and temp files removed, the lock released),
 * "interrupted" is printed on stderr and the process exits 130 (SIGTERM: 143). The handler is installed
 * only while there is something to clean up, so commands with their own signal handling (streams,
 * pipes) keep it when they hold nothing.
 */
const cleanups = new Map<number, () => void>();
let next = 0;
let installed = false;

function onSignal(sig: NodeJS.Signals): void {
  const list = [...cleanups.values()].reverse();
  cleanups.clear();
  for (const fn of list) {
    try {
      fn();
    } catch {
      /* best effort: doctor --repair clears what is left */
    }
  }
  process.stderr.write('interrupted\n');
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

function sync(): void {
  const want = cleanups.size > 0;
  if (want === installed) return;
  installed = want;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    if (want) process.on(sig, onSignal);
    else process.off(sig, onSignal);
  }
}

/** Registers a clean-up to run if the process is interrupted; returns the function that unregisters it. */
export function onInterrupt(fn: () => void): () => void {
  const id = next++;
  cleanups.set(id, fn);
  sync();
  return () => {
    cleanups.delete(id);
    sync();
  };
}
