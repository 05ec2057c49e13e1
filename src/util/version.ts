/** dictl's own version, from the package.json beside dist/ or src/ ("0.0.0" if not found). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function dictlVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    for (const up of ['../../..', '../..']) {
      const p = join(here, up, 'package.json');
      if (existsSync(p)) {
        const j = JSON.parse(readFileSync(p, 'utf8'));
        if (j.name === 'dictl') return String(j.version);
      }
    }
  } catch {
    /* fall through */
  }
  return '0.0.0';
}
