/**
 * Gradient clipping as Keras does it, and cheap gradient norms.
 *
 * - `clipvalue` v: every component into [−v, v]. Cheap, but it may change the gradient's
 *   direction (g = [0.9, 100] becomes [0.9, 1]).
 * - `clipnorm` c: EACH gradient tensor (one per variable) whose ℓ2 norm exceeds c is rescaled to
 *   norm c: g · c / max(‖g‖, c). The direction is kept.
 * - `global_clipnorm` c: all gradients rescaled together by their joint norm
 *   √(Σ_i ‖g_i‖²): g_i · c / max(joint, c). Directions and relative sizes are kept.
 *
 * As Keras (TF 2's optimizer_v2 `__init__` and `_transform_gradients`, Keras 3's `Optimizer`):
 * `clipnorm` and `global_clipnorm` exclude each other (the spec refuses both); `clipvalue` may
 * come with either and applies first.
 */
import * as tf from '@tensorflow/tfjs';
import { PRIME_CALLS } from '../histograms';

export interface ClipOptions {
  clipvalue?: number;
  clipnorm?: number;
  global_clipnorm?: number;
}

/** True when `opts` asks for any clipping (the loop can skip `clipGradients` otherwise). */
export function needsClipping(opts: ClipOptions): boolean {
  return opts.clipvalue !== undefined || opts.clipnorm !== undefined || opts.global_clipnorm !== undefined;
}

function checkPositive(name: string, x: number | undefined): void {
  if (x !== undefined && !(x > 0 && Number.isFinite(x))) {
    throw new Error(`training.${name} must be a positive number, got ${x}`);
  }
}

/**
 * The clipped gradients, as NEW tensors (one per input, same order and shapes), even when nothing
 * is clipped. The inputs are not disposed: the caller owns both the inputs and the outputs.
 */
export function clipGradients(grads: tf.Tensor[], opts: ClipOptions): tf.Tensor[] {
  checkPositive('clipvalue', opts.clipvalue);
  checkPositive('clipnorm', opts.clipnorm);
  checkPositive('global_clipnorm', opts.global_clipnorm);
  if (opts.clipnorm !== undefined && opts.global_clipnorm !== undefined) {
    throw new Error('training.global_clipnorm: give either clipnorm or global_clipnorm, not both (Keras refuses both)');
  }
  if (grads.length === 0) return [];
  return tf.tidy(() => {
    let out: tf.Tensor[] = grads;
    const { clipnorm, global_clipnorm, clipvalue } = opts;
    if (clipvalue !== undefined) {
      out = out.map((g) => tf.clipByValue(g, -clipvalue, clipvalue));
    }
    if (clipnorm !== undefined) {
      out = out.map((g) => tf.mul(g, tf.div(clipnorm, tf.maximum(l2(g), clipnorm))));
    }
    if (global_clipnorm !== undefined) {
      const joint = tf.sqrt(tf.addN(out.map((g) => tf.sum(tf.square(g)))));
      const scale = tf.div(global_clipnorm, tf.maximum(joint, global_clipnorm));
      out = out.map((g) => tf.mul(g, scale));
    }
    // With no option at all, return copies so that the ownership rule holds in every case.
    return out === grads ? grads.map((g) => tf.clone(g)) : out;
  });
}

function l2(g: tf.Tensor): tf.Scalar {
  return tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar;
}

/**
 * Each gradient's ℓ2 norm, √(Σ g²), stacked into ONE tensor so that the caller reads them all with
 * one `dataSync()` (tf.norm goes through pow, which is slow on wasm). The caller disposes it.
 */
export function gradNorms(grads: tf.Tensor[]): tf.Tensor1D {
  if (grads.length === 0) return tf.tensor1d([], 'float32');
  return tf.tidy(() => tf.stack(grads.map((g) => l2(g))) as tf.Tensor1D);
}

/**
 * Each array's ℓ2 norm, √(Σ g²), summed in float64 (four running sums: the float32 kernels' norms
 * agree to float32 rounding). For gradients read where they lie (`readViews`).
 */
export function l2Norms(values: readonly Float32Array[]): number[] {
  return values.map(sumOfSquares).map(Math.sqrt);
}

function sumOfSquares(g: Float32Array): number {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const n4 = g.length - (g.length % 4);
  for (let i = 0; i < n4; i += 4) {
    a += g[i] * g[i];
    b += g[i + 1] * g[i + 1];
    c += g[i + 2] * g[i + 2];
    d += g[i + 3] * g[i + 3];
  }
  for (let i = n4; i < g.length; i++) a += g[i] * g[i];
  return a + b + c + d;
}

// Primed at load as the inspection's loops are (see `health.ts`): without it, each call re-entered
// on-stack-replaced code that deoptimized at the loop's end (`node --trace-deopt`).
for (let k = 0; k < PRIME_CALLS; k++) sumOfSquares(Float32Array.of(1, 2, 3, 4, 5));
