/**
 * A Dense layer as two kernels on the wasm backend: forward Y = act(X·W + b) and backward
 * (dX, dW, db) in one call each, against the backend's memory (`wasm/smallmm.c`). tfjs's own
 * path makes three kernels forward (matmul, add, activation) and about eleven backward (the
 * activation's gradient: mask, scalars, exp, where; the bias gradient's sum; two matmuls), each
 * with tfjs's bookkeeping: for the 100-layer SELU net, about 1,400 kernels per step.
 *
 * Used when the backend is wasm with our module loaded, the input is a batch of vectors, the
 * activation is one the kernels compute (`FUSED_ACTIVATIONS`: each derivative is a function of
 * the output) and every product is under `fastMatMulOptions.smallMaxFlops`; otherwise `denseFused`
 * returns undefined and the layer takes tfjs's path.
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, registerOwnKernel, smallMatMulModule, type OwnKernelArgs } from './kernels';
import { FUSED_ACTIVATIONS, type FusedActivation } from './wasm/smallmm';

const FORWARD = 'DeepLessonsDenseForward';
const BACKWARD = 'DeepLessonsDenseBackward';
type Info = tf.TensorInfo;

interface Attrs {
  activation: FusedActivation;
  inputGrad: boolean;
  hasBias: boolean;
}

function forwardKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): Info {
  const { x, w, b } = inputs as { x: Info; w: Info; b?: Info };
  const [M, K] = x.shape;
  const N = w.shape[1];
  const y = wb.makeOutput([M, N], 'float32');
  mm.denseForward(at(x), at(w), b ? at(b) : undefined, at(y), M, K, N, (attrs as unknown as Attrs).activation);
  return y;
}

function backwardKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): Info[] {
  const { dy, x, w, y } = inputs as { dy: Info; x: Info; w: Info; y: Info };
  const { activation, inputGrad, hasBias } = attrs as unknown as Attrs;
  const [M, K] = x.shape;
  const N = w.shape[1];
  const dz = wb.makeOutput([M, N], 'float32');
  const dw = wb.makeOutput([K, N], 'float32');
  const db = hasBias ? wb.makeOutput([N], 'float32') : undefined;
  const dx = inputGrad ? wb.makeOutput([M, K], 'float32') : undefined;
  mm.denseBackward({ dy: at(dy), x: at(x), w: at(w), y: at(y), dz: at(dz), dw: at(dw), db: db && at(db), dx: dx && at(dx) }, M, K, N, activation);
  wb.disposeData(dz.dataId);
  return [dw, ...(db ? [db] : []), ...(dx ? [dx] : [])];
}

/** Whether `denseFused` can take a layer with this activation and these sizes now. */
export function canFuseDense(activation: string, batch: number, inputs: number, units: number): activation is FusedActivation {
  if (!fastMatMulOptions.fusedDense || !smallMatMulModule() || tf.getBackend() !== 'wasm' || !(activation in FUSED_ACTIVATIONS)) return false;
  return 2 * batch * inputs * units <= fastMatMulOptions.smallMaxFlops;
}

/**
 * act(x·w + b) with its gradient in one kernel each way, or undefined when the fused path does
 * not apply (then the caller takes tfjs's ops). `inputGrad` false skips dX (the first trainable
 * layer's input is data): its gradient is then zeros.
 */
export function denseFused(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, activation: string, inputGrad: boolean): tf.Tensor2D | undefined {
  const [batch, inputs] = x.shape as number[];
  if (x.rank !== 2 || x.dtype !== 'float32' || !canFuseDense(activation, batch, inputs, (w.shape as number[])[1])) return undefined;
  registerOwnKernel(FORWARD, forwardKernel);
  registerOwnKernel(BACKWARD, backwardKernel);
  const attrs = { activation, inputGrad, hasBias: b !== undefined } as unknown as tf.NamedAttrMap;
  const run = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    const inputs: tf.NamedTensorMap = bb ? { x: xx, w: ww, b: bb } : { x: xx, w: ww };
    const y = tf.engine().runKernel(FORWARD, inputs, attrs) as tf.Tensor2D;
    save([xx, ww, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved;
        const grads = tf.engine().runKernel(BACKWARD, { dy, x: sx, w: sw, y: sy }, attrs) as unknown as tf.Tensor[];
        const [dw, ...rest] = grads;
        const db = bb ? rest.shift()! : undefined;
        const dx = inputGrad ? rest.shift()! : tf.zerosLike(sx);
        return bb ? [dx, dw, db!] : [dx, dw];
      },
    };
  };
  if (b) {
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xx, ww, bb, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      return run(xx, ww, bb, save);
    });
    return f(x, w, b) as tf.Tensor2D;
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, ww, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    return run(xx, ww, undefined, save);
  });
  return f(x, w) as tf.Tensor2D;
}
