/**
 * Measures the engine's batch norm (model.ts: its gradient written out, kernels.ts
 * `batchNormTraining`) against tfjs's own autodiff of `tf.moments` + `tf.batchNorm`, in the
 * product's loop, alternating in one process by swapping BatchNormalization.prototype.apply.
 *   node --import tsx bench/batchnorm.ts [rounds] [samples]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine';
import { BatchNormalization, type ForwardContext } from '../src/engine/model';
import { WORKLOADS, measureThroughput, median, randomData } from '../src/cli/bench';

/** The layer's training branch differentiated by tfjs (what model.ts did before the written-out gradient). */
export function autodiffApply(this: BatchNormalization, x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
  if (!(ctx.training && !this.frozen) || x.rank !== 2) return product.call(this, x, ctx);
  const { mean, variance } = tf.moments(x, [0]);
  if (ctx.updates) {
    const m = this.momentum;
    ctx.updates.push([this.movingMean, tf.keep(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)))]);
    ctx.updates.push([this.movingVariance, tf.keep(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)))]);
  }
  return tf.batchNorm(x, mean, variance, this.beta, this.gamma, this.epsilon);
}
const product = BatchNormalization.prototype.apply;

async function main(): Promise<void> {
  const w = WORKLOADS.find((x) => x.name === 'bn-32')!;
  const rounds = Number(process.argv[2] ?? 3);
  const samples = Number(process.argv[3] ?? 2048);
  await initBackend('wasm');
  const data = randomData(samples, w.inputs, w.classes);
  const res: Record<string, number[]> = { written: [], tfjs: [] };
  const loss: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['written', 'tfjs'] as const) {
      BatchNormalization.prototype.apply = mode === 'written' ? product : autodiffApply;
      const m = await measureThroughput(w, 'plain', { samples, repeats: 2, backend: 'wasm', data });
      res[mode].push(Math.round(m.samplesPerCpuSecond));
      loss[mode] = m.finalLoss;
    }
  }
  console.log(`bn-32: written-out BN gradient ${median(res.written)} (${res.written.join(' ')}), tfjs's ${median(res.tfjs)} (${res.tfjs.join(' ')}) samples per CPU-second; final loss ${loss.written} vs ${loss.tfjs}`);
}
if (require.main === module) void main();
