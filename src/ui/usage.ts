/**
 * oclif's parse errors, said in one line that names what is wrong, plus the command's usage line. oclif's
 * own messages are several lines ("The following error occurred:" / "Missing 1 required arg:" and a list);
 * only their first line used to reach the user, which named nothing.
 */
const ANSI = /\x1b\[[0-9;]*m/g;

interface ArgDef {
  name?: string;
  description?: string;
  required?: boolean;
  options?: readonly string[];
}
interface FlagDef {
  name?: string;
  type?: string;
  required?: boolean;
  hidden?: boolean;
  helpValue?: string | string[];
  options?: readonly string[];
  char?: string;
}

/** One line naming the missing or wrong arguments and flags. */
export function parseErrorMessage(err: { message?: string; args?: ArgDef[]; flags?: string[] }): string {
  const text = (err.message ?? '').replace(ANSI, '');
  if (/^Missing \d+ required arg/.test(text) && Array.isArray(err.args) && err.args.length) {
    const names = err.args.map((a) => `${(a.name ?? 'ARG').toUpperCase()}${a.description ? ` (${a.description})` : ''}`);
    return `missing required argument${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== 'See more help with --help' && !/^The following errors? occurred:$/.test(l) && !/^Note: |^Alternatively, you can use/.test(l));
  if (lines.length >= 2 && /^Parsing --\S+$/.test(lines[0])) lines.splice(0, 2, `${lines[0].slice('Parsing '.length)}: ${lines[1]}`);
  const said = lines.map((l) => l.replace(/^Missing required flag (\S+)$/, 'missing required flag --$1'));
  return said.join('; ') || text.split('\n')[0];
}

/** "dictl dataset register NAME --file FILE --steward STEWARD [flags]" from a command's static args and flags. */
export function usageLine(bin: string, id: string | undefined, args: Record<string, ArgDef> = {}, flags: Record<string, FlagDef> = {}): string {
  const parts = [bin, ...(id ? id.split(':') : [])];
  for (const [name, a] of Object.entries(args)) parts.push(a.required ? name.toUpperCase() : `[${name.toUpperCase()}]`);
  let optional = false;
  for (const [name, f] of Object.entries(flags)) {
    if (f.hidden) continue;
    if (!f.required) {
      optional = true;
      continue;
    }
    if (f.type === 'boolean') parts.push(`--${name}`);
    else parts.push(`--${name} ${f.options?.length && f.options.length <= 4 ? f.options.join('|') : (typeof f.helpValue === 'string' ? f.helpValue : name.toUpperCase())}`);
  }
  if (optional) parts.push('[flags]');
  return parts.join(' ');
}
