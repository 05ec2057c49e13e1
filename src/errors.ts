/**
 * Every failure a user can meet is a DictlError with a kind; one place (base.ts) maps kinds to exit
 * codes. Anything else that escapes a command is a defect (exit 70).
 */
export type ErrorKind = 'verdict' | 'usage' | 'data' | 'not-found' | 'busy' | 'internal';

export const EXIT_CODES: Record<ErrorKind, number> = {
  verdict: 1, // a check ran and its answer was "no": gate failed, validation found bad rows
  usage: 2, // bad flags, arguments, names
  data: 3, // bad input data or file
  'not-found': 4, // dataset, model, version, alias, package missing
  busy: 5, // lock held, conflict
  internal: 70, // a defect in dictl
};

export class DictlError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly details?: unknown;
  constructor(kind: ErrorKind, message: string, opts: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DictlError';
    this.kind = kind;
    this.hint = opts.hint;
    this.details = opts.details;
  }
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

export const usageError = (msg: string, hint?: string) => new DictlError('usage', msg, { hint });
export const dataError = (msg: string, hint?: string, details?: unknown) => new DictlError('data', msg, { hint, details });
export const notFound = (msg: string, hint?: string) => new DictlError('not-found', msg, { hint });
export const busyError = (msg: string, hint?: string) => new DictlError('busy', msg, { hint });
export const verdictError = (msg: string, details?: unknown) => new DictlError('verdict', msg, { details });

const ENV_CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
};
const ENV_TEXT: [RegExp, string][] = [
  [/no space left on device/i, 'ENOSPC'],
  [/disk quota exceeded/i, 'EDQUOT'],
  [/read-only file system/i, 'EROFS'],
  [/is a directory/i, 'EISDIR'],
];

/**
 * A failure of the user's environment rather than of dictl — a full disk, a read-only file system, a
 * folder where a file belongs — as a data error (exit 3) naming the path and the cause. Recognises
 * Node's fs errors (code + path) and DuckDB's IO errors (which carry the text of the OS error).
 */
export function environmentError(err: unknown): DictlError | undefined {
  if (err instanceof DictlError || !err || typeof err !== 'object') return undefined;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  let code = typeof e.code === 'string' && e.code in ENV_CAUSES ? e.code : undefined;
  const msg = String(e.message ?? '');
  if (!code) code = ENV_TEXT.find(([re]) => re.test(msg))?.[1];
  if (!code) return undefined;
  // copy and rename fail on the side being written: name that one
  const path = (e.syscall === 'copyfile' || e.syscall === 'rename' ? e.dest : undefined) ?? e.path ?? e.dest ?? /(?:file|directory|path)\s+"([^"]+)"/i.exec(msg)?.[1] ?? /"(\/[^"]+)"/.exec(msg)?.[1];
  return new DictlError('data', `${path ? `${path}: ` : ''}${ENV_CAUSES[code]}`, { cause: err, hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space and run the command again; nothing was changed' : undefined });
}
