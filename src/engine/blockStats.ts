/**
 * The activation statistics of one block's output (mean, std, fraction of zeros, fraction
 * saturated) as one wasm kernel (`wasm/smallmm.c`, `block_stats`) instead of about a dozen of
 * tfjs's (moments, equal, cast, mean, abs, greater, stack) per layer: the instrumented runs of
 * deep nets spend most of their extra time there. Undefined where it does not apply; the caller
 * then uses tfjs's ops.
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, registerOwnKernel, smallMatMulModule, type OwnKernelArgs } from './kernels';

const STATS = 'DeepLessonsBlockStats';

function statsKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): tf.TensorInfo {
  const x = inputs.x!;
  const out = wb.makeOutput([4], 'float32');
  mm.blockStats(at(x), tf.util.sizeFromShape(x.shape), (attrs as { sat: 0 | 1 | 2 }).sat, at(out));
  return out;
}

/** [mean, std, zero fraction, saturated fraction or −1] of `x`; saturation measured for sigmoid and tanh layers. */
export function blockStats(x: tf.Tensor, activation: string | undefined): tf.Tensor1D | undefined {
  if (!fastMatMulOptions.fusedStats || !smallMatMulModule() || tf.getBackend() !== 'wasm' || x.dtype !== 'float32' || x.size === 0) return undefined;
  registerOwnKernel(STATS, statsKernel);
  const sat = activation === 'sigmoid' ? 1 : activation === 'tanh' ? 2 : 0;
  return tf.engine().runKernel(STATS, { x }, { sat }) as tf.Tensor1D;
}
