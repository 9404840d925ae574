/**
 * The `*_normal` initializers are Keras 2's truncated normal (the book's TF 2 `he_normal` and
 * `lecun_normal`): keras/initializers/initializers_v2.py, VarianceScaling.__call__, draws
 * `truncated_normal(shape, 0, stddev)` with `stddev = sqrt(scale / fan) / .87962566103423978`, and
 * tf.random.truncated_normal redraws values more than two standard deviations from the mean.
 * The variance alone cannot tell a truncated normal from a plain one (engine-model.test.ts checks
 * it); the bound and the fourth moment can. The reference values are the moments of a standard
 * normal truncated to [−a, a], computed here in float64 from their closed forms:
 *   Z = erf(a/√2),  E[X²] = 1 − 2aφ(a)/Z,  E[X⁴] = 3 E[X²] − 2a³φ(a)/Z,
 * with erf by its Maclaurin series (not from the code under test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initKernel } from '../../src/engine/init';
import { Rng } from '../../src/engine/rng';

function erf(x: number): number {
  // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)); for |x| ≤ 2 sixty terms are far below 1e-16.
  let term = x;
  let sum = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const A = 2;
const phi = Math.exp((-A * A) / 2) / Math.sqrt(2 * Math.PI);
const Z = erf(A / Math.SQRT2);
const M2 = 1 - (2 * A * phi) / Z;
const M4 = 3 * M2 - (2 * A ** 3 * phi) / Z;

test("Keras's constant .87962566103423978 is the standard deviation of a standard normal cut at ±2", () => {
  assert.ok(Math.abs(Math.sqrt(M2) - 0.87962566103423978) < 1e-15, `√E[X²] = ${Math.sqrt(M2)}`);
});

for (const [name, scale] of [
  ['he_normal', 2],
  ['lecun_normal', 1],
] as const) {
  test(`${name} is a truncated normal: every weight within 2 σ of the underlying normal, the kurtosis of a normal cut at ±2 (100 → 100)`, () => {
    const fanIn = 100;
    const n = 200; // 100 × 200 = 20,000 draws per seed, five seeds
    const sigma = Math.sqrt(scale / fanIn) / 0.87962566103423978; // the normal before the cut
    let m2 = 0;
    let m4 = 0;
    let max = 0;
    let count = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const w = initKernel(name, fanIn, n, new Rng(seed));
      for (const v of w) {
        const x = v / sigma;
        m2 += x * x;
        m4 += x ** 4;
        max = Math.max(max, Math.abs(x));
        count++;
      }
    }
    m2 /= count;
    m4 /= count;
    // The cut: nothing beyond 2 (float32 rounding of the weights aside), and draws close to it.
    assert.ok(max <= 2 * (1 + 1e-6), `max |w| / σ = ${max}`);
    assert.ok(max > 1.99, `max |w| / σ = ${max}: the tails are missing`);
    // E[X²] 0.7737 (a plain normal: 1); kurtosis E[X⁴]/E[X²]² 2.366 (a plain normal: 3).
    // 100,000 draws: standard errors about 0.003 on E[X²] and 0.006 on the kurtosis.
    assert.ok(Math.abs(m2 - M2) < 0.012, `E[X²] ${m2} vs ${M2}`);
    assert.ok(Math.abs(m4 / (m2 * m2) - M4 / (M2 * M2)) < 0.03, `kurtosis ${m4 / (m2 * m2)} vs ${M4 / (M2 * M2)}`);
  });
}
