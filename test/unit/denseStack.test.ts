import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { denseFused } from '../../src/engine/denseFused';
import { denseStack, type StackLayer } from '../../src/engine/denseStack';
import { fastMatMulOptions } from '../../src/engine/kernels';
import { modelStep } from '../helpers/kernels';
import type { FusedActivation } from '../../src/engine/wasm/smallmm';
import type { LayerSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

const bits = (t: tf.Tensor) => Array.from(t.dataSync());

// The stack runs the per-layer kernels (denseFused.test.ts checks those against float64 formulas)
// in the same order: its results must be the same to the bit.
test('a stack of Dense layers equals the same layers fused one by one, to the bit: output and every gradient', () => {
  const r = new Rng(7);
  const shapes: [number, FusedActivation, boolean][] = [
    [37, 'selu', true],
    [13, 'elu', false],
    [100, 'relu', true],
    [8, 'linear', true],
    [21, 'selu', true],
  ];
  for (const [M, inputGrad] of [
    [32, true],
    [5, false],
    [1, true],
  ] as const) {
    const x = tf.tensor2d(Float32Array.from({ length: M * 19 }, () => r.normal()), [M, 19]);
    let K = 19;
    const layers: StackLayer[] = shapes.map(([N, activation, bias]) => {
      const w = tf.tensor2d(Float32Array.from({ length: K * N }, () => r.normal() / Math.sqrt(K)), [K, N]);
      K = N;
      return { w, activation, ...(bias ? { b: tf.tensor1d(Float32Array.from({ length: N }, () => r.normal() / 3)) } : {}) };
    });
    const g = tf.tensor2d(Float32Array.from({ length: M * K }, () => r.normal()), [M, K]);
    const params = layers.flatMap((l) => (l.b ? [l.w, l.b] : [l.w]));
    // loss Σ y ⊙ G, as functions of (x, the parameters in layer order)
    const rebuild = (ps: tf.Tensor[]) => {
      let k = 0;
      return layers.map((l) => ({ activation: l.activation, w: ps[k++], ...(l.b ? { b: ps[k++] } : {}) }));
    };
    const stacked = (a: tf.Tensor, ...ps: tf.Tensor[]) => denseStack(a, rebuild(ps), inputGrad)!;
    const oneByOne = (a: tf.Tensor, ...ps: tf.Tensor[]) => rebuild(ps).reduce((y, l, i) => denseFused(y, l.w, l.b, l.activation, i > 0 || inputGrad)!, a);
    const before = tf.memory().numTensors;
    const ys = stacked(x, ...params);
    const yl = tf.tidy(() => oneByOne(x, ...params)); // (its intermediate outputs are tensors too)
    assert.deepEqual(bits(ys), bits(yl), `M=${M}: output`);
    const gs = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(stacked(a[0], ...a.slice(1)), g)))([x, ...params]);
    const gl = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(oneByOne(a[0], ...a.slice(1)), g)))([x, ...params]);
    gs.forEach((t, i) => assert.deepEqual(bits(t), bits(gl[i]), `M=${M}: gradient ${i}`));
    assert.equal(gs[0].dataSync().some((v) => v !== 0), inputGrad, `M=${M}: dX ${inputGrad ? 'computed' : 'zeros'}`);
    assert.ok(gs.slice(1).every((t) => t.dataSync().some((v) => v !== 0)), 'every parameter has a gradient');
    tf.dispose([ys, yl, ...gs, ...gl]);
    assert.equal(tf.memory().numTensors, before, `M=${M}: no tensor leaks`);
    tf.dispose([x, g, ...params]);
  }
});

test('where a stack cannot be made it says so: shapes that do not chain, an unfused size, the switch off', () => {
  const x = tf.zeros([4, 3]);
  const w1 = tf.zeros([3, 5]);
  const w2 = tf.zeros([4, 2]);
  assert.equal(denseStack(x, [{ w: w1, activation: 'relu' }, { w: w2, activation: 'relu' }], true), undefined);
  const big = tf.zeros([5000, 3]);
  assert.equal(denseStack(big, [{ w: tf.zeros([3, 784 * 300]), activation: 'relu' }], true), undefined);
  fastMatMulOptions.fusedDense = false;
  assert.equal(denseStack(x, [{ w: w1, activation: 'relu' }], true), undefined);
  fastMatMulOptions.fusedDense = true;
  tf.dispose([x, w1, w2, big]);
});

test('a model trains the same with and without its Dense runs stacked: loss and gradients to the bit, dropout and batch norm between runs', () => {
  const layers: LayerSpec[] = [
    { type: 'Dense', units: 30, activation: 'selu', kernel_initializer: 'lecun_normal' },
    { type: 'Dense', units: 20, activation: 'selu', kernel_initializer: 'lecun_normal' },
    { type: 'Dropout', rate: 0.2 },
    { type: 'Dense', units: 20, activation: 'elu' },
    { type: 'Dense', units: 20, activation: 'relu' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 20, activation: 'tanh' },
    { type: 'Dense', units: 20, activation: 'relu', use_bias: false },
    { type: 'Dense', units: 5, activation: 'softmax' },
  ];
  const { vars, step, dispose } = modelStep(12, layers, true);
  const stacked = step();
  fastMatMulOptions.denseStack = false;
  const oneByOne = step();
  fastMatMulOptions.denseStack = true;
  assert.equal(stacked.loss, oneByOne.loss);
  assert.ok(Number.isFinite(stacked.loss));
  stacked.grads.forEach((g, i) => assert.deepEqual(g, oneByOne.grads[i], vars[i].name));
  dispose();
});
