/** Per-layer activation statistics on a fixed probe batch (the charts of vanishing and exploding signals). */
import * as tf from '@tensorflow/tfjs';
import type { ActivationStats } from '../protocol/events';
import { blockStats } from './blockStats';
import type { Model } from './model';

/** Mean, std, fraction of zeros and (sigmoid, tanh) of saturated units, per instrumented block. */
export function activationStats(model: Model, probe: tf.Tensor): ActivationStats[] {
  const dense = model.denseLayers;
  const stats = tf.tidy(() => {
    const blocks: tf.Tensor[] = [];
    model.forward(probe, { training: false, dropout: false, seed: 0, blockOutputs: blocks });
    const rows = blocks.map((b, i) => {
      const act = dense[i]?.activation;
      const fast = blockStats(b, act); // one wasm kernel (blockStats.ts) where it applies
      if (fast) return fast;
      const { mean, variance } = tf.moments(b);
      const zero = tf.mean(tf.cast(tf.equal(b, 0), 'float32'));
      const sat =
        act === 'sigmoid' ? tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(b, 0.5)), 0.49), 'float32')) : act === 'tanh' ? tf.mean(tf.cast(tf.greater(tf.abs(b), 0.98), 'float32')) : tf.scalar(-1);
      return tf.stack([mean, tf.sqrt(variance), zero, sat]);
    });
    return tf.stack(rows);
  });
  const v = stats.dataSync();
  const n = stats.shape[0];
  stats.dispose();
  return Array.from({ length: n }, (_, i) => {
    const s: ActivationStats = { mean: v[i * 4], std: v[i * 4 + 1], zeroFraction: v[i * 4 + 2] };
    if (v[i * 4 + 3] >= 0) s.saturatedFraction = v[i * 4 + 3];
    return s;
  });
}

/**
 * The same statistics from values already read back (the probe's block outputs of a step that
 * looked inside, `inspect.ts`), computed as `block_stats` in `wasm/smallmm.c` computes them: sums
 * in float64 in the same order, comparisons and results in float32. So a step that reads the
 * block outputs anyway needs no second forward pass over the probe for its statistics.
 */
export function statsOfValues(x: Float32Array, activation: string | undefined): ActivationStats {
  const f = Math.fround;
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const mean = s / n;
  let v = 0;
  let zeros = 0;
  let sats = 0;
  const sat = activation === 'sigmoid' ? 1 : activation === 'tanh' ? 2 : 0;
  const [half, band, edge] = [f(0.5), f(0.49), f(0.98)];
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    v += d * d;
    if (x[i] === 0) zeros++;
    if (sat === 1 && Math.abs(f(x[i] - half)) > band) sats++;
    else if (sat === 2 && Math.abs(x[i]) > edge) sats++;
  }
  const stats: ActivationStats = { mean: f(mean), std: f(Math.sqrt(v / n)), zeroFraction: f(zeros / n) };
  if (sat) stats.saturatedFraction = f(sats / n);
  return stats;
}
