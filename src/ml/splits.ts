/**
 * Seeded randomness that gives the same sequence on every platform and Node version: mulberry32
 * (32-bit integer arithmetic only, via Math.imul), seeded through a splitmix32 scramble so nearby seeds
 * give unrelated streams. Used for holdout splits, fold assignment, random search and shuffles.
 */
import { seededRng } from '../util/random.js';

export interface Rng {
  /** uniform in [0, 1) with 32 bits of resolution */
  next(): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
}

function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export function makeRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  // fold seeds beyond 32 bits (and negative seeds) in deterministically
  const hi = Math.floor(seed / 4294967296) | 0;
  const next = seededRng(splitmix32((seed >>> 0) ^ splitmix32(hi)));
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffle<T extends { length: number; [i: number]: unknown }>(arr: T, rng: Rng): T {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}

/** A stable key per distinct label: numbers and strings never collide, null is its own class. */
function classKey(v: string | number | null): string {
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '\u0000null';
  return typeof v === 'number' ? `n:${v}` : `s:${v}`;
}

/** Row indices grouped by label, classes in sorted key order, rows ascending inside each class. */
function groupByClass(labels: ArrayLike<string | number | null>): number[][] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const k = classKey(labels[i]);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(i);
  }
  return [...groups.keys()].sort().map((k) => groups.get(k)!);
}

/**
 * Stratified holdout: for each class (null labels form their own class), a seeded shuffle of its
 * rows and the first round(fraction · n_class) of them go to the test side. Returns the test-row
 * indices ascending. Same labels + fraction + seed → same rows.
 */
export function stratifiedSplit(labels: ArrayLike<string | number | null>, fraction: number, seed: number): number[] {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be within [0, 1], got ${fraction}`);
  const rng = makeRng(seed);
  const test: number[] = [];
  for (const rows of groupByClass(labels)) {
    shuffle(rows, rng);
    const take = Math.round(fraction * rows.length);
    for (let i = 0; i < take; i++) test.push(rows[i]);
  }
  return test.sort((a, b) => a - b);
}

/** Random (unstratified) holdout: round(fraction · n) rows chosen by a seeded shuffle, ascending. */
export function randomSplit(n: number, fraction: number, seed: number): number[] {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`fraction must be within [0, 1], got ${fraction}`);
  const rows = Array.from({ length: n }, (_, i) => i);
  shuffle(rows, makeRng(seed));
  return rows.slice(0, Math.round(fraction * n)).sort((a, b) => a - b);
}

/**
 * Stratified k-fold assignment: each class's rows are shuffled (seeded) and dealt round-robin over
 * the folds, continuing where the previous class stopped, so every fold gets ⌊n/k⌋ or ⌈n/k⌉ rows and
 * each class is spread as evenly as possible. Returns the fold index of every row.
 * labels = null → plain (unstratified) k-fold.
 */
export function stratifiedKFold(labels: ArrayLike<string | number | null> | null, n: number, k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be an integer ≥ 2, got ${k}`);
  if (n < k) throw new RangeError(`cannot make ${k} folds from ${n} rows`);
  const rng = makeRng(seed);
  const foldOf = new Int32Array(n);
  const groups = labels ? groupByClass(labels) : [Array.from({ length: n }, (_, i) => i)];
  let next = 0;
  for (const rows of groups) {
    shuffle(rows, rng);
    for (const r of rows) {
      foldOf[r] = next;
      next = (next + 1) % k;
    }
  }
  return foldOf;
}
