// Preparation semantics on the synthetic sets (the real sets: test/slow/data-real.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetError, generateSynthetic, loadDataset, standardize } from '../../src/engine/data';

const rowsEqual = (a: Float32Array, i: number, b: Float32Array, j: number, d: number) => a.subarray(i * d, (i + 1) * d).every((v, k) => v === b[j * d + k]);

test('synthetic splits: 70/15/15 by default, validation first, then test, then training, in generation order', async () => {
  const p = await loadDataset({ name: 'moons' }, { seed: 3 });
  assert.deepEqual([p.train.n, p.val.n, p.test.n], [2100, 450, 450]);
  assert.deepEqual(p.inputShape, [2]);
  assert.equal(p.numClasses, 2);
  assert.equal(p.binary, false);
  const g = await generateSynthetic('moons', { seed: 3 });
  // `scale` leaves points as generated.
  assert.ok(rowsEqual(p.val.x, 0, g.x, 0, 2) && rowsEqual(p.test.x, 0, g.x, 450, 2) && rowsEqual(p.train.x, 0, g.x, 900, 2));
  assert.deepEqual(Array.from(p.train.y.subarray(0, 50)), Array.from(g.y.subarray(900, 950)));
  assert.equal(p.train.x.length, 2100 * 2);
});

test('val_size and test_size override the split; train_size keeps the first N training examples', async () => {
  const full = await loadDataset({ name: 'blobs', samples: 1000, val_size: 100, test_size: 50 }, { seed: 8 });
  assert.deepEqual([full.train.n, full.val.n, full.test.n], [850, 100, 50]);
  const sub = await loadDataset({ name: 'blobs', samples: 1000, val_size: 100, test_size: 50, train_size: 40 }, { seed: 8 });
  assert.equal(sub.train.n, 40);
  assert.deepEqual(sub.train.x, full.train.x.subarray(0, 80));
  assert.deepEqual(sub.train.y, full.train.y.subarray(0, 40));
  await assert.rejects(loadDataset({ name: 'blobs', samples: 1000, val_size: 100, test_size: 50, train_size: 900 }, { seed: 8 }), {
    message: 'dataset.train_size: 900 training examples asked, only 850 are left after the validation split',
  });
  await assert.rejects(loadDataset({ name: 'blobs', samples: 100, val_size: 60, test_size: 40 }, { seed: 8 }), /dataset\.val_size: validation \(60\) and test \(40\) leave no training example out of 100/);
});

test('classes keeps those relabelled in the order given; exclude_classes keeps the rest in ascending order', async () => {
  const g = await generateSynthetic('blobs', { seed: 5, samples: 900, numClasses: 4 });
  const picked = await loadDataset({ name: 'blobs', samples: 900, num_classes: 4, classes: [3, 1] }, { seed: 5 });
  assert.equal(picked.numClasses, 2);
  assert.deepEqual(picked.classNames, ['blob 3', 'blob 1']);
  // The validation split is the first 135 generated examples, filtered: class 3 → 0, class 1 → 1.
  const want = Array.from(g.y.subarray(0, 135)).filter((c) => c === 3 || c === 1).map((c) => (c === 3 ? 0 : 1));
  assert.deepEqual(Array.from(picked.val.y), want);
  const excl = await loadDataset({ name: 'blobs', samples: 900, num_classes: 4, exclude_classes: [1] }, { seed: 5 });
  assert.deepEqual(excl.classNames, ['blob 0', 'blob 2', 'blob 3']);
  const wantEx = Array.from(g.y.subarray(0, 135)).filter((c) => c !== 1).map((c) => [0, -1, 1, 2][c]);
  assert.deepEqual(Array.from(excl.val.y), wantEx);
});

test('binary needs exactly two classes, and the second class given is 1', async () => {
  const b = await loadDataset({ name: 'shapes', samples: 400, classes: [6, 0], binary: true }, { seed: 2 });
  assert.equal(b.binary, true);
  assert.deepEqual(b.classNames, ['ring', 'circle']);
  assert.ok(b.train.y.every((v) => v === 0 || v === 1));
  assert.ok(b.train.y.some((v) => v === 1) && b.train.y.some((v) => v === 0));
  await assert.rejects(loadDataset({ name: 'blobs', binary: true }, { seed: 1 }), (e: unknown) => e instanceof DatasetError && e.where === 'dataset.binary' && /needs exactly two classes, blobs has 3 here/.test(e.message));
});

test('class filters name the faulty field', async () => {
  await assert.rejects(loadDataset({ name: 'moons', classes: [0, 2] }, { seed: 1 }), { message: 'dataset.classes[1]: class 2 does not exist in moons (classes 0..1)', where: 'dataset.classes[1]' });
  await assert.rejects(loadDataset({ name: 'blobs', classes: [1, 1] }, { seed: 1 }), { message: 'dataset.classes[1]: class 1 (blob 1) is listed twice' });
  await assert.rejects(loadDataset({ name: 'moons', exclude_classes: [0] }, { seed: 1 }), /dataset\.exclude_classes: only 1 class of moons would be left; keep at least 2/);
});

test('shapes scaled: pixels in [0, 1], exactly raw/255; `none` keeps 0..255', async () => {
  const s = await loadDataset({ name: 'shapes', samples: 600 }, { seed: 7 });
  const raw = await loadDataset({ name: 'shapes', samples: 600, preprocess: 'none' }, { seed: 7 });
  assert.deepEqual(s.inputShape, [28, 28]);
  let min = Infinity, max = -Infinity;
  for (const v of s.train.x) { min = Math.min(min, v); max = Math.max(max, v); }
  assert.equal(min, 0);
  assert.equal(max, 1);
  for (let i = 0; i < 5000; i += 37) assert.equal(s.train.x[i], Math.fround(raw.train.x[i] / 255));
  assert.ok(raw.train.x.some((v) => v > 1) && raw.train.x.every((v) => Number.isInteger(v)));
});

test('standardize: training features get mean 0 and std 1; validation and test use the training statistics', async () => {
  const raw = await loadDataset({ name: 'blobs', samples: 2000, features: 3, preprocess: 'none' }, { seed: 4 });
  const st = await loadDataset({ name: 'blobs', samples: 2000, features: 3, preprocess: 'standardize' }, { seed: 4 });
  const d = 3, n = raw.train.n;
  for (let j = 0; j < d; j++) {
    let m = 0, s2 = 0, zm = 0, z2 = 0;
    for (let i = 0; i < n; i++) { m += raw.train.x[i * d + j]; zm += st.train.x[i * d + j]; }
    m /= n; zm /= n;
    for (let i = 0; i < n; i++) { s2 += (raw.train.x[i * d + j] - m) ** 2; z2 += (st.train.x[i * d + j] - zm) ** 2; }
    const sd = Math.sqrt(s2 / n);
    assert.ok(Math.abs(zm) < 1e-6, `feature ${j}: mean ${zm}`);
    assert.ok(Math.abs(Math.sqrt(z2 / n) - 1) < 1e-6, `feature ${j}: std ${Math.sqrt(z2 / n)}`);
    // By hand for the first validation and test rows: (x − mean_train) / (std_train + 1e-7).
    assert.ok(Math.abs(st.val.x[j] - (raw.val.x[j] - m) / (sd + 1e-7)) < 1e-5);
    assert.ok(Math.abs(st.test.x[j] - (raw.test.x[j] - m) / (sd + 1e-7)) < 1e-5);
  }
});

test('a constant training feature is divided by 1, not by 1e-7, so that it cannot explode elsewhere', async () => {
  // Two features; the second is 0 in every training row but 0.5 in the test row.
  const train = { x: Float32Array.from([1, 0, 3, 0]), y: new Int32Array(2), n: 2 };
  const test = { x: Float32Array.from([2, 0.5]), y: new Int32Array(1), n: 1 };
  const { mean, std } = await standardize(train, [test], 2);
  assert.deepEqual(Array.from(mean), [2, 0]);
  assert.deepEqual(Array.from(std), [1, 0]);
  // Feature 0: (x − 2) / (1 + 1e-7); feature 1: (x − 0) / 1.
  assert.deepEqual(Array.from(train.x), [Math.fround(-1 / (1 + 1e-7)), 0, Math.fround(1 / (1 + 1e-7)), 0]);
  assert.deepEqual(Array.from(test.x), [0, 0.5]);
});

test('the spec seed overrides the training seed; the same seed gives the same prepared arrays', async () => {
  const a = await loadDataset({ name: 'spirals', samples: 500 }, { seed: 1 });
  const b = await loadDataset({ name: 'spirals', samples: 500, seed: 1 }, { seed: 99 });
  const c = await loadDataset({ name: 'spirals', samples: 500 }, { seed: 2 });
  assert.deepEqual(a.train.x, b.train.x);
  assert.notDeepEqual(a.train.x, c.train.x);
});

test('options that do not apply to a dataset are errors that name the field', async () => {
  await assert.rejects(loadDataset({ name: 'fashion-mnist', samples: 1000 }, { seed: 1, dataDir: '/nonexistent', fetch: async () => { throw new Error('no'); } }), {
    message: 'dataset.samples: fashion-mnist is a fixed dataset; `samples` is for the synthetic sets (to train on fewer examples, use `train_size`)',
    where: 'dataset.samples',
  });
  await assert.rejects(loadDataset({ name: 'moons', features: 3 }, { seed: 1 }), { message: 'dataset.features: `features` is for blobs; moons has a fixed input shape' });
});
