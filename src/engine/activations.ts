/** Per-layer activation statistics on a fixed probe batch (the charts of vanishing and exploding signals). */
import * as tf from '@tensorflow/tfjs';
import type { ActivationStats } from '../protocol/events';
import { blockStats } from './blockStats';
import type { BlockOutput, Model } from './model';

/** Mean, std, fraction of zeros and (sigmoid, tanh) of saturated units, per instrumented block. */
export function activationStats(model: Model, probe: tf.Tensor): ActivationStats[] {
  const dense = model.denseLayers;
  const stats = tf.tidy(() => {
    const outputs: BlockOutput[] = [];
    model.forward(probe, { training: false, dropout: false, seed: 0, blockOutputs: outputs });
    // A stacked run's blocks lie one after the other in one tensor: each one's slice of it.
    const blocks = outputs.map((o) => (o.offset === 0 && o.size === o.tensor.size ? o.tensor : tf.slice(tf.reshape(o.tensor, [-1]), [o.offset], [o.size])));
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
