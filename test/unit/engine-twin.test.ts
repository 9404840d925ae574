import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchEvent, RunEvent, RunOptions } from '../../src/protocol/events';
import { ExperimentSpec } from '../../src/protocol/spec';
import { runExperiment, ModelStore, initBackend, Model } from '../../src/engine';
import { Rng } from '../../src/engine/rng';
import { twinStart } from '../../src/engine/twin';
import { blobs } from '../helpers/engine';

const parent = ExperimentSpec.parse({
  dataset: blobs(),
  model: {
    layers: [
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'Dropout', rate: 0.3 },
      { type: 'Dense', units: 16, activation: 'relu' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  },
  training: { epochs: 2, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.05 } },
  record: { every: 1, activations: false },
});

const withLayers = (layers: unknown[], training: Record<string, unknown> = {}) => ExperimentSpec.parse({ ...parent, model: { layers }, training: { ...parent.training, ...training } });

async function runIt(spec: ExperimentSpec, twinOf?: ExperimentSpec, options: RunOptions = {}) {
  const events: RunEvent[] = [];
  await runExperiment(
    { type: 'run', runId: 't', experiment: 'twin/exp', spec, options: { backend: 'wasm', ...options }, ...(twinOf ? { twin: { spec: twinOf, label: 'test' } } : {}) },
    (e) => events.push(e),
    new AbortController().signal,
    new ModelStore(),
  );
  const err = events.find((e) => e.type === 'error');
  assert.equal(err, undefined, JSON.stringify(err));
  return {
    start: events.find((e) => e.type === 'start')!,
    losses: events.filter((e): e is BatchEvent => e.type === 'batch').map((e) => e.loss),
    end: events.find((e) => e.type === 'end')!,
  };
}

test('a twin with no change reproduces its parent bit for bit, and says every layer was shared', async () => {
  const a = await runIt(parent);
  const b = await runIt(parent, parent);
  assert.ok(a.losses.length >= 40, `${a.losses.length} batches`);
  assert.deepEqual(b.losses, a.losses);
  assert.deepEqual(b.end.type === 'end' && b.end.final, a.end.type === 'end' && a.end.final);
  assert.ok(b.start.type === 'start');
  assert.deepEqual(b.start.twin, { parent: 'twin/exp', label: 'test', shared: ['dense', 'dense_1', 'dense_2'], fresh: [] });
});

test('a twin that changes only the learning rate has its parent\'s first-batch loss, then departs from it', async () => {
  const a = await runIt(parent);
  const lr = withLayers(parent.model.layers, { optimizer: { name: 'sgd', learning_rate: 0.5 } });
  const b = await runIt(lr, parent);
  assert.equal(b.losses[0], a.losses[0]);
  assert.notEqual(b.losses[2], a.losses[2]);
});

test('a layer that changes no numbers (Dropout of rate 0) inserted: the twin still reproduces its parent exactly, a plain run does not', async () => {
  const layers = [...parent.model.layers];
  layers.splice(0, 0, { type: 'Dropout', rate: 0 });
  const shifted = withLayers(layers);
  const a = await runIt(parent);
  const twin = await runIt(shifted, parent);
  const plain = await runIt(shifted);
  assert.deepEqual(twin.losses, a.losses, 'same initial weights (moved by one index) and the same dropout masks');
  assert.notEqual(plain.losses[0], a.losses[0], 'without the twin start the shifted layers draw other weights');
});

test('twinStart: matching layers take the parent\'s initial weights; a changed initializer or a new shape stays fresh', async () => {
  await initBackend('wasm');
  const childSpec = withLayers([
    { type: 'Dense', units: 16, activation: 'tanh' },
    { type: 'BatchNormalization' },
    { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
    { type: 'Dense', units: 3, activation: 'softmax' },
  ]);
  const parentModel = Model.build([8], parent.model.layers, new Rng(parent.training.seed).fork(1));
  const child = Model.build([8], childSpec.model.layers, new Rng(99).fork(1));
  try {
    const report = twinStart(child, childSpec, 0, parent, 'p');
    assert.deepEqual(report, { parent: 'p', shared: ['dense', 'dense_2'], fresh: ['batch_normalization', 'dense_1'] });
    const k = (m: Model, i: number) => Array.from(m.denseKernels()[i].dataSync());
    assert.deepEqual(k(child, 0), k(parentModel, 0));
    assert.deepEqual(k(child, 2), k(parentModel, 2));
    assert.notDeepEqual(k(child, 1), k(parentModel, 1));
  } finally {
    parentModel.dispose();
    child.dispose();
  }
});
