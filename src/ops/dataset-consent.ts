/**
 * `dataset consent`: amends the consent of a registered dataset version. The data bytes and their hash do
 * not change (holdouts and feature builds stay valid); meta.json gets a new metadata version with the
 * amendment (who, when, why, from → to), written atomically under the workspace lock, and the audit log
 * records it.
 */
import { usageError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { locked } from '../io/lock.js';
import { appendAudit } from '../io/audit.js';
import type { Consent, DatasetVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { CONSENTS } from '../datasets/register.js';
import { datasetMetaPath, readDatasetVersion, resolveDataset } from '../datasets/store.js';

export interface ConsentResult {
  dataset: string;
  from: Consent;
  to: Consent;
  metadataVersion: number;
  unchanged: boolean;
  dataSha256: string;
}

const PERSON_RE = /^([^\s@]+@[^\s@]+\.[^\s@]+|[A-Za-z0-9][A-Za-z0-9._-]*)$/;

export async function amendConsent(ws: Workspace, ref: string, o: { consent: string; reason: string; by: string; wait?: number }): Promise<ConsentResult> {
  if (!CONSENTS.includes(o.consent as Consent)) throw usageError(`--consent must be one of ${CONSENTS.join(', ')}, got "${o.consent}"`);
  if (!o.reason?.trim()) throw usageError('--reason is empty', 'say why the consent changed, e.g. --reason "opt-in collected in the 2026 renewal (ticket LEGAL-42)"');
  if (!PERSON_RE.test(o.by ?? '')) throw usageError(`--actor "${o.by ?? ''}" is not an e-mail address or a team id`);
  const target = resolveDataset(ws, ref);
  return locked(ws, o.wait, `dataset consent ${target.ref}`, () => {
    const ds: DatasetVersion = readDatasetVersion(ws, target.name, target.version);
    const from = ds.consent ?? 'unknown';
    const to = o.consent as Consent;
    const mv = ds.metadataVersion ?? 1;
    if (from === to) return { dataset: ds.ref, from, to, metadataVersion: mv, unchanged: true, dataSha256: ds.dataSha256 };
    const next: DatasetVersion = {
      ...ds,
      consent: to,
      metadataVersion: mv + 1,
      amendments: [...(ds.amendments ?? []), { metadataVersion: mv + 1, at: new Date().toISOString(), by: o.by, reason: o.reason, field: 'consent', from, to }],
    };
    writeJsonAtomic(datasetMetaPath(ws, ds.name, ds.version), next);
    appendAudit(ws, { action: 'dataset.consent', subject: ds.ref, actor: o.by, reason: o.reason, details: { from, to, metadataVersion: mv + 1, dataSha256: ds.dataSha256 } });
    return { dataset: ds.ref, from, to, metadataVersion: mv + 1, unchanged: false, dataSha256: ds.dataSha256 };
  });
}
