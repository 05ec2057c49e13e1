/**
 * Use only data you may use. Feature building and training call these before touching the data:
 * consent opt-out/unknown needs an explicit override (recorded by the caller in the lineage), and a
 * column the steward marked PII is never a feature unless the feature set says allow_pii: true.
 */
import { DictlError } from '../errors.js';
import type { DatasetVersion } from '../types.js';

/** Throws a data error (exit 3) on consent opt-out or unknown unless allowUnconsented; says whether it was overridden. */
export function assertConsent(ds: DatasetVersion, allowUnconsented: boolean): { overridden: boolean } {
  const consent = ds.consent ?? 'unknown';
  if (consent === 'opt-in' || consent === 'not-required') return { overridden: false };
  if (allowUnconsented) return { overridden: true };
  throw new DictlError('data', `dataset ${ds.ref} has consent "${consent}": it may not be used for training or features`, {
    hint: `once consent is recorded with the steward (${ds.steward}): dictl dataset consent ${ds.ref} --consent opt-in --reason "..." --actor YOU@example.com; or override with --allow-unconsented at feature build (recorded in the lineage)`,
    details: { dataset: ds.ref, consent, steward: ds.steward },
  });
}

/** Throws a data error (exit 3) naming the first PII column among `columns` unless allowPii. */
export function assertNoPii(ds: DatasetVersion, columns: string[], allowPii: boolean): void {
  if (allowPii) return;
  const pii = new Set(ds.pii ?? []);
  const bad = columns.filter((c) => pii.has(c));
  if (bad.length === 0) return;
  throw new DictlError('data', `column "${bad[0]}" of ${ds.ref} is marked PII and may not be used as a feature${bad.length > 1 ? ` (also: ${bad.slice(1).join(', ')})` : ''}`, {
    hint: 'remove it from the feature set, or set allow_pii: true in the feature set if its use is approved',
    details: { dataset: ds.ref, columns: bad },
  });
}
