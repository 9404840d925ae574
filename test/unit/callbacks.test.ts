import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { EarlyStoppingSpec, LrFinderSpec } from '../../src/protocol/spec';
import {
  EarlyStopping,
  LrFinder,
  SmoothedLoss,
  disposeSnapshot,
  lrFinderRate,
  restore,
  snapshot,
} from '../../src/engine/optim/callbacks';

before(async () => {
  await tf.setBackend('cpu');
});

/** Two variables whose values depend on the epoch, as training would change them. */
function weightsFor(epoch: number): [number[], number[]] {
  return [
    [Math.sin(epoch + 1), Math.cos(epoch + 1) / 3, epoch * 0.1 + 1e-7, -epoch],
    [1 / (epoch + 3), Math.PI * epoch],
  ];
}

test('early stopping stops after `patience` epochs without improvement and restores the best weights exactly', () => {
  const base = tf.memory().numTensors;
  const vars = tf.tidy(() => [tf.variable(tf.zeros([2, 2])), tf.variable(tf.zeros([2]))]);
  const es = new EarlyStopping(EarlyStoppingSpec.parse({ patience: 2 }));
  const valLoss = [1.0, 0.5, 0.6, 0.7, 0.1];
  let stoppedAt = -1;
  let bestValues: number[][] = [];
  for (let e = 0; e < valLoss.length; e++) {
    const [a, b] = weightsFor(e);
    tf.tidy(() => {
      vars[0].assign(tf.tensor2d(a, [2, 2]));
      vars[1].assign(tf.tensor1d(b));
    });
    if (e === 1) bestValues = vars.map((v) => Array.from(v.dataSync()));
    const r = es.onEpochEnd(e, { loss: 0.3, val_loss: valLoss[e] }, vars);
    // 2 variables + one snapshot of 2 tensors: the previous snapshot was disposed
    assert.equal(tf.memory().numTensors, base + 4, `epoch ${e}: tensor count`);
    if (e === 2) assert.equal(r.stop, false, 'one bad epoch (epoch 2) is not enough with patience 2');
    if (r.stop) {
      stoppedAt = e;
      assert.match(r.note ?? '', /early stopping at epoch 4: val_loss has not improved for 2 epochs \(best 0\.5 at epoch 2\)/);
      break;
    }
  }
  assert.equal(stoppedAt, 3, 'stops after the second bad epoch (epoch index 3)');
  assert.equal(es.stoppedEpoch, 3);
  assert.notDeepEqual(Array.from(vars[0].dataSync()), bestValues[0]);
  assert.equal(es.restore(vars), 1, 'the weights come from epoch index 1');
  assert.deepEqual(vars.map((v) => Array.from(v.dataSync())), bestValues, 'restored bit for bit');
  // the snapshot stays valid after restoring: training on does not change it
  tf.tidy(() => vars[0].assign(tf.ones([2, 2])));
  assert.equal(es.restore(vars), 1);
  assert.deepEqual(Array.from(vars[0].dataSync()), bestValues[0]);
  es.dispose();
  tf.dispose(vars);
  assert.equal(tf.memory().numTensors, base, 'nothing left behind');
});

test('early stopping: min_delta, accuracies (higher is better), no restore when not asked', () => {
  const v = tf.tidy(() => [tf.variable(tf.scalar(0))]);
  const es = new EarlyStopping(EarlyStoppingSpec.parse({ monitor: 'val_accuracy', patience: 1, min_delta: 0.01, restore_best_weights: false }));
  assert.equal(es.onEpochEnd(0, { val_accuracy: 0.8 }, v).stop, false);
  assert.equal(es.onEpochEnd(1, { val_accuracy: 0.85 }, v).stop, false, '+0.05 > min_delta: improved');
  assert.equal(es.onEpochEnd(2, { val_accuracy: 0.855 }, v).stop, true, '+0.005 < min_delta: not an improvement');
  assert.equal(es.bestEpoch, 1);
  assert.equal(es.restore(v), undefined, 'restore_best_weights: false keeps no copy');
  es.dispose();
  tf.dispose(v);
});

test('early stopping: a metric that is not measured gives one note and never stops', () => {
  const v = tf.tidy(() => [tf.variable(tf.scalar(0))]);
  const es = new EarlyStopping(EarlyStoppingSpec.parse({ patience: 0 }));
  const r0 = es.onEpochEnd(0, { loss: 1 }, v);
  assert.equal(r0.stop, false);
  assert.match(r0.note ?? '', /`val_loss` is not measured/);
  assert.deepEqual(es.onEpochEnd(1, { loss: 1 }, v), { stop: false });
  es.dispose();
  tf.dispose(v);
});

test('snapshot/restore helpers: a copy that survives later assignments, and shape checks', () => {
  const v = tf.tidy(() => [tf.variable(tf.tensor1d([1, 2, 3]))]);
  const snap = tf.tidy(() => snapshot(v)); // kept: a tidy scope does not dispose it
  tf.tidy(() => v[0].assign(tf.tensor1d([7, 8, 9])));
  assert.deepEqual(Array.from(snap[0].dataSync()), [1, 2, 3]);
  restore(v, snap);
  assert.deepEqual(Array.from(v[0].dataSync()), [1, 2, 3]);
  const wrong = [tf.zeros([2])];
  assert.throws(() => restore(v, wrong), /shape \[3\] but its snapshot \[2\]/);
  tf.dispose(wrong);
  disposeSnapshot(snap);
  tf.dispose(v);
});

test('LR finder: the rate grows exponentially from min (first iteration) to max (last)', () => {
  const rates = Array.from({ length: 7 }, (_, i) => lrFinderRate(i, 7, 1e-5, 10));
  const want = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];
  rates.forEach((r, i) => assert.ok(Math.abs(r - want[i]) <= 1e-12 * want[i], `rate ${i}: ${r}`));
  // the ratio between two iterations is constant: (max/min)^(1/(n−1))
  const n = 500;
  const q = Math.pow(1e6, 1 / (n - 1));
  for (const i of [0, 100, 498]) {
    const ratio = lrFinderRate(i + 1, n, 1e-5, 10) / lrFinderRate(i, n, 1e-5, 10);
    assert.ok(Math.abs(ratio - q) < 1e-12, `ratio at ${i}: ${ratio}`);
  }
  assert.equal(lrFinderRate(0, 1, 1e-3, 1), 1e-3);
});

test('LR finder: the smoothed loss (β = 0.98, bias-corrected) and its stop rule, by hand', () => {
  const s = new SmoothedLoss(4);
  const r1 = s.push(1.0); // avg 0.02, / (1 − 0.98) = 1
  assert.ok(Math.abs(r1.smoothed - 1) < 1e-12 && !r1.stop);
  const r2 = s.push(0.5); // avg 0.0296, / (1 − 0.9604) = 0.747474…
  assert.ok(Math.abs(r2.smoothed - 0.0296 / 0.0396) < 1e-12 && !r2.stop, `${r2.smoothed}`);
  const r3 = s.push(10); // avg 0.229008, / 0.058808 = 3.894167 > 4 × 0.747474 = 2.9899: stop
  assert.ok(Math.abs(r3.smoothed - 0.229008 / 0.058808) < 1e-9, `${r3.smoothed}`);
  assert.equal(r3.stop, true);
  const s2 = new SmoothedLoss(4);
  s2.push(1);
  assert.ok(!s2.push(1.3).stop, 'a small rise does not stop');
  assert.ok(s2.push(NaN).stop, 'an exploded (NaN) loss stops');
});

test('LR finder: the suggestion is the rate at the lowest loss divided by 10', () => {
  // a loss that falls until rate 0.1 (iteration 4 of 7) then blows up
  const f = new LrFinder(LrFinderSpec.parse({ min_lr: 1e-5, max_lr: 10 }), 7);
  const losses = [2.3, 2.2, 1.9, 1.2, 0.9, 5, 1e4];
  let stoppedAt = -1;
  for (let i = 0; i < 7; i++) {
    if (f.record(f.rate(i), losses[i])) {
      stoppedAt = i;
      break;
    }
  }
  assert.equal(stoppedAt, 6, 'stops when the smoothed loss passes 4 × its best');
  assert.equal(f.lrs.length, 7);
  // smoothed by hand: 2.3, 2.2495, 2.1306, 1.8909, 1.6846 (lowest, at rate 1e-5·10^4 = 0.1), 2.2655, 1518.5
  assert.ok(Math.abs(f.losses[4] - 1.684616212137779) < 1e-12, `${f.losses[4]}`);
  assert.equal(f.losses.indexOf(Math.min(...f.losses)), 4);
  const suggested = f.result()?.suggestedLr ?? NaN;
  assert.ok(Math.abs(suggested - 0.01) < 1e-15, `suggested ${suggested}: 0.1 / 10`);
  assert.throws(() => new LrFinder(LrFinderSpec.parse({ min_lr: 1, max_lr: 0.1 }), 10), /training\.lr_finder\.max_lr/);
});

// Keras 3 keras/src/callbacks/early_stopping.py `on_epoch_end`: an improvement resets the count and
// returns before the patience check, so patience 0 stops at the first epoch that does not improve.
test('early stopping with patience 0 never stops on an improving epoch, and stops on the first one that is not', () => {
  const v = tf.tidy(() => [tf.variable(tf.scalar(0))]);
  const es = new EarlyStopping(EarlyStoppingSpec.parse({ patience: 0 }));
  const stops = [1.0, 0.9, 0.8, 0.85].map((val, e) => es.onEpochEnd(e, { val_loss: val }, v).stop);
  assert.deepEqual(stops, [false, false, false, true]);
  assert.equal(es.restore(v), 2, 'the best epoch is the third');
  es.dispose();
  tf.dispose(v);
});
