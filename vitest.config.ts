import { defineConfig } from 'vitest/config';

// Three layers, laid out like the code, each with its own timeout (a test may still set a longer one):
//  - unit: pure and fast — no build, no CLI process (test/unit/<src folder>/…)
//  - cli:  one command through bin/run.js against dist/ (test/cli/<command>/…)
//  - e2e:  lifecycles, kill tests, Redis, the Spark job, the README walk-through (test/e2e/…)
// `npx vitest run --project unit` runs one layer. Shared helpers are in test/helpers/.
const layer = (name: string, timeout: number) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout: timeout, hookTimeout: timeout },
});

export default defineConfig({
  test: {
    pool: 'forks',
    // two test files at a time on the 2-core machines CI runs on (the default leaves one core idle)
    maxWorkers: 2,
    projects: [layer('unit', 30_000), layer('cli', 120_000), layer('e2e', 300_000)],
  },
});
