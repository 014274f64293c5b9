/**
 * The ONNX model file format (onnx.proto3, IR version 8) written as protocol-buffer bytes: the
 * dozen message fields a graph of standard operators needs (model, opset, graph, node, attribute,
 * tensor, value info). Why hand-written, not protobufjs + the onnx schema: those two packages
 * (≈ 1 MB) would serve these ~100 lines; the field numbers are fixed by the ONNX standard and
 * `proto.test.ts` checks the bytes against onnxruntime, which parses every model we write.
 */

/** ONNX TensorProto.DataType. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

export interface TensorSpec {
  name: string;
  /** Element type (DataType). */
  type: number;
  /** Dimensions; a string is a symbolic dimension (e.g. the batch size 'B'). */
  dims: (number | string)[];
}

export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export type AttributeValue = number | number[] | { float: number } | string;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttributeValue>;
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  initializers: Initializer[];
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

class Writer {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) { this.chunks.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
    this.chunks.push(Number(x));
    return this;
  }
  private flush(): void { if (this.chunks.length) { this.parts.push(Uint8Array.from(this.chunks)); this.chunks = []; } }
  private key(field: number, wire: number): this { return this.varint((field << 3) | wire); }
  int(field: number, v: number | bigint): this { return this.key(field, 0).varint(v); }
  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.chunks.push(...b);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length);
    this.flush();
    this.parts.push(b);
    return this;
  }
  string(field: number, s: string): this { return this.bytes(field, new TextEncoder().encode(s)); }
  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytes(field, w.finish());
  }
  finish(): Uint8Array {
    this.flush();
    const total = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of this.parts) { out.set(p, off); off += p.length; }
    return out;
  }
}

// AttributeProto.AttributeType
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

function attribute(w: Writer, name: string, v: AttributeValue): void {
  w.string(1, name);
  if (typeof v === 'number') w.int(3, v).int(20, ATTR.INT);
  else if (typeof v === 'string') w.bytes(4, new TextEncoder().encode(v)).int(20, ATTR.STRING);
  else if (Array.isArray(v)) { for (const x of v) w.int(8, x); w.int(20, ATTR.INTS); }
  else w.float(2, v.float).int(20, ATTR.FLOAT);
}

function valueInfo(w: Writer, t: TensorSpec): void {
  w.string(1, t.name);
  w.message(2, (type) => type.message(1, (tensor) => {
    tensor.int(1, t.type);
    tensor.message(2, (shape) => {
      for (const d of t.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
    });
  }));
}

function tensor(w: Writer, t: Initializer): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? DataType.FLOAT : DataType.INT64);
  w.string(8, t.name);
  // raw_data is little-endian; so is every platform onnxruntime-node ships for.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice());
}

/** Serialises a graph as an ONNX model (IR version 8, default domain at `opset`). */
export function encodeModel(graph: GraphSpec, opset = 17, producer = 'drmm-workbench'): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, producer);
  w.message(7, (g) => {
    graph.nodes.forEach((n, i) => g.message(1, (node) => {
      for (const x of n.inputs) node.string(1, x);
      for (const y of n.outputs) node.string(2, y);
      node.string(3, `${n.op}_${i}`);
      node.string(4, n.op);
      for (const [k, v] of Object.entries(n.attrs ?? {})) node.message(5, (a) => attribute(a, k, v));
    }));
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (x) => tensor(x, t));
    for (const t of graph.inputs) g.message(11, (x) => valueInfo(x, t));
    for (const t of graph.outputs) g.message(12, (x) => valueInfo(x, t));
  });
  w.message(8, (o) => o.string(1, '').int(2, opset));
  return w.finish();
}
