import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { ModelStore, resolveSpec, runExperiment } from '../../src/engine';
import { countCorrect } from '../../src/engine/losses';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';
import { batchNormTraining, fastMatMulOptions, installFastWasmMatMul, installZeroCopyWasmIdentity, matMulPlan } from '../../src/engine/kernels';
import { Command } from 'commander';
import { PLAIN_RECORD, WORKLOADS, benchSpec, measureThroughput, median, randomData, registerBench, type Workload } from '../../src/cli/bench';
import type { RunEvent, RunRequest } from '../../src/protocol/events';
import { sideBySide } from '../../bench/reference/compare';
import type { LayerSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

test('the zero-copy Identity is active on wasm: a clone shares the buffer, reads the same values, and frees it only with the last owner', () => {
  assert.equal(installZeroCopyWasmIdentity(), true);
  const start = tf.memory();
  const x = tf.tensor1d([1.5, -2, 3.25, 4]);
  const y = tf.clone(x);
  assert.equal(y.dataId, x.dataId, 'the clone shares the buffer');
  assert.equal(tf.memory().numDataBuffers, start.numDataBuffers + 1);
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1.5, -2, 3.25, 4], 'the clone outlives its source');
  const z = tf.add(y, 1);
  assert.deepEqual(Array.from(z.dataSync()), [2.5, -1, 4.25, 5]);
  tf.dispose([y, z]);
  assert.equal(tf.memory().numTensors, start.numTensors);
  assert.equal(tf.memory().numBytes, start.numBytes);
});

/** Float64 reference: forward, softmax cross-entropy, backward and an SGD step of a 2-layer ELU net. */
function referenceStep(W1: number[][], b1: number[], W2: number[][], b2: number[], X: number[][], Y: number[], lr: number): { loss: number; correct: number } {
  const n = X.length;
  const [din, h] = [W1.length, b1.length];
  const k = b2.length;
  const z1 = X.map((x) => b1.map((b, j) => b + x.reduce((s, xi, i) => s + xi * W1[i][j], 0)));
  const a1 = z1.map((r) => r.map((z) => (z > 0 ? z : Math.exp(z) - 1)));
  const z2 = a1.map((a) => b2.map((b, j) => b + a.reduce((s, ai, i) => s + ai * W2[i][j], 0)));
  let loss = 0;
  let correct = 0;
  const dz2 = z2.map((z, r) => {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    const p = e.map((v) => v / sum);
    loss -= Math.log(p[Y[r]]) / n;
    if (z.indexOf(m) === Y[r]) correct++;
    return p.map((v, j) => (v - (j === Y[r] ? 1 : 0)) / n);
  });
  const da1 = dz2.map((d) => Array.from({ length: h }, (_, i) => d.reduce((s, dj, j) => s + dj * W2[i][j], 0)));
  const dz1 = da1.map((d, r) => d.map((v, j) => v * (z1[r][j] > 0 ? 1 : Math.exp(z1[r][j]))));
  for (let i = 0; i < h; i++) for (let j = 0; j < k; j++) W2[i][j] -= lr * a1.reduce((s, a, r) => s + a[i] * dz2[r][j], 0);
  for (let j = 0; j < k; j++) b2[j] -= lr * dz2.reduce((s, d) => s + d[j], 0);
  for (let i = 0; i < din; i++) for (let j = 0; j < h; j++) W1[i][j] -= lr * X.reduce((s, x, r) => s + x[i] * dz1[r][j], 0);
  for (let j = 0; j < h; j++) b1[j] -= lr * dz1.reduce((s, d) => s + d[j], 0);
  return { loss, correct };
}

test('two training steps of the optimized loop equal a float64 reference computation (weights, loss, accuracy)', async () => {
  const layers: LayerSpec[] = [
    { type: 'Dense', units: 5, activation: 'elu', kernel_initializer: 'he_normal' },
    { type: 'Dense', units: 3, activation: 'softmax' },
  ];
  const data = randomData(8, 4, 3, 11);
  const lr = 0.5;
  const spec = {
    dataset: { name: 'blobs', val_size: 0, test_size: 0 },
    model: { input_shape: [4], layers },
    training: { epochs: 1, batch_size: 4, shuffle: false, optimizer: { name: 'sgd', learning_rate: lr }, seed: 3 },
    record: PLAIN_RECORD,
    evaluate: { test: false },
  };
  // The same initial weights as the run draws (run.ts builds with new Rng(seed).fork(1)).
  const init = Model.build([4], layers, new Rng(3).fork(1));
  const [W1, b1, W2, b2] = init.allVariables().map((v) => v.arraySync() as number[] | number[][]);
  init.dispose();
  const rows = (from: number) => Array.from({ length: 4 }, (_, r) => Array.from(data.train.x.subarray((from + r) * 4, (from + r + 1) * 4)));
  const s1 = referenceStep(W1 as number[][], b1 as number[], W2 as number[][], b2 as number[], rows(0), Array.from(data.train.y.subarray(0, 4)), lr);
  const s2 = referenceStep(W1 as number[][], b1 as number[], W2 as number[][], b2 as number[], rows(4), Array.from(data.train.y.subarray(4, 8)), lr);

  const store = new ModelStore();
  const events: RunEvent[] = [];
  const req: RunRequest = { type: 'run', runId: 'ref', experiment: 'bench/ref', spec: spec as unknown as RunRequest['spec'], options: { backend: 'wasm' } };
  await runExperiment(req, (e) => events.push(e), new AbortController().signal, store, { dataset: data });
  const epoch = events.find((e) => e.type === 'epoch');
  assert.ok(epoch && epoch.type === 'epoch', JSON.stringify(events.find((e) => e.type === 'error')));
  assert.ok(Math.abs(epoch.loss - (s1.loss + s2.loss) / 2) < 1e-5, `loss ${epoch.loss} vs reference ${(s1.loss + s2.loss) / 2}`);
  assert.equal(epoch.accuracy, (s1.correct + s2.correct) / 8);
  const trained = store.get('bench/ref')!.allVariables().map((v) => (v.arraySync() as number[] | number[][]).flat());
  const expected = [W1, b1, W2, b2].map((w) => w.flat());
  trained.forEach((got, i) => got.forEach((g, j) => assert.ok(Math.abs(g - expected[i][j]) < 1e-5, `variable ${i}[${j}]: ${g} vs ${expected[i][j]}`)));
  store.clear();
});

test('every workload is a valid experiment; plain records no statistics, instrumented the lessons defaults', () => {
  assert.deepEqual(
    WORKLOADS.map((w) => w.name),
    ['mlp-32', 'mlp-256', 'bn-32', 'deep-32', 'deep100'],
  );
  for (const w of WORKLOADS) {
    const plain = resolveSpec(benchSpec(w, 'plain', 3));
    const instr = resolveSpec(benchSpec(w, 'instrumented', 3));
    assert.equal(plain.training.batch_size, w.batch);
    assert.equal(plain.training.epochs, 3);
    assert.deepEqual([plain.record.gradients, plain.record.activations, plain.record.histograms, plain.record.every], [false, false, false, 1_000_000]);
    assert.deepEqual([instr.record.gradients, instr.record.activations, instr.record.every, instr.record.activations_every], [true, true, 10, 5]);
  }
  const deep = WORKLOADS.find((w) => w.name === 'deep-32')!;
  assert.equal(deep.layers.length, 21);
  assert.equal(deep.inputs, 3072);
  // The notebook's net: Dense 300, 99 × Dense 100, SELU with LeCun normal, then the softmax layer.
  const d100 = WORKLOADS.find((w) => w.name === 'deep100')!;
  assert.equal(d100.layers.length, 101);
  assert.deepEqual(d100.layers.map((l) => (l as { units: number }).units), [300, ...Array<number>(99).fill(100), 10]);
  assert.ok(d100.layers.slice(0, 100).every((l) => l.type === 'Dense' && l.activation === 'selu' && l.kernel_initializer === 'lecun_normal'));
  assert.deepEqual([d100.inputs, d100.batch, d100.lr], [784, 32, 0.001]);
});

test('random data: seeded, the right shapes, features in [0, 1), labels in range; median', () => {
  const a = randomData(50, 7, 4, 9);
  const b = randomData(50, 7, 4, 9);
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.train.y, b.train.y);
  assert.equal(a.train.x.length, 350);
  assert.ok(a.train.x.every((v) => v >= 0 && v < 1));
  assert.ok(a.train.y.every((v) => v >= 0 && v < 4));
  assert.equal(new Set(a.train.y).size, 4);
  assert.equal(a.val.n + a.test.n, 0);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test('measureThroughput times the later epochs, leaks no tensor and reports the memory', async () => {
  const tiny: Workload = { name: 'tiny', description: 'tiny', inputs: 6, classes: 3, batch: 8, lr: 0.01, layers: [{ type: 'Dense', units: 4, activation: 'elu' }, { type: 'Dense', units: 3, activation: 'softmax' }] };
  const r = await measureThroughput(tiny, 'instrumented', { samples: 64, repeats: 3, backend: 'wasm' });
  assert.equal(r.epochsPerSecond.length, 3);
  assert.ok(r.samplesPerSecond > 0 && Number.isFinite(r.samplesPerSecond));
  assert.ok(r.samplesPerCpuSecond > 0);
  assert.ok(Math.abs(r.samplesPerSecond - median(r.epochsPerSecond)) <= 1, 'the median of the (rounded) epochs');
  assert.equal(r.tensorsAfter, r.tensorsBefore);
  assert.ok(Number.isFinite(r.finalLoss));
  assert.ok(r.peakRssMB > 10 && (r.wasmHeapMB ?? 0) > 1);
});

test('the wasm matmul plan: the weights are not repacked at batch 32 (swapped), large batches stay direct', () => {
  // x·W and dY·Wᵀ of the 784-300 layer at batch 32 avoid packing W; dW = xᵀ·dY stays direct.
  assert.equal(matMulPlan([1, 32, 784], [1, 784, 300], false, false), 'swapped');
  assert.equal(matMulPlan([1, 32, 300], [1, 784, 300], false, true), 'swapped');
  assert.equal(matMulPlan([1, 32, 784], [1, 32, 300], true, false), 'direct');
  assert.equal(matMulPlan([1, 256, 784], [1, 784, 300], false, false), 'direct');
  assert.equal(matMulPlan([1, 1000, 784], [1, 784, 300], false, false), 'direct');
  assert.equal(matMulPlan([4, 32, 784], [4, 784, 300], false, false), 'direct', 'batched products stay direct');
});

test('every transpose form, in both plans, multiplies as a float64 triple loop (and frees its temporaries)', () => {
  // The XNNPACK plans (products above the small-matrix threshold take them): our SIMD path off.
  fastMatMulOptions.small = false;
  const r = new Rng(5);
  for (const [m, k, n] of [
    [32, 784, 300],
    [8, 300, 100],
    [300, 20, 7],
  ]) {
    const A = Float32Array.from({ length: m * k }, () => r.normal());
    const B = Float32Array.from({ length: k * n }, () => r.normal());
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j]; ref[i * n + j] = s; }
    const a = tf.tensor2d(A, [m, k]), b = tf.tensor2d(B, [k, n]);
    const at = tf.transpose(a), bt = tf.transpose(b);
    const plans = [matMulPlan([1, m, k], [1, k, n], false, false), matMulPlan([1, m, k], [1, n, k], false, true)];
    const before = tf.memory().numTensors;
    const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    const buffersBefore = buffers();
    const forms = [tf.matMul(a, b), tf.matMul(at, b, true, false), tf.matMul(a, bt, false, true), tf.matMul(at, bt, true, true)];
    assert.equal(tf.memory().numTensors, before + 4);
    assert.equal(buffers(), buffersBefore + 4, 'no temporary buffer is left in the wasm backend');
    for (const f of forms) {
      assert.deepEqual(f.shape, [m, n]);
      const got = f.dataSync();
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref[i]));
      assert.ok(worst < 1e-3, `${m}×${k}×${n} (${plans.join(', ')}): max abs error ${worst}`);
    }
    tf.dispose([a, b, at, bt, ...forms]);
  }
  fastMatMulOptions.small = true;
});

test('the transpose-first BatchMatMul is the one registered on wasm (installed once, idempotent)', () => {
  const before = tf.getKernel('BatchMatMul', 'wasm');
  assert.ok(before, 'a BatchMatMul kernel is registered');
  // Ours is registered without the original's setupFunc; installing again changes nothing.
  assert.equal(before.setupFunc, undefined);
  assert.equal(installFastWasmMatMul(), true);
  assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc, before.kernelFunc);
});

test('batch norm with the written-out gradient equals tf.moments + tf.batchNorm differentiated by tfjs (value, dx, dγ, dβ)', () => {
  const r = new Rng(21);
  const n = 8, d = 5;
  const x = tf.tensor2d(Float32Array.from({ length: n * d }, () => 3 * r.normal() + 1), [n, d]);
  const gamma = tf.tensor1d(Float32Array.from({ length: d }, () => 1 + r.normal() / 3));
  const beta = tf.tensor1d(Float32Array.from({ length: d }, () => r.normal()));
  const w = tf.tensor2d(Float32Array.from({ length: n * d }, () => r.normal()), [n, d]); // a loss that weighs every output
  const eps = 1e-3;
  const reference = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, [0]);
    return tf.sum(tf.mul(tf.batchNorm(a, mean, variance, b as tf.Tensor1D, g as tf.Tensor1D, eps), w));
  });
  const written = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(a, [0]);
    return tf.sum(tf.mul(batchNormTraining(a as tf.Tensor2D, mean, variance, g as tf.Tensor1D, b as tf.Tensor1D, eps), w));
  });
  const want = reference([x, gamma, beta]);
  const got = written([x, gamma, beta]);
  ['dx', 'dγ', 'dβ'].forEach((name, i) => {
    const a = got[i].dataSync();
    const b = want[i].dataSync();
    assert.equal(a.length, b.length);
    for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) < 1e-4 * (1 + Math.abs(b[j])), `${name}[${j}]: ${a[j]} vs ${b[j]}`);
  });
  const y1 = tf.tidy(() => { const { mean, variance } = tf.moments(x, [0]); return batchNormTraining(x, mean, variance, gamma, beta, eps); });
  const y2 = tf.tidy(() => { const { mean, variance } = tf.moments(x, [0]); return tf.batchNorm(x, mean, variance, beta, gamma, eps); });
  const [v1, v2] = [y1.dataSync(), y2.dataSync()];
  for (let j = 0; j < v1.length; j++) assert.ok(Math.abs(v1[j] - v2[j]) < 1e-5, `y[${j}]: ${v1[j]} vs ${v2[j]}`);
  tf.dispose([x, gamma, beta, w, ...want, ...got, y1, y2]);
});

test('`deep-lessons bench --json --quick --only mlp-32 --no-process` prints a machine line and two throughput lines; an unknown workload is named', async () => {
  const program = new Command().exitOverride();
  const lines: string[] = [];
  registerBench(program, { stdout: (s) => lines.push(...s.split('\n').filter(Boolean)), stderr: () => {} });
  await program.parseAsync(['node', 'x', 'bench', '--json', '--quick', '--only', 'mlp-32', '--no-process', '--backend', 'wasm']);
  const objs = lines.map((l) => JSON.parse(l) as { kind: string; mode?: string; samples?: number; samplesPerSecond?: number; backend?: string });
  assert.deepEqual(objs.map((o) => o.kind), ['machine', 'throughput', 'throughput']);
  assert.equal(objs[0].backend, 'wasm');
  assert.deepEqual(objs.slice(1).map((o) => o.mode), ['plain', 'instrumented']);
  assert.ok(objs.slice(1).every((o) => o.samples === 2048 && (o.samplesPerSecond ?? 0) > 0));
  await assert.rejects(program.parseAsync(['node', 'x', 'bench', '--only', 'mlp-64', '--no-process']), /--only: no workload mlp-64; there are mlp-32, mlp-256, bn-32, deep-32, deep100/);
});

test('accuracy counted in JS from the logits equals tf.argMax (ties: the first largest) and the sigmoid rule', () => {
  const v = Float32Array.from([9, /* row 0 */ 1, 3, 3, /* row 1 */ -1, -2, -0.5, /* row 2 */ 0, 0, 0]);
  assert.equal(countCorrect(v, 1, 3, 3, Int32Array.from([1, 2, 0])), 3);
  assert.equal(countCorrect(v, 1, 3, 3, Int32Array.from([2, 2, 1])), 1);
  const r = new Rng(4);
  const n = 50, c = 7;
  const z = Float32Array.from({ length: n * c }, () => Math.round(r.normal() * 2) / 2); // many ties
  const y = Int32Array.from({ length: n }, () => r.int(c));
  const want = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(tf.tensor2d(z, [n, c]), 1), tf.tensor1d(y, 'int32')), 'float32')).dataSync()[0]);
  assert.equal(countCorrect(z, 0, n, c, y), want);
  assert.equal(countCorrect(Float32Array.from([0.2, -1, 0, 3]), 0, 4, 1, Int32Array.from([1, 0, 1, 0])), 2);
});

test('npm run reference: the two learning curves side by side, with the difference of the validation accuracy', () => {
  const text = sideBySide(
    { epochs: [{ loss: 1.8519, accuracy: 0.457, val_loss: 1.4936, val_accuracy: 0.641 }, { loss: 1.3102, accuracy: 0.6455, val_loss: 1.1346, val_accuracy: 0.684 }], test: 0.642, seconds: 23 },
    { epochs: [{ loss: 1.9203, accuracy: 0.4069, val_loss: 1.5877, val_accuracy: 0.622 }], test: 0.676, seconds: 34 },
  );
  const lines = text.split('\n');
  assert.equal(lines.length, 5);
  // 0.6410 − 0.6220 = +0.0190; epoch 2 has no reference value: no difference.
  assert.match(lines[2]!, /^ {4}1 │ 1\.8519 0\.4570 1\.4936 0\.6410 {2}│ 1\.9203 0\.4069 1\.5877 0\.6220 {3}│ \+0\.0190$/);
  assert.match(lines[3]!, /^ {4}2 │ 1\.3102 0\.6455 1\.1346 0\.6840 {2}│ {6}– {6}– {6}– {6}– {3}│$/);
  assert.equal(lines[4], 'test accuracy: ours 0.6420, PyTorch 0.6760 (−0.0340); time: ours 23 s, PyTorch 34 s');
});
