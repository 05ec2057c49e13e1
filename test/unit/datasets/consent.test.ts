/** Consent and PII checks on a dataset version before training or features use it. */
import { describe, expect, it } from 'vitest';
import { assertConsent, assertNoPii } from '../../../src/datasets/consent.js';
import { DictlError } from '../../../src/errors.js';
import type { DatasetVersion } from '../../../src/types.js';

describe('policy', () => {
  const ds = (consent: DatasetVersion['consent'], pii: string[] = []): DatasetVersion =>
    ({ ref: 'churn@1', name: 'churn', version: 1, consent, pii, steward: 'dt@example.com' }) as DatasetVersion;
  it('consent opt-in and not-required pass; opt-out and unknown fail unless overridden', () => {
    expect(assertConsent(ds('opt-in'), false)).toEqual({ overridden: false });
    expect(assertConsent(ds('not-required'), false)).toEqual({ overridden: false });
    for (const c of ['opt-out', 'unknown'] as const) {
      try {
        assertConsent(ds(c), false);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DictlError);
        expect((e as DictlError).exitCode).toBe(3);
        expect((e as Error).message).toBe(`dataset churn@1 has consent "${c}": it may not be used for training or features`);
        expect((e as DictlError).hint).toContain('--allow-unconsented');
      }
      expect(assertConsent(ds(c), true)).toEqual({ overridden: true });
    }
  });
  it('PII columns fail by name unless allowed', () => {
    const d = ds('opt-in', ['phone', 'email']);
    expect(() => assertNoPii(d, ['age', 'plan'], false)).not.toThrow();
    expect(() => assertNoPii(d, ['age', 'email', 'phone'], false)).toThrow('column "email" of churn@1 is marked PII and may not be used as a feature (also: phone)');
    expect(() => assertNoPii(d, ['email'], true)).not.toThrow();
  });
});
