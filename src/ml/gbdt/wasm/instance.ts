/**
 * The fit's WebAssembly kernels (kernels.c) on one shared memory: the module is compiled once per
 * thread from the embedded bytes and instantiated on the memory that holds the bin matrix, the
 * gradients, the row partition and the histograms, so the fitting thread and its worker run the same
 * loops on the same bytes. Pointers are byte offsets in that memory.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

/** the most a fit's wasm memory may hold (wasm32 addresses 4 GiB; a margin for the module's stack) */
export const WASM_MAX_BYTES = 4 * 1024 ** 3 - 2 * 65536;
const PAGE = 65536;

export interface WasmKernels {
  hist(bins: number, n: number, feats: number, fa: number, fb: number, rows: number, start: number, end: number, identity: number, g: number, h: number, out: number, cnt: number, counts: number): void;
  grad_binary(y: number, w: number, m: number, g: number, h: number, a: number, b: number): number;
  leaf_values(rows: number, m: number, T: number, k: number, ends: number, values: number, leaves: number, a: number, b: number): void;
  counts(col: number, n: number, rows: number, start: number, end: number, identity: number, out: number): void;
  partition(rows: number, tmp: number, col: number, left: number, a: number, b: number): number;
  join(rows: number, tmp: number, a: number, l: number, b: number, L: number, R: number): void;
  gather(rows: number, g: number, h: number, og: number, oh: number, a: number, b: number, base: number): void;
  iota(rows: number, a: number, b: number): void;
  scan(hist: number, countAt: number, feats: number, fa: number, fb: number, nbins: number, skip: number, args: number, res: number): void;
  bin_rows(stage: number, p: number, feats: number, m: number, edges: number, bins: number, n: number, base: number, a: number, b: number): number;
}

let compiled: WebAssembly.Module | null = null;

export function kernelsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

export function instantiate(memory: WebAssembly.Memory, module: WebAssembly.Module = kernelsModule()): WasmKernels {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  return inst.exports as unknown as WasmKernels;
}

/** Where the module's own data ends: the first byte a fit may use. */
export function heapBase(module: WebAssembly.Module = kernelsModule()): number {
  const probe = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
  const base = (new WebAssembly.Instance(module, { env: { memory: probe } }).exports.__heap_base as WebAssembly.Global).value as number;
  return Math.ceil(base / 64) * 64;
}

/**
 * A shared memory of at least `bytes` bytes after the module's own data, and a bump allocator over it
 * (64-byte aligned); null when the bytes exceed what wasm32 addresses.
 */
export function wasmArena(bytes: number[]): { memory: WebAssembly.Memory; offsets: number[] } | null {
  const base = heapBase();
  const offsets: number[] = [];
  let at = base;
  for (const b of bytes) {
    offsets.push(at);
    at += Math.ceil(b / 64) * 64;
  }
  if (at > WASM_MAX_BYTES) return null;
  const pages = Math.max(2, Math.ceil(at / PAGE));
  return { memory: new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }), offsets };
}
