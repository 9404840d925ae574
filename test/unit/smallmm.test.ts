import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { currentBackend, initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { SMALL_MATMUL_MAX_FLOPS_DEFAULT, fastMatMulOptions, smallMatMulLoaded, smallPlan } from '../../src/engine/kernels';
import { SMALL_MM_FMA_FILE, loadSmallMatMul, smallMatMulChoice, smallMatMulPath, wasmApi } from '../../src/engine/wasm/smallmm';
import { blockStats } from '../../src/engine/blockStats';

const root = join(__dirname, '..', '..');

before(async () => {
  await initBackend('wasm');
});

/** op(A)·op(B) in float64, from row-major float32 storage. */
function reference(A: Float32Array, B: Float32Array, M: number, K: number, N: number, ta: boolean, tb: boolean): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += (ta ? A[p * M + i] : A[i * K + p]) * (tb ? B[j * K + p] : B[p * N + j]);
      c[i * N + j] = s;
    }
  return c;
}

/** Largest error relative to the size of the terms: |c − ref| / Σ|a·b| would be exact; K·max works. */
function worst(got: Float32Array, ref: Float64Array, K: number): number {
  let w = 0;
  for (let i = 0; i < got.length; i++) w = Math.max(w, Math.abs(got[i] - ref[i]) / Math.sqrt(K));
  return w;
}

test('the small-matrix SIMD module is loaded on wasm and the Dense layer forms go to it', () => {
  assert.equal(smallMatMulLoaded(), true);
  const info = (shape: number[]) => ({ shape, dtype: 'float32' as const, dataId: {} });
  assert.deepEqual(smallPlan(info([32, 100]), info([100, 100]), false, false), { form: 'nb', M: 32, K: 100, N: 100, outShape: [32, 100] });
  assert.deepEqual(smallPlan(info([1, 32, 100]), info([1, 32, 300]), true, false), { form: 'tb', M: 100, K: 32, N: 300, outShape: [1, 100, 300] });
  assert.deepEqual(smallPlan(info([32, 300]), info([784, 300]), false, true), { form: 'nt', M: 32, K: 300, N: 784, outShape: [32, 784] });
  assert.equal(smallPlan(info([32, 100]), info([100, 32]), true, true), undefined, 'both transposed: XNNPACK');
  assert.equal(smallPlan(info([2, 32, 100]), info([2, 100, 100]), false, false), undefined, 'a batch of matrices: XNNPACK');
  assert.equal(smallPlan(info([256, 784]), info([784, 300]), false, false)?.form, 'nb', 'batch 256: ours');
  assert.equal(smallPlan(info([4097, 784]), info([784, 300]), false, false), undefined, 'larger than 4,096 × 784 × 300: XNNPACK');
  assert.equal(2 * 4096 * 784 * 300, SMALL_MATMUL_MAX_FLOPS_DEFAULT);
  assert.equal(smallPlan({ ...info([32, 100]), dtype: 'int32' as never }, info([100, 100]), false, false), undefined);
});

test('every form of the SIMD kernels equals a float64 triple loop, over sizes that exercise each block and tail', () => {
  const r = new Rng(17);
  const sizes = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 8],
    [5, 9, 13],
    [7, 3, 2],
    [32, 100, 100],
    [33, 101, 99],
    [32, 784, 300],
    [32, 300, 784],
  ];
  for (const [M, K, N] of sizes)
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      const A = Float32Array.from({ length: M * K }, () => r.normal());
      const B = Float32Array.from({ length: K * N }, () => r.normal());
      const a = tf.tensor2d(A, ta ? [K, M] : [M, K]);
      const b = tf.tensor2d(B, tb ? [N, K] : [K, N]);
      assert.equal(smallPlan(a, b, ta, tb)?.form, tb ? 'nt' : ta ? 'tb' : 'nb');
      const c = tf.matMul(a, b, ta, tb);
      assert.deepEqual(c.shape, [M, N]);
      const w = worst(c.dataSync() as Float32Array, reference(A, B, M, K, N, ta, tb), K);
      assert.ok(w < 1e-5, `${M}×${K}×${N} transposeA=${ta} transposeB=${tb}: error ${w}`);
      tf.dispose([a, b, c]);
    }
});

test('with the SIMD path off, XNNPACK gives the same products (to float rounding), and nothing leaks', () => {
  const r = new Rng(3);
  const a = tf.tensor2d(Float32Array.from({ length: 32 * 100 }, () => r.normal()), [32, 100]);
  const w = tf.tensor2d(Float32Array.from({ length: 100 * 60 }, () => r.normal()), [100, 60]);
  const wt = tf.transpose(w);
  const before = tf.memory().numTensors;
  const forms = () => [tf.matMul(a, w), tf.matMul(a, wt, false, true), tf.matMul(a, a, true, false)];
  const ours = forms();
  fastMatMulOptions.small = false;
  const theirs = forms();
  fastMatMulOptions.small = true;
  ours.forEach((o, i) => {
    const [x, y] = [o.dataSync(), theirs[i].dataSync()];
    for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) < 1e-4 * (1 + Math.abs(y[j])), `form ${i} [${j}]: ${x[j]} vs ${y[j]}`);
  });
  tf.dispose([...ours, ...theirs]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([a, w, wt]);
});

test('the gradient of a Dense layer through the SIMD path equals the float64 reference', () => {
  const r = new Rng(8);
  const [n, din, dout] = [6, 5, 7];
  const X = Float32Array.from({ length: n * din }, () => r.normal());
  const W = Float32Array.from({ length: din * dout }, () => r.normal());
  const G = Float32Array.from({ length: n * dout }, () => r.normal()); // d loss / d y
  const x = tf.tensor2d(X, [n, din]);
  const k = tf.tensor2d(W, [din, dout]);
  const g = tf.tensor2d(G, [n, dout]);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), g)))([x, k]);
  const dxRef = reference(G, W, n, dout, din, false, true); // G·Wᵀ
  const dwRef = reference(X, G, din, n, dout, true, false); // Xᵀ·G
  assert.ok(worst(dx.dataSync() as Float32Array, dxRef, dout) < 1e-5);
  assert.ok(worst(dw.dataSync() as Float32Array, dwRef, n) < 1e-5);
  tf.dispose([x, k, g, dx, dw]);
});

test('both built modules are safe in the backend memory: each imports only the memory, has no data and no start function', () => {
  for (const path of [smallMatMulPath(), smallMatMulPath(SMALL_MM_FMA_FILE)]) {
    assert.ok(path, 'src/engine/wasm/smallmm.wasm and smallmm-fma.wasm are present');
    const bytes = readFileSync(path);
    const sections: number[] = [];
    for (let at = 8; at < bytes.length; ) {
      const id = bytes[at++];
      let size = 0;
      for (let shift = 0; ; shift += 7) {
        const b = bytes[at++];
        size |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
      }
      sections.push(id);
      at += size;
    }
    assert.ok(!sections.includes(11) && !sections.includes(12), `no data section (ids ${sections.join(',')})`);
    assert.ok(!sections.includes(8), 'no start function');
    const mod = new wasmApi.Module(bytes) as object;
    const imports = (wasmApi as unknown as { Module: { imports(m: object): { module: string; name: string; kind: string }[] } }).Module.imports(mod);
    assert.deepEqual(imports, [{ module: 'env', name: 'memory', kind: 'memory' }]);
    // And it runs on a memory of its own: 2×3 times 3×2.
    const memory = new wasmApi.Memory({ initial: 2 });
    const mm = loadSmallMatMul(memory, path)!;
    const f = new Float32Array(memory.buffer);
    f.set([1, 2, 3, 4, 5, 6], 0);
    f.set([7, 8, 9, 10, 11, 12], 16);
    mm.nb(0, false, 64, 128, 2, 3, 2);
    assert.deepEqual(Array.from(f.subarray(32, 36)), [58, 64, 139, 154]);
  }
});

/** Whether this CPU has fused multiply-add (where it has not, V8 runs relaxed madd as a multiply and an add). */
function cpuHasFma(): boolean {
  try {
    return /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

test('the fused multiply-add build is chosen where the runtime runs relaxed SIMD, and DEEP_LESSONS_FMA=0 keeps the plain one', () => {
  const chosen = smallMatMulChoice({});
  assert.deepEqual(chosen, { path: smallMatMulPath(SMALL_MM_FMA_FILE), fma: true }, 'Node 20 with the flag turned on, or a newer V8');
  assert.deepEqual(smallMatMulChoice({ DEEP_LESSONS_FMA: '0' }), { path: smallMatMulPath(), fma: false });
  assert.match(currentBackend()!.reason, /our own SIMD kernels with fused multiply-add/, 'the run header says which build runs');
});

test('each build equals a float64 triple loop, and only the FMA build rounds a·b + c once', () => {
  const r = new Rng(29);
  for (const file of [undefined, SMALL_MM_FMA_FILE]) {
    const memory = new wasmApi.Memory({ initial: 64 });
    const mm = loadSmallMatMul(memory, smallMatMulPath(file))!;
    const f = new Float32Array(memory.buffer);
    for (const [M, K, N] of [
      [32, 100, 100],
      [33, 101, 99],
      [5, 9, 13],
    ]) {
      const A = Float32Array.from({ length: M * K }, () => r.normal());
      const B = Float32Array.from({ length: K * N }, () => r.normal());
      const Bt = Float32Array.from({ length: N * K }, (_, i) => B[(i % K) * N + Math.floor(i / K)]);
      f.set(A, 0);
      f.set(B, 100_000);
      f.set(Bt, 200_000);
      mm.nb(0, false, 400_000, 1_200_000, M, K, N);
      const nb = worst(f.slice(300_000, 300_000 + M * N), reference(A, B, M, K, N, false, false), K);
      mm.nt(0, 800_000, 1_200_000, M, K, N);
      const nt = worst(f.slice(300_000, 300_000 + M * N), reference(A, B, M, K, N, false, false), K);
      assert.ok(nb < 1e-5 && nt < 1e-5, `${file ?? 'plain'} ${M}×${K}×${N}: errors ${nb}, ${nt}`);
    }
    // Each of C's 4×8 entries is 1·(−(1 + 2⁻¹¹)) + (1 + 2⁻¹²)². The square is 1 + 2⁻¹¹ + 2⁻²⁴: a
    // multiply rounds it to 1 + 2⁻¹¹ (a tie, to even) and the sum is 0; a fused multiply-add keeps
    // it and gives 2⁻²⁴ exactly.
    const u = 1 + 2 ** -12;
    f.set(Array.from({ length: 4 }, () => [1, u]).flat(), 0);
    f.set([...Array(8).fill(-(1 + 2 ** -11)), ...Array(8).fill(u)], 100);
    mm.nb(0, false, 400, 800, 4, 2, 8);
    const fused = file !== undefined && cpuHasFma();
    assert.deepEqual(Array.from(f.subarray(200, 232)), Array(32).fill(fused ? 2 ** -24 : 0), file ?? 'plain');
  }
});

test('the committed smallmm.wasm and smallmm-fma.wasm are what their source builds to (when clang 16+ is installed)', (t) => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs'), '--check'], { encoding: 'utf8' });
  if (r.status === 3) {
    t.skip(`no usable clang: the rebuild check needs apt-get install clang-19 lld-19 (${r.stderr.trim().split('\n')[0]})`);
    return;
  }
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('the block statistics kernel equals float64 formulas and tfjs’s ops (mean, std, zeros, saturation)', () => {
  const r = new Rng(44);
  const n = 256 * 37;
  const relu = Float32Array.from({ length: n }, () => Math.max(0, r.normal()));
  const sig = Float32Array.from({ length: n }, () => 1 / (1 + Math.exp(-4 * r.normal())));
  const tanh = Float32Array.from({ length: n }, () => Math.tanh(3 * r.normal()));
  for (const [act, data] of [['relu', relu], ['sigmoid', sig], ['tanh', tanh]] as const) {
    const mean = data.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(data.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    const zeros = data.filter((v) => v === 0).length / n;
    const f = Math.fround;
    const sat = act === 'sigmoid' ? data.filter((v) => Math.abs(f(v - 0.5)) > f(0.49)).length / n : act === 'tanh' ? data.filter((v) => Math.abs(v) > f(0.98)).length / n : -1;
    const x = tf.tensor2d(data, [256, 37]);
    const got = blockStats(x, act)!;
    const g = got.dataSync();
    assert.ok(Math.abs(g[0] - mean) < 1e-6 && Math.abs(g[1] - std) < 1e-6, `${act}: mean ${g[0]} vs ${mean}, std ${g[1]} vs ${std}`);
    assert.equal(g[2], f(zeros));
    assert.equal(g[3], f(sat));
    if (act === 'relu') assert.ok(zeros > 0.4);
    else assert.ok(sat > 0.05, `${act}: some saturated (${sat})`);
    tf.dispose([x, got]);
  }
  fastMatMulOptions.fusedStats = false;
  tf.tidy(() => assert.equal(blockStats(tf.zeros([2, 2]), 'relu'), undefined));
  fastMatMulOptions.fusedStats = true;
});
