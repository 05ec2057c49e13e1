/**
 * `dataset derive NAME --from A@1 [--from B@2] --sql "SELECT ..."`: runs the user's query in DuckDB
 * over the named parent versions and registers the result with its parents and SQL as lineage.
 *
 * Safety: parents are loaded into in-memory tables first, then file access is switched off
 * (enable_external_access=false, only the staging folder allowed, configuration locked), and the SQL
 * must be exactly one query (it is wrapped in CREATE TABLE … AS SELECT * FROM (…)). So the query can
 * read the parents and nothing else: no files, no ATTACH, no COPY, no extensions.
 */

import { dataError, DictlError, environmentError, usageError } from '../errors.js';
import { openDuck, sqlIdent, sqlString } from '../io/duck.js';
import type { Consent, DatasetVersion } from '../types.js';
import type { Progress } from '../ui/progress.js';
import { hashValue } from '../util/hash.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { condenseDuckError } from '../datasets/csv-check.js';
import { commitStagedUnlocked, stageRelation, validateMetadata, withStaging, type RegisterResult } from '../datasets/register.js';
import { locked } from '../io/lock.js';
import { resolveModel } from '../registry/models.js';
import { addSegmentColumn } from './segment-column.js';
import { datasetDataPath, resolveDataset } from '../datasets/store.js';

export interface DeriveOptions {
  name: string;
  from: string[];
  sql: string;
  steward?: string;
  description?: string;
  pii?: string[];
  tags?: Record<string, string>;
  wait?: number;
  /** a segmentation model (NAME@VERSION): its segment of every result row becomes a `segment` column */
  segments?: string;
}

const quiet: Progress = { phase() {}, tick() {}, log() {}, warn() {}, done() {} };

/** The most restrictive consent of the parents: opt-out > unknown > opt-in > not-required. */
export function inheritedConsent(parents: Pick<DatasetVersion, 'consent'>[]): Consent {
  const order: Consent[] = ['opt-out', 'unknown', 'opt-in', 'not-required'];
  for (const c of order) if (parents.some((p) => (p.consent ?? 'unknown') === c)) return c;
  return 'unknown';
}

/** Table names the SQL sees: the dataset name and NAME_vN (only NAME_vN when two versions of one name are used), plus
 * the same with any character other than letters, digits and _ replaced by _. */
export function tableNames(parents: Pick<DatasetVersion, 'name' | 'version'>[]): string[][] {
  const count = new Map<string, number>();
  for (const p of parents) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const plain = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  return parents.map((p) => {
    const names = (count.get(p.name) ?? 0) > 1 ? [`${p.name}_v${p.version}`] : [p.name, `${p.name}_v${p.version}`];
    // "churn-intl" also as churn_intl, so the SQL needs no quotes
    for (const n of [...names]) if (plain(n) !== n && !names.includes(plain(n))) names.push(plain(n));
    return names;
  });
}

export async function deriveDataset(ws: Workspace, o: DeriveOptions, progress: Progress = quiet): Promise<RegisterResult> {
  const name = validateName('dataset', o.name);
  if (o.from.length === 0) throw usageError('give at least one parent with --from NAME@VERSION');
  const parents = o.from.map((r) => resolveDataset(ws, r));
  if (o.segments !== undefined && !o.sql.trim() && parents.length === 1) o = { ...o, sql: `SELECT * FROM ${sqlIdent(tableNames(parents)[0][0])}` };
  if (!o.sql.trim()) throw usageError('--sql is empty');
  const segModel = o.segments !== undefined ? resolveModel(ws, o.segments) : undefined;
  if (segModel && segModel.model.task !== 'segmentation') throw usageError(`--segments needs a segmentation model; ${segModel.ref} is ${segModel.model.task}`, 'train one: dictl train --features NAME --name segments --model kmeans --k 6');
  const refs = parents.map((p) => p.ref);
  if (new Set(refs).size !== refs.length) throw usageError(`a parent is listed twice: ${refs.join(', ')}`);
  const steward = o.steward ?? parents[0].steward;
  validateMetadata({ steward, tags: o.tags });
  const sql = o.sql.trim().replace(/;\s*$/, '');
  const identity = hashValue({ parents: parents.map((p) => ({ ref: p.ref, dataSha256: p.dataSha256 })), sql, ...(segModel ? { segments: segModel.ref } : {}) });

  return withStaging(ws, name, async (staging) => {
    const duck = await openDuck();
    let staged;
    try {
      const names = tableNames(parents);
      progress.phase(`Loading ${refs.join(', ')}`);
      for (let i = 0; i < parents.length; i++) {
        const [first, ...more] = names[i];
        await duck.run(`CREATE TABLE ${sqlIdent(first)} AS SELECT * FROM read_parquet(${sqlString(datasetDataPath(ws, parents[i].name, parents[i].version))})`);
        for (const m of more) await duck.run(`CREATE VIEW ${sqlIdent(m)} AS SELECT * FROM ${sqlIdent(first)}`);
      }
      await duck.run(`SET allowed_directories = [${sqlString(staging.endsWith('/') ? staging : staging + '/')}]`);
      await duck.run('SET enable_external_access = false');
      await duck.run('SET lock_configuration = true');
      const wrapped = `CREATE TABLE __derived AS SELECT * FROM (\n${sql}\n)`;
      const stmts = await duck.conn.extractStatements(wrapped).catch((e: Error) => {
        throw usageError(`--sql does not parse: ${condenseDuckError(e.message)}`);
      });
      if (stmts.count !== 1) throw usageError('--sql must be one SELECT query (no ";" between statements)');
      progress.phase('Running the SQL');
      try {
        await duck.run(wrapped);
      } catch (e) {
        const msg = condenseDuckError((e as Error).message);
        if (/Permission Error|file system operations are disabled/i.test((e as Error).message))
          throw usageError(`--sql may read only its parents (${names.flat().join(', ')}), not files: ${msg}`);
        throw usageError(`--sql failed: ${msg}`, `tables: ${names.flat().join(', ')}`);
      }
      if (segModel) await addSegmentColumn(duck, '__derived', segModel.model, progress);
      staged = await stageRelation(duck, '__derived', staging, { what: 'the derived data', progress, naHint: 'filter or coalesce NaN/Infinity in the SQL' });
    } catch (e) {
      if (e instanceof DictlError) throw e;
      throw environmentError(e) ?? dataError(`derive failed: ${condenseDuckError((e as Error).message)}`);
    } finally {
      duck.close();
    }
    const cols = new Set(staged.columns.map((c) => c.name));
    const pii = [...new Set([...parents.flatMap((p) => p.pii ?? []).filter((c) => cols.has(c)), ...(o.pii ?? [])])];
    for (const c of o.pii ?? []) if (!cols.has(c)) throw usageError(`--pii column "${c}" is not a column of the result`);
    return locked(ws, o.wait, `dataset derive ${name}`, () =>
      commitStagedUnlocked(
        ws,
        name,
        { ...staged, staging },
        {
          source: { format: 'derived', sha256: identity, bytes: Buffer.byteLength(sql) },
          steward,
          consent: inheritedConsent(parents),
          pii,
          description: o.description,
          tags: o.tags ?? {},
          parents: refs,
          sql,
          license: [...new Set(parents.map((p) => p.license).filter(Boolean))].join(' + ') || undefined,
          sourceDescription: `derived from ${refs.join(', ')}${segModel ? `, with the segments of ${segModel.ref}` : ''}`,
          ...(segModel ? { models: [segModel.ref] } : {}),
        },
        { action: 'dataset.derive' },
      ),
    );
  });
}

