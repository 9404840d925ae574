import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpectations, formatNumber, parseExpectation } from '../../src/lessons';
import type { EpochEvent, RunRecord } from '../../src/protocol/events';

function epoch(n: number, over: Partial<EpochEvent> = {}): EpochEvent {
  return { type: 'epoch', runId: 'r', epoch: n, loss: 1 / n, accuracy: 0.5 + n / 10, val_loss: 1.2 / n, val_accuracy: 0.45 + n / 10, lr: 0.01 / n, seconds: 2 * n, ...over };
}

/** A three-epoch run with four instrumented layers whose gradients vanish toward the bottom. */
function run(over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'r',
    experiment: 'l/e',
    start: {
      type: 'start', runId: 'r', experiment: 'l/e', backend: 'cpu', backendReason: 'test',
      summary: { layers: [], totalParams: 271346, trainableParams: 268978, nonTrainableParams: 2368 },
      instrumentedLayers: ['d1', 'd2', 'd3', 'd4'], epochs: 3, batchesPerEpoch: 10, trainSize: 100, valSize: 10, testSize: 10, seed: 42, mode: 'train',
    },
    epochs: [
      epoch(1, { gradNorms: [2.3e-6, 1e-4, 3e-3, 4.1e-2], activations: [{ mean: 0.5, std: 0.01 }, { mean: 0.5, std: 0.02 }, { mean: 0.4, std: 0.1 }, { mean: 0.1, std: 0.2 }] }),
      epoch(2, { gradNorms: [1e-5, 2e-4, 4e-3, 5e-2], activations: [{ mean: 0.1, std: 0.9 }, { mean: 0.0, std: 1.0 }, { mean: -0.1, std: 1.1 }, { mean: 0.2, std: 0.8, zeroFraction: 0.6 }] }),
      epoch(3, { gradNorms: [2e-5, 3e-4, 5e-3, 6e-2], momentum: 0.9 }),
    ],
    end: {
      type: 'end', runId: 'r', status: 'completed', epochsRun: 3, final: { loss: 1 / 3, accuracy: 0.8 }, test: { loss: 0.35, accuracy: 0.81 },
      seconds: 6.5, samplesPerSecond: 100, tensorsBefore: 10, tensorsAfter: 10,
    },
    ...over,
  };
}

const check = (lines: string[], r = run()) => evaluateExpectations(lines, r).map((x) => [x.met, x.actual]);

test('parse: terms, ops, coefficients on either side, at epoch, is finite', () => {
  const p = parseExpectation('grad_norm[1] < 1e-3 * grad_norm[last] at epoch 1');
  assert.deepEqual(p, {
    ok: true,
    expectation: { kind: 'compare', left: { coef: 1, metric: { metric: 'grad_norm', layer: 1 } }, op: '<', right: { coef: 1e-3, metric: { metric: 'grad_norm', layer: -1 } }, epoch: 1 },
  });
  assert.deepEqual(parseExpectation('val_loss * 2 >= loss'), {
    ok: true,
    expectation: { kind: 'compare', left: { coef: 2, metric: { metric: 'val_loss' } }, op: '>=', right: { coef: 1, metric: { metric: 'loss' } } },
  });
  assert.deepEqual(parseExpectation('act_std[-2] != 0'), {
    ok: true,
    expectation: { kind: 'compare', left: { coef: 1, metric: { metric: 'act_std', layer: -2 } }, op: '!=', right: { coef: 0 } },
  });
  assert.deepEqual(parseExpectation('loss is nan at epoch 2'), { ok: true, expectation: { kind: 'is', metric: { metric: 'loss' }, test: 'nan', epoch: 2 } });
  assert.deepEqual(parseExpectation('grad_norm[first] is finite'), { ok: true, expectation: { kind: 'is', metric: { metric: 'grad_norm', layer: 1 }, test: 'finite' } });
  assert.deepEqual(parseExpectation('grad_norm[1] < 1e-3 × grad_norm[10]'), {
    ok: true,
    expectation: { kind: 'compare', left: { coef: 1, metric: { metric: 'grad_norm', layer: 1 } }, op: '<', right: { coef: 1e-3, metric: { metric: 'grad_norm', layer: 10 } } },
  });
  assert.deepEqual(parseExpectation('act_mean[1] ≤ 0.5'), {
    ok: true,
    expectation: { kind: 'compare', left: { coef: 1, metric: { metric: 'act_mean', layer: 1 } }, op: '<=', right: { coef: 0.5 } },
  });
});

test('parse errors carry the column of the mistake', () => {
  const cases: [string, number, RegExp][] = [
    ['val_acc >= 0.8', 1, /^unknown metric "val_acc"/],
    ['val_accuracy = 0.8', 14, /use ==/],
    ['val_accuracy >= ', 16, /expected a number or a metric/],
    ['grad_norm < 1', 10, /grad_norm needs a layer/],
    ['grad_norm[0] < 1', 11, /layers count from 1/],
    ['loss[2] < 1', 5, /loss has no layers/],
    ['loss < 1 at epoch 0', 19, /epoch number from 1/],
    ['loss < 1 at step 3', 13, /expected "epoch"/],
    ['test_accuracy > 0.8 at epoch 2', 21, /needs a per-epoch metric/],
    ['loss is small', 9, /"finite" or "nan"/],
    ['loss < 1 and accuracy > 0.5', 10, /only "at epoch N"/],
    ['loss 1', 6, /expected a comparison/],
    ['2 * 3 < loss', 5, /expected a metric/],
    ['loss < 1 % 2', 10, /unexpected "%"/],
    ['', 1, /empty expectation/],
  ];
  for (const [text, column, msg] of cases) {
    const p = parseExpectation(text);
    assert.equal(p.ok, false, text);
    if (!p.ok) {
      assert.equal(p.column, column, `${text}: ${p.message}`);
      assert.match(p.message, msg, text);
    }
  }
});

test('evaluate: last epoch by default, at epoch N, first/last layer, with the values used', () => {
  assert.deepEqual(check(['val_accuracy >= 0.7', 'val_accuracy >= 0.8', 'accuracy > 0.6 at epoch 1', 'loss < 0.4', 'loss < 0.4 at epoch 2']), [
    [true, 'val_accuracy = 0.75'],
    [false, 'val_accuracy = 0.75'],
    [false, 'accuracy = 0.6 (epoch 1)'],
    [true, 'loss = 0.3333'],
    [false, 'loss = 0.5 (epoch 2)'],
  ]);
  assert.deepEqual(check(['grad_norm[1] < 1e-3 * grad_norm[last] at epoch 1', 'grad_norm[1] < 1e-5 * grad_norm[last] at epoch 1', 'grad_norm[first] < grad_norm[-2]']), [
    [true, 'grad_norm[1] = 2.3e-6, grad_norm[last] = 0.041 (epoch 1)'],
    [false, 'grad_norm[1] = 2.3e-6, grad_norm[last] = 0.041 (epoch 1)'],
    [true, 'grad_norm[1] = 2e-5, grad_norm[-2] = 0.005'],
  ]);
  assert.deepEqual(check(['act_std[1] < 0.05 at epoch 1', 'act_std[last] > 0.5 at epoch 2', 'act_mean[2] == 0 at epoch 2', 'zero_fraction[4] > 0.5 at epoch 2']), [
    [true, 'act_std[1] = 0.01 (epoch 1)'],
    [true, 'act_std[last] = 0.8 (epoch 2)'],
    [true, 'act_mean[2] = 0 (epoch 2)'],
    [true, 'zero_fraction[4] = 0.6 (epoch 2)'],
  ]);
});

test('evaluate: run-level values, lr and momentum, seconds, parameter counts', () => {
  assert.deepEqual(
    check(['test_accuracy >= 0.8', 'test_loss < val_loss', 'epochs_run == 3', 'seconds < 10', 'seconds == 4 at epoch 2', 'lr < 0.005', 'momentum == 0.9', 'params == 271346', 'non_trainable_params == 2368', 'trainable_params + 1 > 0']),
    [
      [true, 'test_accuracy = 0.81'],
      [true, 'test_loss = 0.35, val_loss = 0.4'],
      [true, 'epochs_run = 3'],
      [true, 'seconds = 6.5'],
      [true, 'seconds = 4 (epoch 2)'],
      [true, 'lr = 0.003333'],
      [true, 'momentum = 0.9'],
      [true, 'params = 271346'],
      [true, 'non_trainable_params = 2368'],
      [false, 'cannot read this expectation (column 18): unexpected "+": an expectation reads like "val_accuracy >= 0.8" or "grad_norm[1] < 1e-3 * grad_norm[last]"'],
    ],
  );
});

test('evaluate: MC dropout and the LR finder', () => {
  const r = run();
  r.end = {
    ...r.end!,
    mcDropout: { samples: 50, accuracy: 0.87, deterministicAccuracy: 0.86, meanStd: 0.04, tested: 100, images: [] },
    lrFinder: { lrs: [1e-5, 1e-1], losses: [2.3, 0.9], suggestedLr: 3e-3, bestLr: 3e-2, suggestions: [] },
  };
  assert.deepEqual(check(['mc_accuracy >= deterministic_accuracy', 'mc_std > 0', 'suggested_lr < best_lr', 'suggested_lr * 10 == best_lr'], r), [
    [true, 'mc_accuracy = 0.87, deterministic_accuracy = 0.86'],
    [true, 'mc_std = 0.04'],
    [true, 'suggested_lr = 0.003, best_lr = 0.03'],
    [true, 'suggested_lr = 0.003, best_lr = 0.03'],
  ]);
});

test('evaluate: missing values are "not met" with a clear actual', () => {
  const r = run();
  delete r.end!.test;
  r.epochs = r.epochs.map((e) => ({ ...e, val_loss: undefined, val_accuracy: undefined }));
  assert.deepEqual(check(['test_accuracy > 0', 'val_accuracy > 0', 'mc_accuracy > 0', 'suggested_lr > 0', 'loss < 1 at epoch 7', 'grad_norm[5] > 0', 'momentum > 0 at epoch 1'], r), [
    [false, 'test_accuracy: the run has no test metrics (evaluate.test: false?)'],
    [false, 'val_accuracy: no validation set (dataset.val_size: 0?)'],
    [false, 'mc_accuracy: the run has no MC dropout results (evaluate.mc_dropout)'],
    [false, 'suggested_lr: the run has no LR finder result (training.lr_finder)'],
    [false, 'loss: the run has no epoch 7 (it ran 3) (epoch 7)'],
    [false, 'grad_norm[5]: the model has 4 instrumented layers'],
    [false, 'momentum: the optimizer has no momentum (epoch 1)'],
  ]);
  const failed: RunRecord = { runId: 'r', experiment: 'l/e', epochs: [], error: { type: 'error', runId: 'r', message: 'out of memory' } };
  assert.deepEqual(check(['loss < 1', 'test_accuracy > 0.5'], failed), [
    [false, 'loss: the run failed before its first epoch: out of memory'],
    [false, 'test_accuracy: the run failed: out of memory'],
  ]);
});

test('evaluate: NaN and infinity', () => {
  const r = run();
  r.epochs[2] = { ...r.epochs[2], loss: NaN };
  r.epochs[1] = { ...r.epochs[1], loss: Infinity };
  assert.deepEqual(check(['loss is nan', 'loss is finite', 'loss is finite at epoch 1', 'loss is finite at epoch 2', 'loss < 10', 'loss != 1'], r), [
    [true, 'loss = nan'],
    [false, 'loss = nan'],
    [true, 'loss = 1 (epoch 1)'],
    [false, 'loss = inf (epoch 2)'],
    [false, 'loss = nan'],
    [false, 'loss = nan'],
  ]);
});

test('formatNumber', () => {
  assert.deepEqual([0, 3, 271346, 0.75, 1 / 3, 2.3e-6, 4.1e-2, 1.5e7 + 0.5, -0.0001234].map(formatNumber), ['0', '3', '271346', '0.75', '0.3333', '2.3e-6', '0.041', '1.5e7', '-1.2e-4']);
});
