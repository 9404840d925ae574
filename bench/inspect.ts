/**
 * What one inspection of a recorded step costs, part by part, on a workload's model (CPU
 * milliseconds per call, mean of `reps` after one warm-up call): the probe's forward pass (256
 * rows) with its runs of Dense layers stacked or one kernel per layer, the whole inspection
 * (`inspectStep`: pass, read, histograms, health, statistics) with and without the kernel
 * gradients' histograms, its read copied instead of in place, and the gradient norms of a
 * recorded step (tfjs kernels against the sums in JS on the backend's memory).
 *   node --import tsx bench/inspect.ts [workload] [reps]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine';
import { WORKLOADS } from '../src/cli/bench';
import { inspectStep } from '../src/engine/inspect';
import { fastMatMulOptions } from '../src/engine/kernels';
import { Model, type BlockOutput } from '../src/engine/model';
import { gradNorms, l2Norms } from '../src/engine/optim/clip';
import { readViews } from '../src/engine/readViews';
import { Rng } from '../src/engine/rng';
import type { LayerSpec } from '../src/protocol/spec';

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'deep100';
  const reps = Number(process.argv[3] ?? 20);
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}; there are ${WORKLOADS.map((x) => x.name).join(', ')}`);
  await initBackend('wasm');
  const model = Model.build([w.inputs], w.layers as LayerSpec[], new Rng(1));
  const r = new Rng(2);
  const probe = tf.tensor2d(Float32Array.from({ length: 256 * w.inputs }, () => r.next()), [256, w.inputs]);
  // Gradient-like values (the histograms' cost does not depend on where they come from).
  const grads = model.denseLayers.map((d) => tf.tensor(Float32Array.from({ length: d.kernel.size }, () => (r.next() - 0.5) * 1e-3), d.kernel.shape));
  const time = (label: string, f: () => void): void => {
    f();
    const t0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) f();
    const c = process.cpuUsage(t0);
    console.log(`${((c.user + c.system) / 1000 / reps).toFixed(2).padStart(8)} ms  ${label}`);
  };
  const forward = () =>
    tf.tidy(() => {
      const blocks: BlockOutput[] = [];
      model.forward(probe, { training: false, dropout: false, seed: 0, blockOutputs: blocks });
    });
  const inspect = (g: tf.Tensor[]) => () =>
    tf.tidy(() => {
      inspectStep(model, probe, g);
    });
  console.log(`${name}: one inspection on a 256-example probe (${model.denseLayers.length} instrumented layers), CPU time per call`);
  time('probe pass, runs of Dense layers stacked', forward);
  fastMatMulOptions.probeStack = false;
  time('probe pass, one kernel per layer', forward);
  fastMatMulOptions.probeStack = true;
  time('inspection with the gradient histograms', inspect(grads));
  time('inspection without them', inspect([]));
  fastMatMulOptions.inspectInPlace = false;
  time('inspection with the gradient histograms, read copied', inspect(grads));
  fastMatMulOptions.inspectInPlace = true;
  time('gradient norms, tfjs kernels and a read', () => tf.tidy(() => void gradNorms(grads).dataSync()));
  time('gradient norms, summed in JS in place', () => void l2Norms(readViews(grads)));
}

void main();
