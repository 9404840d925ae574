import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMessage } from '../../src/trainer/messages';
import { blobs } from '../helpers/engine';
import { startTrainer } from '../helpers/trainer';

const good = {
  dataset: blobs({ samples: 300 }),
  model: { layers: [{ type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }] },
  training: { epochs: 1, batch_size: 32 },
};

/** The ten worst messages a host could send, and the words each answer must contain. */
const WORST: { label: string; msg: unknown; says: RegExp }[] = [
  { label: 'null', msg: null, says: /^malformed message: expected an object with a `type` \(run, stop, pause, resume, step, ping or shutdown\), got null$/ },
  { label: 'a number', msg: 42, says: /got a number$/ },
  { label: 'a list', msg: [{ type: 'run' }], says: /got a list$/ },
  { label: 'no type', msg: { runId: 'x1' }, says: /^malformed message: no `type`/ },
  { label: 'an unknown type', msg: { type: 'explode', runId: 'x2' }, says: /^malformed message: unknown type "explode"; expected run, stop, pause, resume, step, ping or shutdown$/ },
  { label: 'a run without options', msg: { type: 'run', runId: 'x3', experiment: 'e', spec: good }, says: /^malformed run message: options: missing$/ },
  { label: 'a run without a spec', msg: { type: 'run', runId: 'x4', experiment: 'e', spec: null, options: {} }, says: /^malformed run message: spec: expected record, received null$/ },
  { label: 'a run with a numeric runId', msg: { type: 'run', runId: 5, experiment: 'e', spec: good, options: {} }, says: /^malformed run message: runId: expected string, received number$/ },
  { label: 'a run with absurd epochs', msg: { type: 'run', runId: 'x5', experiment: 'e', spec: good, options: { epochs: 1e12 } }, says: /^malformed run message: options\.epochs: / },
  { label: 'a ping without an id', msg: { type: 'ping' }, says: /^malformed ping message: id: missing$/ },
];

test('checkMessage names what is wrong with each of the ten worst messages, and passes good ones', () => {
  for (const w of WORST) {
    const r = checkMessage(w.msg);
    assert.ok('error' in r, w.label);
    assert.match(r.error, w.says, w.label);
  }
  assert.deepEqual(checkMessage({ type: 'ping', id: 3 }), { message: { type: 'ping', id: 3 } });
  assert.ok('message' in checkMessage({ type: 'run', runId: 'r', experiment: 'e', spec: good, options: {} }));
  assert.ok('message' in checkMessage({ type: 'stop' }));
});

test('the trainer process answers each malformed message with an error event and serves on', async () => {
  const t = startTrainer();
  try {
    await t.next((m) => m.type === 'ready');
    for (const w of WORST) t.send(w.msg);
    // A spec the engine refuses, and a duplicate run id while that id runs.
    t.send({ type: 'run', runId: 'bad-spec', experiment: 'e', spec: { ...good, model: { layers: [{ type: 'Dense', units: 1e8 }] } }, options: { backend: 'wasm' } });
    t.send({ type: 'ping', id: 7 });
    await t.next((m) => m.type === 'pong');
    await t.next((m) => m.type === 'error' && m.runId === 'bad-spec');
    const errors = t.messages.filter((m) => m.type === 'error');
    assert.equal(errors.length, WORST.length + 1, JSON.stringify(errors));
    WORST.forEach((w, i) => {
      const e = errors[i];
      assert.ok(e.type === 'error');
      assert.match(e.message, w.says, w.label);
      assert.equal(e.where, 'message');
    });
    // The runId is given back when the message had a usable one.
    assert.equal(errors[4].type === 'error' && errors[4].runId, 'x2');
    const spec = errors[WORST.length];
    assert.ok(spec.type === 'error' && spec.runId === 'bad-spec' && /model\.layers\[0\]\.units/.test(spec.message), JSON.stringify(spec));
    // Still serving: a good run completes.
    t.send({ type: 'run', runId: 'ok', experiment: 'e', spec: good, options: { backend: 'wasm' } });
    const end = await t.next((m) => m.type === 'end' && m.runId === 'ok');
    assert.equal(end.type === 'end' && end.status, 'completed');
    assert.equal(t.child.exitCode, null);
  } finally {
    t.child.kill();
  }
});
