/**
 * The ONNX description of a k-means assignment, in plain opset-17 ops and double precision:
 * X [N,P] → Unsqueeze [N,1,P] − centres [K,P] → squared → ReduceSum over P → d² [N,K] (the family's
 * margins); ArgMin (first minimum, as the engine's ties) → segment [N,1] int64; ReduceMin → √ →
 * distance [N,1]. The differences are taken exactly as the engine takes them (no |x|² − 2x·c + |c|²
 * cancellation), so the graph assigns every row to the segment the in-process model assigns it to.
 */
import type { GraphBuilder, TensorRef } from '../../onnx/builder.js';

/** Squared distances of every row to every centre: [N,K] double. */
export function kmeansDistancesOnnx(g: GraphBuilder, X: TensorRef, centers: ArrayLike<number>, k: number, p: number): TensorRef {
  const N = X.shape[0];
  if (centers.length !== k * p) throw new RangeError(`centres must be ${k} × ${p}, got ${centers.length} numbers`);
  const C = g.constant('double', Array.from(centers), [k, p]);
  const x3 = g.op('Unsqueeze', [X, g.constant('int64', [1], [1])], 'double', [N, 1, p], {}, '', 'rows');
  const diff = g.op('Sub', [x3, C], 'double', [N, k, p], {}, '', 'diff');
  const sq = g.op('Mul', [diff, diff], 'double', [N, k, p], {}, '', 'sq');
  return g.op('ReduceSum', [sq, g.constant('int64', [2], [1])], 'double', [N, k], { keepdims: 0 }, '', 'd2');
}

/** Squared distances [N,K] → the nearest segment [N,1] int64 and the distance to its centre [N,1]. */
export function segmentHead(g: GraphBuilder, d2: TensorRef): { segment: TensorRef; distance: TensorRef } {
  const N = d2.shape[0];
  const segment = g.op('ArgMin', [d2], 'int64', [N, 1], { axis: 1, keepdims: 1, select_last_index: 0 }, '', 'segment');
  const dmin = g.op('ReduceMin', [d2], 'double', [N, 1], { axes: [1], keepdims: 1 }, '', 'dmin');
  const distance = g.op('Sqrt', [dmin], 'double', [N, 1], {}, '', 'distance');
  return { segment, distance };
}

export function kmeansOnnx(g: GraphBuilder, X: TensorRef, centers: ArrayLike<number>, k: number, p: number): { segment: TensorRef; distance: TensorRef } {
  return segmentHead(g, kmeansDistancesOnnx(g, X, centers, k, p));
}
