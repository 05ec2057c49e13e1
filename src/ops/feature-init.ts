/** `feature init`: writes the starter feature set (features/NAME.yaml), checked by the same parser the build uses. */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { resolveDataset } from '../datasets/store.js';
import { usageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { validateName } from '../util/names.js';
import type { Workspace } from '../workspace.js';
import { featureSetPath, parseFeatureSet } from '../features/spec.js';
import { starterFeatureSet, type StarterResult } from '../features/starter.js';

export type InitFeatureResult = Omit<StarterResult, 'text'> & { name: string; file: string; source: string };

export function initFeatureSet(ws: Workspace, o: { name: string; from: string; label: string; positive?: string; force?: boolean }): InitFeatureResult {
  const name = validateName('feature set', o.name);
  const path = featureSetPath(ws, name);
  const file = relative(ws.root, path);
  if (existsSync(path) && !o.force) throw usageError(`${file} already exists`, 'edit it, or pass --force to replace it');
  const ds = resolveDataset(ws, o.from);
  const s = starterFeatureSet(ds, { name, label: o.label, positive: o.positive });
  parseFeatureSet(s.text, file, name); // a starter the build would refuse is a defect here, not the user's problem
  writeFileAtomic(path, s.text);
  const { text: _t, ...rest } = s;
  return { name, file, source: ds.ref, ...rest };
}
