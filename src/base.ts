/**
 * The one base command. It gives every command --json (exactly one JSON document on stdout), --debug
 * (stack traces, never otherwise), --workspace, --quiet, and the single error path that maps error
 * kinds to exit codes: 0 ok, 1 negative verdict, 2 usage, 3 bad data, 4 not found, 5 busy, 70 defect.
 */
import { Command, Flags, Interfaces } from '@oclif/core';
import { DictlError, EXIT_CODES, environmentError } from './errors.js';
import { makeProgress, type Progress } from './ui/progress.js';
import { parseErrorMessage, usageLine } from './ui/usage.js';
import { findWorkspace, type Workspace } from './workspace.js';
import { checkOutputPaths } from './io/outputs.js';

export const baseFlags = {
  json: Flags.boolean({ description: 'print one JSON document on stdout (logs and progress go to stderr)', default: false, helpGroup: 'GLOBAL' }),
  debug: Flags.boolean({ description: 'show stack traces on errors', default: false, helpGroup: 'GLOBAL' }),
  workspace: Flags.string({ char: 'w', description: 'workspace folder (default: found by walking up from the current folder)', helpGroup: 'GLOBAL', env: 'DICTL_WORKSPACE' }),
  quiet: Flags.boolean({ char: 'q', description: 'no progress or log lines on stderr', default: false, helpGroup: 'GLOBAL' }),
};

/** Flags of commands that write to the workspace. */
export const writeFlags = {
  wait: Flags.integer({ description: 'seconds to wait for the workspace lock instead of failing at once (exit 5)', default: 0, min: 0 }),
};

/** Flags of commands that can run out of core (DuckDB spills; training streams the matrix). */
export const memoryFlags = {
  'memory-limit': Flags.string({
    description: 'memory budget, e.g. 1GB or 4GB (default: memory_limit in dictl.yaml, else none): DuckDB spills beyond it into .dictl-spill/ in the workspace, removed afterwards',
  }),
};

export type BaseFlags = Interfaces.InferredFlags<typeof baseFlags>;

export interface ErrorDocument {
  error: { code: string; exitCode: number; message: string; hint?: string; usage?: string; details?: unknown };
}

export abstract class DictlCommand extends Command {
  static override baseFlags = baseFlags;

  protected jsonMode = false;
  protected debugMode = false;
  protected quietMode = false;
  protected progress: Progress = makeProgress({ quiet: true });
  private workspaceFlag?: string;
  private ws?: Workspace;

  /** Parses argv against the command class and sets up json/debug/progress. */
  protected async parseCommand<C extends Command.Class>(cls: C): Promise<{ flags: Interfaces.InferredFlags<C['flags']> & BaseFlags; args: Interfaces.InferredArgs<C['args']>; argv: unknown[] }> {
    this.jsonMode = this.argv.includes('--json');
    this.debugMode = this.argv.includes('--debug');
    // oclif types parse() by the flag definitions it is given; the class carries them as statics
    const parsed = (await this.parse(cls)) as unknown as { flags: Interfaces.InferredFlags<C['flags']> & BaseFlags; args: Interfaces.InferredArgs<C['args']>; argv: unknown[] };
    const f = parsed.flags as unknown as BaseFlags;
    this.jsonMode = f.json;
    this.debugMode = f.debug;
    this.workspaceFlag = f.workspace;
    this.quietMode = f.quiet;
    this.progress = makeProgress({ quiet: f.quiet, json: f.json });
    return parsed;
  }

  protected get workspace(): Workspace {
    this.ws ??= findWorkspace(this.workspaceFlag);
    return this.ws;
  }

  /**
   * Refuses output flags that would write into registry/, datasets/, onto dictl.yaml, under /proc, /sys,
   * /dev, onto a folder or onto one of `inputs` (src/io/outputs.ts). Commands call it before doing anything.
   */
  protected checkOutputs(outs: [flag: string, path: string | undefined, kind?: 'file' | 'dir'][], inputs: string[] = []): void {
    if (!outs.some(([, p]) => p)) return;
    let ws: Workspace | undefined;
    try {
      ws = this.workspace;
    } catch {
      ws = undefined; // outside a workspace (e.g. scoring with a package): only the other checks apply
    }
    checkOutputPaths(ws, outs, inputs);
  }

  /** Prints a command's typed result: JSON on stdout under --json, the human rendering otherwise. */
  protected emit<T>(result: T, human: (r: T) => string): T {
    this.progress.done();
    if (this.jsonMode) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const text = human(result);
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
    return result;
  }

  /**
   * For commands whose answer can be "no" (gate, validation, drift): prints the result like emit, then
   * exits 1 with a one-line reason when the verdict is negative.
   */
  protected emitVerdict<T>(result: T, ok: boolean, reason: string, human: (r: T) => string): T {
    this.emit(result, human);
    if (!ok) {
      process.stderr.write(`Error (VERDICT): ${reason}\n`);
      process.exitCode = EXIT_CODES.verdict;
    }
    return result;
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    this.progress.done();
    // oclif's own exits (e.g. --help, --version) pass through
    if (err && (err as { code?: string }).code === 'EEXIT') throw err;
    const env = environmentError(err);
    if (env) err = Object.assign(env, { stack: err.stack });
    let kind: string;
    let code: number;
    let hint: string | undefined;
    let details: unknown;
    let usage: string | undefined;
    let message = err?.message ?? String(err);
    if (err instanceof DictlError) {
      kind = err.kind;
      code = err.exitCode;
      // every error says where to look next: the command's help when there is no better hint
      hint = err.hint ?? (err.kind === 'verdict' ? undefined : `${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? ''} --help`.replace(/\s+/g, ' '));
      details = err.details;
    } else if (err && ('parse' in err || 'oclif' in err || /^Parsing --/.test(message) || err.name?.includes('Parse') || err.constructor?.name?.includes('Flag') || err.constructor?.name?.includes('Args'))) {
      kind = 'usage';
      code = EXIT_CODES.usage;
      message = parseErrorMessage(err as never);
      const cls = this.constructor as unknown as { args?: Record<string, never>; flags?: Record<string, never> };
      usage = usageLine(this.config.bin, this.id, cls.args, cls.flags);
      // the parse did run (and failed): no "did not parse its arguments" warning from oclif after this line
      (this as unknown as { parsed: boolean }).parsed = true;
      hint = `${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? ''} --help`.replace(/\s+/g, ' ');
    } else {
      kind = 'internal';
      code = EXIT_CODES.internal;
      hint = 'this is a defect in dictl; rerun with --debug and report the stack trace';
    }
    const label = kind.toUpperCase().replace('-', '_');
    const oneLine = message.replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`Error (${label}): ${oneLine}\n`);
    if (usage) process.stderr.write(`Usage: ${usage}\n`);
    if (hint) process.stderr.write(`Try: ${hint}\n`);
    if (this.debugMode && err?.stack) process.stderr.write(err.stack + '\n');
    if (this.jsonMode) {
      const doc: ErrorDocument = { error: { code: label, exitCode: code, message: oneLine, hint, ...(usage ? { usage } : {}), details } };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    }
    process.exitCode = code;
    return undefined;
  }
}
