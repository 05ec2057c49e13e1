/**
 * The one base command. It gives every command --json (exactly one JSON document on stdout), --debug
 * (stack traces, never otherwise), --workspace, --quiet, and the single error path that maps error
 * kinds to exit codes: 0 ok, 1 negative verdict, 2 usage, 3 bad data, 4 not found, 5 busy, 70 defect.
 */
import { Command, Flags, Interfaces } from '@oclif/core';
import { DictlError, EXIT_CODES } from './errors.js';
import { makeProgress, type Progress } from './ui/progress.js';
import { findWorkspace, type Workspace } from './workspace.js';

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
  error: { code: string; exitCode: number; message: string; hint?: string; details?: unknown };
}

export abstract class DictlCommand extends Command {
  static override baseFlags = baseFlags;

  protected jsonMode = false;
  protected debugMode = false;
  protected progress: Progress = makeProgress({ quiet: true });
  private workspaceFlag?: string;
  private ws?: Workspace;

  /** Parses argv against the command class and sets up json/debug/progress. */
  protected async parseCommand<C extends Command.Class>(cls: C) {
    this.jsonMode = this.argv.includes('--json');
    this.debugMode = this.argv.includes('--debug');
    const parsed = await this.parse(cls);
    const f = parsed.flags as unknown as BaseFlags;
    this.jsonMode = f.json;
    this.debugMode = f.debug;
    this.workspaceFlag = f.workspace;
    this.progress = makeProgress({ quiet: f.quiet });
    return parsed;
  }

  protected get workspace(): Workspace {
    this.ws ??= findWorkspace(this.workspaceFlag);
    return this.ws;
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
    let kind: string;
    let code: number;
    let hint: string | undefined;
    let details: unknown;
    let message = err?.message ?? String(err);
    if (err instanceof DictlError) {
      kind = err.kind;
      code = err.exitCode;
      hint = err.hint;
      details = err.details;
    } else if (err && ('parse' in err || err.name?.includes('Parse') || err.constructor?.name?.includes('Flag') || err.constructor?.name?.includes('Args'))) {
      kind = 'usage';
      code = EXIT_CODES.usage;
      message = message.split('\n')[0];
      hint = `see: ${this.config.bin} ${this.id?.replace(/:/g, ' ') ?? ''} --help`.trim();
    } else {
      kind = 'internal';
      code = EXIT_CODES.internal;
      hint = 'this is a defect in dictl; rerun with --debug and report the stack trace';
    }
    const label = kind.toUpperCase().replace('-', '_');
    const oneLine = message.replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`Error (${label}): ${oneLine}\n`);
    if (hint) process.stderr.write(`Try: ${hint}\n`);
    if (this.debugMode && err?.stack) process.stderr.write(err.stack + '\n');
    if (this.jsonMode) {
      const doc: ErrorDocument = { error: { code: label, exitCode: code, message: oneLine, hint, details } };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    }
    process.exitCode = code;
    return undefined;
  }
}
