import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEvents, emptyChartData, formatSeconds, progressOf, pushDecimated, smoothed, type Point } from '../../src/webview/chartData';
import type { BatchEvent, RunEvent, StartEvent } from '../../src/protocol/events';

const start: StartEvent = {
  type: 'start', runId: 'r', experiment: 'l/e', backend: 'wasm', backendReason: 'test', instrumentedLayers: ['d1', 'd2', 'd3'],
  summary: { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 },
  epochs: 4, batchesPerEpoch: 100, trainSize: 3200, valSize: 100, testSize: 100, seed: 1, mode: 'train',
};

test('pushDecimated never holds more than max points, keeps the first and the newest, x increasing', () => {
  const s: Point[] = [];
  for (let i = 0; i < 10_000; i++) {
    pushDecimated(s, { x: i, y: Math.sin(i) }, 1000);
    assert.ok(s.length <= 1000);
  }
  assert.equal(s[0]!.x, 0);
  assert.equal(s[s.length - 1]!.x, 9999);
  for (let i = 1; i < s.length; i++) assert.ok(s[i]!.x > s[i - 1]!.x);
  // Halving keeps the spacing even: after 10,000 pushes the stride is 16 (2^4) between kept points.
  assert.equal(s[1]!.x - s[0]!.x, 16);
  assert.ok(s.length > 500, `${s.length} points`);
});

test('events become series in epochs on x; validation per epoch; non-finite and non-positive gradient norms are skipped', () => {
  const d = emptyChartData();
  const b = (step: number, extra: Partial<BatchEvent> = {}): BatchEvent => ({ type: 'batch', runId: 'r', epoch: Math.floor(step / 100) + 1, batch: step % 100, step, loss: 1, accuracy: 0.5, lr: 0.1, momentum: 0.9, ...extra });
  const events: RunEvent[] = [
    start,
    b(0, { gradNorms: [1e-6, 0, 0.5], activations: [{ mean: 0.1, std: 1 }, { mean: 0.2, std: 0.9 }, { mean: 0.3, std: 0.8 }] }),
    b(49, { loss: Number.NaN, gradNorms: [Number.POSITIVE_INFINITY, 1e-3, 0.4] }),
    b(99),
    { type: 'epoch', runId: 'r', epoch: 1, loss: 0.9, val_loss: 0.8, val_accuracy: 0.7, lr: 0.1, seconds: 2, activations: [{ mean: 0, std: 1 }, { mean: 0, std: 1 }, { mean: 0, std: 1 }] },
  ];
  const changed = applyEvents(d, events);
  assert.deepEqual([...changed].sort(), ['accuracy', 'actMean', 'actStd', 'gradients', 'loss', 'lr']);
  assert.deepEqual(d.layers, ['d1', 'd2', 'd3']);
  assert.deepEqual(d.lossTrain.map((p) => p.x), [0.01, 1]);
  assert.deepEqual(d.lossVal, [{ x: 1, y: 0.8 }]);
  assert.deepEqual(d.accVal, [{ x: 1, y: 0.7 }]);
  assert.deepEqual(d.gradNorms.map((s) => s.map((p) => p.y)), [[1e-6], [1e-3], [0.5, 0.4]]);
  assert.deepEqual(d.actStd[0]!.map((p) => [p.x, p.y]), [[0.01, 1], [1, 1]]);
  assert.deepEqual(d.momentum.length, 3);
  assert.deepEqual(progressOf(d), { fraction: 0.25, text: 'epoch 1/4 · batch 100/100' });
  applyEvents(d, [{ type: 'end', runId: 'r', status: 'cancelled', epochsRun: 1, final: {}, seconds: 3, samplesPerSecond: 1, tensorsBefore: 0, tensorsAfter: 0 }]);
  assert.deepEqual(progressOf(d), { fraction: 0.25, text: 'stopped in epoch 1/4, batch 100/100' });
  d.end = { ...d.end!, status: 'early_stopped' };
  assert.deepEqual(progressOf(d), { fraction: 0.25, text: '1/4 epochs' });
});

test('the per-layer series exist from the start event on, and later points land in those same arrays (charts hold them)', () => {
  const d = emptyChartData();
  applyEvents(d, [start]);
  assert.equal(d.gradNorms.length, 3);
  assert.equal(d.actStd.length, 3);
  const [g0, s2] = [d.gradNorms[0]!, d.actStd[2]!];
  applyEvents(d, [{ type: 'batch', runId: 'r', epoch: 1, batch: 0, step: 0, loss: 1, lr: 0.1, gradNorms: [0.1, 0.2, 0.3], activations: [{ mean: 0, std: 1 }, { mean: 0, std: 2 }, { mean: 0, std: 3 }] }]);
  assert.equal(d.gradNorms[0], g0);
  assert.equal(d.actStd[2], s2);
  assert.deepEqual([g0.length, g0[0]!.y, s2[0]!.y], [1, 0.1, 3]);
});

test('an LR finder run plots the loss against the rate live, then the finder’s complete record at the end', () => {
  const d = emptyChartData();
  applyEvents(d, [{ ...start, mode: 'lr_finder', epochs: 1, batchesPerEpoch: 300 }]);
  const changed = applyEvents(d, [
    { type: 'batch', runId: 'r', epoch: 1, batch: 0, step: 0, loss: 2.3, lr: 1e-5 },
    { type: 'batch', runId: 'r', epoch: 1, batch: 10, step: 10, loss: Number.NaN, lr: 1e-4 },
    { type: 'batch', runId: 'r', epoch: 1, batch: 20, step: 20, loss: 2.1, lr: 1e-3 },
  ]);
  assert.ok(changed.has('lrFinder'));
  assert.deepEqual(d.lrFinder, [{ x: 1e-5, y: 2.3 }, { x: 1e-3, y: 2.1 }]);
  applyEvents(d, [{ type: 'end', runId: 'r', status: 'completed', epochsRun: 1, final: {}, seconds: 1, samplesPerSecond: 1, tensorsBefore: 0, tensorsAfter: 0, lrFinder: { lrs: [1e-5, 1e-4, 1e-3, 1e-2], losses: [2.3, 2.2, 1.5, 9], bestLr: 1e-3, suggestedLr: 1e-4, suggestions: [] } }]);
  assert.deepEqual(d.lrFinder.map((p) => p.x), [1e-5, 1e-4, 1e-3, 1e-2]);
  assert.deepEqual(d.lrFinder.map((p) => p.y), [2.3, 2.2, 1.5, 9]);
  // An ordinary run has no LR finder curve.
  const t = emptyChartData();
  applyEvents(t, [start, { type: 'batch', runId: 'r', epoch: 1, batch: 0, step: 0, loss: 1, lr: 0.1 }]);
  assert.equal(t.lrFinder.length, 0);
});

test('smoothing: a debiased EMA (first point unchanged, constants stay), geometric in log mode; the input is untouched', () => {
  const pts = [4, 0, 0].map((y, x) => ({ x, y }));
  const out = smoothed(pts, 0.5);
  // s1 = 0.5·4 / 0.5 = 4; s2 = (0.5·2 + 0) / 0.75 = 4/3; s3 = (0.5·1) / 0.875 = 4/7.
  assert.deepEqual(out.map((p) => p.y), [4, 4 / 3, 4 / 7]);
  assert.deepEqual(pts.map((p) => p.y), [4, 0, 0]);
  assert.deepEqual(smoothed([1, 1, 1].map((y, x) => ({ x, y })), 0.9).map((p) => Math.round(p.y * 1e12) / 1e12), [1, 1, 1]);
  const g = smoothed([{ x: 0, y: 1e-4 }, { x: 1, y: 1e-2 }], 0.5, true);
  // log mean of 1e-4 and 1e-2 with weights 1/3 and 2/3 (debiased): 10^(-4/3 - 4/3) = 10^(-8/3).
  assert.ok(Math.abs(Math.log10(g[1]!.y) - -8 / 3) < 1e-12, String(g[1]!.y));
  assert.deepEqual(smoothed(pts, 0), pts);
});

test('seconds formatting', () => {
  assert.equal(formatSeconds(42.2), '43 s');
  assert.equal(formatSeconds(125), '2 min 05 s');
  assert.equal(formatSeconds(3 * 3600 + 120), '3 h 2 min');
});
