/**
 * Batch normalization in training, on a batch of vectors, as one wasm kernel each way
 * (`wasm/smallmm.c`, `bn_forward` and `bn_backward`): the batch's moments, x̂, y = γ·x̂ + β and
 * the new moving statistics in one call; dx, dγ, dβ in one call. `batchNormTraining` (kernels.ts)
 * makes about 10 tfjs kernels forward and 10 backward, `tf.moments` and the moving averages about
 * 10 more, each with tfjs's bookkeeping. The formulas are the same (`kernels.ts`'s comment); the
 * sums are float32 in another order than tfjs's, so the numbers agree to rounding
 * (`test/unit/batchNormFused.test.ts` checks both against float64).
 * Undefined where it does not apply (another backend, the module missing, the switch off).
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, registerOwnKernel, smallMatMulModule, type OwnKernelArgs } from './kernels';

const FORWARD = 'DeepLessonsBatchNormForward';
const BACKWARD = 'DeepLessonsBatchNormBackward';
type Info = tf.TensorInfo;

// Outputs: y, x̂, r, the new moving mean and variance.
function forwardKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): Info[] {
    const { x, gamma, beta, movMean, movVar } = inputs as Record<'x' | 'gamma' | 'beta' | 'movMean' | 'movVar', Info>;
    const { epsilon, momentum } = attrs as { epsilon: number; momentum: number };
    const [M, N] = x.shape;
    const [y, xhat] = [0, 1].map(() => wb.makeOutput([M, N], 'float32'));
    const [mean, r, movMeanOut, movVarOut] = [0, 1, 2, 3].map(() => wb.makeOutput([N], 'float32'));
    mm.bnForward(
      { x: at(x), gamma: at(gamma), beta: at(beta), movMean: at(movMean), movVar: at(movVar), y: at(y), xhat: at(xhat), mean: at(mean), r: at(r), movMeanOut: at(movMeanOut), movVarOut: at(movVarOut) },
      M,
      N,
      epsilon,
      momentum,
    );
    wb.disposeData(mean.dataId);
    return [y, xhat, r, movMeanOut, movVarOut];
}

// Outputs: dx, dγ, dβ.
function backwardKernel({ inputs, mm, wb, at }: OwnKernelArgs): Info[] {
    const { dy, xhat, r, gamma } = inputs as Record<'dy' | 'xhat' | 'r' | 'gamma', Info>;
    const [M, N] = xhat.shape;
    const dx = wb.makeOutput([M, N], 'float32');
    const [dgamma, dbeta] = [0, 1].map(() => wb.makeOutput([N], 'float32'));
    mm.bnBackward({ dy: at(dy), xhat: at(xhat), r: at(r), gamma: at(gamma), dx: at(dx), dgamma: at(dgamma), dbeta: at(dbeta) }, M, N);
    return [dx, dgamma, dbeta];
}

/**
 * y = γ·(x − μ)/√(σ² + ε) + β with the batch's μ and σ², and its gradient for x, γ and β; with the
 * moving statistics after this batch (momentum m: moving ← moving·m + batch·(1 − m)), which the
 * caller assigns after the step (or disposes). Undefined where the kernel does not apply.
 */
export function batchNormFused(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  movingMean: tf.Tensor,
  movingVariance: tf.Tensor,
  epsilon: number,
  momentum: number,
): { y: tf.Tensor2D; movingMean: tf.Tensor; movingVariance: tf.Tensor } | undefined {
  if (!fastMatMulOptions.fusedBatchNorm || !smallMatMulModule() || tf.getBackend() !== 'wasm' || x.rank !== 2 || x.shape[0] === 0) return undefined;
  if ([x, gamma, beta, movingMean, movingVariance].some((t) => t.dtype !== 'float32')) return undefined;
  registerOwnKernel(FORWARD, forwardKernel);
  registerOwnKernel(BACKWARD, backwardKernel);
  let moving: tf.Tensor[] = [];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, xhat, r, mm, mv] = tf.engine().runKernel(FORWARD, { x: xx, gamma: g, beta: b, movMean: movingMean, movVar: movingVariance }, { epsilon, momentum }) as unknown as tf.Tensor[];
    moving = [tf.keep(mm), tf.keep(mv)];
    save([xhat, r, g]);
    tf.dispose([xhat, r]); // the saved copies share their buffers
    return {
      value: y as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved;
        return tf.engine().runKernel(BACKWARD, { dy, xhat: sx, r: sr, gamma: sg }, {}) as unknown as tf.Tensor[];
      },
    };
  });
  const y = f(x, gamma, beta) as tf.Tensor2D;
  return { y, movingMean: moving[0], movingVariance: moving[1] };
}
