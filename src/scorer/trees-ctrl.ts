/**
 * The control words the native tree scorer (trees.ts) shares with its walker thread
 * (trees-worker.ts). A job is a batch of n rows in blocks of BLOCK_ROWS; either thread claims the
 * next block by compare-and-swap on `next` = (job tag << 16) | block, so a thread that is slow to
 * wake (a shared machine) leaves its blocks to the other instead of holding the batch up, and a
 * stale claim for an earlier job cannot succeed. `finished` counts the job's walked blocks.
 */
export const CTRL = { seq: 0, stop: 1, failed: 2, p: 3, n: 4, next: 5, finished: 6, mode: 7 } as const;

/** what the job's feature buffer holds: the pipeline's row-major outputs, or the raw input columns (column j at j·rows) */
export const MODE = { rows: 0, columns: 1 } as const;

/** the p columns of a feature buffer sized for `rows` rows (MODE.columns) */
export function columnViews(x: SharedArrayBuffer, p: number, rows: number): Float64Array[] {
  return Array.from({ length: p }, (_, j) => new Float64Array(x, j * rows * 8, rows));
}

export const BLOCK_ROWS = 256;

/** the job tag of sequence number s (15 bits: the word stays a positive int32) */
export const tagOf = (s: number): number => s & 0x7fff;

/**
 * Claims and walks blocks of job `s` until none is left; walk(i0, i1) does rows [i0, i1).
 * Returns the number of blocks this thread walked.
 */
export function claimBlocks(c: Int32Array, s: number, walk: (i0: number, i1: number) => void): number {
  const n = c[CTRL.n];
  const blocks = Math.ceil(n / BLOCK_ROWS);
  const tag = tagOf(s) << 16;
  let done = 0;
  for (;;) {
    const v = Atomics.load(c, CTRL.next);
    if ((v & ~0xffff) !== tag) return done;
    const b = v & 0xffff;
    if (b >= blocks) return done;
    if (Atomics.compareExchange(c, CTRL.next, v, v + 1) !== v) continue;
    try {
      walk(b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS));
    } catch (e) {
      console.error(e);
      Atomics.store(c, CTRL.failed, 1);
    }
    done++;
    Atomics.add(c, CTRL.finished, 1);
    Atomics.notify(c, CTRL.finished);
  }
}
