import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/engine/rng';

test('the same seed gives the same sequence, another seed another', () => {
  const a = new Rng(7), b = new Rng(7), c = new Rng(8);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c.next()));
});

test('normal draws have mean about 0 and variance about 1', () => {
  const r = new Rng(1);
  const n = 200_000;
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
  const mean = s / n, variance = s2 / n - mean * mean;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.01, `variance ${variance}`);
});

test('a permutation holds every index once', () => {
  const p = Array.from(new Rng(3).permutation(1000)).sort((x, y) => x - y);
  assert.deepEqual(p, Array.from({ length: 1000 }, (_, i) => i));
});
