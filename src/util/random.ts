/**
 * The one seeded generator: mulberry32 over a 32-bit state (integer arithmetic only, via Math.imul), so
 * a seed gives the same numbers on every platform and Node version. ml/splits.ts scrambles its seeds
 * first (splitmix32) for splits and folds; policies, samples and benchmarks seed it directly.
 */

/** Uniform numbers in [0, 1) with 32 bits of resolution from the state `seed` (its low 32 bits). */
export function seededRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
