import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { canFuseDense, denseFused } from '../../src/engine/denseFused';
import { fastMatMulOptions } from '../../src/engine/kernels';
import { close, modelStep } from '../helpers/kernels';
import type { LayerSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

const SCALE = 1.0507009873554805;
const ALPHA = 1.6732632423543772;
/** Activations and their derivatives in float64, from the published definitions. */
const ACT: Record<string, { f: (z: number) => number; df: (z: number) => number }> = {
  linear: { f: (z) => z, df: () => 1 },
  relu: { f: (z) => Math.max(0, z), df: (z) => (z > 0 ? 1 : 0) },
  elu: { f: (z) => (z > 0 ? z : Math.expm1(z)), df: (z) => (z > 0 ? 1 : Math.exp(z)) },
  selu: { f: (z) => SCALE * (z > 0 ? z : ALPHA * Math.expm1(z)), df: (z) => SCALE * (z > 0 ? 1 : ALPHA * Math.exp(z)) },
};

/** y = act(xW + b) and, for the loss Σ y⊙G, dX, dW, db: all in float64. */
function reference(X: Float32Array, W: Float32Array, b: Float32Array, G: Float32Array, M: number, K: number, N: number, act: string) {
  const y = new Float64Array(M * N), dz = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let z = b[n];
      for (let k = 0; k < K; k++) z += X[m * K + k] * W[k * N + n];
      y[m * N + n] = ACT[act].f(z);
      dz[m * N + n] = G[m * N + n] * ACT[act].df(z);
    }
  const dx = new Float64Array(M * K), dw = new Float64Array(K * N), db = new Float64Array(N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      const d = dz[m * N + n];
      db[n] += d;
      for (let k = 0; k < K; k++) {
        dx[m * K + k] += d * W[k * N + n];
        dw[k * N + n] += X[m * K + k] * d;
      }
    }
  return { y, dx, dw, db };
}

test('the fused Dense kernels (forward and backward) equal the float64 reference for every activation they take', () => {
  const r = new Rng(31);
  for (const act of ['linear', 'relu', 'elu', 'selu'])
    for (const [M, K, N] of [
      [5, 7, 9],
      [32, 100, 100],
      [3, 13, 4],
    ]) {
      const X = Float32Array.from({ length: M * K }, () => r.normal());
      const W = Float32Array.from({ length: K * N }, () => r.normal() / Math.sqrt(K));
      const B = Float32Array.from({ length: N }, () => r.normal() / 2);
      const G = Float32Array.from({ length: M * N }, () => r.normal());
      const ref = reference(X, W, B, G, M, K, N, act);
      const [x, w, b, g] = [tf.tensor2d(X, [M, K]), tf.tensor2d(W, [K, N]), tf.tensor1d(B), tf.tensor2d(G, [M, N])];
      const before = tf.memory().numTensors;
      const y = denseFused(x, w, b, act, true)!;
      assert.ok(y, `${act} is fused`);
      close(`${act} ${M}×${K}×${N} y`, y, ref.y, 2e-6);
      const [dx, dw, db] = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(denseFused(a, c, d, act, true)!, g)))([x, w, b]);
      close(`${act} dx`, dx, ref.dx, 1e-5);
      close(`${act} dw`, dw, ref.dw, 1e-5);
      close(`${act} db`, db, ref.db, 1e-5);
      tf.dispose([y, dx, dw, db]);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.dispose([x, w, b, g]);
    }
});

test('SELU and ELU at large negative inputs and at zero (the exp polynomial and the boundary)', () => {
  const zs = [-200, -88, -87.3, -50, -10, -1, -1e-3, -1e-7, 0, 1e-7, 3];
  const x = tf.tensor2d(zs, [zs.length, 1]);
  const w = tf.tensor2d([1], [1, 1]);
  for (const act of ['elu', 'selu']) {
    const y = denseFused(x, w, undefined, act, true)!;
    close(act, y, Float64Array.from(zs, ACT[act].f), 1e-6);
    y.dispose();
  }
  tf.dispose([x, w]);
});

test('without the input gradient, dX is zeros and dW, db are the same', () => {
  const r = new Rng(2);
  const x = tf.tensor2d(Float32Array.from({ length: 8 * 6 }, () => r.normal()), [8, 6]);
  const w = tf.tensor2d(Float32Array.from({ length: 6 * 4 }, () => r.normal()), [6, 4]);
  const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
  const loss = (inputGrad: boolean) => (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.square(denseFused(a, c, d, 'selu', inputGrad)!));
  const full = tf.grads(loss(true))([x, w, b]);
  const part = tf.grads(loss(false))([x, w, b]);
  assert.ok(part[0].dataSync().every((v) => v === 0));
  assert.ok(full[0].dataSync().some((v) => v !== 0));
  assert.deepEqual(Array.from(part[1].dataSync()), Array.from(full[1].dataSync()));
  assert.deepEqual(Array.from(part[2].dataSync()), Array.from(full[2].dataSync()));
  tf.dispose([x, w, b, ...full, ...part]);
});

test('where it does not apply: other activations, large products, the switch off', () => {
  assert.equal(canFuseDense('selu', 32, 100, 100), true);
  assert.equal(canFuseDense('tanh', 32, 100, 100), false);
  assert.equal(canFuseDense('softmax', 32, 100, 10), false);
  assert.equal(canFuseDense('elu', 256, 784, 300), true);
  assert.equal(canFuseDense('elu', 5000, 784, 300), false);
  fastMatMulOptions.fusedDense = false;
  assert.equal(canFuseDense('selu', 32, 100, 100), false);
  fastMatMulOptions.fusedDense = true;
});

test('a 5-layer SELU model: loss gradients through the fused layers equal tfjs’s own ops (fused path off)', () => {
  const layers: LayerSpec[] = [
    { type: 'Dense', units: 30, activation: 'selu', kernel_initializer: 'lecun_normal' },
    { type: 'Dense', units: 20, activation: 'selu', kernel_initializer: 'lecun_normal' },
    { type: 'Dense', units: 20, activation: 'elu' },
    { type: 'Dense', units: 20, activation: 'relu' },
    { type: 'Dense', units: 5, activation: 'softmax' },
  ];
  const { vars, step, dispose } = modelStep(12, layers);
  const fused = step();
  fastMatMulOptions.fusedDense = false;
  fastMatMulOptions.small = false;
  const plain = step();
  fastMatMulOptions.fusedDense = true;
  fastMatMulOptions.small = true;
  assert.ok(Math.abs(fused.loss - plain.loss) < 1e-6, `${fused.loss} vs ${plain.loss}`);
  fused.grads.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - plain.grads[i][j]) < 1e-5 * (1 + Math.abs(plain.grads[i][j])), `${vars[i].name}[${j}]: ${v} vs ${plain.grads[i][j]}`)));
  dispose();
});
