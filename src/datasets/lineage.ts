/**
 * `dataset lineage NAME[@VER]`: the graph around one dataset version — parent datasets upstream;
 * derived datasets, holdouts, feature builds, models and packages downstream. Registry records are read
 * defensively (a missing folder or an unreadable file is skipped), so this works at any stage of the
 * lifecycle. Rendering (Mermaid, DOT, text) is pure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetVersion } from '../types.js';
import type { Workspace } from '../workspace.js';
import { datasetVersions, listDatasetNames, readDatasetVersion, resolveDataset } from './store.js';

export type NodeKind = 'dataset' | 'holdout' | 'features' | 'model' | 'package';

export interface LineageNode {
  id: string;
  kind: NodeKind;
  label: string;
  /** upstream of, downstream of, or the dataset asked about */
  side: 'root' | 'upstream' | 'downstream';
  details?: Record<string, unknown>;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: 'derived' | 'split' | 'built' | 'trained' | 'tested' | 'packaged' | 'segmented';
}

export interface LineageGraph {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

function readJson(p: string): any {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
}

const dirs = (p: string): string[] => {
  try {
    return readdirSync(p, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
};

interface Registry {
  datasets: DatasetVersion[];
  holdouts: { hash: string; dataset: string; nTest?: number; method?: string }[];
  builds: { name: string; version: number; dataset: string; holdout?: string; hash?: string }[];
  models: { name: string; version: number; dataset?: string; featureSet?: { name: string; version: number }; holdout?: string; allowUnconsented?: boolean }[];
  packages: { model: string; out?: string; sha256: string }[];
}

export function readRegistry(ws: Workspace): Registry {
  const datasets: DatasetVersion[] = [];
  for (const n of listDatasetNames(ws))
    for (const v of datasetVersions(ws, n)) {
      try {
        datasets.push(readDatasetVersion(ws, n, v));
      } catch {
        /* unreadable: skipped */
      }
    }
  const reg = ws.registryDir;
  const holdouts: Registry['holdouts'] = [];
  const hd = join(reg, 'holdouts');
  if (existsSync(hd))
    for (const f of readdirSync(hd).filter((x) => x.endsWith('.json') && !x.startsWith('.')).sort()) {
      const h = readJson(join(hd, f));
      if (h && typeof h.dataset === 'string') holdouts.push({ hash: String(h.hash ?? f.replace(/\.json$/, '')), dataset: h.dataset, nTest: h.nTest, method: h.method });
    }
  const builds: Registry['builds'] = [];
  for (const n of dirs(join(reg, 'features')))
    for (const v of dirs(join(reg, 'features', n))) {
      const s = readJson(join(reg, 'features', n, v, 'state.json'));
      if (s && typeof s.dataset === 'string') builds.push({ name: s.name ?? n, version: Number(s.version ?? v), dataset: s.dataset, holdout: s.holdout, hash: s.hash });
    }
  const models: Registry['models'] = [];
  for (const n of dirs(join(reg, 'models')))
    for (const v of dirs(join(reg, 'models', n, 'versions'))) {
      const m = readJson(join(reg, 'models', n, 'versions', v, 'model.json'));
      if (m && m.lineage)
        models.push({
          name: m.name ?? n,
          version: Number(m.version ?? v),
          dataset: m.lineage.dataset,
          featureSet: m.lineage.featureSet,
          holdout: m.lineage.holdout,
          allowUnconsented: m.lineage.allowUnconsented,
        });
    }
  const packages: Registry['packages'] = [];
  const pd = join(reg, 'packages');
  if (existsSync(pd))
    for (const f of readdirSync(pd).filter((x) => x.endsWith('.json') && !x.startsWith('.')).sort()) {
      const p = readJson(join(pd, f));
      if (p && typeof p.model === 'string') packages.push({ model: p.model, out: p.out, sha256: String(p.sha256 ?? f.replace(/\.json$/, '')) });
    }
  return { datasets, holdouts, builds, models, packages };
}

/** The lineage graph of one dataset version over a registry snapshot. Pure. */
export function buildLineage(reg: Registry, rootRef: string): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const edgeKeys = new Set<string>();
  const byRef = new Map(reg.datasets.map((d) => [d.ref, d]));
  const addNode = (n: LineageNode) => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
  };
  const addEdge = (e: LineageEdge) => {
    const k = `${e.from}|${e.to}|${e.relation}`;
    if (!edgeKeys.has(k)) {
      edgeKeys.add(k);
      edges.push(e);
    }
  };
  const dsNode = (ref: string, side: LineageNode['side']): string => {
    const id = `dataset:${ref}`;
    const d = byRef.get(ref);
    addNode({ id, kind: 'dataset', label: ref, side, details: d ? { rows: d.rows, consent: d.consent, steward: d.steward } : { missing: true } });
    return id;
  };
  const rootId = dsNode(rootRef, 'root');

  // upstream: parents, recursively
  const up = [rootRef];
  const seenUp = new Set(up);
  while (up.length) {
    const ref = up.shift()!;
    for (const mref of byRef.get(ref)?.models ?? []) {
      addNode({ id: `model:${mref}`, kind: 'model', label: `model ${mref}`, side: 'upstream' });
      addEdge({ from: `model:${mref}`, to: `dataset:${ref}`, relation: 'segmented' });
    }
    for (const p of byRef.get(ref)?.parents ?? []) {
      addEdge({ from: dsNode(p, 'upstream'), to: `dataset:${ref}`, relation: 'derived' });
      if (!seenUp.has(p)) {
        seenUp.add(p);
        up.push(p);
      }
    }
  }

  // downstream: derived datasets, then everything built on any of them
  const down = [rootRef];
  const seenDown = new Set(down);
  while (down.length) {
    const ref = down.shift()!;
    for (const d of reg.datasets)
      if (d.parents.includes(ref)) {
        addEdge({ from: `dataset:${ref}`, to: dsNode(d.ref, 'downstream'), relation: 'derived' });
        if (!seenDown.has(d.ref)) {
          seenDown.add(d.ref);
          down.push(d.ref);
        }
      }
  }
  const holdoutIds = new Map<string, string>();
  for (const h of reg.holdouts)
    if (seenDown.has(h.dataset)) {
      const id = `holdout:${h.hash}`;
      addNode({ id, kind: 'holdout', label: `holdout ${h.hash.slice(0, 12)}`, side: 'downstream', details: { hash: h.hash, dataset: h.dataset, nTest: h.nTest, method: h.method } });
      addEdge({ from: `dataset:${h.dataset}`, to: id, relation: 'split' });
      holdoutIds.set(h.hash, id);
    }
  const buildIds = new Set<string>();
  for (const b of reg.builds)
    if (seenDown.has(b.dataset)) {
      const id = `features:${b.name}@${b.version}`;
      addNode({ id, kind: 'features', label: `features ${b.name}@${b.version}`, side: 'downstream', details: { dataset: b.dataset, holdout: b.holdout, hash: b.hash } });
      addEdge({ from: `dataset:${b.dataset}`, to: id, relation: 'built' });
      if (b.holdout && holdoutIds.has(b.holdout)) addEdge({ from: holdoutIds.get(b.holdout)!, to: id, relation: 'split' });
      buildIds.add(id);
    }
  const modelRefs = new Set<string>();
  for (const m of reg.models) {
    const fs = m.featureSet ? `features:${m.featureSet.name}@${m.featureSet.version}` : undefined;
    const viaFeatures = fs !== undefined && buildIds.has(fs);
    const viaDataset = m.dataset !== undefined && seenDown.has(m.dataset);
    if (!viaFeatures && !viaDataset) continue;
    const ref = `${m.name}@${m.version}`;
    const id = `model:${ref}`;
    addNode({ id, kind: 'model', label: `model ${ref}`, side: 'downstream', details: { dataset: m.dataset, holdout: m.holdout, allowUnconsented: m.allowUnconsented ?? false } });
    if (viaFeatures) addEdge({ from: fs!, to: id, relation: 'trained' });
    else addEdge({ from: `dataset:${m.dataset}`, to: id, relation: 'trained' });
    if (m.holdout && holdoutIds.has(m.holdout)) addEdge({ from: holdoutIds.get(m.holdout)!, to: id, relation: 'tested' });
    modelRefs.add(ref);
  }
  for (const p of reg.packages)
    if (modelRefs.has(p.model)) {
      const id = `package:${p.sha256}`;
      addNode({ id, kind: 'package', label: `package ${p.sha256.slice(0, 12)}`, side: 'downstream', details: { model: p.model, out: p.out, sha256: p.sha256 } });
      addEdge({ from: `model:${p.model}`, to: id, relation: 'packaged' });
    }
  return { root: rootId, nodes: [...nodes.values()], edges };
}

export function lineageOf(ws: Workspace, ref: string): LineageGraph {
  const ds = resolveDataset(ws, ref);
  return buildLineage(readRegistry(ws), ds.ref);
}

// ───────────── renderings (pure) ─────────────
const SHAPES: Record<NodeKind, [string, string]> = { dataset: ['[(', ')]'], holdout: ['{{', '}}'], features: ['[/', '/]'], model: ['([', '])'], package: ['[[', ']]'] };

export function toMermaid(g: LineageGraph): string {
  const idx = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const esc = (s: string) => s.replace(/"/g, '#quot;');
  const lines = ['graph LR'];
  for (const n of g.nodes) {
    const [a, b] = SHAPES[n.kind];
    lines.push(`  ${idx.get(n.id)}${a}"${esc(n.label)}"${b}`);
  }
  for (const e of g.edges) lines.push(`  ${idx.get(e.from)} -->|${e.relation}| ${idx.get(e.to)}`);
  lines.push(`  style ${idx.get(g.root)} stroke-width:3px`);
  return lines.join('\n') + '\n';
}

export function toDot(g: LineageGraph): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const shape: Record<NodeKind, string> = { dataset: 'cylinder', holdout: 'hexagon', features: 'parallelogram', model: 'box', package: 'box3d' };
  const lines = ['digraph lineage {', '  rankdir=LR;'];
  for (const n of g.nodes) lines.push(`  ${q(n.id)} [label=${q(n.label)}, shape=${shape[n.kind]}${n.id === g.root ? ', penwidth=3' : ''}];`);
  for (const e of g.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.relation)}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function toText(g: LineageGraph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  const walk = (id: string, dir: 'up' | 'down', depth: number, seen: Set<string>) => {
    const next = dir === 'down' ? g.edges.filter((e) => e.from === id).map((e) => [e.to, e.relation]) : g.edges.filter((e) => e.to === id && e.relation === 'derived').map((e) => [e.from, e.relation]);
    for (const [n, rel] of next) {
      out.push(`${'  '.repeat(depth)}${dir === 'down' ? '└─' : '↑ '}${rel} → ${byId.get(n)?.label ?? n}`);
      if (!seen.has(n)) {
        seen.add(n);
        walk(n, dir, depth + 1, seen);
      }
    }
  };
  out.push(`${byId.get(g.root)!.label}`);
  const upStart = out.length;
  walk(g.root, 'up', 1, new Set([g.root]));
  if (out.length === upStart) out.push('  (no parent datasets)');
  const downStart = out.length;
  walk(g.root, 'down', 1, new Set([g.root]));
  if (out.length === downStart) out.push('  (nothing built on it yet)');
  return out.join('\n');
}
