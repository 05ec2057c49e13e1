/**
 * A package carries the decision policy it was built with; saving a newer one changes nothing until the
 * model is packaged again. These say so: when a policy is saved, and when a package older than the
 * workspace's policy is scored.
 */
import type { Workspace } from '../workspace.js';
import { currentPolicy } from './policy-store.js';

export function repackageNotice(model: string, version: number): string {
  return `Packages built before policy@${version} keep the policy they were built with: package ${model} again to apply it (dictl package ${model}@champion --out DIR)`;
}

/** The warning for scoring a package whose policy is older than (or absent beside) the workspace's current one, if any. */
export function stalePolicyWarning(ws: Workspace | undefined, model: string, packaged: { version: number } | null): string | undefined {
  if (!ws) return undefined;
  let cur;
  try {
    cur = currentPolicy(ws, model);
  } catch {
    return undefined; // an unreadable policy folder is doctor's business, not a reason to stop scoring
  }
  if (!cur) return undefined;
  if (packaged && packaged.version >= cur.version) return undefined;
  return `the workspace has ${model} policy@${cur.version}, but this package ${packaged ? `carries policy@${packaged.version}` : 'has no decision policy'}: ${packaged ? 'decisions use the older one' : 'it scores without decisions'}; package ${model} again to apply it`;
}
