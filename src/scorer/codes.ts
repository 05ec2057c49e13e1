/**
 * An in-process speed-up of a package's graph: string input tensors are costly to hand to
 * onnxruntime (every value is copied into a native string) and to hash in LabelEncoder. When every
 * consumer of a string input is a string→int64 LabelEncoder (as dictl's exporter writes them), the
 * scorer rewrites the graph so that input takes int32 codes (position in a codebook, -1 = unseen)
 * and each LabelEncoder becomes a Gather from a constant table — the same values, computed from a JS
 * Map lookup. model.onnx in the package is unchanged (portable, string inputs); this runs at load.
 * Pure: bytes in, bytes out.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type Int = number | { toNumber(): number };
const num = (x: Int | null | undefined): number => (x === null || x === undefined ? 0 : typeof x === 'number' ? x : x.toNumber());
const dec = new TextDecoder();

export interface CodedGraph {
  bytes: Uint8Array;
  /** per string input: the codebook; a value's code is its index, -1 when absent */
  codebooks: Record<string, string[]>;
}

/** Returns the rewritten graph, or null when some string input has a consumer other than a LabelEncoder. */
export function encodeStringInputs(bytes: Uint8Array): CodedGraph | null {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  const STRING = onnx.TensorProto.DataType.STRING;
  const stringInputs = (g.input ?? []).filter((i) => i.type?.tensorType?.elemType === STRING).map((i) => i.name!);
  if (stringInputs.length === 0) return { bytes, codebooks: {} };
  const codebooks: Record<string, string[]> = {};
  const attr = (n: onnxProto.onnx.INodeProto, name: string) => (n.attribute ?? []).find((a) => a.name === name);
  for (const s of stringInputs) {
    const users = (g.node ?? []).filter((n) => (n.input ?? []).includes(s));
    const book: string[] = [];
    const seen = new Set<string>();
    for (const n of users) {
      if (n.opType !== 'LabelEncoder' || n.domain !== 'ai.onnx.ml' || (n.input ?? []).length !== 1) return null;
      const ks = attr(n, 'keys_strings');
      const vs = attr(n, 'values_int64s');
      if (!ks || !vs || (ks.strings ?? []).length !== (vs.ints ?? []).length) return null;
      for (const k of ks.strings ?? []) {
        const t = dec.decode(k);
        if (!seen.has(t)) {
          seen.add(t);
          book.push(t);
        }
      }
    }
    codebooks[s] = book;
  }
  const nodes: onnxProto.onnx.INodeProto[] = [];
  const inits = [...(g.initializer ?? [])];
  const one = `__codes_one`;
  inits.push({ name: one, dims: [1, 1], dataType: onnx.TensorProto.DataType.INT32, int32Data: [1] });
  const shifted = new Map<string, string>();
  for (const s of stringInputs) {
    const name = `${s}__code_plus1`;
    shifted.set(s, name);
    nodes.push({ opType: 'Add', domain: '', name: `n_${name}`, input: [s, one], output: [name] });
  }
  for (const n of g.node ?? []) {
    const s = (n.input ?? [])[0];
    if (n.opType === 'LabelEncoder' && s !== undefined && shifted.has(s)) {
      const keys = (attr(n, 'keys_strings')!.strings ?? []).map((k) => dec.decode(k));
      const vals = (attr(n, 'values_int64s')!.ints ?? []).map((v) => num(v as Int));
      const da = attr(n, 'default_int64');
      const dflt = da ? num(da.i as Int) : -1; // ONNX's default for default_int64
      const m = new Map<string, number>();
      keys.forEach((k, i) => m.set(k, vals[i]));
      const table = [dflt, ...codebooks[s].map((k) => m.get(k) ?? dflt)];
      const tname = `${n.output![0]}__table`;
      inits.push({ name: tname, dims: [table.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: table });
      nodes.push({ opType: 'Gather', domain: '', name: n.name, input: [tname, shifted.get(s)!], output: n.output, attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] });
    } else nodes.push(n);
  }
  for (const i of g.input ?? []) if (stringInputs.includes(i.name!)) i.type!.tensorType!.elemType = onnx.TensorProto.DataType.INT32;
  g.node = nodes;
  g.initializer = inits;
  return { bytes: onnx.ModelProto.encode(model).finish(), codebooks };
}
