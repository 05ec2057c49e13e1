/**
 * `review export --as-dataset NAME`: the resolved cases of a model become a new dataset version (the
 * model's raw inputs + the human label in the model's label column + review_* columns) with lineage to
 * the model, the policy versions and the source streams. It goes through the dataset engineer's
 * staging/commit path (stageRelation, then commitStagedUnlocked under the workspace lock), so it is
 * profiled, hashed and audited like any registered dataset; identical exports reuse the existing version.
 */
import { labelOf } from '../ml/families/label.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import type { Progress } from '../ui/progress.js';
import { sha256 } from '../util/hash.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { readCases, reviewModels } from '../review/queue.js';
import { readModelVersion } from '../registry/models.js';
import { withStaging, stageRelation, commitStagedUnlocked } from '../datasets/register.js';
import { locked } from '../io/lock.js';
import { openDuck, sqlString } from '../io/duck.js';
import { resolveDataset } from '../datasets/store.js';
import { currentPolicy } from '../decide/policy-store.js';
import type { Consent } from '../types.js';

export interface ExportResult {
  dataset: string;
  existing: boolean;
  rows: number;
  model: string;
  parents: string[];
  tags: Record<string, string>;
  path: string;
}

/** export columns for up to n reasons (values as text: a reason's value may be a number or a category) */
function reasonColumns(n: number, base: boolean): Record<string, string> {
  const out: Record<string, string> = base ? { review_base: 'DOUBLE' } : {};
  for (let i = 1; i <= n; i++) Object.assign(out, { [`review_reason${i}_column`]: 'VARCHAR', [`review_reason${i}_value`]: 'VARCHAR', [`review_reason${i}_contribution`]: 'DOUBLE' });
  return out;
}

function reasonCells(c: { base?: number; reasons?: { column: string; value: unknown; contribution: number }[] }, n: number): Record<string, unknown> {
  const out: Record<string, unknown> = { review_base: c.base ?? null };
  for (let i = 0; i < n; i++) {
    const r = c.reasons?.[i];
    out[`review_reason${i + 1}_column`] = r?.column ?? null;
    out[`review_reason${i + 1}_value`] = r && r.value !== null && r.value !== undefined ? String(r.value) : null;
    out[`review_reason${i + 1}_contribution`] = r?.contribution ?? null;
  }
  return out;
}

export async function exportReviews(ws: Workspace, name: string, o: { model?: string; steward?: string; wait?: number; progress?: Progress }): Promise<ExportResult> {
  validateName('dataset', name);
  let model = o.model;
  if (!model) {
    const ms = reviewModels(ws);
    if (ms.length === 0) throw usageError('the review queue is empty', 'score with a policy first: dictl score ...');
    if (ms.length > 1) throw usageError(`reviews exist for several models (${ms.join(', ')}); pass --model NAME`);
    model = ms[0];
  }
  const cases = readCases(ws, model).filter((c) => c.resolution);
  if (cases.length === 0) throw usageError(`no resolved review cases for ${model}`, 'resolve some first: dictl review resolve ID --label yes|no --by EMAIL');
  const versions = [...new Set(cases.map((c) => c.modelVersion))].sort((a, b) => a - b);
  const mv = readModelVersion(ws, model, versions[versions.length - 1]);
  const label = labelOf(mv);
  const negative = label.negative ?? label.classes?.find((c) => c !== label.positive) ?? 'no';
  const inputs = mv.pipeline.inputs;
  // the reasons each case was queued with: review_base, review_reasonI_{column,value,contribution}
  const nReasons = Math.max(0, ...cases.map((c) => c.reasons?.length ?? 0));
  const reasonCols = reasonColumns(nReasons, cases.some((c) => c.base !== undefined));
  const reserved = new Set([label.column, 'review_id', 'review_score', 'review_band', 'review_by', 'review_model_version', 'review_policy_version', 'review_source', ...Object.keys(reasonCols)]);
  for (const i of inputs) if (reserved.has(i.name) && i.name !== label.column) throw usageError(`input column "${i.name}" clashes with an export column`);
  // stable order: by case id, so the same resolutions give the same bytes
  cases.sort((a, b) => (a.id < b.id ? -1 : 1));
  const lines = cases.map((c) => {
    const row: Record<string, unknown> = {};
    for (const i of inputs) row[i.name] = c.input[i.name] ?? null;
    row[label.column] = c.resolution!.label === 'yes' ? (label.positive ?? 'yes') : negative;
    Object.assign(row, {
      review_id: c.id,
      review_score: c.score,
      review_band: c.band,
      review_by: c.resolution!.by,
      review_model_version: c.modelVersion,
      review_policy_version: c.policyVersion,
      review_source: c.source,
    });
    if (Object.keys(reasonCols).length) Object.assign(row, reasonCells(c, nReasons));
    return JSON.stringify(row);
  });
  const text = lines.join('\n') + '\n';
  const tmp = mkdtempSync(join(tmpdir(), 'dictl-review-export-'));
  const file = join(tmp, 'reviews.ndjson');
  writeFileSync(file, text);
  try {
    const colTypes: Record<string, string> = {};
    for (const i of inputs) colTypes[i.name] = i.type === 'number' ? 'DOUBLE' : 'VARCHAR';
    Object.assign(colTypes, {
      [label.column]: 'VARCHAR',
      review_id: 'VARCHAR',
      review_score: 'DOUBLE',
      review_band: 'VARCHAR',
      review_by: 'VARCHAR',
      review_model_version: 'BIGINT',
      review_policy_version: 'BIGINT',
      review_source: 'VARCHAR',
      ...reasonCols,
    });
    const rel = `read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${Object.entries(colTypes)
      .map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`)
      .join(', ')}})`;
    const policies = [...new Set(cases.map((c) => c.policyVersion))].sort((a, b) => a - b);
    const sources = [...new Set(cases.map((c) => c.source))].sort();
    const tags: Record<string, string> = {
      model: versions.map((v) => `${model}@${v}`).join(','),
      policy: policies.map((p) => `${model}/policy@${p}`).join(','),
      source: sources.join(',').slice(0, 500),
      origin: 'review',
    };
    const parents = [mv.lineage.dataset];
    // consent and PII flags follow the data the inputs came from
    let parent: { consent: Consent; pii: string[] } = { consent: 'unknown', pii: [] };
    try {
      parent = resolveDataset(ws, mv.lineage.dataset);
    } catch {
      /* parent gone: keep unknown */
    }
    const exported = new Set(Object.keys(colTypes));
    const steward = o.steward ?? currentPolicy(ws, model)?.owner ?? 'unknown';
    return await withStaging(ws, name, async (staging) => {
      const duck = await openDuck();
      let staged;
      try {
        staged = await stageRelation(duck, rel, staging, { what: `${cases.length} reviewed cases`, progress: o.progress ?? { phase() {}, tick() {}, log() {}, warn() {}, done() {} }, textColumns: [label.column, ...Object.keys(reasonCols).filter((c) => c.endsWith('_value'))] });
      } finally {
        duck.close();
      }
      const r = await locked(ws, o.wait, `review export --as-dataset ${name}`, () =>
        commitStagedUnlocked(
          ws,
          name,
          { ...staged, staging },
          {
            source: { format: 'review', sha256: sha256(text), bytes: Buffer.byteLength(text) },
            steward,
            sourceDescription: `human review labels of ${model} (${sources.join(', ')})`,
            consent: parent.consent,
            pii: parent.pii.filter((c) => exported.has(c)),
            description: `${cases.length} cases reviewed by humans, labelled in "${label.column}"`,
            tags,
            parents,
          },
          { action: 'dataset.register' },
        ),
      );
      return { dataset: r.ref, existing: r.existing, rows: r.rows, model, parents, tags, path: r.path };
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
