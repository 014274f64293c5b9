/**
 * A small builder of ONNX graphs (opset 17, standard operators only): values are names, each
 * operator call appends a node and returns its output's fresh name. Constants become initializers.
 */
import { DataType, encodeModel, type AttributeValue, type GraphSpec, type TensorSpec } from './proto';

export class GraphBuilder {
  private readonly spec: GraphSpec;
  private count = 0;
  /** Values renamed by `output` (later nodes may still refer to them by the old name). */
  private readonly alias = new Map<string, string>();

  constructor(name: string) {
    this.spec = { name, nodes: [], initializers: [], inputs: [], outputs: [] };
  }

  /** A float32 (or int64) graph input. */
  input(name: string, dims: (number | string)[], type: number = DataType.FLOAT): string {
    this.spec.inputs.push({ name, type, dims });
    return name;
  }

  /**
   * Makes value `source` a graph output called `name`: the node that makes it is renamed in place
   * (no copy), or an Identity node is added when `source` is a graph input or already an output.
   */
  output(name: string, from: string, dims: (number | string)[]): void {
    const source = this.alias.get(from) ?? from;
    const producer = this.spec.nodes.find((n) => n.outputs.includes(source));
    if (source === name) { /* already so named */ } else if (producer && !this.spec.outputs.some((o) => o.name === source)) {
      producer.outputs = producer.outputs.map((o) => (o === source ? name : o));
      for (const n of this.spec.nodes) n.inputs = n.inputs.map((i) => (i === source ? name : i));
      this.alias.set(from, name);
    } else {
      this.spec.nodes.push({ op: 'Identity', inputs: [source], outputs: [name] });
    }
    this.spec.outputs.push({ name, type: DataType.FLOAT, dims } satisfies TensorSpec);
  }

  /** A float32 constant (a scalar when `dims` is empty). */
  floats(values: ArrayLike<number>, dims: number[] = values.length === 1 ? [] : [values.length], name = this.fresh('c')): string {
    this.spec.initializers.push({ name, dims, data: Float32Array.from(values) });
    return name;
  }

  /** An int64 constant vector (axes, shapes, slice bounds). */
  ints(values: number[]): string {
    const name = this.fresh('i');
    this.spec.initializers.push({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  /** One operator node with one output. */
  op(op: string, inputs: string[], attrs?: Record<string, AttributeValue>): string {
    const out = this.fresh(op.toLowerCase());
    this.spec.nodes.push({ op, inputs: inputs.map((i) => this.alias.get(i) ?? i), outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  }

  // Shorthands for the operators the network graphs use.
  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  /** A·B + c with optional transposes (the GEMMs of forward and backward passes). */
  gemm(a: string, b: string, c?: string, opts: { transA?: boolean; transB?: boolean } = {}): string {
    return this.op('Gemm', c ? [a, b, c] : [a, b], { transA: opts.transA ? 1 : 0, transB: opts.transB ? 1 : 0 });
  }
  /** Σ over `axes` (all axes when omitted). */
  reduceSum(x: string, axes?: number[], keepdims = false): string {
    return this.op('ReduceSum', axes ? [x, this.ints(axes)] : [x], { keepdims: keepdims ? 1 : 0 });
  }
  reshape(x: string, shape: number[]): string { return this.op('Reshape', [x, this.ints(shape)]); }
  /** x[start:end] along axis 0. */
  slice(x: string, start: number, end: number): string { return this.op('Slice', [x, this.ints([start]), this.ints([end]), this.ints([0])]); }
  concat(xs: string[], axis = 0): string { return xs.length === 1 ? xs[0] : this.op('Concat', xs, { axis }); }

  model(): Uint8Array { return encodeModel(this.spec); }

  private fresh(prefix: string): string { return `${prefix}${this.count++}`; }
}
