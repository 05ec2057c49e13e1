/**
 * What each segment looks like: its size, its centre in feature space and, where the feature's
 * transforms can be undone (impute, affine = standardize / min-max / robust, log1p), in the input's
 * own units; and the columns where the centre sits farthest from the mean of all training rows (the
 * size-weighted mean of the centres), in feature units (z for standardised columns, share for one-hot).
 */
import type { FittedPipeline, NumericStep, SegmentModelVersion } from '../../types.js';

export interface SegmentColumn {
  feature: string;
  /** centre in feature space */
  value: number;
  /** mean of all training rows in feature space */
  overall: number;
  /** the centre and the overall mean in the input's units, when the transforms are invertible */
  original?: { input: string; value: number; overall: number };
}

export interface SegmentProfile {
  segment: number;
  size: number;
  share: number;
  centre: SegmentColumn[];
  /** the `top` columns with the largest |value − overall|, largest first */
  distinctive: SegmentColumn[];
}

/** Inverse of a numeric feature's steps, or null when one cannot be undone (clip, bucketize). */
export function inverseOf(steps: NumericStep[]): ((z: number) => number) | null {
  const inv: ((x: number) => number)[] = [];
  for (const s of steps) {
    if (s.op === 'impute') continue;
    if (s.op === 'affine') inv.unshift((z) => z * s.div + s.sub);
    else if (s.op === 'log1p') inv.unshift((z) => Math.expm1(z));
    else return null;
  }
  return (z) => inv.reduce((x, f) => f(x), z);
}

export function segmentProfiles(m: Pick<SegmentModelVersion, 'kmeans' | 'featureNames' | 'pipeline'>, top = 3): SegmentProfile[] {
  const { centers, sizes, k } = m.kmeans;
  const names = m.featureNames;
  const n = sizes.reduce((a, b) => a + b, 0);
  const overall = names.map((_, j) => centers.reduce((a, c, i) => a + c[j] * sizes[i], 0) / Math.max(n, 1));
  const inverses = invertibleOutputs(m.pipeline);
  const out: SegmentProfile[] = [];
  for (let c = 0; c < k; c++) {
    const centre = names.map((feature, j): SegmentColumn => {
      const col: SegmentColumn = { feature, value: centers[c][j], overall: overall[j] };
      const inv = inverses.get(feature);
      if (inv) col.original = { input: inv.input, value: inv.f(centers[c][j]), overall: inv.f(overall[j]) };
      return col;
    });
    const distinctive = [...centre].sort((a, b) => Math.abs(b.value - b.overall) - Math.abs(a.value - a.overall) || a.feature.localeCompare(b.feature)).slice(0, top);
    out.push({ segment: c, size: sizes[c], share: n ? sizes[c] / n : 0, centre, distinctive });
  }
  return out;
}

function invertibleOutputs(p: FittedPipeline): Map<string, { input: string; f: (z: number) => number }> {
  const out = new Map<string, { input: string; f: (z: number) => number }>();
  for (const f of p.features) {
    if (f.kind !== 'numeric') continue;
    const inv = inverseOf(f.steps);
    if (inv) out.set(f.name, { input: f.input, f: inv });
  }
  return out;
}
