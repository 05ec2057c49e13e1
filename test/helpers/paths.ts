/** The repository and ../shared (beside the repo: the reference data sets and results), on a developer machine and on CI alike. */
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const SHARED = process.env.DICTL_SHARED ?? resolve(ROOT, '..', 'shared');
