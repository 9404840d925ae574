/**
 * Plain SGD's update θ − η·g as one wasm kernel (`wasm/smallmm.c`, `sgd_step`): tfjs's ops make
 * two kernels and a new scalar tensor for η per variable and step (for the 100-layer net, 600
 * of them per step). Undefined where it does not apply (another backend, the module missing,
 * not float32, the switch off): the caller then uses tfjs's ops.
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, smallMatMulModule, type WasmBackendInternals } from './kernels';

const SGD = 'DeepLessonsSgdStep';
let registered = false;

function register(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: SGD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wb = backend as unknown as WasmBackendInternals;
      const { v, g } = inputs as { v: tf.TensorInfo; g: tf.TensorInfo };
      const out = wb.makeOutput(v.shape, 'float32');
      const at = (t: tf.TensorInfo) => wb.dataIdMap.get(t.dataId)!.memoryOffset;
      smallMatMulModule()!.sgdStep(at(v), at(g), at(out), tf.util.sizeFromShape(v.shape), (attrs as { lr: number }).lr);
      return out;
    },
  });
  registered = true;
}

/** v − lr·g in one kernel on wasm, or undefined (then compute it with tfjs's ops). */
export function sgdStep(v: tf.Tensor, g: tf.Tensor, lr: number): tf.Tensor | undefined {
  if (!fastMatMulOptions.fusedSgd || !smallMatMulModule() || tf.getBackend() !== 'wasm' || v.dtype !== 'float32' || g.dtype !== 'float32' || v.size !== g.size) return undefined;
  register();
  return tf.engine().runKernel(SGD, { v, g }, { lr }) as tf.Tensor;
}
