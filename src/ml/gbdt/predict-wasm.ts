/**
 * The heap-layout tree walk (predict.ts) as WebAssembly, generated for a model's trees: the same
 * steps h = 2h + 1 + (x > threshold) on the same float32 values, in the same tree order, so the
 * margins are the same to the bit, at about two thirds of the JS walk's CPU (no typed-array bounds
 * checks, float32 compared as float32, the steps of each tree depth unrolled, a node's feature and
 * threshold side by side in one 8-byte record).
 *
 * One instance per model and thread (module state), on its own memory:
 *   [tree table: 16 bytes per tree][nodes: 8 bytes each][leaf values: f64][x block: f32][out block: f64]
 * walk(m) adds every tree's leaf value to rows [0, m) of the out block, reading rows [0, m) of the
 * x block (row-major, p floats per row). The caller fills both blocks (predict.ts).
 */

/** the subset of predict.ts's Flat this walk reads (every tree in heap layout) */
export interface HeapTrees {
  depth: Int32Array;
  node0: Int32Array;
  leaf0: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  value: Float64Array;
}

export interface WasmWalk {
  /** rows the x and out blocks hold */
  rows: number;
  /** the x block: rows × p float32 values, row-major */
  x: Float32Array;
  /** the out block: rows × T margins, row-major */
  out: Float64Array;
  walk(m: number): void;
}

/** rows walked side by side (their loads overlap) */
const R = 8;

const uleb = (v: number): number[] => {
  const o: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    o.push(b);
  } while (v !== 0);
  return o;
};
const sleb = (v: number): number[] => {
  const o: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      o.push(b);
      return o;
    }
    o.push(b | 0x80);
  }
};
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];

// opcodes
const BLOCK = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const BR_TABLE = 0x0e;
const I32 = 0x7f;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const I32_GT_U = 0x4b;
const F32_GT = 0x5e;
const F64_ADD = 0xa0;
const get = (i: number): number[] => [0x20, ...uleb(i)];
const set = (i: number): number[] => [0x21, ...uleb(i)];
const tee = (i: number): number[] => [0x22, ...uleb(i)];
const i32c = (v: number): number[] => [0x41, ...sleb(v)];
const i32load = (off: number): number[] => [0x28, 2, ...uleb(off)];
const f32load = (off: number): number[] => [0x2a, 2, ...uleb(off)];
const f64load = (off: number): number[] => [0x2b, 3, ...uleb(off)];
const f64store = (off: number): number[] => [0x39, 3, ...uleb(off)];

// locals: 0 m (the parameter), then
const M = 0;
const T_ = 1; // tree
const NB = 2; // its node records (bytes)
const LB = 3; // its leaf values, biased by −(2^d − 1) records
const OB = 4; // the out block plus its slot (bytes)
const I = 5; // row
const A = 6; // a node record's address
const X0 = 7; // the row's x address
const O0 = 8; // the row's out address
const SEL = 9; // the tree's depth case
const H = 10; // h of the R rows: H … H + R − 1
const LOCALS = H + R - 1;

/**
 * The module's code: for each tree (table entry: node base, biased leaf base, depth case, slot
 * bytes), R rows at a time then one at a time, d unrolled steps each, the leaf value added to the row's margin.
 */
function walkBody(depths: number[], nTrees: number, xBase: number, pBytes: number, outBase: number, tBytes: number): number[] {
  const c: number[] = [];
  const e = (...xs: number[][]): void => {
    for (const x of xs) c.push(...x);
  };
  // one step of row k (h in local hk, its x row at X0 + k·pBytes): the first step reads the root record
  const step = (hk: number, k: number, first: boolean): number[] => {
    const rec = first ? get(NB) : [...get(NB), ...get(hk), ...i32c(3), I32_SHL, I32_ADD, ...tee(A)];
    const thr = first ? [...get(NB), ...f32load(4)] : [...get(A), ...f32load(4)];
    const cmp = [...rec, ...i32load(0), ...get(X0), I32_ADD, ...f32load(k * pBytes), ...thr, F32_GT];
    return first ? [...cmp, ...i32c(1), I32_ADD, ...set(hk)] : [...cmp, ...get(hk), ...get(hk), I32_ADD, I32_ADD, ...i32c(1), I32_ADD, ...set(hk)];
  };
  const leaf = (hk: number, k: number): number[] => [...get(O0), ...get(O0), ...f64load(k * tBytes), ...get(LB), ...get(hk), ...i32c(3), I32_SHL, I32_ADD, ...f64load(0), F64_ADD, ...f64store(k * tBytes)];
  // the rows of one tree of depth d
  const rowsOf = (d: number): void => {
    e(i32c(0), set(I));
    // R rows side by side while i + R <= m
    e([BLOCK, VOID, LOOP, VOID]);
    e(get(I), i32c(R), [I32_ADD], get(M), [I32_GT_U, BR_IF, 1]);
    e(get(I), i32c(pBytes), [I32_MUL], i32c(xBase), [I32_ADD], set(X0));
    e(get(I), i32c(tBytes), [I32_MUL], get(OB), [I32_ADD], set(O0));
    if (d === 0) for (let k = 0; k < R; k++) e(i32c(0), set(H + k)); // a lone leaf: h = 0
    for (let s = 0; s < d; s++) for (let k = 0; k < R; k++) e(step(H + k, k, s === 0));
    for (let k = 0; k < R; k++) e(leaf(H + k, k));
    e(get(I), i32c(R), [I32_ADD], set(I), [BR, 0, END, END]);
    // the rest one at a time
    e([BLOCK, VOID, LOOP, VOID]);
    e(get(I), get(M), [I32_GE_U, BR_IF, 1]);
    e(get(I), i32c(pBytes), [I32_MUL], i32c(xBase), [I32_ADD], set(X0));
    e(get(I), i32c(tBytes), [I32_MUL], get(OB), [I32_ADD], set(O0));
    if (d === 0) e(i32c(0), set(H));
    for (let s = 0; s < d; s++) e(step(H, 0, s === 0));
    e(leaf(H, 0));
    e(get(I), i32c(1), [I32_ADD], set(I), [BR, 0, END, END]);
  };
  e(i32c(0), set(T_));
  e([BLOCK, VOID, LOOP, VOID]);
  e(get(T_), i32c(nTrees), [I32_GE_U, BR_IF, 1]);
  e(get(T_), i32c(4), [I32_SHL], tee(A), i32load(0), set(NB));
  e(get(A), i32load(4), set(LB));
  e(get(A), i32load(8), set(SEL));
  e(get(A), i32load(12), i32c(outBase), [I32_ADD], set(OB));
  // dispatch on the depth case: block after { block case_{k−1} { … block case_0 { br_table } code_0; br after } … }
  const k = depths.length;
  e([BLOCK, VOID]);
  for (let j = 0; j < k; j++) e([BLOCK, VOID]);
  e(get(SEL), [BR_TABLE, ...vec(depths.map((_, j) => uleb(j))), ...uleb(0)]);
  for (let j = 0; j < k; j++) {
    e([END]);
    rowsOf(depths[j]);
    e([BR, ...uleb(k - 1 - j)]);
  }
  e([END]);
  e(get(T_), i32c(1), [I32_ADD], set(T_), [BR, 0, END, END]);
  c.push(END);
  return c;
}

/** the module's bytes: walk(m) over memory imported as m.mem */
function moduleBytes(depths: number[], nTrees: number, xBase: number, pBytes: number, outBase: number, tBytes: number, pages: number): Uint8Array<ArrayBuffer> {
  const body = [...vec([[...uleb(LOCALS), I32]]), ...walkBody(depths, nTrees, xBase, pBytes, outBase, tBytes)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32]]), 0]])),
    ...section(2, vec([[...name('m'), ...name('mem'), 0x02, 0x00, ...uleb(pages)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('walk'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

/** memory beyond this is not worth it (trees that large walk in JS) */
const MAX_BYTES = 1 << 30;

/**
 * The walk of `trees` (all in heap layout) over blocks of `rows` rows of p features into T slots
 * per row (tree t adds to slot t mod T); null when WebAssembly is unavailable or the trees too large
 * (a module that does not compile is a bug and throws).
 */
export function wasmWalk(trees: HeapTrees, p: number, T: number, rows: number): WasmWalk | null {
  if (typeof WebAssembly !== 'object') return null;
  const nTrees = trees.depth.length;
  const depths = [...new Set(trees.depth)].sort((a, b) => a - b);
  let nodes = 0;
  let leaves = 0;
  for (let t = 0; t < nTrees; t++) {
    nodes += (1 << trees.depth[t]) - 1;
    leaves += 1 << trees.depth[t];
  }
  const tabBytes = nTrees * 16;
  const nodeBase = tabBytes;
  const leafBase = nodeBase + nodes * 8;
  const xBase = leafBase + leaves * 8;
  const outBase = xBase + ((rows * p * 4 + 7) & ~7);
  const bytes = outBase + rows * T * 8;
  if (bytes > MAX_BYTES || nTrees === 0) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const mem = new WebAssembly.Memory({ initial: pages });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes(depths, nTrees, xBase, p * 4, outBase, T * 8, pages)), { m: { mem } });
  const walk = inst.exports.walk as (m: number) => void;
  const buf = mem.buffer;
  const i32 = new Int32Array(buf);
  const f32 = new Float32Array(buf);
  const f64 = new Float64Array(buf);
  let nb = nodeBase;
  let lb = leafBase;
  for (let t = 0; t < nTrees; t++) {
    const d = trees.depth[t];
    const nn = (1 << d) - 1;
    const src = trees.node0[t];
    for (let h = 0; h < nn; h++) {
      i32[(nb >> 2) + 2 * h] = trees.feature[src + h] * 4;
      f32[(nb >> 2) + 2 * h + 1] = trees.threshold[src + h];
    }
    f64.set(trees.value.subarray(trees.leaf0[t], trees.leaf0[t] + (1 << d)), lb >> 3);
    i32[4 * t] = nb;
    i32[4 * t + 1] = lb - nn * 8;
    i32[4 * t + 2] = depths.indexOf(d);
    i32[4 * t + 3] = (t % T) * 8;
    nb += nn * 8;
    lb += (1 << d) * 8;
  }
  return { rows, x: new Float32Array(buf, xBase, rows * p), out: new Float64Array(buf, outBase, rows * T), walk };
}
