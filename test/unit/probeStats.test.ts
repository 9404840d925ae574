import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { statsOfValues } from '../../src/engine/activations';
import { blockStats } from '../../src/engine/blockStats';
import type { BatchEvent } from '../../src/protocol/events';
import { run, blobs } from '../helpers/engine';

before(async () => {
  await initBackend('wasm');
});

test('the statistics from values already read equal the block_stats kernel to the bit (relu, sigmoid, tanh, selu outputs)', () => {
  const r = new Rng(21);
  const n = 256 * 37;
  const z = Float32Array.from({ length: n }, () => r.normal() * 3);
  const data: [string, Float32Array][] = [
    ['relu', z.map((v) => Math.max(0, v))],
    ['sigmoid', z.map((v) => 1 / (1 + Math.exp(-v)))],
    ['tanh', z.map((v) => Math.tanh(v))],
    ['selu', z.map((v) => (v > 0 ? v : Math.expm1(v)))],
  ];
  for (const [act, x] of data) {
    const t = tf.tensor1d(x);
    const k = blockStats(t, act)!;
    const [mean, std, zero, sat] = Array.from(k.dataSync());
    const js = statsOfValues(x, act);
    assert.deepEqual([js.mean, js.std, js.zeroFraction, js.saturatedFraction ?? -1], [mean, std, zero, sat], act);
    // and they are the statistics: float64 formulas to float32 precision
    const m = x.reduce((s, v) => s + v, 0) / n;
    assert.ok(Math.abs(js.mean - m) < 1e-6 * (1 + Math.abs(m)));
    assert.ok(Math.abs(js.std - Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / n)) < 1e-6);
    tf.dispose([t, k]);
  }
});

test('a run that looks inside takes the activation statistics from the same read: equal to the ones a separate probe pass gives', async () => {
  const spec = (histograms: boolean) => ({
    dataset: blobs(),
    model: {
      layers: [
        { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
        { type: 'Dense', units: 8, activation: 'tanh' },
        { type: 'Dense', units: 8, activation: 'sigmoid' },
        { type: 'Dense', units: 3, activation: 'softmax' },
      ],
    },
    training: { epochs: 2, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.05 } },
    record: { every: 2, histograms, histograms_every: 3, activations_every: 3, probe_size: 64 },
  });
  const shared = await run(spec(true));
  const separate = await run(spec(false));
  assert.equal(shared.error, undefined);
  const statsOf = (c: typeof shared) => c.events.filter((e): e is BatchEvent => e.type === 'batch' && e.activations !== undefined).map((e) => [e.step, e.activations]);
  const a = statsOf(shared);
  assert.ok(a.length >= 4, `${a.length} batch points with statistics`);
  assert.deepEqual(a, statsOf(separate), 'batch points');
  assert.deepEqual(
    shared.epochs.map((e) => e.activations),
    separate.epochs.map((e) => e.activations),
    'epoch ends',
  );
  assert.ok(shared.epochs.every((e) => e.activations?.length === 4 && e.activations[1].saturatedFraction !== undefined));
});
