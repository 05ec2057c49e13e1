/**
 * command_not_found, beside @oclif/plugin-not-found: that plugin warns and, on a terminal, offers the
 * closest command in a prompt; when stdin is not a terminal (scripts, CI, pipes) it names nothing. This
 * hook prints the closest command there, with the same distance measure, so `dictl model lst` in a
 * script still says `Did you mean "dictl model list"?`. The plugin then ends the run (exit 127).
 */
import type { Hook } from '@oclif/core';
import { toConfiguredId } from '@oclif/core';
// @ts-expect-error: fast-levenshtein ships no type declarations (get(a, b, {useCollator}) → number)
import levenshteinModule from 'fast-levenshtein';
const levenshtein = levenshteinModule as { get(a: string, b: string, o?: { useCollator?: boolean }): number };

export function closestCommand(id: string, ids: string[]): { id: string; distance: number } | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const c of ids) {
    const d = levenshtein.get(id, c, { useCollator: true });
    if (!best || d < best.distance) best = { id: c, distance: d };
  }
  return best;
}

const hook: Hook<'command_not_found'> = async function (opts) {
  if (process.stdin.isTTY) return;
  const hidden = new Set(opts.config.commands.filter((c) => c.hidden).map((c) => c.id));
  const ids = [...opts.config.commandIDs, ...opts.config.commands.flatMap((c) => c.aliases)].filter((c) => !hidden.has(c));
  const best = closestCommand(opts.id, ids);
  // far-off guesses help no one: at most about a third of the typed id may differ
  if (!best || best.distance > Math.max(2, Math.ceil(opts.id.length / 3))) return;
  process.stderr.write(`Did you mean "${opts.config.bin} ${toConfiguredId(best.id, opts.config)}"?\n`);
};

export default hook;
