/** Consent can be amended (audited, a new metadata version, bytes unchanged); an override at feature build carries to train. */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, must } from '../../helpers/workspace.js';

describe('dataset consent', () => {
  it('refusal points to dataset consent; --allow-unconsented once at build; amendment keeps the bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dictl-consent-'));
    must(cli(tmpdir(), ['init', dir, '--example', 'churn']));
    must(cli(dir, ['dataset', 'register', 'churn', '--file', 'churn.csv', '--steward', 'crm@example.com']));
    must(cli(dir, ['holdout', 'create', 'churn@1', '--fraction', '0.2', '--stratify', 'churn', '--seed', '42']));
    const refused = cli(dir, ['feature', 'build', 'churn']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Error (DATA): dataset churn@1 has consent "unknown": it may not be used for training or features');
    expect(refused.stderr).toContain('Try: once consent is recorded with the steward (crm@example.com): dictl dataset consent churn@1 --consent opt-in --reason "..." --actor YOU@example.com');
    must(cli(dir, ['feature', 'build', 'churn', '--allow-unconsented']));
    const tr = must(cli(dir, ['train', '--features', 'churn', '--name', 'm', '--c', '1', '--json']));
    expect(tr.code).toBe(0);
    const model = JSON.parse(readFileSync(join(dir, 'registry/models/m/versions/1/model.json'), 'utf8'));
    expect(model.lineage.allowUnconsented).toBe(true);

    const before = JSON.parse(readFileSync(join(dir, 'datasets/churn/1/meta.json'), 'utf8'));
    const data = readFileSync(join(dir, 'datasets/churn/1/data.parquet'));
    const r = must(cli(dir, ['dataset', 'consent', 'churn@1', '--consent', 'opt-in', '--reason', 'opt-in collected at renewal', '--by', 'dpo@example.com', '--json']));
    expect(r.json).toEqual({ dataset: 'churn@1', from: 'unknown', to: 'opt-in', metadataVersion: 2, unchanged: false, dataSha256: before.dataSha256 });
    const after = JSON.parse(readFileSync(join(dir, 'datasets/churn/1/meta.json'), 'utf8'));
    expect(after).toMatchObject({ consent: 'opt-in', metadataVersion: 2, dataSha256: before.dataSha256 });
    expect(after.amendments).toEqual([expect.objectContaining({ metadataVersion: 2, by: 'dpo@example.com', reason: 'opt-in collected at renewal', field: 'consent', from: 'unknown', to: 'opt-in' })]);
    expect(readFileSync(join(dir, 'datasets/churn/1/data.parquet')).equals(data)).toBe(true);
    const audit = readFileSync(join(dir, 'registry/audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({ action: 'dataset.consent', subject: 'churn@1', actor: 'dpo@example.com', reason: 'opt-in collected at renewal' });
    // the build, keyed by the data hash, is still current; doctor is clean
    expect(must(cli(dir, ['feature', 'build', 'churn', '--json'])).json.unchanged).toBe(true);
    expect(must(cli(dir, ['doctor', '--json'])).code).toBe(0);
    const missing = cli(dir, ['dataset', 'consent', 'churn@1', '--consent', 'opt-in', '--reason', 'x']);
    expect(missing.stderr.split('\n')[0]).toBe('Error (USAGE): missing required flag --actor');
  });
});
