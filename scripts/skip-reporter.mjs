// A vitest reporter that records every skipped test with its reason (the note given to ctx.skip(note)),
// so scripts/test.js can list them under the summary line instead of counting them silently.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';

export default class SkipReporter {
  onTestCaseResult(test) {
    const r = test.result();
    if (r.state !== 'skipped' || !process.env.DICTL_SKIP_LOG) return;
    const file = relative(process.cwd(), test.module.moduleId);
    appendFileSync(process.env.DICTL_SKIP_LOG, JSON.stringify({ file, name: test.fullName, note: r.note ?? null }) + '\n');
  }
}
