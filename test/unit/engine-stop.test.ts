import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DivergenceWatch } from '../../src/engine/divergence';
import type { RunEvent } from '../../src/protocol/events';
import { blobs, run } from '../helpers/engine';

const at = (step: number) => ({ epoch: 1, batch: step, step });
const noKernels = () => {
  throw new Error('the weights need not be read');
};

test('DivergenceWatch: a non-finite gradient norm names its layer; the lowest one when several', () => {
  const w = new DivergenceWatch(['dense_1', 'dense_2', 'dense_3']);
  assert.equal(w.check(0.5, [1, 2, 3], at(0), noKernels), undefined);
  const d = w.check(0.7, [1, Infinity, NaN], at(10), noKernels)!;
  assert.equal(d.layer, 'dense_2');
  assert.equal(d.step, 10);
  assert.equal(d.detail, 'a gradient norm became ∞ at epoch 1, step 10; lowest layer affected: dense_2 (its gradient norm is ∞). Lower the learning rate, or clip the gradients (clipnorm).');
});

test('DivergenceWatch: a NaN loss names the lowest layer whose norm left its recorded range, else the lowest non-finite kernel', () => {
  const w = new DivergenceWatch(['a', 'b', 'c']);
  w.check(1, [1, 1, 1], at(0), noKernels);
  w.check(1, [2, 1, 1], at(10), noKernels);
  // b and c grow past 10× their largest: b is the lowest.
  w.check(1, [2.5, 50, 400], at(20), noKernels);
  const d = w.check(NaN, undefined, at(21), noKernels)!;
  assert.equal(d.layer, 'b');
  assert.match(d.detail, /^the loss became NaN at epoch 1, step 21; lowest layer affected: b \(its gradient norm grew from at most 1\.00 to 50\.0 just before\)/);
  // No history: the weights tell.
  const fresh = new DivergenceWatch(['a', 'b', 'c']);
  const e = fresh.check(Infinity, undefined, at(0), () => [true, false, false])!;
  assert.equal(e.layer, 'b');
  assert.match(e.detail, /^the loss became ∞ at epoch 1, step 0; lowest layer affected: b \(its weights are no longer finite\)/);
  assert.equal(new DivergenceWatch(['a']).check(NaN, undefined, at(0), () => [true])?.layer, undefined);
});

const net = (lr: number, extra: Record<string, unknown> = {}) => ({
  dataset: blobs({ samples: 600, features: 4 }),
  model: { layers: [{ type: 'Dense', units: 16, activation: 'relu' }, { type: 'Dense', units: 16, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }] },
  training: { epochs: 3, batch_size: 16, optimizer: { name: 'sgd', learning_rate: lr } },
  record: { every: 1 },
  ...extra,
});

function finiteNumbers(e: RunEvent): boolean {
  const nums: number[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'number') nums.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(e);
  return nums.every(Number.isFinite);
}

test('learning_rate 1e5 diverges: status diverged with epoch, step and layer; every event keeps finite values; no test evaluation', async () => {
  const c = await run(net(1e5));
  assert.equal(c.error, undefined);
  assert.equal(c.end?.status, 'diverged');
  const d = c.end!.divergence!;
  assert.ok(d.epoch >= 1 && d.step >= 0, JSON.stringify(d));
  assert.match(d.layer ?? '', /^dense/, JSON.stringify(d));
  assert.match(d.detail, /at epoch \d+, step \d+/);
  assert.equal(c.end!.test, undefined);
  for (const e of c.events) assert.ok(finiteNumbers(e), `non-finite value in ${JSON.stringify(e)}`);
  // The same net at a sane rate completes.
  const ok = await run(net(0.01, { training: { epochs: 1, batch_size: 16, optimizer: { name: 'sgd', learning_rate: 0.01 } } }));
  assert.equal(ok.end?.status, 'completed');
});

test('a stop during MC dropout ends the run cancelled at once (the passes check the signal)', async () => {
  const abort = new AbortController();
  let asked = 0;
  const spec = {
    dataset: blobs({ samples: 20_000, features: 4 }),
    model: { layers: [{ type: 'Dense', units: 64, activation: 'relu' }, { type: 'Dropout', rate: 0.3 }, { type: 'Dense', units: 3, activation: 'softmax' }] },
    training: { epochs: 1, batch_size: 256 },
    evaluate: { mc_dropout: { samples: 1000 } },
  };
  const c = await run(spec, {}, {
    signal: abort.signal,
    onEvent: (e) => {
      // The test evaluation and MC dropout follow the last epoch: stop a little into them.
      if (e.type === 'epoch') setTimeout(() => ((asked = Date.now()), abort.abort()), 300);
    },
  });
  const latency = Date.now() - asked;
  assert.equal(c.end?.status, 'cancelled');
  assert.equal(c.end?.mcDropout, undefined);
  // 1,000 passes over 3,000 test examples take far longer than this; a pass takes milliseconds.
  assert.ok(latency < 3000, `ended ${latency} ms after the stop`);
});

test('a stop before training (while the dataset loads) ends the run cancelled, not with an error', async () => {
  const abort = new AbortController();
  abort.abort();
  const c = await run(net(0.01), {}, { signal: abort.signal });
  assert.equal(c.error, undefined);
  assert.equal(c.end?.status, 'cancelled');
  assert.equal(c.end?.epochsRun, 0);
});

test('a stop while a large synthetic set is drawn ends the run cancelled long before the drawing could finish', async () => {
  // 100,000 shapes (the samples limit) take about 7 s to draw on an idle machine, 70 µs an image.
  const abort = new AbortController();
  const spec = {
    dataset: { name: 'shapes', samples: 100_000, preprocess: 'standardize' },
    model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }] },
    training: { epochs: 1 },
  };
  const started = Date.now();
  let asked = 0;
  setTimeout(() => ((asked = Date.now()), abort.abort()), 300);
  const c = await run(spec, {}, { signal: abort.signal });
  const ended = Date.now();
  assert.equal(c.error, undefined);
  assert.equal(c.end?.status, 'cancelled');
  assert.equal(c.end?.epochsRun, 0);
  assert.ok(asked > 0, `the run ended before the stop was asked (${ended - started} ms)`);
  // A blocked event loop would fire the 300 ms timer only after the drawing (seconds later), and a
  // loop without stop checks would draw on: both show in the time from the start to the end.
  // The generator gives the event loop a turn every 25 ms; 2 s leaves room for a loaded machine.
  assert.ok(asked - started < 1300, `the stop timer fired ${asked - started} ms after the start: the event loop was blocked`);
  assert.ok(ended - asked < 2000, `ended ${ended - asked} ms after the stop`);
});
