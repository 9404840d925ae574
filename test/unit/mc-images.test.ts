import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McExtremes, MC_IMAGES_EACH, probabilityBytes, type Ranked } from '../../src/engine/mcImages';

test('MC extremes kept chunk by chunk are the 32 least and 32 most certain of the whole set (a sort of everything)', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const n of [0, 5, 64, 65, 1000, 3333]) {
    // Spreads on a coarse grid, so that ties (broken by index) happen.
    const all: Ranked[] = Array.from({ length: n }, (_, index) => ({ index, std: Math.floor(rand() * 50) / 100 }));
    const ex = new McExtremes<Ranked>();
    for (let from = 0; from < n; from += 700) ex.add(ex.select(all.slice(from, from + 700)));
    const desc = [...all].sort((a, b) => (a.std !== b.std ? b.std - a.std : a.index - b.index));
    const asc = [...all].sort((a, b) => (a.std !== b.std ? a.std - b.std : a.index - b.index));
    const want = new Map([...desc.slice(0, 32), ...asc.slice(0, 32)].map((r) => [r.index, r]));
    const expected = [...want.values()].sort((a, b) => (a.std !== b.std ? b.std - a.std : a.index - b.index));
    assert.deepEqual(ex.result(), expected, `n = ${n}`);
    assert.equal(ex.result().length, Math.min(n, 2 * MC_IMAGES_EACH));
  }
});

test('a chunk offers only what would be kept; non-finite spreads never are', () => {
  const ex = new McExtremes<Ranked>(2);
  ex.add(ex.select([0.5, 0.1, 0.3, 0.9].map((std, index) => ({ std, index }))));
  assert.deepEqual(ex.result().map((r) => r.index), [3, 0, 2, 1]);
  // Only spreads beyond the kept extremes (> 0.5 or < 0.3) are asked for.
  assert.deepEqual(ex.select([0.4, 0.95, 0.05, NaN].map((std, i) => ({ std, index: 10 + i }))).map((r) => r.index), [11, 12]);
});

test('probabilities to bytes: p · 255 rounded, clamped, base64', () => {
  assert.deepEqual([...Buffer.from(probabilityBytes([0, 1, 0.5, 1.2, -0.1, 0.002]), 'base64')], [0, 255, 128, 255, 0, 1]);
});
