/**
 * The activation statistics of one block's output (mean, std, fraction of zeros, fraction
 * saturated) as one wasm kernel (`wasm/smallmm.c`, `block_stats`) instead of about a dozen of
 * tfjs's (moments, equal, cast, mean, abs, greater, stack) per layer: the instrumented runs of
 * deep nets spend most of their extra time there. Undefined where it does not apply; the caller
 * then uses tfjs's ops.
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, smallMatMulModule, type WasmBackendInternals } from './kernels';

const STATS = 'DeepLessonsBlockStats';
let registered = false;

function register(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: STATS,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wb = backend as unknown as WasmBackendInternals;
      const { x } = inputs as { x: tf.TensorInfo };
      const out = wb.makeOutput([4], 'float32');
      const at = (t: tf.TensorInfo) => wb.dataIdMap.get(t.dataId)!.memoryOffset;
      smallMatMulModule()!.blockStats(at(x), tf.util.sizeFromShape(x.shape), (attrs as { sat: 0 | 1 | 2 }).sat, at(out));
      return out;
    },
  });
  registered = true;
}

/** [mean, std, zero fraction, saturated fraction or −1] of `x`; saturation measured for sigmoid and tanh layers. */
export function blockStats(x: tf.Tensor, activation: string | undefined): tf.Tensor1D | undefined {
  if (!fastMatMulOptions.fusedStats || !smallMatMulModule() || tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || x.size === 0) return undefined;
  register();
  const sat = activation === 'sigmoid' ? 1 : activation === 'tanh' ? 2 : 0;
  return tf.engine().runKernel(STATS, { x }, { sat }) as tf.Tensor1D;
}
