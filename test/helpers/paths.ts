/** Where ../shared (beside the repo) is, on a developer machine and on CI alike. */
import { resolve } from 'node:path';

export const SHARED = process.env.DICTL_SHARED ?? resolve(__dirname, '..', '..', '..', 'shared');
