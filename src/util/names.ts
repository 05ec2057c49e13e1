import { usageError } from '../errors.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Names of datasets, feature sets, models, aliases: become folder names, so anything that could
 * escape a folder or confuse a shell is refused.
 */
export function validateName(kind: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw usageError(`${kind} name is empty`);
  if (name.length > 128) throw usageError(`${kind} name is longer than 128 characters`);
  if (name.includes('\0')) throw usageError(`${kind} name contains a NUL byte`);
  if (name.includes('/') || name.includes('\\')) throw usageError(`${kind} name "${name}" contains a path separator`);
  if (name.includes('..')) throw usageError(`${kind} name "${name}" contains ".."`);
  if (!NAME_RE.test(name))
    throw usageError(`${kind} name "${name}" is not allowed`, 'use letters, digits, ".", "_" and "-", starting with a letter or digit');
  return name;
}

export interface Ref {
  name: string;
  /** a version number, or a symbolic reference ("latest", an alias such as "champion") */
  ref: number | string;
}

/** Parses NAME, NAME@3, NAME@latest, NAME@champion. A bare NAME means latest. */
export function parseRef(kind: string, text: string): Ref {
  const at = text.lastIndexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const r = at < 0 ? 'latest' : text.slice(at + 1);
  validateName(kind, name);
  if (r === '') throw usageError(`${kind} reference "${text}" has nothing after "@"`, `use ${name}@1, ${name}@latest or ${name}@ALIAS`);
  if (/^\d+$/.test(r)) {
    const n = Number(r);
    if (n < 1) throw usageError(`${kind} version must be 1 or more, got "${r}"`);
    return { name, ref: n };
  }
  validateName(`${kind} alias`, r);
  return { name, ref: r };
}

export const formatRef = (name: string, version: number) => `${name}@${version}`;
