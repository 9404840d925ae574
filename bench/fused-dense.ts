/**
 * Measures a fused Dense forward (`denseForward` below) in the product's loop, alternating
 * with the unfused layer in one process, by swapping Dense.prototype.apply (model.ts unchanged).
 * Measured here: slower than the unfused layer (see docs/performance.md), so the engine does not use it.
 *   node --import tsx bench/fused-dense.ts [workload] [rounds] [samples]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine';
import { Dense } from '../src/engine/model';
import { WORKLOADS, measureThroughput, median, randomData } from '../src/cli/bench';

/** Activations that `denseForward` fuses, with their derivative written from the output y. */
const FUSABLE = new Set(['linear', 'relu', 'elu']);

function canFuseDense(activation: string, alpha: number | undefined): boolean {
  return FUSABLE.has(activation) && (activation !== 'elu' || alpha === undefined || alpha === 1);
}

/**
 * y = act(x·W + b) as ONE forward kernel (`tf.fused.matMul`), with its gradient written out
 * (tfjs's own fused gradient knows only linear and relu): dZ = dy·act'(y) (ELU: y + 1 where
 * y ≤ 0, from the output, as tfjs's EluGrad), dX = dZ·Wᵀ, dW = xᵀ·dZ, db = Σ_rows dZ.
 * For rank-2 x and a 2-D kernel; `canFuseDense` says which activations.
 */
function denseForward(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | undefined, activation: 'linear' | 'relu' | 'elu'): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [a, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    const y = tf.fused.matMul({ a, b: w, bias: bias ? b : undefined, activation });
    save([a, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = (activation === 'linear' ? dy : activation === 'relu' ? tf.mul(dy, tf.step(sy)) : tf.engine().runKernel('EluGrad', { dy, y: sy })) as tf.Tensor2D;
        const grads: tf.Tensor[] = [tf.matMul(dz, sw, false, true), tf.matMul(sa, dz, true, false)];
        if (bias) grads.push(tf.sum(dz, 0));
        return grads;
      },
    };
  });
  return (bias ? f(x, kernel, bias) : f(x, kernel)) as tf.Tensor2D;
}

async function main(): Promise<void> {
  const w = WORKLOADS.find((x) => x.name === (process.argv[2] ?? 'mlp-32'))!;
  const rounds = Number(process.argv[3] ?? 3);
  const samples = Number(process.argv[4] ?? 2048);
  await initBackend('wasm');
  const unfused = Dense.prototype.apply;
  const fused = function (this: Dense, x: tf.Tensor, ctx: Parameters<Dense['apply']>[1]): tf.Tensor {
    if (x.rank !== 2 || !canFuseDense(this.activation, this.leak)) return unfused.call(this, x, ctx);
    return denseForward(x as tf.Tensor2D, this.kernel as unknown as tf.Tensor2D, this.bias as unknown as tf.Tensor1D | undefined, this.activation as 'elu');
  };
  const data = randomData(samples, w.inputs, w.classes);
  const res: Record<string, number[]> = { fused: [], unfused: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['fused', 'unfused'] as const) {
      Dense.prototype.apply = mode === 'fused' ? fused : unfused;
      const m = await measureThroughput(w, 'plain', { samples, repeats: 2, backend: 'wasm', data });
      res[mode].push(Math.round(m.samplesPerCpuSecond));
    }
  }
  console.log(`${w.name}: fused ${median(res.fused)} (${res.fused.join(' ')}), unfused ${median(res.unfused)} (${res.unfused.join(' ')}) samples per CPU-second`);
}
void main();
