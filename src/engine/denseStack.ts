/**
 * A run of consecutive Dense layers as one operation on the wasm backend: one kernel runs every
 * layer's forward pass (`dense_forward` of `wasm/smallmm.c`, layer after layer, each reading the
 * previous one's output where it lies), one kernel runs every layer's backward pass
 * (`dense_backward`, top to bottom, dX of one layer being dY of the one below). `denseFused.ts`
 * makes two kernels per layer; tfjs's bookkeeping per kernel (the tape and its filtering, tensor
 * tracking, the saved tensors) then cost as much as the arithmetic in the 100-layer SELU net:
 * with the whole stack as one node of the tape it is paid once per step instead of per layer.
 *
 * The numbers are those of `denseFused` (the same kernels in the same order), which
 * `test/unit/denseStack.test.ts` checks to the bit, and against tfjs's own ops.
 */
import * as tf from '@tensorflow/tfjs';
import { registerOwnKernel, type OwnKernelArgs } from './kernels';
import { canFuseDense } from './denseFused';
import type { FusedActivation } from './wasm/smallmm';

const FORWARD = 'DeepLessonsDenseStackForward';
const BACKWARD = 'DeepLessonsDenseStackBackward';
type Info = tf.TensorInfo;

/** One layer of a stack: its kernel, its bias if it has one, its activation. */
export interface StackLayer {
  w: tf.Tensor;
  b?: tf.Tensor;
  activation: FusedActivation;
}

interface Attrs {
  activations: FusedActivation[];
  hasBias: boolean[];
  inputGrad: boolean;
}

/** Widths of the layers' outputs, and where each hidden output starts in the `hidden` buffer (in elements per row). */
function layout(ws: Info[]): { units: number[]; offsets: number[]; hiddenWidth: number } {
  const units = ws.map((w) => w.shape[1]);
  const offsets: number[] = [];
  let at = 0;
  for (let i = 0; i < units.length - 1; i++) {
    offsets.push(at);
    at += units[i];
  }
  return { units, offsets, hiddenWidth: at };
}

/** The kernels and biases among a kernel's inputs, in layer order. */
function params(inputs: tf.NamedTensorInfoMap, attrs: Attrs): { ws: Info[]; bs: (Info | undefined)[] } {
  const ws = attrs.activations.map((_, i) => inputs[`w${i}`]!);
  const bs = attrs.activations.map((_, i) => (attrs.hasBias[i] ? inputs[`b${i}`] : undefined));
  return { ws, bs };
}

// Outputs: y (the last layer's output, M × N_last) and hidden (the other layers' outputs, each M × N_i, one after the other).
function forwardKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): Info[] {
    const a = attrs as unknown as Attrs;
    const { ws, bs } = params(inputs, a);
    const x = inputs.x!;
    const M = x.shape[0];
    const { units, offsets, hiddenWidth } = layout(ws);
    const L = ws.length;
    const y = wb.makeOutput([M, units[L - 1]], 'float32');
    const hidden = wb.makeOutput([M, hiddenWidth], 'float32');
    const hiddenAt = at(hidden);
    let input = at(x);
    let K = x.shape[1];
    for (let i = 0; i < L; i++) {
      const out = i === L - 1 ? at(y) : hiddenAt + 4 * M * offsets[i];
      const b = bs[i];
      mm.denseForward(input, at(ws[i]), b ? at(b) : undefined, out, M, K, units[i], a.activations[i]);
      input = out;
      K = units[i];
    }
    return [y, hidden];
}

// Outputs: dW and db (when the layer has a bias) of each layer in order, then dX when asked for.
function backwardKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): Info[] {
    const a = attrs as unknown as Attrs;
    const { ws, bs } = params(inputs, a);
    const { dy, x, hidden, y } = inputs as { dy: Info; x: Info; hidden: Info; y: Info };
    const M = x.shape[0];
    const { units, offsets } = layout(ws);
    const L = ws.length;
    const widths = [x.shape[1], ...units];
    const widest = Math.max(...widths);
    const hiddenAt = at(hidden);
    const outputOf = (i: number) => (i === L - 1 ? at(y) : hiddenAt + 4 * M * offsets[i]);
    const dws = ws.map((w) => wb.makeOutput([...w.shape], 'float32'));
    const dbs = bs.map((b) => (b ? wb.makeOutput([...b.shape], 'float32') : undefined));
    const dx = a.inputGrad ? wb.makeOutput([...x.shape], 'float32') : undefined;
    // Scratch: dZ, and two buffers that take turns holding dY of the layer below.
    const scratch = [0, 1, 2].map(() => wb.makeOutput([M, widest], 'float32'));
    const [dz, ping, pong] = scratch.map(at);
    let dyAt = at(dy);
    for (let i = L - 1; i >= 0; i--) {
      const wantDx = i > 0 || a.inputGrad;
      const dxAt = i === 0 ? (dx ? at(dx) : undefined) : dyAt === ping ? pong : ping;
      const db = dbs[i];
      mm.denseBackward(
        { dy: dyAt, x: i === 0 ? at(x) : outputOf(i - 1), w: at(ws[i]), y: outputOf(i), dz, dw: at(dws[i]), db: db && at(db), dx: wantDx ? dxAt : undefined },
        M,
        widths[i],
        units[i],
        a.activations[i],
      );
      if (dxAt !== undefined) dyAt = dxAt;
    }
    for (const s of scratch) wb.disposeData(s.dataId);
    const out: Info[] = [];
    dws.forEach((dw, i) => out.push(dw, ...(dbs[i] ? [dbs[i]!] : [])));
    if (dx) out.push(dx);
    return out;
}

/** The kernel's inputs for `layers` on `x`, or undefined when the fused path does not apply to every layer. */
function stackInputs(x: tf.Tensor, layers: readonly StackLayer[], inputGrad: boolean): { named: tf.NamedTensorMap; order: tf.Tensor[]; attrs: Attrs } | undefined {
  if (x.rank !== 2 || x.dtype !== 'float32' || layers.length === 0) return undefined;
  const [M, K0] = x.shape as [number, number];
  let K = K0;
  for (const l of layers) {
    const [rows, units] = l.w.shape as [number, number];
    if (l.w.rank !== 2 || rows !== K || l.w.dtype !== 'float32' || !canFuseDense(l.activation, M, K, units)) return undefined;
    K = units;
  }
  registerOwnKernel(FORWARD, forwardKernel);
  registerOwnKernel(BACKWARD, backwardKernel);
  const attrs: Attrs = { activations: layers.map((l) => l.activation), hasBias: layers.map((l) => l.b !== undefined), inputGrad };
  const named: tf.NamedTensorMap = { x };
  const order: tf.Tensor[] = [x];
  layers.forEach((l, i) => {
    named[`w${i}`] = l.w;
    order.push(l.w);
    if (l.b) {
      named[`b${i}`] = l.b;
      order.push(l.b);
    }
  });
  return { named, order, attrs };
}

/**
 * The layers applied one after the other to `x` (a batch of vectors), with their gradients, in
 * one kernel each way; undefined when the fused path does not apply to every layer (then the
 * caller applies them one by one). `inputGrad` false skips dX (the stack's input is data): its
 * gradient is then zeros.
 */
export function denseStack(x: tf.Tensor, layers: readonly StackLayer[], inputGrad: boolean): tf.Tensor2D | undefined {
  const inputs = stackInputs(x, layers, inputGrad);
  if (!inputs) return undefined;
  const { named, order, attrs } = inputs;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [y, hidden] = tf.engine().runKernel(FORWARD, named, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    // The input and the outputs are kept for the backward pass; the kernels and biases are the
    // variables themselves, which the optimizer replaces only after the gradients are computed.
    save([x, hidden, y]);
    hidden.dispose(); // the saved copy shares its buffer (what the backward pass reads)
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sh, sy] = saved;
        const grads = tf.engine().runKernel(BACKWARD, { ...named, x: sx, dy, hidden: sh, y: sy }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        const dx = inputGrad ? grads.pop()! : tf.zerosLike(sx);
        return [dx, ...grads];
      },
    };
  });
  return f(...order) as tf.Tensor2D;
}

/** A stack's forward pass with every layer's output: the last in `y`, the others one after the other in `hidden`. */
export interface StackOutputs {
  y: tf.Tensor2D;
  /** Layer i's output (i < L − 1): `rows × units[i]` values of `hidden`, from element `offsets[i]`. */
  hidden: tf.Tensor;
  offsets: number[];
  units: number[];
}

/**
 * The same forward pass without a gradient (inference: the probe pass of an inspection), keeping
 * the hidden outputs that `denseStack` saves for its backward pass: the block outputs of every
 * layer, written by the one kernel, instead of one kernel per layer. Undefined when the fused path
 * does not apply.
 */
export function denseStackOutputs(x: tf.Tensor, layers: readonly StackLayer[]): StackOutputs | undefined {
  const inputs = stackInputs(x, layers, false);
  if (!inputs) return undefined;
  const [y, hidden] = tf.engine().runKernel(FORWARD, inputs.named, inputs.attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor2D, tf.Tensor];
  const M = x.shape[0];
  const { units, offsets } = layout(layers.map((l) => l.w));
  return { y, hidden, offsets: offsets.map((o) => o * M), units };
}
