import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainerClient, type TrainerExit } from '../../src/extension/trainerClient';
import type { RunRequest, TrainerToHost } from '../../src/protocol/events';
import { ExperimentSpec } from '../../src/protocol/spec';

// A fake trainer: the same IPC protocol, no TensorFlow. FAKE_MODE picks its behaviour.
const FAKE = `
const mode = process.env.FAKE_MODE || 'normal';
const send = (m) => process.send && process.connected && process.send(m);
let timer; let current;
process.on('message', (m) => {
  if (m.type === 'run') {
    if (mode === 'crash') { process.stderr.write('fake trainer: out of memory\\nsecond line\\n'); process.exit(3); }
    // A run of N seeds runs them one after the other, each as <runId>/seed-<k>.
    const ids = m.seeds > 1 ? Array.from({ length: m.seeds }, (_, k) => m.runId + '/seed-' + (k + 1)) : [m.runId];
    const one = (i) => {
      const id = ids[i];
      current = id;
      send({ type: 'start', runId: id, experiment: m.experiment, backend: 'cpu', backendReason: 'fake', summary: { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 }, instrumentedLayers: [], epochs: 2, batchesPerEpoch: 5, trainSize: 10, valSize: 0, testSize: 0, seed: 1, mode: 'train' });
      let step = 0;
      timer = setInterval(() => {
        send({ type: 'batch', runId: id, epoch: Math.floor(step / 5) + 1, batch: step % 5, step, loss: 1 / (step + 1), lr: 0.1 });
        step++;
        if (step % 5 === 0) send({ type: 'epoch', runId: id, epoch: step / 5, loss: 1 / step, lr: 0.1, seconds: 0.1 });
        if (step === (Number(process.env.FAKE_STEPS) || 10)) { clearInterval(timer); send({ type: 'end', runId: id, status: 'completed', epochsRun: 2, final: { loss: 0.1 }, seconds: 0.2, samplesPerSecond: 100, tensorsBefore: 0, tensorsAfter: 0 }); if (i + 1 < ids.length) one(i + 1); }
      }, 15);
    };
    one(0);
  } else if (m.type === 'stop') {
    if (mode === 'ignore-stop') return;
    clearInterval(timer);
    send({ type: 'end', runId: current, status: 'cancelled', epochsRun: 0, final: {}, seconds: 0, samplesPerSecond: 0, tensorsBefore: 0, tensorsAfter: 0 });
  } else if (m.type === 'shutdown') {
    process.exit(0);
  }
});
setTimeout(() => send({ type: 'ready', pid: process.pid, versions: { fake: '1' } }), mode === 'slow-ready' ? 300 : 0);
`;

const dir = mkdtempSync(join(tmpdir(), 'dl-fake-trainer-'));
const script = join(dir, 'fake-trainer.js');
writeFileSync(script, FAKE);
after(() => rmSync(dir, { recursive: true, force: true }));

const spec = ExperimentSpec.parse({ dataset: { name: 'spirals' }, model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] } });
const request = (runId: string, seeds?: number): RunRequest => ({ type: 'run', runId, experiment: 'l/e', spec, options: {}, ...(seeds ? { seeds } : {}) });

function client(mode: string, extra: Record<string, string> = {}, stopTimeoutMs = 3000) {
  const logs: string[] = [];
  const c = new TrainerClient({ trainerPath: script, runtime: () => process.execPath, env: { FAKE_MODE: mode, ...extra }, log: (l, m) => logs.push(`${l} ${m}`), stopTimeoutMs });
  const messages: TrainerToHost[] = [];
  const exits: TrainerExit[] = [];
  c.onMessage((m) => messages.push(m));
  c.onExit((e) => exits.push(e));
  return { c, logs, messages, exits };
}

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => (cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error('timed out')) : setTimeout(tick, 10));
    tick();
  });
}

test('forks on first use, queues until ready, streams a run, reuses the process for the next run', async () => {
  const { c, messages } = client('slow-ready');
  try {
    assert.equal(c.running, false);
    c.run(request('a'));
    assert.equal(c.running, true);
    await until(() => messages.some((m) => m.type === 'end' && m.runId === 'a'));
    const kinds = messages.filter((m) => 'runId' in m && m.runId === 'a').map((m) => m.type);
    assert.deepEqual(kinds, ['start', 'batch', 'batch', 'batch', 'batch', 'batch', 'epoch', 'batch', 'batch', 'batch', 'batch', 'batch', 'epoch', 'end']);
    assert.equal(messages[0]!.type, 'ready');
    const pid = c.pid;
    c.run(request('b'));
    await until(() => messages.some((m) => m.type === 'end' && m.runId === 'b'));
    assert.equal(c.pid, pid, 'the same process serves the second run');
    assert.deepEqual(c.activeRuns(), []);
  } finally {
    await c.shutdown();
  }
  assert.equal(c.running, false);
});

test('stop ends the run as cancelled when the trainer honours it', async () => {
  const { c, messages } = client('normal', { FAKE_STEPS: '100000' });
  try {
    c.run(request('s'));
    await until(() => messages.filter((m) => m.type === 'batch').length >= 3);
    c.stop('s');
    await until(() => messages.some((m) => m.type === 'end'));
    const end = messages.find((m) => m.type === 'end');
    assert.equal(end?.type === 'end' && end.status, 'cancelled');
    assert.equal(c.running, true, 'the process stays for the next run');
  } finally {
    c.dispose();
  }
});

test('a run of seeds is active until its last seed ends; a stop answered by a seed does not kill the process', async () => {
  const { c, messages, exits } = client('normal', {}, 300);
  try {
    c.run(request('g', 3));
    await until(() => messages.some((m) => m.type === 'end' && m.runId === 'g/seed-1'));
    assert.deepEqual(c.activeRuns(), ['g'], 'two seeds to go');
    await until(() => messages.some((m) => m.type === 'end' && m.runId === 'g/seed-3'));
    assert.deepEqual(c.activeRuns(), []);

    c.run(request('h', 3));
    await until(() => messages.some((m) => m.type === 'batch' && m.runId === 'h/seed-1'));
    c.stop('h');
    await until(() => messages.some((m) => m.type === 'end' && m.runId === 'h/seed-1'));
    await new Promise((r) => setTimeout(r, 600)); // past the 300 ms stop timeout
    assert.equal(exits.length, 0, 'the seed answered the stop: the process lives');
    assert.deepEqual(c.activeRuns(), [], 'a stopped seed ends its run of seeds');
  } finally {
    c.dispose();
  }
});

test('a stop that is not honoured in time kills the process; the run ends cancelled; the next run starts a new process', async () => {
  const { c, messages, exits } = client('ignore-stop', { FAKE_STEPS: '100000' }, 300);
  try {
    c.run(request('k'));
    await until(() => messages.filter((m) => m.type === 'batch').length >= 2);
    const pid = c.pid;
    const t0 = Date.now();
    c.stop('k');
    await until(() => messages.some((m) => m.type === 'end'));
    const waited = Date.now() - t0;
    assert.ok(waited >= 280 && waited < 5000, `ended after ${waited} ms (the 300 ms stop timeout, then the kill)`);
    const end = messages.find((m) => m.type === 'end');
    assert.equal(end?.type === 'end' && end.status, 'cancelled');
    assert.equal(end?.type === 'end' && end.runId, 'k');
    assert.equal(exits.length, 1);
    assert.equal(exits[0]!.signal, 'SIGKILL');
    assert.equal(exits[0]!.expected, true);
    c.run(request('k2'));
    await until(() => messages.some((m) => m.type === 'start' && m.runId === 'k2'));
    assert.notEqual(c.pid, pid);
  } finally {
    c.dispose();
  }
});

test('a crash surfaces the exit code and the last stderr lines as the run’s error', async () => {
  const { c, messages, exits } = client('crash');
  try {
    c.run(request('x'));
    await until(() => messages.some((m) => m.type === 'error'));
    const err = messages.find((m) => m.type === 'error');
    assert.ok(err?.type === 'error');
    assert.equal(err.runId, 'x');
    assert.match(err.message, /exited with code 3/);
    assert.match(err.message, /out of memory\nsecond line/);
    assert.equal(exits[0]!.code, 3);
    assert.equal(exits[0]!.expected, false);
    assert.deepEqual(exits[0]!.stderrTail, ['fake trainer: out of memory', 'second line']);
    assert.equal(c.running, false);
  } finally {
    c.dispose();
  }
});

test('a missing trainer script is a clear error, not a hang', () => {
  const c = new TrainerClient({ trainerPath: join(dir, 'nope.js') });
  const messages: TrainerToHost[] = [];
  c.onMessage((m) => messages.push(m));
  c.run(request('m'));
  assert.equal(messages.length, 1);
  assert.ok(messages[0]!.type === 'error' && /trainer script is missing: .*nope\.js \(run "npm run build"\)/.test(messages[0]!.message));
  c.dispose();
});
