/**
 * The class names of a binary label, taken from the data at build time. The positive class is declared
 * (`label: {column, positive}`); the negative one is the label column's other value, or the declared
 * `negative`. With more than two values and no `negative`, every value but the positive one is grouped
 * under "not_POSITIVE", and the grouped values are recorded so outputs can say so.
 */
import { DictlError } from './errors.js';
import type { LabelSpec, ModelVersion } from './types.js';

export interface LabelValue {
  value: string;
  rows: number;
}

/** Pure: the resolved binary label given the label column's distinct values (most frequent first). */
export function resolveBinaryLabel(label: LabelSpec, values: LabelValue[]): LabelSpec {
  if (label.task !== 'binary' || label.positive === undefined) return label;
  const pos = label.positive;
  const others = values.filter((v) => v.value !== pos);
  if (label.negative !== undefined) {
    const stray = others.filter((v) => v.value !== label.negative);
    if (stray.length)
      throw new DictlError(
        'data',
        `label column "${label.column}" has values other than positive "${pos}" and negative "${label.negative}": ${stray
          .slice(0, 5)
          .map((v) => `"${v.value}" (${v.rows} rows)`)
          .join(', ')}${stray.length > 5 ? `, … (${stray.length} values)` : ''}`,
        { hint: 'remove label.negative to group every other value as the negative class, or filter the rows into a derived dataset' },
      );
    return label;
  }
  if (others.length === 1) return { ...label, negative: others[0].value };
  if (others.length === 0) return { ...label, negative: `not_${pos}` };
  return { ...label, negative: `not_${pos}`, negativeGroups: others.map((v) => v.value).sort() };
}

/** One line for people: how the two classes map to the label column's values. */
export function describeLabel(label: LabelSpec): string {
  if (label.task === 'regression') return `${label.column} (regression)`;
  if (label.task === 'multiclass') return `${label.column}: ${(label.classes ?? []).map((c) => `"${c}"`).join(', ')}`;
  const neg = label.negative ?? `not_${label.positive}`;
  const grouped = label.negativeGroups?.length ? ` (groups ${label.negativeGroups.map((g) => `"${g}"`).join(', ')})` : '';
  return `${label.column}: positive "${label.positive}", negative "${neg}"${grouped}`;
}

/** Class names in probability-column order. Binary: [negative, positive]. */
export function classNames(model: Pick<ModelVersion, 'task' | 'label'>): string[] {
  const l = model.label;
  // a segmentation has no label, hence no classes
  if (!l) return [];
  if (model.task === 'multiclass') {
    if (!l.classes || l.classes.length < 2) throw new Error(`multiclass model needs label.classes`);
    return l.classes;
  }
  if (model.task === 'binary') {
    const pos = l.positive ?? (l.classes && l.classes.length === 2 ? l.classes[1] : '1');
    const neg = l.negative ?? (l.classes && l.classes.length === 2 ? (l.classes[0] === pos ? l.classes[1] : l.classes[0]) : `not_${pos}`);
    return [neg, pos];
  }
  return [];
}
