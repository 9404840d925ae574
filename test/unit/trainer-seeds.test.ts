import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StartEvent, TrainerToHost } from '../../src/protocol/events';
import { blobs } from '../helpers/engine';
import { startTrainer } from '../helpers/trainer';

const spec = {
  dataset: blobs({ samples: 600 }),
  model: { layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }] },
  training: { epochs: 2, batch_size: 32, seed: 7 },
};

test('the trainer process runs ×N seeds of a twin variant in one request, each seed its own run; stop by the request ends them all', async () => {
  const t = startTrainer();
  try {
    const variant = { ...spec, training: { ...spec.training, optimizer: { name: 'sgd', learning_rate: 0.1 } } };
    t.send({ type: 'run', runId: 'v', experiment: 'x/e', spec: variant, options: { backend: 'wasm' }, seeds: 3, twin: { spec, label: 'lr 0.01 → 0.1' } });
    await t.next((m) => m.type === 'end' && m.runId === 'v/seed-9', 120_000);
    const starts = t.messages.filter((m): m is StartEvent => m.type === 'start');
    assert.deepEqual(starts.map((s) => [s.runId, s.seed]), [['v/seed-7', 7], ['v/seed-8', 8], ['v/seed-9', 9]]);
    assert.deepEqual(starts[0].twin, { parent: 'x/e', label: 'lr 0.01 → 0.1', shared: ['dense', 'dense_1'], fresh: [] });
    const ends = t.messages.filter((m) => m.type === 'end');
    assert.deepEqual(ends.map((e) => e.type === 'end' && e.status), ['completed', 'completed', 'completed']);

    const long = { ...spec, training: { ...spec.training, epochs: 200 } };
    t.send({ type: 'run', runId: 's', experiment: 'x/e', spec: long, options: { backend: 'wasm' }, seeds: 3 });
    await t.next((m) => m.type === 'epoch' && m.runId === 's/seed-7', 60_000);
    t.send({ type: 'stop', runId: 's' });
    const end = await t.next((m) => m.type === 'end' && m.runId === 's/seed-7', 30_000);
    assert.equal(end.type === 'end' && end.status, 'cancelled');
    t.send({ type: 'ping', id: 1 });
    await t.next((m) => m.type === 'pong');
    assert.equal(t.messages.some((m: TrainerToHost) => m.type === 'start' && m.runId === 's/seed-8'), false, 'no further seed after a stop');

    t.send({ type: 'run', runId: 'bad', experiment: 'x/e', spec, options: {}, seeds: 99 });
    const err = await t.next((m) => m.type === 'error' && m.runId === 'bad');
    assert.match(err.type === 'error' ? err.message : '', /^malformed run message: seeds: /);
  } finally {
    t.child.kill();
  }
});
