/** The label of a model record, for the commands that need a supervised model. */
import { usageError } from '../../errors.js';
import type { LabelSpec } from '../../types.js';

/** The label of a supervised model; a usage error for a segmentation, which has none. */
export function labelOf(m: { label?: LabelSpec; task: string; name?: string; version?: number }): LabelSpec {
  if (!m.label) throw usageError(`model ${m.name ?? ''}${m.version !== undefined ? `@${m.version}` : ''} is a ${m.task} (no label): this needs a supervised model`.replace('model  is', 'the model is'));
  return m.label;
}
