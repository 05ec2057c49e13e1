/** oclif parse errors as one line, and the usage line of a command. */
import { describe, expect, it } from 'vitest';
import { parseErrorMessage, usageLine } from '../../../src/ui/usage.js';

describe('missing arguments and flags are named', () => {
  it('pure: oclif messages become one line', () => {
    expect(parseErrorMessage({ message: 'The following error occurred:\n  \x1b[2mMissing required flag name\x1b[22m\nSee more help with --help' })).toBe('missing required flag --name');
    expect(usageLine('dictl', 'model:promote', { model: { required: true } }, { gate: { type: 'option', required: true }, json: { type: 'boolean' } })).toBe('dictl model promote MODEL --gate GATE [flags]');
  });
});
