import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { batchNormFused } from '../../src/engine/batchNormFused';
import { fastMatMulOptions } from '../../src/engine/kernels';
import { close, modelStep } from '../helpers/kernels';
import type { LayerSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

/**
 * Batch norm in training and, for the loss Σ y⊙G, its gradients, in float64 from the definitions
 * (Ioffe & Szegedy 2015, algorithm 1 and its backpropagation): per column j over the M rows,
 * μ = Σx/M, σ² = Σ(x − μ)²/M, x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β;
 * dγ = Σ G x̂, dβ = Σ G, dx̂ = G γ, dσ² = Σ dx̂ (x − μ)·(−½)(σ² + ε)^(−3/2),
 * dμ = −Σ dx̂ /√(σ² + ε) + dσ²·Σ −2(x − μ)/M, dx = dx̂/√(σ² + ε) + dσ²·2(x − μ)/M + dμ/M.
 */
function reference(X: Float32Array, g: Float32Array, b: Float32Array, G: Float32Array, M: number, N: number, eps: number) {
  const y = new Float64Array(M * N), dx = new Float64Array(M * N), dg = new Float64Array(N), db = new Float64Array(N), mean = new Float64Array(N), vari = new Float64Array(N);
  for (let j = 0; j < N; j++) {
    let mu = 0;
    for (let i = 0; i < M; i++) mu += X[i * N + j] / M;
    let v = 0;
    for (let i = 0; i < M; i++) v += (X[i * N + j] - mu) ** 2 / M;
    mean[j] = mu;
    vari[j] = v;
    const sd = Math.sqrt(v + eps);
    let dv = 0, dmu = 0, sumc = 0;
    for (let i = 0; i < M; i++) {
      const xh = (X[i * N + j] - mu) / sd;
      y[i * N + j] = g[j] * xh + b[j];
      dg[j] += G[i * N + j] * xh;
      db[j] += G[i * N + j];
      const dxh = G[i * N + j] * g[j];
      dv += dxh * (X[i * N + j] - mu) * -0.5 * (v + eps) ** -1.5;
      dmu += -dxh / sd;
      sumc += (-2 * (X[i * N + j] - mu)) / M;
    }
    dmu += dv * sumc;
    for (let i = 0; i < M; i++) dx[i * N + j] = (G[i * N + j] * g[j]) / sd + (dv * 2 * (X[i * N + j] - mu)) / M + dmu / M;
  }
  return { y, dx, dg, db, mean, vari };
}

test('the batch-norm kernels (forward, backward, moving statistics) equal the float64 definitions', () => {
  const r = new Rng(3);
  for (const [M, N] of [
    [32, 300],
    [5, 7],
    [32, 13],
    [2, 784],
  ]) {
    const eps = 1e-3;
    const momentum = 0.99;
    const X = Float32Array.from({ length: M * N }, () => r.normal() * 3 + 1);
    const g = Float32Array.from({ length: N }, () => 1 + r.normal() / 4);
    const b = Float32Array.from({ length: N }, () => r.normal() / 4);
    const MM = Float32Array.from({ length: N }, () => r.normal());
    const MV = Float32Array.from({ length: N }, () => 1 + r.next());
    const G = Float32Array.from({ length: M * N }, () => r.normal());
    const ref = reference(X, g, b, G, M, N, eps);
    const [x, gamma, beta, mm, mv, gg] = [tf.tensor2d(X, [M, N]), tf.tensor1d(g), tf.tensor1d(b), tf.tensor1d(MM), tf.tensor1d(MV), tf.tensor2d(G, [M, N])];
    const before = tf.memory().numTensors;
    const out = batchNormFused(x, gamma, beta, mm, mv, eps, momentum)!;
    assert.ok(out, 'the kernel applies on wasm');
    close(`${M}×${N} y`, out.y, ref.y, 1e-5);
    close(`${M}×${N} moving mean`, out.movingMean, Float64Array.from(MM, (v, j) => v * momentum + ref.mean[j] * (1 - momentum)), 1e-6);
    close(`${M}×${N} moving variance`, out.movingVariance, Float64Array.from(MV, (v, j) => v * momentum + ref.vari[j] * (1 - momentum)), 1e-6);
    tf.dispose([out.y, out.movingMean, out.movingVariance]);
    const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
      const o = batchNormFused(a, c, d, mm, mv, eps, momentum)!;
      tf.dispose([o.movingMean, o.movingVariance]);
      return tf.sum(tf.mul(o.y, gg));
    })([x, gamma, beta]);
    close(`${M}×${N} dx`, grads[0], ref.dx, 2e-4);
    close(`${M}×${N} dγ`, grads[1], ref.dg, 2e-5);
    close(`${M}×${N} dβ`, grads[2], ref.db, 2e-5);
    tf.dispose(grads);
    assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
    tf.dispose([x, gamma, beta, mm, mv, gg]);
  }
});

test("the book's batch-norm MLP: loss, gradients and moving statistics with the kernel agree with tfjs's ops", () => {
  const layers: LayerSpec[] = [
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 30, activation: 'elu', kernel_initializer: 'he_normal' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 10, activation: 'elu', kernel_initializer: 'he_normal' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 5, activation: 'softmax' },
  ];
  const { vars, step, dispose } = modelStep(21, layers);
  const before = tf.memory().numTensors;
  const fused = step();
  fastMatMulOptions.fusedBatchNorm = false;
  const plain = step();
  fastMatMulOptions.fusedBatchNorm = true;
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  assert.equal(fused.moving.length, 6, 'three layers, two moving statistics each');
  assert.ok(Math.abs(fused.loss - plain.loss) < 1e-6, `${fused.loss} vs ${plain.loss}`);
  const near = (a: number[], b: number[], what: string) => a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) < 1e-5 * (1 + Math.abs(b[j])), `${what}[${j}]: ${v} vs ${b[j]}`));
  fused.grads.forEach((g, i) => near(g, plain.grads[i], vars[i].name));
  fused.moving.forEach((m, i) => near(m, plain.moving[i], `moving ${i}`));
  dispose();
});
