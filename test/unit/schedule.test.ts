import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScheduleSpec } from '../../src/protocol/spec';
import {
  createSchedule,
  exponentialLr,
  oneCycle,
  oneCyclePhases,
  piecewiseConstantLr,
  powerLr,
  PlateauReducer,
} from '../../src/engine/optim/schedules';

const near = (a: number, b: number, what: string, rtol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= rtol * Math.max(Math.abs(b), 1e-300), `${what}: got ${a}, expected ${b}`);

test('power: η0/(1 + t/s)^c at t = 0, s, 3s', () => {
  near(powerLr(0.01, 0, 20, 1), 0.01, 't = 0');
  near(powerLr(0.01, 20, 20, 1), 0.005, 't = s');
  near(powerLr(0.01, 60, 20, 1), 0.0025, 't = 3s');
  near(powerLr(0.01, 20, 20, 2), 0.0025, 't = s, c = 2');
  near(powerLr(0.01, 60, 20, 2), 0.000625, 't = 3s, c = 2');
  // the driver (per batch by default) counts the global step
  const d = createSchedule(ScheduleSpec.parse({ name: 'power', steps: 20 }), 0.01, 1000, 100);
  near(d.atBatch(0, 0).lr, 0.01, 'driver t = 0');
  near(d.atBatch(60, 0).lr, 0.0025, 'driver t = 60');
  assert.equal(d.atBatch(0, 0).momentum, undefined);
});

test('exponential: η0·0.1^(t/s): t = s gives η0/10, t = 2s η0/100; per epoch by default', () => {
  near(exponentialLr(0.01, 0, 20), 0.01, 't = 0');
  near(exponentialLr(0.01, 20, 20), 0.001, 't = s');
  near(exponentialLr(0.01, 40, 20), 0.0001, 't = 2s');
  near(exponentialLr(0.01, 10, 20), 0.01 / Math.sqrt(10), 't = s/2');
  const d = createSchedule(ScheduleSpec.parse({ name: 'exponential', steps: 20 }), 0.01, 10_000, 100);
  near(d.atBatch(1999, 20).lr, 0.001, 'epoch 20 (the step is ignored)');
  near(d.atBatch(0, 0).lr, 0.01, 'epoch 0');
  const b = createSchedule(ScheduleSpec.parse({ name: 'exponential', steps: 20, per: 'batch' }), 0.01, 10_000, 100);
  near(b.atBatch(20, 0).lr, 0.001, 'per batch: step 20');
});

test('piecewise constant: values[i] while t < boundaries[i], switching exactly at the boundaries', () => {
  const bounds = [5, 15], values = [0.01, 0.005, 0.001];
  const at = (t: number) => piecewiseConstantLr(t, bounds, values);
  assert.deepEqual([0, 4, 5, 14, 15, 100].map(at), [0.01, 0.01, 0.005, 0.005, 0.001, 0.001]);
  const d = createSchedule(ScheduleSpec.parse({ name: 'piecewise_constant', boundaries: bounds, values }), 0.1, 1000, 10);
  assert.equal(d.atBatch(49, 4).lr, 0.01);
  assert.equal(d.atBatch(50, 5).lr, 0.005);
  assert.equal(d.atBatch(150, 15).lr, 0.001);
  assert.throws(
    () => createSchedule(ScheduleSpec.parse({ name: 'piecewise_constant', boundaries: [5, 15], values: [0.1, 0.01] }), 0.1, 10, 1),
    /training\.schedule\.values.*2 boundaries, 2 values/,
  );
  assert.throws(
    () => createSchedule(ScheduleSpec.parse({ name: 'piecewise_constant', boundaries: [15, 5], values: [0.1, 0.01, 0.001] }), 0.1, 10, 1),
    /training\.schedule\.boundaries\[1\]/,
  );
});

test('performance: reduces after `patience` epochs without improvement, not before; lower is better for losses', () => {
  const d = createSchedule(ScheduleSpec.parse({ name: 'performance', patience: 2, factor: 0.5 }), 0.1, 1000, 10);
  const valLoss = [1.0, 0.8, 0.85, 0.81, 0.9, 0.7, 0.75, 0.72];
  const lrs: number[] = [];
  const notes: (string | undefined)[] = [];
  valLoss.forEach((v, e) => {
    notes.push(d.onEpochEnd(e, { loss: 0.5, val_loss: v }));
    lrs.push(d.atBatch(0, e + 1).lr);
  });
  // epochs 2, 3 are bad (2 bad → halve after epoch 3); epoch 4 bad (count 1), 5 improves, 6, 7 bad → halve after epoch 7
  assert.deepEqual(lrs, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025]);
  assert.deepEqual(notes.map((n) => n !== undefined), [false, false, false, true, false, false, false, true]);
  assert.match(notes[3] ?? '', /epoch 4: val_loss has not improved for 2 epochs \(best 0\.8\): learning rate 0\.1 → 0\.05/);
});

test('performance: higher is better for accuracies, min_lr is a floor, missing values change nothing', () => {
  const r = new PlateauReducer(0.1, 'val_accuracy', 0.1, 1, 0.005);
  assert.equal(r.onEpochEnd(0, 0.5), undefined);
  assert.equal(r.onEpochEnd(1, 0.6), undefined, 'accuracy went up: an improvement');
  assert.equal(r.onEpochEnd(2, 0.55), 0.010000000000000002, 'one bad epoch with patience 1: ×0.1');
  assert.equal(r.onEpochEnd(3, undefined), undefined);
  assert.equal(r.onEpochEnd(4, 0.59), 0.005, 'floored at min_lr');
  assert.equal(r.onEpochEnd(5, 0.58), undefined, 'already at min_lr: no change, no note');
  assert.equal(r.lr, 0.005);
});

test('1cycle: the phases follow the book (n = 100: 11 final iterations, halves of 44)', () => {
  assert.deepEqual(oneCyclePhases(100, 0.1), { half: 44, last: 11 });
  // the book's notebook: 25 epochs of ⌈55000/128⌉ = 430 iterations → last 1076, half 4837
  assert.deepEqual(oneCyclePhases(10750, 0.1), { half: 4837, last: 1076 });
});

test("1cycle: lr and momentum at start, middle, peak, end of cycle and very end", () => {
  const spec = ScheduleSpec.parse({ name: 'one_cycle', max_lr: 0.05 });
  const d = createSchedule(spec, 0.01, 100, 10);
  const at = (t: number) => d.atBatch(t, Math.floor(t / 10));
  const eta0 = 0.005, end = 0.005 / 1000;
  const check = (t: number, lr: number, m: number) => {
    const r = at(t);
    near(r.lr, lr, `lr at t = ${t}`, 1e-9);
    near(r.momentum ?? NaN, m, `momentum at t = ${t}`, 1e-9);
  };
  check(0, eta0, 0.95); // start: max/10, max momentum
  check(22, (eta0 + 0.05) / 2, 0.9); // halfway up
  check(44, 0.05, 0.85); // peak: max lr, min momentum
  check(66, (eta0 + 0.05) / 2, 0.9); // halfway down
  check(88, eta0, 0.95); // end of the cycle: back to max/10 and max momentum
  check(94, eta0 + ((end - eta0) * 6) / 12, 0.95); // final phase: momentum stays at max
  check(99, eta0 + ((end - eta0) * 11) / 12, 0.95); // the last iteration, one step short (as the book)
  check(100, end, 0.95); // η0/1000 reached at t = n
  check(500, end, 0.95);
  // the pure function agrees with the driver and is monotonic within each phase
  for (let t = 1; t < 44; t++) assert.ok(oneCycle(t, { totalSteps: 100, maxLr: 0.05, startDiv: 10, endDiv: 1000, lastFraction: 0.1, maxMomentum: 0.95, minMomentum: 0.85 }).lr > at(t - 1).lr);
  for (let t = 45; t < 100; t++) assert.ok(at(t).lr < at(t - 1).lr, `falls at ${t}`);
});

test('1cycle with very few iterations stays finite', () => {
  for (const n of [1, 2, 3]) {
    const d = createSchedule(ScheduleSpec.parse({ name: 'one_cycle', max_lr: 1 }), 0.01, n, 1);
    for (let t = 0; t < n; t++) {
      const { lr, momentum } = d.atBatch(t, 0);
      assert.ok(Number.isFinite(lr) && lr > 0 && lr <= 1 && momentum !== undefined && momentum >= 0.85 && momentum <= 0.95, `n = ${n}, t = ${t}: ${lr} ${momentum}`);
    }
  }
});

test('no schedule: the constant rate; rebase lowers it (transfer learning after unfreezing)', () => {
  const d = createSchedule(undefined, 0.001, 100, 10);
  assert.deepEqual(d.atBatch(57, 5), { lr: 0.001 });
  assert.equal(d.onEpochEnd(0, { val_loss: 1 }), undefined);
  d.rebase(0.0001);
  assert.deepEqual(d.atBatch(58, 5), { lr: 0.0001 });
  const p = createSchedule(ScheduleSpec.parse({ name: 'power', steps: 10 }), 0.01, 100, 10);
  p.rebase(0.001);
  near(p.atBatch(10, 1).lr, 0.0005, 'power after rebase: new η0 / 2');
});

// Keras ReduceLROnPlateau (TF 2 and Keras 3): min_delta=1e-4; "improved" is current < best − min_delta.
test('performance: a change smaller than min_delta (default 1e-4) is no improvement', () => {
  assert.deepEqual(ScheduleSpec.parse({ name: 'performance' }), { name: 'performance', monitor: 'val_loss', factor: 0.5, patience: 5, min_lr: 0, min_delta: 1e-4 });
  const d = createSchedule(ScheduleSpec.parse({ name: 'performance', patience: 1, factor: 0.5 }), 0.1, 1000, 10);
  d.onEpochEnd(0, { loss: 1, val_loss: 0.5 });
  // 0.49995 is lower, but by 5e-5 < 1e-4: a bad epoch, so with patience 1 the rate halves
  assert.match(d.onEpochEnd(1, { loss: 1, val_loss: 0.49995 }) ?? '', /0\.1 → 0\.05/);
  // with min_delta 0 the same epoch is an improvement
  const z = createSchedule(ScheduleSpec.parse({ name: 'performance', patience: 1, factor: 0.5, min_delta: 0 }), 0.1, 1000, 10);
  z.onEpochEnd(0, { loss: 1, val_loss: 0.5 });
  assert.equal(z.onEpochEnd(1, { loss: 1, val_loss: 0.49995 }), undefined);
});
