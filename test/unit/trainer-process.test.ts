import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchThrottle } from '../../src/trainer/trainer';
import { blobs } from '../helpers/engine';
import { startTrainer } from '../helpers/trainer';

const spec = (epochs: number) => ({
  dataset: blobs({ samples: 3000 }),
  model: { layers: [{ type: 'Dense', units: 64, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }] },
  training: { epochs, batch_size: 4, optimizer: { name: 'sgd', learning_rate: 0.01 } },
  record: { every: 1 },
});

test('the trainer process streams a run, throttles batch events, and stops mid-epoch within a second', async () => {
  const t = startTrainer();
  try {
    const ready = await t.next((m) => m.type === 'ready');
    assert.equal(ready.type === 'ready' && ready.pid, t.child.pid);
    t.send({ type: 'run', runId: 'a', experiment: 'test/a', spec: spec(2) as never, options: { backend: 'wasm', maxBatchEventsPerSecond: 10 } });
    const end = await t.next((m) => m.type === 'end' && m.runId === 'a');
    assert.equal(end.type === 'end' && end.status, 'completed');
    const kinds = t.messages.filter((m) => 'runId' in m && m.runId === 'a').map((m) => m.type);
    assert.equal(kinds.filter((k) => k === 'start').length, 1);
    assert.equal(kinds.filter((k) => k === 'epoch').length, 2);
    // 2 epochs of 525 batches recorded every batch, throttled to 10 a second.
    const batches = kinds.filter((k) => k === 'batch').length;
    const seconds = end.type === 'end' ? end.seconds : 0;
    assert.ok(batches <= 10 * seconds + 2, `${batches} batch events in ${seconds}s`);
    assert.ok(batches >= 1);

    // A long run, stopped after its first batch events.
    t.send({ type: 'run', runId: 'b', experiment: 'test/b', spec: spec(100) as never, options: { backend: 'wasm' } });
    await t.next((m) => m.type === 'batch' && m.runId === 'b');
    const asked = Date.now();
    t.send({ type: 'stop', runId: 'b' });
    const stopped = await t.next((m) => m.type === 'end' && m.runId === 'b', 5000);
    const latency = Date.now() - asked;
    assert.equal(stopped.type === 'end' && stopped.status, 'cancelled');
    assert.ok(latency < 1000, `stopped after ${latency} ms`);
  } finally {
    t.child.kill();
  }
});

test('runs queue behind the current one; a queued run can be stopped before it starts', async () => {
  const t = startTrainer();
  try {
    await t.next((m) => m.type === 'ready');
    t.send({ type: 'run', runId: 'one', experiment: 'test/1', spec: spec(1) as never, options: { backend: 'wasm' } });
    t.send({ type: 'run', runId: 'two', experiment: 'test/2', spec: spec(1) as never, options: { backend: 'wasm' } });
    t.send({ type: 'run', runId: 'three', experiment: 'test/3', spec: spec(1) as never, options: { backend: 'wasm' } });
    const q = await t.next((m) => m.type === 'queued' && m.runId === 'three');
    assert.equal(q.type === 'queued' && q.position, 2);
    t.send({ type: 'stop', runId: 'three' });
    const three = await t.next((m) => m.type === 'end' && m.runId === 'three');
    assert.equal(three.type === 'end' && three.status, 'cancelled');
    await t.next((m) => m.type === 'end' && m.runId === 'two');
    const order = t.messages.filter((m) => m.type === 'start').map((m) => (m.type === 'start' ? m.runId : ''));
    assert.deepEqual(order, ['one', 'two']);
  } finally {
    t.child.kill();
  }
});

test('a killed trainer is visible to its parent as a signal', async () => {
  const t = startTrainer();
  await t.next((m) => m.type === 'ready');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => t.child.on('exit', (code, signal) => r({ code, signal })));
  t.child.kill('SIGKILL');
  const { code, signal } = await exited;
  assert.equal(code, null);
  assert.equal(signal, 'SIGKILL');
});

test('a bad run request gets an error event and the trainer goes on serving', async () => {
  const t = startTrainer();
  try {
    await t.next((m) => m.type === 'ready');
    t.send({ type: 'run', runId: 'bad', experiment: 'test/bad', spec: { dataset: { name: 'nope' }, model: { layers: [] } } as never, options: { backend: 'wasm' } });
    const err = await t.next((m) => m.type === 'error' && m.runId === 'bad');
    assert.match(err.type === 'error' ? err.message : '', /dataset\.name/);
    t.send({ type: 'ping', id: 7 });
    const pong = await t.next((m) => m.type === 'pong');
    assert.equal(pong.type === 'pong' && pong.id, 7);
  } finally {
    t.child.kill();
  }
});

test('batchThrottle lets through at most N events a second', () => {
  let now = 0;
  const ok = batchThrottle(20, () => now);
  let passed = 0;
  for (let i = 0; i < 1000; i++) {
    now = i; // 1000 events over one second
    if (ok()) passed++;
  }
  assert.equal(passed, 20);
});
