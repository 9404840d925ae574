/**
 * A/B: the same workload two ways, alternating in one process so that the load of other work on
 * the machine hits both alike. Reports samples per CPU-second (medians).
 *   node --import tsx bench/ab.ts [workload] [rounds] [samples] [swap|small|fused|stack|bn|optim|inplace|stats|probestack|readinplace|unlimited|instrumentation] [optimizer]
 *   (optimizer: the workload trained with another optimizer than SGD, at its defaults, e.g. adam)
 *   swap: the swapped matmul form (kernels.ts matMulPlan) on vs off, plain loop
 *   small: the small-matrix SIMD path (kernels.ts smallPlan, wasm/smallmm.c) on vs off, plain loop
 *   fused: the fused Dense kernels (denseFused.ts) on vs off (the small-matrix path stays on), plain loop
 *   stack: consecutive Dense layers as one operation (denseStack.ts) vs one fused operation per layer, plain loop
 *   bn: batch norm in training as one wasm kernel each way (batchNormFused.ts) vs tfjs's ops, plain loop
 *   optim: the optimizer's update as one wasm kernel (optimStep.ts) vs tfjs's ops
 *   inplace: that kernel writing the new values into the variables' own buffers vs fresh ones
 *   stats: the activation statistics as one wasm kernel per layer (blockStats.ts) vs tfjs's ops, instrumented loop
 *   probestack: the inspection's probe pass with runs of Dense layers as one kernel (denseStack.ts) vs one per layer, instrumented loop
 *   readinplace: the inspection reading the block outputs and gradients where they lie (readViews.ts) vs one copy, instrumented loop
 *   unlimited: every product to our SIMD kernels vs the default threshold (larger ones to XNNPACK)
 *   instrumentation: the lessons' instrumentation vs none, optimized kernels
 */
import { initBackend } from '../src/engine';
import { SMALL_MATMUL_MAX_FLOPS_DEFAULT, fastMatMulOptions } from '../src/engine/kernels';
import { OptimizerSpec } from '../src/protocol/spec';
import { WORKLOADS, measureThroughput, median, randomData } from '../src/cli/bench';

/** The switches that act on the instrumentation: both sides run instrumented. */
const INSTRUMENTED = new Set(['stats', 'probestack', 'readinplace']);

async function main(): Promise<void> {
  const base = WORKLOADS.find((x) => x.name === (process.argv[2] ?? 'mlp-32'))!;
  const optimizer = process.argv[6] ? OptimizerSpec.parse({ name: process.argv[6] }) : undefined;
  const w = optimizer ? { ...base, optimizer } : base;
  const rounds = Number(process.argv[3] ?? 3);
  const samples = Number(process.argv[4] ?? 2048);
  const what = process.argv[5] ?? 'swap';
  await initBackend('wasm');
  const data = randomData(samples, w.inputs, w.classes);
  const toggles: Record<string, (on: boolean) => void> = { swap: (on) => (fastMatMulOptions.swap = on), small: (on) => (fastMatMulOptions.small = on), fused: (on) => (fastMatMulOptions.fusedDense = on), stack: (on) => (fastMatMulOptions.denseStack = on), bn: (on) => (fastMatMulOptions.fusedBatchNorm = on), optim: (on) => (fastMatMulOptions.fusedOptim = on), inplace: (on) => (fastMatMulOptions.optimInPlace = on), stats: (on) => (fastMatMulOptions.fusedStats = on), probestack: (on) => (fastMatMulOptions.probeStack = on), readinplace: (on) => (fastMatMulOptions.inspectInPlace = on), unlimited: (on) => (fastMatMulOptions.smallMaxFlops = on ? Infinity : SMALL_MATMUL_MAX_FLOPS_DEFAULT) };
  const toggle = toggles[what] as ((on: boolean) => void) | undefined;
  const [a, b] = toggle ? [`${what} on`, `${what} off`] : ['instrumented', 'plain'];
  const res: Record<string, number[]> = { [a]: [], [b]: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of [a, b]) {
      toggle?.(side === a);
      const mode = (toggle && !INSTRUMENTED.has(what)) || (!toggle && side === b) ? 'plain' : 'instrumented';
      const m = await measureThroughput(w, mode, { samples, repeats: 2, backend: 'wasm', data });
      res[side].push(Math.round(m.samplesPerCpuSecond));
    }
  }
  const ma = median(res[a]);
  const mb = median(res[b]);
  console.log(`${w.name}: ${a} ${ma} (${res[a].join(' ')}), ${b} ${mb} (${res[b].join(' ')}) samples per CPU-second; ${a}/${b} = ${(ma / mb).toFixed(2)}`);
}
void main();
