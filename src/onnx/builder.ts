/**
 * A small typed ONNX graph builder over onnx-proto. It records the element type and shape of every
 * tensor it creates so the exported model can declare them all in graph.valueInfo (python onnx's
 * check_model(full_check=True) cannot infer the types of ai.onnx.ml ops' outputs). Names are
 * generated from a counter, so the same sequence of calls gives the same bytes.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export type Elem = 'double' | 'float' | 'int64' | 'bool' | 'string';
export type Dim = number | string;
export interface TensorRef {
  name: string;
  elem: Elem;
  shape: Dim[];
}

const ELEM_CODE: Record<Elem, number> = {
  float: onnx.TensorProto.DataType.FLOAT,
  double: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  string: onnx.TensorProto.DataType.STRING,
};

export type AttrValue = number | string | number[] | string[] | { ints: number[] } | { floats: number[] } | { doubles: number[] } | { i: number } | { f: number };

const enc = new TextEncoder();

function makeAttr(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: T.STRING, s: enc.encode(v) };
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: T.STRINGS, strings: (v as string[]).map((s) => enc.encode(s)) };
    return { name, type: T.INTS, ints: v as number[] };
  }
  if ('ints' in v) return { name, type: T.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  if ('doubles' in v) return { name, type: T.TENSOR, t: { dims: [v.doubles.length], dataType: onnx.TensorProto.DataType.DOUBLE, doubleData: v.doubles } };
  if ('i' in v) return { name, type: T.INT, i: v.i };
  return { name, type: T.FLOAT, f: (v as { f: number }).f };
}

export function valueInfo(t: TensorRef): onnxProto.onnx.IValueInfoProto {
  return {
    name: t.name,
    type: {
      tensorType: {
        elemType: ELEM_CODE[t.elem],
        shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private nodes: onnxProto.onnx.INodeProto[] = [];
  private inits: onnxProto.onnx.ITensorProto[] = [];
  private inputs: TensorRef[] = [];
  private outputs: TensorRef[] = [];
  private intermediates: TensorRef[] = [];
  private counter = 0;
  private used = new Set<string>();
  private constCache = new Map<string, TensorRef>();

  fresh(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40) || 't';
    let name = `${base}_${this.counter++}`;
    while (this.used.has(name)) name = `${base}_${this.counter++}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elem: Elem, shape: Dim[]): TensorRef {
    if (this.used.has(name)) throw new Error(`duplicate graph input ${name}`);
    this.used.add(name);
    const t = { name, elem, shape };
    this.inputs.push(t);
    return t;
  }

  /** A constant initializer; identical constants are shared. */
  constant(elem: 'double' | 'int64' | 'string', values: number[] | string[], shape: number[]): TensorRef {
    const key = `${elem}|${shape.join('x')}|${JSON.stringify(values.map((v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)))}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.fresh('c');
    const t: onnxProto.onnx.ITensorProto = { name, dims: shape, dataType: ELEM_CODE[elem] };
    if (elem === 'double') t.doubleData = values as number[];
    else if (elem === 'int64') t.int64Data = values as number[];
    else t.stringData = (values as string[]).map((s) => enc.encode(s));
    this.inits.push(t);
    const ref = { name, elem, shape };
    this.constCache.set(key, ref);
    return ref;
  }

  scalar(v: number): TensorRef {
    return this.constant('double', [v], [1, 1]);
  }

  /** Adds a node with one output of the given type/shape. */
  op(opType: string, ins: TensorRef[], elem: Elem, shape: Dim[], attrs: Record<string, AttrValue> = {}, domain = '', hint?: string): TensorRef {
    const out = { name: this.fresh(hint ?? opType), elem, shape };
    this.nodes.push({
      opType,
      domain,
      name: `n_${out.name}`,
      input: ins.map((t) => t.name),
      output: [out.name],
      attribute: Object.keys(attrs)
        .sort()
        .map((k) => makeAttr(k, attrs[k])),
    });
    this.intermediates.push(out);
    return out;
  }

  /** Adds a node with several outputs (e.g. the ai.onnx.ml classifiers' label and probabilities). */
  opMulti(opType: string, ins: TensorRef[], outs: { elem: Elem; shape: Dim[]; hint: string }[], attrs: Record<string, AttrValue> = {}, domain = ''): TensorRef[] {
    const refs = outs.map((o) => ({ name: this.fresh(o.hint), elem: o.elem, shape: o.shape }));
    this.nodes.push({
      opType,
      domain,
      name: `n_${refs[0].name}`,
      input: ins.map((t) => t.name),
      output: refs.map((r) => r.name),
      attribute: Object.keys(attrs)
        .sort()
        .map((k) => makeAttr(k, attrs[k])),
    });
    this.intermediates.push(...refs);
    return refs;
  }

  /** Renames a tensor into a graph output via Identity. */
  output(name: string, t: TensorRef): TensorRef {
    if (this.used.has(name)) throw new Error(`duplicate graph output ${name}`);
    this.used.add(name);
    const out = { name, elem: t.elem, shape: t.shape };
    this.nodes.push({ opType: 'Identity', domain: '', name: `n_${name}`, input: [t.name], output: [name], attribute: [] });
    this.outputs.push(out);
    return out;
  }

  build(opts: { graphName: string; producerVersion: string; docString?: string; metadata?: Record<string, string> }): Uint8Array {
    const model: onnxProto.onnx.IModelProto = {
      irVersion: 8,
      producerName: 'dictl',
      producerVersion: opts.producerVersion,
      domain: 'dictl',
      modelVersion: 1,
      docString: opts.docString ?? '',
      opsetImport: [
        { domain: '', version: 17 },
        { domain: 'ai.onnx.ml', version: 3 },
      ],
      metadataProps: Object.keys(opts.metadata ?? {})
        .sort()
        .map((k) => ({ key: k, value: opts.metadata![k] })),
      graph: {
        name: opts.graphName,
        node: this.nodes,
        initializer: this.inits,
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
        valueInfo: this.intermediates.map(valueInfo),
      },
    };
    const err = onnx.ModelProto.verify(model);
    if (err) throw new Error(`invalid ONNX model: ${err}`);
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
