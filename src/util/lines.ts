/** Counts the lines of a file (newline bytes, plus a last line without one) in one buffered pass. */
import { closeSync, openSync, readSync } from 'node:fs';

export function countLines(path: string): number {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  let last = 10;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      let i = buf.indexOf(10, 0);
      while (i !== -1 && i < got) {
        n++;
        i = buf.indexOf(10, i + 1);
      }
      last = buf[got - 1];
    }
  } finally {
    closeSync(fd);
  }
  return last === 10 ? n : n + 1;
}
