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
