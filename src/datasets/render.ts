/** Human renderings of dataset records (tables without colour). */
import type { ColumnProfile, DatasetVersion } from '../types.js';
import { fmtNum, renderTable } from '../ui/table.js';

export function summarizeProfile(p: ColumnProfile): string {
  if (p.top) return p.top.slice(0, 3).map((t) => `${t.value} (${t.count})`).join(', ') + (p.distinct > 3 ? ', …' : '');
  if (p.mean !== undefined) return `min ${fmtNum(Number(p.min))} · max ${fmtNum(Number(p.max))} · mean ${fmtNum(p.mean)} · sd ${p.stddev === undefined ? '-' : fmtNum(p.stddev)}`;
  if (p.min !== undefined) return `${p.min} … ${p.max}`;
  return '';
}

export function renderDatasetVersion(m: DatasetVersion & { existing?: boolean; versions?: number[] }): string {
  const lines: string[] = [];
  lines.push(`${m.ref}${m.existing ? '  (already registered: identical source bytes, no new version)' : ''}`);
  const kv: [string, string | undefined][] = [
    ['rows', String(m.rows)],
    ['columns', String(m.columns.length)],
    ['steward', m.steward],
    ['consent', m.consent],
    ['pii', m.pii.length ? m.pii.join(', ') : 'none'],
    ['source', m.sourceDescription],
    ['license', m.license],
    ['description', m.description],
    ['tags', Object.keys(m.tags).length ? Object.entries(m.tags).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
    ['file', m.source.file ? `${m.source.file} (${m.source.format}, ${m.source.bytes} bytes)` : m.source.format],
    ['source sha256', m.source.sha256],
    ['data sha256', m.dataSha256],
    ['parents', m.parents.length ? m.parents.join(', ') : undefined],
    ['sql', m.sql],
    ['registered', `${m.createdAt} by ${m.createdBy}`],
    ['versions', m.versions ? m.versions.join(', ') : undefined],
  ];
  for (const [k, v] of kv) if (v !== undefined) lines.push(`  ${(k + ':').padEnd(15)} ${v}`);
  const rows = m.columns.map((c) => {
    const p = m.profile.find((x) => x.name === c.name);
    return [c.name + (m.pii.includes(c.name) ? ' [PII]' : ''), c.type, c.nullable ? 'yes' : 'no', p?.nulls ?? '', p?.distinct ?? '', p ? summarizeProfile(p) : ''];
  });
  lines.push(renderTable(['column', 'type', 'nullable', 'nulls', 'distinct', 'profile'], rows));
  return lines.join('\n');
}

/** After `dataset register`: a few lines, not the whole profile (that is `dataset show`). */
export function renderRegistered(m: DatasetVersion): string {
  const byType = new Map<string, number>();
  for (const c of m.columns) byType.set(c.type, (byType.get(c.type) ?? 0) + 1);
  const withNulls = m.profile.filter((p) => p.nulls > 0).length;
  return [
    `Registered ${m.ref}: ${m.rows.toLocaleString('en-US')} rows, ${m.columns.length} columns (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')})${withNulls ? `; ${withNulls} with missing values` : ''}`,
    `  steward ${m.steward}, consent ${m.consent}${m.pii.length ? `, PII: ${m.pii.join(', ')}` : ''}; data sha256 ${m.dataSha256.slice(0, 12)}`,
    `  column profile: dictl dataset show ${m.ref}`,
  ].join('\n');
}
