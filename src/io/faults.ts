/**
 * Crash points for the kill test (scripts/killtest.mjs): when DICTL_TEST_KILL_AT names a point, the
 * process SIGKILLs itself there, e.g. between committing a version and appending its audit entry.
 * Only tests set the variable; unset (always, in use) this is one comparison.
 */
export function crashPoint(name: string): void {
  if (process.env.DICTL_TEST_KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}
