import { test } from 'node:test';
import assert from 'node:assert/strict';
import { longestFall, lrSuggestions, slopePerDecade, suggestionWindow } from '../../src/engine/lrSuggest';

/**
 * An analytic finder curve over x = log10(lr): a fall of 2 centred at x = −2.5 and a blow-up that
 * takes over past 0.1: L(x) = 2.3 − tanh(1.5 (x + 2.5)) + exp(3x).
 */
const L = (x: number) => 2.3 - Math.tanh(1.5 * (x + 2.5)) + Math.exp(3 * x);
const dL = (x: number) => -1.5 / Math.cosh(1.5 * (x + 2.5)) ** 2 + 3 * Math.exp(3 * x);
const d2L = (x: number) => (4.5 * Math.tanh(1.5 * (x + 2.5))) / Math.cosh(1.5 * (x + 2.5)) ** 2 + 9 * Math.exp(3 * x);

/** A root of f in [a, b] by bisection in float64 (f(a) and f(b) of opposite signs). */
function bisect(f: (x: number) => number, a: number, b: number): number {
  let fa = f(a);
  for (let i = 0; i < 200; i++) {
    const m = (a + b) / 2;
    const fm = f(m);
    if (Math.sign(fm) === Math.sign(fa)) [a, fa] = [m, fm];
    else b = m;
  }
  return (a + b) / 2;
}

function curve(n: number, from = -5, to = 1): { lrs: number[]; losses: number[]; dx: number } {
  const dx = (to - from) / (n - 1);
  const xs = Array.from({ length: n }, (_, i) => from + i * dx);
  return { lrs: xs.map((x) => 10 ** x), losses: xs.map(L), dx };
}

// Independent references: the minimum solves L'(x) = 0, the steepest descent L''(x) = 0 before it.
const xMin = bisect(dL, -2, 0);
const xSteep = bisect(d2L, -4, xMin);

for (const n of [300, 100_000]) {
  test(`LR finder suggestions on an analytic curve (${n} points) land where the calculus puts them`, () => {
    const { lrs, losses, dx } = curve(n);
    const grid = Math.max(dx, 6 / 999) * 1.5;
    const s = lrSuggestions(lrs, losses);
    assert.deepEqual(s.map((x) => x.kind), ['valley', 'steepest', 'minimum']);
    const at = (k: string) => Math.log10(s.find((x) => x.kind === k)!.lr);
    assert.ok(Math.abs(xMin - -1.2) < 0.1, `sanity: the minimum at x = ${xMin}`);
    assert.ok(Math.abs(at('minimum') - (xMin - 1)) <= grid, `minimum ÷ 10 at ${at('minimum')}, expected ${xMin - 1}`);
    assert.ok(Math.abs(at('steepest') - xSteep) <= grid, `steepest at ${at('steepest')}, expected ${xSteep}`);
    // The loss falls without a break from the window's start (the first tenth left out) to the
    // minimum: the valley's middle is halfway between them, in log rate.
    const xStart = -5 + 0.6;
    assert.ok(Math.abs(at('valley') - (xStart + xMin) / 2) <= grid, `valley at ${at('valley')}, expected ${(xStart + xMin) / 2}`);
    for (const x of s) assert.match(x.reason, /^[^\n]{20,160}$/);
  });
}

test('the early spike of a finder curve is left out: the first tenth never gives the minimum', () => {
  const { lrs, losses } = curve(300);
  for (let i = 0; i < 10; i++) losses[i] = 0.01; // a spike downward in the first points
  const min = lrSuggestions(lrs, losses).find((x) => x.kind === 'minimum')!;
  assert.ok(Math.abs(Math.log10(min.lr) - (xMin - 1)) < 0.05, `${min.lr}`);
});

test('non-finite losses (the blow-up) are skipped; too short a curve suggests nothing', () => {
  const { lrs, losses } = curve(300);
  losses[290] = NaN;
  losses[299] = Infinity;
  assert.equal(lrSuggestions(lrs, losses).length, 3);
  assert.deepEqual(lrSuggestions([1e-3, 1e-2], [1, 0.5]), []);
  assert.deepEqual(lrSuggestions([1e-3, 1e-2, 1e-1, 1], [NaN, NaN, 1, Infinity]), []);
  assert.equal(suggestionWindow(lrs, losses).lrs.length, 298 - 29 - 5);
});

test('a curve that only rises offers no valley and no steepest descent, only the minimum', () => {
  const lrs = Array.from({ length: 50 }, (_, i) => 10 ** (-5 + i / 10));
  const s = lrSuggestions(lrs, lrs.map((_, i) => 1 + i));
  assert.deepEqual(s.map((x) => x.kind), ['minimum']);
  assert.ok(Math.abs(s[0].lr - lrs[5] / 10) < 1e-18, 'the window starts after the first tenth');
});

test('slope per decade: central differences on a line of known slope', () => {
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1];
  assert.deepEqual(slopePerDecade(lrs, [4, 3, 2, 1]).map((v) => Math.round(v * 1e12) / 1e12), [-1, -1, -1, -1]);
});

/** Every subsequence, by brute force: the longest strictly falling one, ending first, starting first. */
function bruteFall(y: number[]): { start: number; end: number; length: number } {
  let best = { start: 0, end: 0, length: 0 };
  for (let mask = 1; mask < 1 << y.length; mask++) {
    const idx = y.map((_, i) => i).filter((i) => mask & (1 << i));
    if (!idx.every((v, k) => k === 0 || y[idx[k - 1]] > y[v])) continue;
    const c = { start: idx[0], end: idx.at(-1)!, length: idx.length };
    if (c.length > best.length || (c.length === best.length && (c.end < best.end || (c.end === best.end && c.start < best.start)))) best = c;
  }
  return best;
}

test('the longest fall agrees with a brute-force search over every subsequence (noisy curves)', () => {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 300; trial++) {
    const n = 1 + Math.floor(rand() * 12);
    const y = Array.from({ length: n }, (_, i) => 3 - i * 0.1 + Math.floor(rand() * 8) * 0.1);
    assert.deepEqual(longestFall(y), bruteFall(y), `y = ${y}`);
  }
});
