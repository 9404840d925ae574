import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneCyclePhases } from '../../src/engine/optim/schedules';
import { ExperimentSpec } from '../../src/protocol/spec';
import type { EndEvent, EpochEvent, RunEvent, StartEvent } from '../../src/protocol/events';
import { applyEvents, emptyChartData } from '../../src/webview/chartData';
import { lrFinderMarkers, markersOf, oneCycleBoundaries } from '../../src/webview/markers';

const layers = [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }];
const start = (epochs: number, bpe: number): StartEvent => ({
  type: 'start', runId: 'r', experiment: 'l/e', backend: 'cpu', backendReason: 'test', instrumentedLayers: ['dense'],
  summary: { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 }, epochs, batchesPerEpoch: bpe, trainSize: 0, valSize: 0, testSize: 0, seed: 1, mode: 'train',
});
const epoch = (n: number, extra: Partial<EpochEvent> = {}): EpochEvent => ({ type: 'epoch', runId: 'r', epoch: n, loss: 1, lr: 0.01, seconds: 1, ...extra });

test("1cycle's phase boundaries are the trainer's (100 iterations, 10 % tail: up to 44, down to 88)", () => {
  assert.deepEqual(oneCycleBoundaries(100, 0.1), [44, 88]);
  for (const n of [1, 7, 100, 313 * 4, 10750]) for (const f of [0.05, 0.1, 0.3]) {
    const { half } = oneCyclePhases(n, f);
    assert.deepEqual(oneCycleBoundaries(n, f), [half, 2 * half], `n=${n}, last_fraction=${f}`);
  }
});

test('markers: 1cycle phases in epochs, freeze and unfreeze, callback notes, the restored epoch, divergence', () => {
  const spec = ExperimentSpec.parse({
    dataset: { name: 'moons' },
    model: { layers, reuse: { from: 'a', freeze_epochs: 2 } },
    training: { epochs: 5, optimizer: { name: 'sgd', learning_rate: 0.01 }, schedule: { name: 'one_cycle', max_lr: 0.1 } },
  });
  const d = emptyChartData();
  const end: EndEvent = { type: 'end', runId: 'r', status: 'early_stopped', epochsRun: 4, final: {}, restoredEpoch: 3, seconds: 1, samplesPerSecond: 1, tensorsBefore: 0, tensorsAfter: 0 };
  const events: RunEvent[] = [
    start(5, 20),
    epoch(1),
    epoch(2, { notes: ['epoch 2: val_loss has not improved for 1 epoch (best 0.5): learning rate 0.01 → 0.005'] }),
    epoch(3),
    { type: 'batch', runId: 'r', epoch: 4, batch: 9, step: 69, loss: Number.NaN, lr: 0.01 },
    epoch(4, { notes: ['early stop: restored epoch 3'] }),
    end,
  ];
  applyEvents(d, events);
  const m = markersOf(spec, d);
  const [peak, fall] = oneCycleBoundaries(100, 0.1);
  assert.deepEqual(m, [
    { x: 0, label: 'reused layers frozen', kind: 'freeze' },
    { x: 2, label: 'unfrozen', kind: 'freeze' },
    { x: peak / 20, label: '1cycle: peak', kind: 'schedule' },
    { x: fall / 20, label: 'final fall', kind: 'schedule' },
    { x: 2, label: 'lr → 0.005', kind: 'callback' },
    { x: 4, label: 'early stop', kind: 'callback' },
    { x: 3, label: 'weights of epoch 3 restored', kind: 'restore' },
    { x: 70 / 20, label: 'diverged (loss not finite)', kind: 'diverged' },
  ]);
});

test('piecewise boundaries per epoch and per batch; no markers for an LR finder', () => {
  const piecewise = (per: 'epoch' | 'batch', boundaries: number[]) =>
    ExperimentSpec.parse({ dataset: { name: 'moons' }, model: { layers }, training: { epochs: 6, optimizer: { name: 'sgd', learning_rate: 0.01 }, schedule: { name: 'piecewise_constant', boundaries, values: [0.01, 0.005, 0.001], per } } });
  const d = emptyChartData();
  applyEvents(d, [start(6, 50)]);
  assert.deepEqual(markersOf(piecewise('epoch', [2, 4]), d).map((x) => [x.x, x.label]), [[2, 'lr → 0.005'], [4, 'lr → 0.001']]);
  assert.deepEqual(markersOf(piecewise('batch', [125]), d).map((x) => [x.x, x.label]), [[2.5, 'lr → 0.005']]);
  const finder = emptyChartData();
  applyEvents(finder, [{ ...start(1, 50), mode: 'lr_finder' }]);
  assert.deepEqual(markersOf(piecewise('epoch', [2]), finder), []);
});

test("the LR finder's suggestions are lines at their rates, each named, in its own colour", () => {
  const m = lrFinderMarkers({
    lrs: [], losses: [], suggestedLr: 0.009, bestLr: 0.09,
    suggestions: [{ kind: 'valley', lr: 0.00312, reason: 'r' }, { kind: 'steepest', lr: 0.0123, reason: 'r' }, { kind: 'minimum', lr: 0.009, reason: 'r' }],
  });
  assert.deepEqual(m.map((x) => [x.x, x.label, x.kind]), [[0.00312, 'valley 0.0031', 'suggestion'], [0.0123, 'steepest 0.012', 'suggestion'], [0.009, 'min ÷ 10 0.009', 'suggestion']]);
  assert.equal(new Set(m.map((x) => x.color)).size, 3);
  assert.deepEqual(lrFinderMarkers(undefined), []);
});
