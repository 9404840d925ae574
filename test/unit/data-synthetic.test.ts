import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blobs, generateSynthetic, moons, shapes, spirals, SYNTHETIC_DATASETS, type SyntheticData } from '../../src/engine/data/synthetic';

const bytes = (d: SyntheticData) => Buffer.concat([Buffer.from(d.x.buffer, d.x.byteOffset, d.x.byteLength), Buffer.from(d.y.buffer, d.y.byteOffset, d.y.byteLength)]);

function counts(y: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of y) c[v]++;
  return c;
}

for (const name of SYNTHETIC_DATASETS) {
  test(`${name}: the same seed gives the same bytes, another seed other bytes`, async () => {
    const samples = name === 'shapes' ? 300 : 1000;
    const a = await generateSynthetic(name, { seed: 11, samples });
    const b = await generateSynthetic(name, { seed: 11, samples });
    const c = await generateSynthetic(name, { seed: 12, samples });
    assert.equal(bytes(a).equals(bytes(b)), true);
    assert.equal(bytes(a).equals(bytes(c)), false);
    assert.equal(a.x.length, samples * a.inputShape.reduce((p, q) => p * q, 1));
    assert.ok(a.x.every((v) => Number.isFinite(v)));
  });
}

test('classes are balanced to within one example, in a shuffled order', async () => {
  assert.deepEqual(counts(spirals({ seed: 1, samples: 1001 }).y, 2), [501, 500]);
  assert.deepEqual(counts(moons({ seed: 1, samples: 3000 }).y, 2), [1500, 1500]);
  assert.deepEqual(counts((await blobs({ seed: 1, samples: 1000, numClasses: 4 })).y, 4), [250, 250, 250, 250]);
  const s = await shapes({ seed: 1, samples: 1003 });
  assert.deepEqual(counts(s.y, 10), [101, 101, 101, 100, 100, 100, 100, 100, 100, 100]);
  // Shuffled: not 0, 1, 2, ... in order (the first 20 labels are not i mod 10).
  assert.notDeepEqual(Array.from(s.y.subarray(0, 20)), Array.from({ length: 20 }, (_, i) => i % 10));
});

test('moons without noise lie on their two unit half circles', async () => {
  const d = moons({ seed: 5, samples: 500, noise: 0 });
  for (let i = 0; i < d.n; i++) {
    // Undo the centring shift (0.5, 0.25); upper moon: centre (0, 0), y ≥ 0; lower: centre (1, 0.5), y ≤ 0.5.
    const x = d.x[2 * i] + 0.5;
    const y = d.x[2 * i + 1] + 0.25;
    const [cx, cy] = d.y[i] === 0 ? [0, 0] : [1, 0.5];
    assert.ok(Math.abs(Math.hypot(x - cx, y - cy) - 1) < 1e-6, `point ${i} off its circle`);
    assert.ok(d.y[i] === 0 ? y >= -1e-6 : y <= 0.5 + 1e-6);
  }
});

test('spirals without noise: arm c at radius r has angle 2πc/k + 3πr', async () => {
  const k = 3;
  const d = spirals({ seed: 2, samples: 600, noise: 0, numClasses: k });
  for (let i = 0; i < d.n; i++) {
    const x = d.x[2 * i];
    const y = d.x[2 * i + 1];
    const r = Math.hypot(x, y);
    if (r < 1e-3) continue;
    const want = (2 * Math.PI * d.y[i]) / k + 3 * Math.PI * r;
    const diff = Math.atan2(Math.sin(Math.atan2(y, x) - want), Math.cos(Math.atan2(y, x) - want));
    assert.ok(Math.abs(diff) < 1e-4, `point ${i}: angle off by ${diff}`);
  }
});

test('blobs: each cluster has the requested spread and the centres are apart', async () => {
  const f = 3;
  const d = await blobs({ seed: 9, samples: 6000, numClasses: 3, features: f, noise: 0.5 });
  assert.deepEqual(d.inputShape, [3]);
  const means: number[][] = [];
  for (let c = 0; c < 3; c++) {
    const rows = Array.from(d.y.keys()).filter((i) => d.y[i] === c);
    const m = Array.from({ length: f }, (_, j) => rows.reduce((s, i) => s + d.x[i * f + j], 0) / rows.length);
    for (let j = 0; j < f; j++) {
      const sd = Math.sqrt(rows.reduce((s, i) => s + (d.x[i * f + j] - m[j]) ** 2, 0) / rows.length);
      // 2,000 draws: the sample std is within 5 % of 0.5 (its standard error is 0.5/√4000 ≈ 0.008).
      assert.ok(Math.abs(sd - 0.5) < 0.025, `class ${c} feature ${j}: std ${sd}`);
    }
    means.push(m);
  }
  for (let a = 0; a < 3; a++) for (let b = a + 1; b < 3; b++) assert.ok(Math.hypot(...means[a].map((v, j) => v - means[b][j])) > 3.9);
});

test('shapes: 28×28 whole-number pixels in 0..255, ten classes a nearest-centroid rule tells apart', async () => {
  const d = await shapes({ seed: 4, samples: 3000 });
  assert.deepEqual(d.inputShape, [28, 28]);
  assert.deepEqual(d.classNames, ['circle', 'square', 'triangle', 'cross', 'horizontal bar', 'vertical bar', 'ring', 'diagonal', 'X', 'dot grid']);
  assert.ok(d.x.every((v) => v >= 0 && v <= 255 && Number.isInteger(v)));
  let max = 0;
  for (const v of d.x) max = Math.max(max, v);
  assert.equal(max, 255);
  // Class means from the first 2,000 images, nearest mean on the last 1,000: far above chance (10 %).
  const D = 784;
  const mean = Array.from({ length: 10 }, () => new Float64Array(D));
  const n = new Array<number>(10).fill(0);
  for (let i = 0; i < 2000; i++) {
    n[d.y[i]]++;
    for (let j = 0; j < D; j++) mean[d.y[i]][j] += d.x[i * D + j];
  }
  mean.forEach((m, c) => m.forEach((_, j) => (m[j] /= n[c])));
  let right = 0;
  for (let i = 2000; i < 3000; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < 10; c++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += (d.x[i * D + j] - mean[c][j]) ** 2;
      if (s < bestD) [bestD, best] = [s, c];
    }
    if (best === d.y[i]) right++;
  }
  assert.ok(right / 1000 > 0.5, `nearest-centroid accuracy ${right / 1000}`);
});

test('shapes with fewer classes draws the first k shapes; more than 10 is an error that names the field', async () => {
  const d = await shapes({ seed: 1, samples: 100, numClasses: 3 });
  assert.deepEqual(d.classNames, ['circle', 'square', 'triangle']);
  assert.ok(d.y.every((v) => v < 3));
  await assert.rejects(() => shapes({ seed: 1, numClasses: 11 }), { message: 'dataset.num_classes: shapes has at most 10 classes, got 11', where: 'dataset.num_classes' });
  assert.throws(() => moons({ seed: 1, numClasses: 3 }), /dataset\.num_classes: moons has exactly 2 classes, got 3/);
});
