/**
 * Where a training step's time goes: wraps every kernel of the wasm backend with a timer and runs
 * one workload of `deep-lessons bench` through the product's loop (runExperiment).
 *   node --import tsx bench/kernel-profile.ts [mlp-32|mlp-256|bn-32|deep-32] [plain|instrumented]
 */
import * as tf from '@tensorflow/tfjs';
import { ModelStore, initBackend, runExperiment } from '../src/engine';
import { WORKLOADS, benchSpec, randomData, type Mode } from '../src/cli/bench';
import type { RunRequest } from '../src/protocol/events';

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'mlp-32';
  const mode = (process.argv[3] ?? 'plain') as Mode;
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}`);
  await initBackend('wasm');
  const stats = new Map<string, { n: number; ms: number }>();
  for (const k of tf.getKernelsForBackend('wasm')) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      setupFunc: undefined,
      kernelFunc: (args) => {
        // CPU time of this thread's process (getrusage): robust to other load on the machine.
        const t = process.cpuUsage();
        const out = f(args);
        const d = process.cpuUsage(t);
        const s = stats.get(k.kernelName) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += (d.user + d.system) / 1000;
        stats.set(k.kernelName, s);
        return out;
      },
    });
  }
  const samples = 2048;
  const data = randomData(samples, w.inputs, w.classes);
  const req: RunRequest = { type: 'run', runId: 'p', experiment: 'p', spec: benchSpec(w, mode, 2) as RunRequest['spec'], options: { backend: 'wasm' } };
  let t0 = 0;
  const c0 = { v: process.cpuUsage() };
  await runExperiment(
    req,
    (e) => {
      if (e.type === 'epoch' && e.epoch === 1) {
        stats.clear();
        t0 = performance.now();
        c0.v = process.cpuUsage();
      }
    },
    new AbortController().signal,
    new ModelStore(),
    { dataset: data },
  );
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(c0.v);
  const steps = Math.ceil(samples / w.batch);
  const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, v]) => s + v.ms, 0);
  console.log(`${name} ${mode}: epoch 2 wall ${wall.toFixed(0)} ms, cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ${steps} steps; kernels ${kernelMs.toFixed(0)} ms; ${(samples / (wall / 1000)).toFixed(0)} samples/s`);
  let calls = 0;
  for (const [k, v] of rows) {
    calls += v.n;
    console.log(`${k.padEnd(16)} ${String(v.n / steps).padStart(6)} /step ${(v.ms / steps * 1000).toFixed(1).padStart(8)} µs CPU/step`);
  }
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`kernel calls per step: ${(calls / steps).toFixed(1)}; CPU time outside kernels: ${(((cpuMs - kernelMs) / steps) * 1000).toFixed(0)} µs/step; ${(samples / (cpuMs / 1000)).toFixed(0)} samples per CPU-second`);
}

void main();
