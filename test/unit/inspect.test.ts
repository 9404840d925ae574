// The inspection of a training step (histograms, health, activation statistics, gradient norms)
// against an independent computation: the probe's forward pass with tfjs's own ops (matMul, selu,
// elu, relu, tanh, batchNorm, softmax) from the weights after the step, the kernel gradients with
// tfjs's autodiff from the weights before it, and the summaries counted here in float64.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { BINS, GRADIENT_RANGE, activationRange, logHistogram } from '../../src/engine/histograms';
import { summarizeBlock } from '../../src/engine/health';
import { inspectStep } from '../../src/engine/inspect';
import { fastMatMulOptions } from '../../src/engine/kernels';
import { BatchNormalization, Dense, Model } from '../../src/engine/model';
import { createOptimizer } from '../../src/engine/optim/optimizers';
import { Rng } from '../../src/engine/rng';
import { Batch, trainStep, type StepSetup } from '../../src/engine/step';
import type { Histogram } from '../../src/protocol/events';
import type { LayerSpec, OptimizerSpec } from '../../src/protocol/spec';

before(async () => {
  await initBackend('wasm');
});

const INPUTS = 300;
const CLASSES = 4;
const PROBE_ROWS = 48;
const BATCH_ROWS = 16;
const LR = 0.01;

// Two runs of Dense layers the fused kernels stack (24 selu … 10 relu; 7 selu, 5 elu), a tanh layer
// they do not take, a ReLU block that ends after batch norm, and a softmax output. The first kernel
// (300 × 24 = 7,200 weights) is histogrammed on a strided sample.
const LAYERS: LayerSpec[] = [
  { type: 'Dense', units: 24, activation: 'selu', kernel_initializer: 'lecun_normal' },
  { type: 'Dense', units: 16, activation: 'selu', kernel_initializer: 'lecun_normal' },
  { type: 'Dense', units: 12, activation: 'elu', kernel_initializer: 'he_normal' },
  { type: 'Dense', units: 10, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'Dense', units: 8, activation: 'tanh' },
  { type: 'Dense', units: 6, activation: 'relu', kernel_initializer: 'he_normal' },
  { type: 'BatchNormalization' },
  { type: 'Dense', units: 7, activation: 'selu', kernel_initializer: 'lecun_normal' },
  { type: 'Dense', units: 5, activation: 'elu' },
  { type: 'Dense', units: CLASSES, activation: 'softmax' },
];

function setup(): { model: Model; probe: tf.Tensor2D; batch: Batch; step: StepSetup } {
  const model = Model.build([INPUTS], LAYERS, new Rng(5));
  const r = new Rng(9);
  const probe = tf.tensor2d(Float32Array.from({ length: PROBE_ROWS * INPUTS }, () => r.normal()), [PROBE_ROWS, INPUTS]);
  const batch = new Batch(BATCH_ROWS, INPUTS);
  const x = Float32Array.from({ length: BATCH_ROWS * INPUTS }, () => r.normal());
  const y = Int32Array.from({ length: BATCH_ROWS }, (_, i) => i % CLASSES);
  batch.fill({ x, y, n: BATCH_ROWS }, Int32Array.from({ length: BATCH_ROWS }, (_, i) => i), 0, BATCH_ROWS);
  const optimizer = createOptimizer({ name: 'sgd', learning_rate: LR } as OptimizerSpec);
  const step: StepSetup = { model, task: { loss: 'sparse_categorical_crossentropy', classify: true }, numClasses: CLASSES, optimizer, clip: {}, autoencoder: false, seed: 1 };
  return { model, probe, batch, step };
}

const copy = (v: tf.Variable) => tf.keep(v.clone());

/** The model's forward pass with tfjs's ops; `weights(layer)` gives each layer's parameters; collects every Dense block's output. */
function reference(model: Model, x: tf.Tensor2D, training: boolean, params: Map<tf.Variable, tf.Tensor>): { out: tf.Tensor2D; blocks: tf.Tensor2D[] } {
  const p = (v: tf.Variable) => params.get(v) ?? v;
  const blocks: tf.Tensor2D[] = [];
  let y = x;
  let first = true;
  for (const l of model.layers) {
    if (l instanceof Dense) {
      if (!first) blocks.push(y);
      first = false;
      const z = tf.add(tf.matMul(y, p(l.kernel) as tf.Tensor2D), p(l.bias!)) as tf.Tensor2D;
      const acts: Record<string, (t: tf.Tensor2D) => tf.Tensor2D> = { selu: tf.selu, elu: tf.elu, relu: tf.relu, tanh: tf.tanh, softmax: (t) => (training ? t : tf.softmax(t)) };
      y = acts[l.activation](z);
    } else if (l instanceof BatchNormalization) {
      const [mean, variance] = training ? (({ mean, variance }) => [mean, variance])(tf.moments(y, 0)) : [l.movingMean, l.movingVariance];
      y = tf.batchNorm(y, mean, variance, p(l.beta), p(l.gamma), l.epsilon) as tf.Tensor2D;
    }
  }
  blocks.push(y);
  return { out: y, blocks };
}

/** Linear bins over the activation's range, mean, std, zeros, as the lessons define them, in float64. */
function summary(values: Float32Array, activation: string): { counts: number[]; mean: number; std: number; zeros: number } {
  const [lo, hi] = activationRange(activation);
  const counts = new Array<number>(BINS).fill(0);
  for (const v of values) counts[Math.min(BINS - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * BINS)))]++;
  const xs = Array.from(values);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { counts, mean, std, zeros: xs.filter((v) => v === 0).length };
}

/** Log bins of |g| (4 per decade from 1e-8 to 1e2) over every `stride`-th value, in float64. */
function logCounts(values: Float32Array, stride: number): number[] {
  const [lo, hi] = GRADIENT_RANGE;
  const counts = new Array<number>(BINS).fill(0);
  for (let i = 0; i < values.length; i += stride) {
    const a = Math.abs(values[i]);
    counts[a < 10 ** lo ? 0 : Math.min(BINS - 1, Math.max(0, Math.floor(((Math.log10(a) - lo) / (hi - lo)) * BINS)))]++;
  }
  return counts;
}

/** How many values two histograms put in different bins (each move counts twice, once per bin). */
const moved = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0);

test('an inspected step against tfjs ops and float64 sums: histograms, health, statistics, gradient histograms and norms', () => {
  const { model, probe, batch, step } = setup();
  const dense = model.denseLayers;
  const vars = model.trainableVariables();
  // The gradients, from the weights before the step, with tfjs's autodiff of its own ops.
  const before = new Map(model.allVariables().map((v) => [v, copy(v)]));
  const x = tf.tensor2d(batch.x, [BATCH_ROWS, INPUTS]);
  const onehot = tf.oneHot(tf.tensor1d(batch.y, 'int32'), CLASSES);
  const kernels = dense.map((d) => before.get(d.kernel)!);
  const refGrads = tf.grads((...ks: tf.Tensor[]) => {
    const params = new Map<tf.Variable, tf.Tensor>(before);
    dense.forEach((d, i) => params.set(d.kernel, ks[i]));
    return tf.losses.softmaxCrossEntropy(onehot, reference(model, x, true, params).out);
  })(kernels);

  const tensors = tf.memory().numTensors;
  const res = trainStep(step, batch, { vars, kernelIdx: dense.map((d) => vars.indexOf(d.kernel)) }, 0, true, probe);
  assert.equal(tf.memory().numTensors, tensors, 'no tensor left behind');
  const inside = res.inside!;
  const stats = res.stats!;
  assert.equal(inside.length, dense.length);

  // The probe's block outputs after the step, from the updated weights, with tfjs's ops.
  const blocks = reference(model, probe, false, new Map()).blocks;
  const acts = ['selu', 'selu', 'elu', 'relu', 'tanh', 'relu', 'selu', 'elu', 'softmax'];
  blocks.forEach((b, i) => {
    const values = b.dataSync() as Float32Array;
    const ref = summary(values, acts[i]);
    const got = inside[i];
    const where = `layer ${i} (${acts[i]})`;
    assert.equal(got.health.activation, acts[i], where);
    assert.deepEqual([got.activations.lo, got.activations.hi], activationRange(acts[i]), where);
    assert.equal(got.activations.counts.reduce((a, c) => a + c, 0), values.length, `${where}: every value counted`);
    assert.ok(moved(got.activations.counts, ref.counts) <= 2, `${where}: histogram ${got.activations.counts} vs ${ref.counts}`);
    for (const s of [got.health, stats[i]]) {
      assert.ok(Math.abs(s.mean - ref.mean) < 1e-5 * Math.max(1, Math.abs(ref.mean)), `${where}: mean ${s.mean} vs ${ref.mean}`);
      assert.ok(Math.abs(s.std - ref.std) < 1e-5 * Math.max(1, ref.std), `${where}: std ${s.std} vs ${ref.std}`);
      assert.ok(Math.abs(s.zeroFraction! - ref.zeros / values.length) <= 1 / values.length, `${where}: zeros ${s.zeroFraction} vs ${ref.zeros / values.length}`);
    }
    if (acts[i] === 'relu' && i === 3) {
      // Dead units: columns that are 0 for every probe example.
      const units = b.shape[1];
      let dead = 0;
      for (let u = 0; u < units; u++) if (values.filter((_, k) => k % units === u).every((v) => v === 0)) dead++;
      assert.equal(got.health.deadFraction, dead / units, where);
    }
    if (acts[i] === 'tanh') {
      const sat = values.filter((v) => v <= -0.99 || v >= 0.99).length;
      assert.ok(Math.abs(got.health.saturatedFraction! * values.length - sat) <= 1, `${where}: saturated`);
    }
  });
  // The BN block's output (after batch norm) is not a ReLU's: a mean near 0, negative values.
  assert.ok(inside[5].activations.counts[0] > 0);

  // The kernel gradients: histograms (the first on its sample, stride 5: 7,200 weights, 24 units) and norms.
  dense.forEach((_, i) => {
    const g = refGrads[i].dataSync() as Float32Array;
    const stride = i === 0 ? 5 : 1;
    const h = inside[i].gradients as Histogram;
    assert.equal(h.sampledFrom, i === 0 ? g.length : undefined, `layer ${i} sample`);
    assert.equal(h.counts.reduce((a, c) => a + c, 0) + h.nonFinite, Math.ceil(g.length / stride), `layer ${i} gradient count`);
    const ref = logCounts(g, stride);
    assert.ok(moved(h.counts, ref) <= 2, `layer ${i} gradient histogram ${h.counts} vs ${ref}`);
    const norm = Math.sqrt(Array.from(g).reduce((a, v) => a + v * v, 0));
    assert.ok(Math.abs(res.norms![i] - norm) < 1e-4 * norm, `layer ${i} norm ${res.norms![i]} vs ${norm}`);
  });
  tf.dispose([...before.values(), x, onehot, ...refGrads, ...blocks, probe]);
  step.optimizer.dispose();
  model.dispose();
});

test('the stacked probe pass and the read in place give the same inspection, to the bit, as one kernel per layer and a copy', () => {
  const { model, probe } = setup();
  const r = new Rng(11);
  const grads = model.denseLayers.map((d) => tf.tensor(Float32Array.from({ length: d.kernel.size }, () => r.normal() * 1e-3), d.kernel.shape));
  const runs = [
    [true, true],
    [false, true],
    [true, false],
    [false, false],
  ].map(([stack, inPlace]) => {
    fastMatMulOptions.probeStack = stack;
    fastMatMulOptions.inspectInPlace = inPlace;
    try {
      let result: ReturnType<typeof inspectStep> | undefined;
      tf.tidy(() => {
        result = inspectStep(model, probe, grads);
      });
      return result!;
    } finally {
      fastMatMulOptions.probeStack = true;
      fastMatMulOptions.inspectInPlace = true;
    }
  });
  for (const other of runs.slice(1)) assert.deepEqual(other, runs[0]);
  tf.dispose([...grads, probe]);
  model.dispose();
});

test('the log histogram without a logarithm per value bins every float32 as ⌊(log10 |v| + 8) · 4⌋ does: next to every edge and across the range', () => {
  const [lo, hi] = GRADIENT_RANGE;
  const scale = BINS / (hi - lo);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const values: number[] = [];
  // Every float32 within 300 ulps of each bin edge 10^(−8 + k/4), both signs.
  for (let k = -1; k <= BINS + 1; k++) {
    f[0] = 10 ** (lo + k / scale);
    const centre = u[0];
    for (let d = -300; d <= 300; d++) {
      u[0] = centre + d;
      values.push(f[0], -f[0]);
    }
  }
  // And 200,000 magnitudes spread log-uniformly from 1e-12 to 1e4, zeros, subnormals, ±∞, NaN.
  const r = new Rng(4);
  for (let i = 0; i < 200_000; i++) values.push((r.next() < 0.5 ? -1 : 1) * 10 ** (-12 + 16 * r.next()));
  values.push(0, -0, 1e-45, 1e-39, Infinity, -Infinity, NaN, 3.4e38);
  const v = Float32Array.from(values);
  const expected = new Array<number>(BINS).fill(0);
  let bad = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) {
      bad++;
      continue;
    }
    const a = Math.abs(x);
    expected[a < 10 ** lo ? 0 : Math.min(BINS - 1, Math.max(0, Math.floor((Math.log10(a) - lo) * scale)))]++;
  }
  const h = logHistogram(v);
  assert.deepEqual(h.counts, expected);
  assert.equal(h.nonFinite, bad);
  // Each edge on its own: the values just below it in one bin, those from it on in the next.
  for (let k = 1; k < BINS; k++) {
    const near = v.filter((x) => Math.abs(Math.log10(Math.abs(x)) - (lo + k / scale)) < 1e-4);
    const one = logHistogram(near);
    const want = new Array<number>(BINS).fill(0);
    for (const x of near) want[Math.min(BINS - 1, Math.max(0, Math.floor((Math.log10(Math.abs(x)) - lo) * scale)))]++;
    assert.deepEqual(one.counts, want, `edge ${k}`);
  }
  // Other ranges (the bins' width at least half a binade) use a table too; narrower ones the definition.
  const wide = logHistogram(v, -4, 4);
  const w = new Array<number>(BINS).fill(0);
  for (const x of v) if (Number.isFinite(x)) w[Math.abs(x) < 1e-4 ? 0 : Math.min(BINS - 1, Math.max(0, Math.floor((Math.log10(Math.abs(x)) + 4) * (BINS / 8))))]++;
  assert.deepEqual(wide.counts, w);
  const narrow = logHistogram(v, 0, 1);
  const n = new Array<number>(BINS).fill(0);
  for (const x of v) if (Number.isFinite(x)) n[Math.abs(x) < 1 ? 0 : Math.min(BINS - 1, Math.max(0, Math.floor(Math.log10(Math.abs(x)) * BINS)))]++;
  assert.deepEqual(narrow.counts, n);
});

test('a block with non-finite outputs: those apart, the finite ones binned as if alone, the mean and std not finite', () => {
  const r = new Rng(6);
  const finite = Float32Array.from({ length: 999 }, () => r.normal() * 2);
  const withBad = Float32Array.from([...finite.slice(0, 500), NaN, Infinity, -Infinity, ...finite.slice(500)]);
  const got = summarizeBlock(withBad, 1, 'selu');
  assert.deepEqual(got.histogram.counts, summary(finite, 'selu').counts);
  assert.equal(got.histogram.nonFinite, 3);
  assert.ok(!Number.isFinite(got.health.mean) && !Number.isFinite(got.stats.std));
  // All finite: the same bins as the float64 count, the same mean and std.
  const clean = summarizeBlock(finite, 1, 'selu');
  const ref = summary(finite, 'selu');
  assert.deepEqual(clean.histogram.counts, ref.counts);
  assert.equal(clean.histogram.nonFinite, 0);
  assert.ok(Math.abs(clean.health.mean - ref.mean) < 1e-12 && Math.abs(clean.health.std - ref.std) < 1e-9);
});
