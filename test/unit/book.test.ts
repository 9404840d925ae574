import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithBook, formatGap, ourFigure } from '../../src/protocol/book';
import { formatReproduceTable, reproduceSeconds, selectAnnotated } from '../../src/cli/reproduce';
import { builtInLessonsDir, loadLessons } from '../../src/lessons';

const figure = (metric: 'val_accuracy' | 'test_accuracy' | 'mc_accuracy', value: number, epochs = 5) => ({ metric, value, epochs, source: 's' });

test("compareWithBook: ours beside each of the book's figures, the gap in points and whether it is within ±1.5", () => {
  const end = { final: { val_accuracy: 0.8146, loss: 0.5 }, test: { loss: 0.4, accuracy: 0.8702 }, mcDropout: { accuracy: 0.8581 } };
  const rows = compareWithBook({ book: [figure('val_accuracy', 0.8218), figure('test_accuracy', 0.8639), figure('mc_accuracy', 0.8661)] }, end);
  // Gaps by hand: (0.8146 − 0.8218) × 100 = −0.72; (0.8702 − 0.8639) × 100 = +0.63; (0.8581 − 0.8661) × 100 = −0.80.
  assert.deepEqual(rows.map((r) => [r.metric, r.book, r.ours, Number(r.gap!.toFixed(6)), r.within]), [
    ['val_accuracy', 0.8218, 0.8146, -0.72, true],
    ['test_accuracy', 0.8639, 0.8702, 0.63, true],
    ['mc_accuracy', 0.8661, 0.8581, -0.8, true],
  ]);
  // 1.5 points is within, 1.51 is not.
  assert.equal(compareWithBook({ book: figure('val_accuracy', 0.8) }, { final: { val_accuracy: 0.815 } })[0]!.within, true);
  assert.equal(compareWithBook({ book: figure('val_accuracy', 0.8) }, { final: { val_accuracy: 0.8151 } })[0]!.within, false);
  assert.equal(compareWithBook({ book: figure('val_accuracy', 0.8) }, { final: { val_accuracy: 0.7849 } })[0]!.within, false);
  // A run that did not measure the figure (no MC dropout, a failed run) leaves ours and the gap out.
  assert.deepEqual(compareWithBook({ book: figure('mc_accuracy', 0.8661) }, { final: {} }), [{ metric: 'mc_accuracy', book: 0.8661, epochs: 5, source: 's' }]);
  assert.deepEqual(compareWithBook({ book: figure('val_accuracy', 0.8) }), [{ metric: 'val_accuracy', book: 0.8, epochs: 5, source: 's' }]);
  assert.deepEqual(compareWithBook({}), []);
  assert.equal(ourFigure('test_accuracy', { final: {}, test: {} }), undefined);
  assert.deepEqual([formatGap(-0.72), formatGap(1.05), formatGap(0)], ['−0.72', '+1.05', '+0.00']);
});

test('reproduce: the annotated built-in experiments, --only by lesson or key, and an unknown name listed with the choices', async () => {
  const { lessons } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  const all = selectAnnotated(lessons, undefined);
  assert.ok(!('error' in all));
  const keys = all.map((s) => s.key);
  // Every row of the notebook's table that the lessons run (docs/reference.md lists them).
  for (const k of ['activation-functions/selu-100', 'activation-functions/relu-100', 'activation-functions/leaky-relu-mlp', 'activation-functions/prelu-mlp', 'batch-normalization/bn-after', 'batch-normalization/bn-before', 'transfer-learning/b-scratch', 'transfer-learning/b-on-a', 'learning-rate-schedules/book-exponential', 'learning-rate-schedules/book-piecewise', 'learning-rate-schedules/performance', 'one-cycle/book-one-cycle', 'regularization/book-l2', 'regularization/book-dropout', 'regularization/book-max-norm', 'mc-dropout/alpha-dropout']) {
    assert.ok(keys.includes(k), `${k} is annotated`);
  }
  // The full run's epochs are the notebook's: 5 for the 100-layer nets, 25 for the schedules, 2 for the regularization runs.
  const epochs = Object.fromEntries(all.map((s) => [s.key, s.epochs]));
  assert.deepEqual([epochs['activation-functions/selu-100'], epochs['one-cycle/book-one-cycle'], epochs['regularization/book-l2'], epochs['mc-dropout/alpha-dropout']], [5, 25, 2, 20]);
  const some = selectAnnotated(lessons, ['batch-normalization', 'transfer-learning/b-scratch,regularization/book-l2']);
  assert.ok(!('error' in some));
  assert.deepEqual(some.map((s) => s.key), ['batch-normalization/bn-after', 'batch-normalization/bn-before', 'transfer-learning/b-scratch', 'regularization/book-l2']);
  const bad = selectAnnotated(lessons, ['batch-normalization/no-bn']);
  assert.ok('error' in bad && bad.error.startsWith('--only: no annotated experiment matches "batch-normalization/no-bn"; they are: activation-functions/'), JSON.stringify(bad));
});

test('reproduce: the table has one line per figure and the total, with the gap signed', () => {
  const text = formatReproduceTable(
    [
      { experiment: 'a/x', metric: 'val_accuracy', book: 0.8218, ours: 0.8146, gap: -0.72, within: true, epochs: 5, source: 's', status: 'completed', seconds: 426 },
      { experiment: 'b/y', metric: 'test_accuracy', book: 0.9705, epochs: 20, source: 's', status: 'error', error: 'no data', seconds: 1 },
    ],
    3727,
  );
  const lines = text.split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[1]!, /^a\/x\s+val_accuracy\s+0\.8218\s+0\.8146\s+−0\.72 ✓ 7m 06s$/);
  assert.match(lines[2]!, /^b\/y\s+test_accuracy\s+0\.9705\s+– \(no data\)/);
  assert.equal(lines[3], "total 1h 02m; 1 of 2 figures within ±1.5 points of the book's (gap = ours − book, in points)");
});

test('reproduce: the total time counts each experiment’s run once, not once per figure it gave', () => {
  const row = (experiment: string, metric: string, seconds: number) => ({ experiment, metric, book: 0.8, ours: 0.8, gap: 0, status: 'completed', seconds }) as unknown as Parameters<typeof reproduceSeconds>[0][number];
  const rows = [row('a/x', 'val_accuracy', 36), row('m/mc', 'val_accuracy', 142), row('m/mc', 'test_accuracy', 142), row('m/mc', 'mc_accuracy', 142)];
  assert.equal(reproduceSeconds(rows), 36 + 142);
});
