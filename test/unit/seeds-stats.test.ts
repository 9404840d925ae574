import { test } from 'node:test';
import assert from 'node:assert/strict';
import { band, expectationsAcrossSeeds, seedList, seedStats, summarizeSeeds } from '../../src/protocol/seeds';
import { describeComparison, welch } from '../../src/lessons/welch';

const close = (got: number, want: number, rel = 1e-9) => assert.ok(Math.abs(got - want) <= rel * Math.max(1, Math.abs(want)), `${got} vs ${want}`);

// Reference values: SciPy 1.17.1, scipy.stats.ttest_ind(a, b, equal_var=False) and its
// confidence_interval(0.95), computed independently in float64 (the first pair is the example of
// Wikipedia's "Welch's t-test" article: t = −2.46, df = 24.99, p = 0.021).
const A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
const A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

test("Welch's t-test equals SciPy's: statistic, degrees of freedom, two-sided p and the 95 % interval", () => {
  const w = welch(A1, A2)!;
  close(w.t, -2.455356398286006);
  close(w.df, 24.988529290231416);
  close(w.p, 0.021378001462866992, 1e-7);
  close(w.low, -3.984096267140929, 1e-7);
  close(w.high, -0.3492370661924069, 1e-7);

  const a = [0.861, 0.872, 0.855];
  const b = [0.842, 0.839, 0.851, 0.836, 0.848];
  const u = welch(a, b)!;
  close(u.t, 3.413745675451474);
  close(u.df, 3.2844196045753233);
  close(u.p, 0.03659250892849027, 1e-7);
  close(u.low, 0.0021764213667361983, 1e-6);
  close(u.high, 0.03675691196659707, 1e-7);

  const v = welch([0.8, 0.81], [0.79, 0.815])!;
  close(v.p, 0.8772302183884387, 1e-7);
  close(v.low, -0.09693165636854051, 1e-7);

  assert.equal(welch([0.8], [0.7, 0.71]), undefined, 'one seed is no sample');
  const same = welch([0.5, 0.5], [0.5, 0.5])!;
  assert.equal(same.p, 1);
});

test('the comparison in words: who won, by how much ± the interval, over how many seeds, noise or not', () => {
  assert.equal(
    describeComparison('adam', [0.861, 0.872, 0.855], 'sgd', [0.842, 0.839, 0.851, 0.836, 0.848], 'val_accuracy'),
    'adam beat sgd by 1.9 ± 1.7 points of val_accuracy over 3 and 5 seeds: not noise (p = 0.037)',
  );
  assert.equal(describeComparison('relu', [0.8, 0.81], 'elu', [0.79, 0.815], 'val_accuracy'), 'relu beat elu by 0.25 ± 9.9 points of val_accuracy over 2 seeds each: could be noise (p = 0.877); more seeds would tell');
  // Lower is better for a loss.
  assert.match(describeComparison('a', [0.30, 0.31, 0.32], 'b', [0.40, 0.41, 0.42], 'val_loss'), /^a beat b by 0\.1 ± 0\.023 of val_loss over 3 seeds each: not noise \(p < 0\.001\)$/);
  assert.match(describeComparison('a', [0.3], 'b', [0.4, 0.41], 'val_loss'), /need at least 2 seeds on each side/);
});

test('seed summary: mean, sample std (n − 1), min, max, n and values per metric, test metrics included', () => {
  assert.deepEqual(seedList(42, 3), [42, 43, 44]);
  const s = summarizeSeeds([
    { final: { loss: 0.5, val_accuracy: 0.8 }, test: { loss: 0.6, accuracy: 0.79 } },
    { final: { loss: 0.4, val_accuracy: 0.82 }, test: { loss: 0.55, accuracy: 0.8 } },
    { final: { loss: 0.45, val_accuracy: 0.84 } },
  ]);
  assert.deepEqual(Object.keys(s), ['loss', 'val_accuracy', 'test_loss', 'test_accuracy']);
  assert.deepEqual(s.val_accuracy.values, [0.8, 0.82, 0.84]);
  close(s.val_accuracy.mean, 0.82);
  close(s.val_accuracy.std, 0.02); // sqrt(((-0.02)² + 0 + 0.02²) / 2)
  assert.equal(s.test_accuracy.n, 2);
  assert.equal(s.loss.min, 0.4);
  assert.equal(s.loss.max, 0.5);
  assert.equal(seedStats([3]).std, 0);
});

test('bands: mean ± 1 std per epoch, over the seeds that reached it', () => {
  const b = band([
    [{ x: 1, y: 1 }, { x: 2, y: 0.5 }, { x: 3, y: 0.2 }],
    [{ x: 1, y: 3 }, { x: 2, y: 0.7 }],
    [{ x: 1, y: 2 }, { x: 2, y: Number.NaN }],
  ]);
  assert.equal(b.length, 3);
  assert.deepEqual(b[0], { x: 1, mean: 2, lo: 1, hi: 3, n: 3 });
  close(b[1].mean, 0.6);
  close(b[1].hi - b[1].mean, Math.sqrt(0.02));
  assert.deepEqual(b[2], { x: 3, mean: 0.2, lo: 0.2, hi: 0.2, n: 1 });
});

test('expectations across seeds: met in k of N', () => {
  const r = expectationsAcrossSeeds([
    [{ text: 'val_accuracy > 0.8', met: true, actual: '0.81' }, { text: 'loss < 1', met: true, actual: '0.5' }],
    [{ text: 'val_accuracy > 0.8', met: false, actual: '0.79' }, { text: 'loss < 1', met: true, actual: '0.6' }],
    [{ text: 'val_accuracy > 0.8', met: true, actual: '0.83' }, { text: 'loss < 1', met: true, actual: '0.4' }],
  ]);
  assert.deepEqual(r[0], { text: 'val_accuracy > 0.8', met: 2, n: 3, actual: ['0.81', '0.79', '0.83'] });
  assert.equal(r[1].met, 3);
});
