import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Model, activate } from '../../src/engine/model';
import * as tf from '@tensorflow/tfjs';
import { initKernel, targetVariance } from '../../src/engine/init';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { LayerSpec, type InitializerSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

const layers = (xs: unknown[]) => xs.map((x) => LayerSpec.parse(x));

test("the book's batch-norm model has Keras's parameter counts", () => {
  const m = Model.build(
    [28, 28],
    layers([
      { type: 'Flatten' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 300, activation: 'relu' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 100, activation: 'relu' },
      { type: 'BatchNormalization' },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ]),
    new Rng(1),
  );
  const s = m.summary();
  assert.equal(s.totalParams, 271_346);
  assert.equal(s.trainableParams, 268_978);
  assert.equal(s.nonTrainableParams, 2_368);
  assert.deepEqual(s.layers.map((l) => l.params), [0, 3_136, 235_500, 1_200, 30_100, 400, 1_010]);
  assert.deepEqual(s.layers.map((l) => l.name), ['flatten', 'batch_normalization', 'dense', 'batch_normalization_1', 'dense_1', 'batch_normalization_2', 'dense_2']);
  assert.deepEqual(s.layers[2].outputShape, [null, 300]);
  m.dispose();
});

test('use_bias: false drops the bias; prelu adds one slope per unit', () => {
  const m = Model.build([20], layers([{ type: 'Dense', units: 5, use_bias: false }, { type: 'Dense', units: 4, activation: 'prelu' }]), new Rng(1));
  assert.deepEqual(m.summary().layers.map((l) => l.params), [100, 5 * 4 + 4 + 4]);
  m.dispose();
});

function stats(a: Float32Array): { mean: number; variance: number } {
  let s = 0;
  for (const v of a) s += v;
  const mean = s / a.length;
  let q = 0;
  for (const v of a) q += (v - mean) ** 2;
  return { mean, variance: q / a.length };
}

const cases: [InitializerSpec, number][] = [
  ['glorot_uniform', 2 / (784 + 300)],
  ['glorot_normal', 2 / (784 + 300)],
  ['he_normal', 2 / 784],
  ['he_uniform', 2 / 784],
  ['lecun_normal', 1 / 784],
  ['lecun_uniform', 1 / 784],
  [{ name: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' }, 2 / ((784 + 300) / 2)],
  [{ name: 'variance_scaling', scale: 1, mode: 'fan_out', distribution: 'untruncated_normal' }, 1 / 300],
  [{ name: 'random_normal', mean: 0, stddev: 1 }, 1],
];
for (const [spec, expected] of cases) {
  test(`${JSON.stringify(spec)} draws weights of variance ${expected.toPrecision(3)} (784 → 300)`, () => {
    assert.ok(Math.abs(targetVariance(spec, 784, 300) - expected) < 1e-12);
    const w = initKernel(spec, 784, 300, new Rng(5));
    const { mean, variance } = stats(w);
    // 235,200 draws: the sample variance is within 2% of the target, the mean within 4 standard errors of 0.
    assert.ok(Math.abs(variance / expected - 1) < 0.02, `variance ${variance} vs ${expected}`);
    assert.ok(Math.abs(mean) < 4 * Math.sqrt(expected / w.length), `mean ${mean}`);
  });
}

test('the same seed draws the same weights; another seed other weights', () => {
  const a = initKernel('he_normal', 50, 20, new Rng(3));
  const b = initKernel('he_normal', 50, 20, new Rng(3));
  const c = initKernel('he_normal', 50, 20, new Rng(4));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

// The fast wasm matmul against a float64 triple loop, in every transpose form: test/unit/bench.test.ts.

// LeakyReLU_α(z) = max(αz, z) (Géron eq. 11-2). Bare `leaky_relu` takes α = 0.2: the book's
// LeakyReLU(alpha=0.2) and Keras 3's keras.activations.leaky_relu(negative_slope=0.2).
test('leaky_relu: α 0.2 by default, or the one given', () => {
  const x = tf.tensor1d([-2, -0.5, 0, 3]);
  const d = activate(x, 'leaky_relu');
  const a = activate(x, 'leaky_relu', 0.3);
  const close = (got: Float32Array | Int32Array | Uint8Array, want: number[]) => want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-7, `${Array.from(got)} vs ${want}`));
  close(d.dataSync(), [-0.4, -0.1, 0, 3]);
  close(a.dataSync(), [-0.6, -0.15, 0, 3]);
  tf.dispose([x, d, a]);
});
