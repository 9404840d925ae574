// The real Fashion-MNIST from DEEP_LESSONS_DATA_DIR: sizes, label counts, the book's split,
// preprocessing and the book's tasks A and B. Fails (does not skip) when the folder is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearDatasetMemo, loadDataset, loadRealDataset, type FetchFn, type LoadOptions } from '../../src/engine/data';

const DATA_DIR = process.env.DEEP_LESSONS_DATA_DIR;
const noNetwork: FetchFn = async (url) => {
  throw new Error(`the tests never download (asked for ${url}): DEEP_LESSONS_DATA_DIR must hold the files`);
};

let shared: LoadOptions | undefined;
/** One set of options for every test (same folders, so the decoded dataset is memoised across tests). */
function opts(): LoadOptions {
  if (shared) return shared;
  assert.ok(DATA_DIR, 'DEEP_LESSONS_DATA_DIR is not set: it must point at the real datasets folder (scripts/run-tests.mjs sets it, downloading them once into .cache/datasets)');
  assert.ok(existsSync(join(DATA_DIR, 'fashion-mnist', 'train-images-idx3-ubyte.gz')), `${DATA_DIR}/fashion-mnist/train-images-idx3-ubyte.gz is missing: DEEP_LESSONS_DATA_DIR must hold the official IDX files`);
  shared = { seed: 42, dataDir: DATA_DIR, cacheDir: mkdtempSync(join(tmpdir(), 'dl-slow-cache-')), fetch: noNetwork };
  return shared;
}

const labelCounts = (y: ArrayLike<number>, k: number) => {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]]++;
  return c;
};

test('Fashion-MNIST decodes to 60,000 / 10,000 images of 28×28 with 6,000 / 1,000 labels per class; then it is memoised', async () => {
  const o = opts();
  clearDatasetMemo();
  const t0 = performance.now();
  const raw = await loadRealDataset('fashion-mnist', o);
  const ms = performance.now() - t0;
  console.log(`decoding the full Fashion-MNIST (read, SHA-256, gunzip, IDX checks): ${ms.toFixed(0)} ms`);
  assert.equal(raw.trainLabels.length, 60000);
  assert.equal(raw.testLabels.length, 10000);
  assert.equal(raw.trainImages.length, 60000 * 28 * 28);
  assert.equal(raw.testImages.length, 10000 * 28 * 28);
  assert.deepEqual([raw.rows, raw.cols], [28, 28]);
  assert.deepEqual(labelCounts(raw.trainLabels, 10), new Array(10).fill(6000));
  assert.deepEqual(labelCounts(raw.testLabels, 10), new Array(10).fill(1000));
  assert.equal(raw.sources.trainImages.from, 'local');
  // The book's first training label: y_train_full[0] is 9 (ankle boot); the first test label is 9 too.
  assert.equal(raw.trainLabels[0], 9);
  assert.equal(raw.testLabels[0], 9);
  const t1 = performance.now();
  const again = await loadRealDataset('fashion-mnist', o);
  assert.equal(again, raw, 'the second load is the memoised one');
  assert.ok(performance.now() - t1 < 50);
});

test("the book's split: 55,000 training and the first 5,000 as validation, pixels scaled into [0, 1]", async () => {
  const o = opts();
  const raw = await loadRealDataset('fashion-mnist', o);
  const t0 = performance.now();
  const p = await loadDataset({ name: 'fashion-mnist' }, o);
  console.log(`preparing the scaled split: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.deepEqual([p.train.n, p.val.n, p.test.n], [55000, 5000, 10000]);
  assert.deepEqual(p.inputShape, [28, 28]);
  assert.equal(p.numClasses, 10);
  assert.deepEqual(p.classNames, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
  assert.equal(p.train.x.length, 55000 * 784);
  // Validation = file rows 0..4999, training = rows 5000..; x = byte / 255.
  assert.deepEqual(Array.from(p.val.y.subarray(0, 10)), Array.from(raw.trainLabels.subarray(0, 10)));
  assert.deepEqual(Array.from(p.train.y.subarray(0, 10)), Array.from(raw.trainLabels.subarray(5000, 5010)));
  for (let j = 0; j < 784; j += 13) {
    assert.equal(p.val.x[j], Math.fround(raw.trainImages[j] / 255));
    assert.equal(p.train.x[j], Math.fround(raw.trainImages[5000 * 784 + j] / 255));
  }
  let min = Infinity, max = -Infinity;
  for (const v of p.train.x) { if (v < min) min = v; if (v > max) max = v; }
  assert.deepEqual([min, max], [0, 1]);
});

test('standardized: training features have mean ≈ 0 and std ≈ 1 (every pixel varies over 55,000 images)', async () => {
  const p = await loadDataset({ name: 'fashion-mnist', preprocess: 'standardize' }, opts());
  const D = 784, n = p.train.n;
  const mean = new Float64Array(D), sq = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mean[j] += p.train.x[i * D + j];
  for (let j = 0; j < D; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) sq[j] += (p.train.x[i * D + j] - mean[j]) ** 2;
  let worstMean = 0, worstStd = 0;
  for (let j = 0; j < D; j++) {
    worstMean = Math.max(worstMean, Math.abs(mean[j]));
    worstStd = Math.max(worstStd, Math.abs(Math.sqrt(sq[j] / n) - 1));
  }
  console.log(`standardized training pixels: max |mean| ${worstMean.toExponential(2)}, max |std − 1| ${worstStd.toExponential(2)}`);
  assert.ok(worstMean < 1e-4, `max |mean| ${worstMean}`);
  assert.ok(worstStd < 1e-3, `max |std − 1| ${worstStd}`);
  // Validation is standardized with the training statistics, so its mean is near 0 but not exactly.
  let vm = 0;
  for (const v of p.val.x) vm += v;
  assert.ok(Math.abs(vm / p.val.x.length) < 0.05);
});

test('task A: excluding sandal (5) and shirt (6) leaves 8 classes relabelled 0..7, none of them 5 or 6 originally', async () => {
  const o = opts();
  const raw = await loadRealDataset('fashion-mnist', o);
  const a = await loadDataset({ name: 'fashion-mnist', exclude_classes: [5, 6] }, o);
  assert.equal(a.numClasses, 8);
  assert.deepEqual(a.classNames, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sneaker', 'Bag', 'Ankle boot']);
  // 4,800 of each class in 0..7 originally: 48,000 in the file, split before the filter as the book does.
  assert.equal(a.train.n + a.val.n, 48000);
  assert.equal(a.test.n, 8000);
  assert.deepEqual(labelCounts(a.test.y, 8), new Array(8).fill(1000));
  assert.ok(a.train.y.every((v) => v >= 0 && v < 8));
  const orig = Array.from(raw.trainLabels.subarray(5000)).filter((c) => c !== 5 && c !== 6);
  assert.equal(orig.length, a.train.n);
  assert.deepEqual(Array.from(a.train.y.subarray(0, 200)), orig.slice(0, 200).map((c) => (c > 6 ? c - 2 : c)));
});

test('task B: sandal vs shirt, the first 200 training examples, shirt is 1', async () => {
  const o = opts();
  const raw = await loadRealDataset('fashion-mnist', o);
  const b = await loadDataset({ name: 'fashion-mnist', classes: [5, 6], binary: true, train_size: 200 }, o);
  assert.equal(b.binary, true);
  assert.equal(b.train.n, 200);
  assert.equal(b.train.x.length, 200 * 784);
  assert.deepEqual(b.classNames, ['Sandal', 'Shirt']);
  assert.ok(b.train.y.every((v) => v === 0 || v === 1));
  const orig = Array.from(raw.trainLabels.subarray(5000)).filter((c) => c === 5 || c === 6).slice(0, 200);
  assert.deepEqual(Array.from(b.train.y), orig.map((c) => (c === 6 ? 1 : 0)));
  assert.equal(b.test.n, 2000);
  assert.deepEqual(labelCounts(b.test.y, 2), [1000, 1000]);
});

test('test_size takes a seeded subset of the test set: same seed, same subset', async () => {
  const o = opts();
  const a = await loadDataset({ name: 'fashion-mnist', test_size: 1000, train_size: 10 }, o);
  const b = await loadDataset({ name: 'fashion-mnist', test_size: 1000, train_size: 10 }, o);
  const c = await loadDataset({ name: 'fashion-mnist', test_size: 1000, train_size: 10 }, { ...o, seed: 7 });
  assert.equal(a.test.n, 1000);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.test.y, c.test.y);
  const counts = labelCounts(a.test.y, 10);
  assert.ok(counts.every((k) => k > 60 && k < 140), `a random 10 % has about 100 per class: ${counts}`);
});

test('an image read back from its preprocessed row is the IDX file’s own grey levels (scale, standardize, none)', async () => {
  const { gunzipSync } = await import('node:zlib');
  const { readFileSync } = await import('node:fs');
  // The test file, decoded here independently of the loader: 16 header bytes, then 28×28 bytes per image.
  const raw = gunzipSync(readFileSync(join(DATA_DIR!, 'fashion-mnist', 't10k-images-idx3-ubyte.gz')));
  for (const preprocess of ['scale', 'standardize', 'none'] as const) {
    const p = await loadDataset({ name: 'fashion-mnist', preprocess, train_size: 2000 }, opts());
    assert.ok(p.pixels, `${preprocess}: image datasets can be read back`);
    let worst = 0;
    for (const i of [0, 1, 17, 4242, 9999]) {
      const img = p.pixels(p.test.x, i);
      assert.equal(img.length, 784);
      for (let j = 0; j < 784; j++) worst = Math.max(worst, Math.abs(img[j] - raw[16 + i * 784 + j]));
    }
    assert.ok(worst <= (preprocess === 'standardize' ? 1 : 0), `${preprocess}: worst grey-level difference ${worst}`);
  }
  const moons = await loadDataset({ name: 'moons' }, opts());
  assert.equal(moons.pixels, undefined, 'points are not images');
});
