/**
 * A/B: the same workload with an optimization on and off, alternating in one process so that the
 * load of other work on the machine hits both alike. Reports samples per CPU-second.
 *   node --import tsx bench/ab.ts [workload] [rounds] [samples]
 */
import { initBackend } from '../src/engine';
import { fastMatMulOptions } from '../src/engine/kernels';
import { WORKLOADS, measureThroughput, median, randomData } from '../src/cli/bench';

async function main(): Promise<void> {
  const w = WORKLOADS.find((x) => x.name === (process.argv[2] ?? 'mlp-32'))!;
  const rounds = Number(process.argv[3] ?? 3);
  const samples = Number(process.argv[4] ?? 2048);
  await initBackend('wasm');
  const data = randomData(samples, w.inputs, w.classes);
  const res: Record<string, number[]> = { on: [], off: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['on', 'off'] as const) {
      fastMatMulOptions.swap = mode === 'on';
      const m = await measureThroughput(w, 'plain', { samples, repeats: 2, backend: 'wasm', data });
      res[mode].push(Math.round(m.samplesPerCpuSecond));
    }
  }
  console.log(`${w.name}: swapped matmul on ${median(res.on)} (${res.on.join(' ')}), off ${median(res.off)} (${res.off.join(' ')}) samples per CPU-second`);
}
void main();
