/**
 * Measures kernels.ts `batchNormTraining` (batch norm with its gradient written out) in the
 * product's loop, alternating with model.ts's layer in one process by swapping
 * BatchNormalization.prototype.apply (model.ts unchanged).
 *   node --import tsx bench/batchnorm.ts [rounds] [samples]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine';
import { BatchNormalization, type ForwardContext } from '../src/engine/model';
import { batchNormTraining } from '../src/engine/kernels';
import { WORKLOADS, measureThroughput, median, randomData } from '../src/cli/bench';

/** The layer's training branch, as model.ts has it, with the written-out gradient. */
export function fastApply(this: BatchNormalization, x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
  if (!(ctx.training && !this.frozen) || x.rank !== 2) return original.call(this, x, ctx);
  const { mean, variance } = tf.moments(x, [0]);
  if (ctx.updates) {
    const m = this.momentum;
    ctx.updates.push([this.movingMean, tf.keep(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)))]);
    ctx.updates.push([this.movingVariance, tf.keep(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)))]);
  }
  return batchNormTraining(x as tf.Tensor2D, mean, variance, this.gamma as unknown as tf.Tensor1D, this.beta as unknown as tf.Tensor1D, this.epsilon);
}
const original = BatchNormalization.prototype.apply;

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
      BatchNormalization.prototype.apply = mode === 'written' ? fastApply : original;
      const m = await measureThroughput(w, 'plain', { samples, repeats: 2, backend: 'wasm', data });
      res[mode].push(Math.round(m.samplesPerCpuSecond));
      loss[mode] = m.finalLoss;
    }
  }
  console.log(`bn-32: written-out BN gradient ${median(res.written)} (${res.written.join(' ')}), tfjs's ${median(res.tfjs)} (${res.tfjs.join(' ')}) samples per CPU-second; final loss ${loss.written} vs ${loss.tfjs}`);
}
if (require.main === module) void main();
