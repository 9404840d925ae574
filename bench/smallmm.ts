/**
 * The small-matrix SIMD kernels alone (no tfjs): GFLOP/s of each form at the Dense layers' sizes,
 * on a memory of their own.   node --import tsx bench/smallmm.ts [milliseconds per shape]
 */
import { loadSmallMatMul, wasmApi } from '../src/engine/wasm/smallmm';

const budget = Number(process.argv[2] ?? 300);
const memory = wasmApi.Memory ? new wasmApi.Memory({ initial: 200 }) : undefined;
const mm = loadSmallMatMul(memory!)!;
const f = new Float32Array(memory!.buffer);
for (let i = 0; i < 3_000_000; i++) f[i] = Math.sin(i);
const [A, B, C] = [0, 4_000_000, 8_000_000];
const shapes = [
  [32, 100, 100],
  [32, 784, 300],
  [32, 300, 100],
  [100, 32, 100],
  [300, 32, 784],
];
for (const [M, K, N] of shapes) {
  const forms: [string, () => void][] = [
    ['A·B', () => mm.nb(A, false, B, C, M, K, N)],
    ['Aᵀ·B', () => mm.nb(A, true, B, C, M, K, N)],
    ['A·Bᵀ', () => mm.nt(A, B, C, M, K, N)],
  ];
  const line: string[] = [];
  for (const [name, run] of forms) {
    for (let i = 0; i < 20; i++) run();
    let calls = 0;
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    while (performance.now() - w0 < budget) {
      for (let i = 0; i < 10; i++) run();
      calls += 10;
    }
    const cpu = process.cpuUsage(t0);
    const seconds = (cpu.user + cpu.system) / 1e6;
    line.push(`${name} ${((2 * M * K * N * calls) / seconds / 1e9).toFixed(1)} GFLOP/s (${((seconds / calls) * 1e6).toFixed(1)} µs)`);
  }
  console.log(`${M}×${K}×${N}: ${line.join(', ')}`);
}
