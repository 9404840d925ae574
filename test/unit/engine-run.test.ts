import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { ModelStore, runExperiment } from '../../src/engine';
import { run, blobs } from '../helpers/engine';

before(async () => {
  await initBackend('wasm');
});

const mlp = (extra: Record<string, unknown> = {}) => ({
  dataset: blobs(),
  model: {
    layers: [
      { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
      { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ],
  },
  training: { epochs: 3, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.05 } },
  record: { every: 5 },
  ...extra,
});

test('a run streams start, epochs and an end, and learns the blobs', async () => {
  const c = await run(mlp());
  assert.equal(c.error, undefined);
  assert.equal(c.start?.backend, 'wasm');
  assert.deepEqual(c.start?.instrumentedLayers, ['dense', 'dense_1', 'dense_2']);
  assert.equal(c.epochs.length, 3);
  assert.equal(c.end?.status, 'completed');
  assert.ok(c.epochs[2].loss < c.epochs[0].loss, 'the loss falls');
  assert.ok((c.end?.final.val_accuracy ?? 0) > 0.9, `val_accuracy ${c.end?.final.val_accuracy}`);
  assert.equal(c.epochs[0].gradNorms?.length, 3);
  assert.equal(c.epochs[0].activations?.length, 3);
  assert.ok(c.end!.test!.accuracy! > 0.9);
});

test('the same seed gives the same numbers; another seed other numbers', async () => {
  const a = await run(mlp());
  const b = await run(mlp());
  const c = await run(mlp({ training: { epochs: 3, batch_size: 32, seed: 7, optimizer: { name: 'sgd', learning_rate: 0.05 } } }));
  assert.deepEqual(a.epochs.map((e) => e.loss), b.epochs.map((e) => e.loss));
  assert.deepEqual(a.epochs.map((e) => e.gradNorms), b.epochs.map((e) => e.gradNorms));
  assert.notDeepEqual(a.epochs.map((e) => e.loss), c.epochs.map((e) => e.loss));
});

test('no tensor leak: the tensor count after epoch 1 equals the count after epoch 10', async () => {
  const counts: number[] = [];
  await run(mlp({ training: { epochs: 10, batch_size: 32, optimizer: { name: 'adam', learning_rate: 0.01 } }, dataset: blobs({ samples: 400 }) }), {}, { onEvent: (e) => e.type === 'epoch' && counts.push(tf.memory().numTensors) });
  assert.equal(counts.length, 10);
  assert.equal(counts[9], counts[0], `tensor counts by epoch: ${counts.join(' ')}`);
});

test('frozen layers stay unchanged; the source model is untouched; unfreezing lets them learn', async () => {
  const store = new ModelStore();
  const source = mlp({ training: { epochs: 2, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.05 } } });
  await run(source, {}, { experiment: 'l/a', store });
  const srcModel = store.get('l/a')!;
  const srcWeights = srcModel.allVariables().map((v) => Array.from(v.dataSync()));
  const target = (freeze: number, epochs: number) => ({
    dataset: blobs({ seed: 3 }),
    model: { reuse: { from: 'a', freeze_epochs: freeze, unfreeze_learning_rate: 0.01 }, layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] },
    training: { epochs, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.05 } },
  });
  const frozen = await run(target(2, 2), {}, { experiment: 'l/b', store, dependencies: { 'l/a': source } });
  assert.equal(frozen.error, undefined);
  assert.deepEqual(frozen.epochs[0].frozen, ['dense', 'dense_1']);
  assert.deepEqual(frozen.start?.summary.layers.map((l) => Boolean(l.reused)), [true, true, false]);
  // Frozen layers count as non-trainable, as Keras counts them: 8·16+16 and 16·16+16 of them.
  assert.equal(frozen.start?.summary.nonTrainableParams, 144 + 272);
  assert.equal(frozen.start?.summary.trainableParams, 16 * 3 + 3);
  const b = store.get('l/b')!;
  // The reused layers after 2 frozen epochs are the source's weights, exactly.
  const reused = b.layers.slice(0, 2).flatMap((l) => l.params.map((p) => Array.from(p.variable.dataSync())));
  assert.deepEqual(reused, srcWeights.slice(0, 4));
  // The new output layer did learn.
  assert.ok(frozen.epochs[1].loss < frozen.epochs[0].loss);

  const unfrozen = await run(target(1, 3), {}, { experiment: 'l/c', store, dependencies: { 'l/a': source } });
  assert.equal(unfrozen.epochs[1].frozen, undefined, 'unfrozen after epoch 1');
  assert.equal(unfrozen.epochs[1].lr, 0.01, 'at the lower learning rate');
  const c = store.get('l/c')!;
  const changed = Array.from(c.layers[0].params[0].variable.dataSync());
  assert.notDeepEqual(changed, srcWeights[0], 'the reused layer learned once unfrozen');
  // And the source model never moved.
  assert.deepEqual(srcModel.allVariables().map((v) => Array.from(v.dataSync())), srcWeights);
  store.clear();
});

test('reuse trains its source first when it has not been run', async () => {
  const store = new ModelStore();
  const c = await run(
    { dataset: blobs(), model: { reuse: { from: 'a' }, layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] }, training: { epochs: 1 } },
    {},
    { experiment: 'l/b', store, dependencies: { 'l/a': mlp() } },
  );
  assert.equal(c.error, undefined);
  assert.ok(c.events.some((e) => e.type === 'log' && /training "l\/a" first/.test(e.message)));
  assert.ok(store.get('l/a'));
  store.clear();
});

test('MC dropout: the spread across passes is > 0 with dropout and exactly 0 without', async () => {
  const withDropout = await run(
    mlp({
      model: { layers: [{ type: 'Dense', units: 32, activation: 'relu' }, { type: 'Dropout', rate: 0.3 }, { type: 'Dense', units: 3, activation: 'softmax' }] },
      evaluate: { mc_dropout: { samples: 20 } },
    }),
  );
  const mc = withDropout.end!.mcDropout!;
  assert.ok(mc.meanStd > 0.001, `mean std ${mc.meanStd}`);
  assert.equal(mc.samples, 20);
  assert.ok(mc.accuracy > 0.8);
  // Per image: bounded (32 least and 32 most certain of the test points), least certain first.
  assert.equal(mc.tested, withDropout.start!.testSize);
  assert.ok(mc.tested > 64);
  assert.equal(mc.images.length, 64);
  assert.equal(new Set(mc.images.map((i) => i.index)).size, 64);
  for (let i = 1; i < 64; i++) assert.ok(mc.images[i - 1].predictiveStd >= mc.images[i].predictiveStd);
  assert.ok(mc.images[0].predictiveStd >= mc.meanStd && mc.images[63].predictiveStd <= mc.meanStd);
  for (const im of mc.images) {
    assert.equal(im.mean.length, 3);
    assert.ok(Math.abs(im.mean.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'mean probabilities sum to 1');
    assert.ok(Math.abs(im.deterministic.reduce((a, b) => a + b, 0) - 1) < 1e-4, 'the dropout-off prediction sums to 1');
    assert.equal(im.pixels, undefined, 'points have no image');
    // The kept passes (all 20 here), recomputed in float64 from their bytes: the same mean and spread.
    assert.equal(im.passesKept, 20);
    const bytes = Buffer.from(im.passes, 'base64');
    assert.equal(bytes.length, 20 * 3);
    const arg = im.mean.indexOf(Math.max(...im.mean));
    const p = Array.from({ length: 20 }, (_, s) => bytes[s * 3 + arg] / 255);
    const m = p.reduce((a, b) => a + b, 0) / 20;
    const sd = Math.sqrt(p.reduce((a, b) => a + (b - m) ** 2, 0) / 20);
    assert.ok(Math.abs(m - im.mean[arg]) < 1 / 255, `mean ${m} vs ${im.mean[arg]}`);
    assert.ok(Math.abs(sd - im.predictiveStd) < 1 / 255, `std ${sd} vs ${im.predictiveStd}`);
  }
  const without = await run(mlp({ evaluate: { mc_dropout: { samples: 20 } } }));
  // Every pass is the same prediction: the spread is 0 up to float32 rounding of the mean.
  assert.ok(without.end!.mcDropout!.meanStd < 1e-6, `mean std ${without.end!.mcDropout!.meanStd}`);
  assert.ok(mc.meanStd > 1000 * without.end!.mcDropout!.meanStd);
  assert.equal(without.end!.mcDropout!.accuracy, without.end!.test!.accuracy);
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  // A tiny training set and a high rate: validation loss soon stops improving.
  const c = await run({
    dataset: blobs({ samples: 300, noise: 3 }),
    model: { layers: [{ type: 'Dense', units: 64, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }] },
    training: { epochs: 40, batch_size: 8, optimizer: { name: 'adam', learning_rate: 0.05 }, early_stopping: { patience: 2 } },
  });
  assert.equal(c.end?.status, 'early_stopped');
  const vals = c.epochs.map((e) => e.val_loss!);
  const best = Math.min(...vals);
  assert.ok(c.epochs.length < 40);
  assert.equal(c.end!.restoredEpoch, vals.indexOf(best));
  assert.ok(Math.abs(c.end!.final.val_loss! - best) < 1e-4, `restored val_loss ${c.end!.final.val_loss} vs best ${best}`);
});

test('clipnorm keeps a net that explodes without it finite', async () => {
  const spec = (clip: Record<string, unknown>) => ({
    dataset: blobs({ features: 8, samples: 600 }),
    model: { layers: [{ type: 'Dense', units: 64, activation: 'relu', kernel_initializer: { name: 'random_normal', stddev: 2 } }, { type: 'Dense', units: 64, activation: 'relu', kernel_initializer: { name: 'random_normal', stddev: 2 } }, { type: 'Dense', units: 3, activation: 'softmax' }] },
    training: { epochs: 2, optimizer: { name: 'sgd', learning_rate: 0.5 }, ...clip },
  });
  const wild = await run(spec({}));
  const tame = await run(spec({ clipnorm: 1 }));
  assert.ok(!Number.isFinite(wild.epochs.at(-1)!.loss) || wild.epochs.at(-1)!.loss > 10 * tame.epochs.at(-1)!.loss, `without clipping: ${wild.epochs.map((e) => e.loss)}`);
  assert.ok(Number.isFinite(tame.epochs.at(-1)!.loss));
});

test('the LR finder sweeps the rate exponentially, suggests one, and restores the weights', async () => {
  const c = await run(mlp({ training: { batch_size: 16, optimizer: { name: 'sgd', learning_rate: 0.01 }, lr_finder: { min_lr: 1e-4, max_lr: 10 } } }));
  assert.equal(c.start?.mode, 'lr_finder');
  const f = c.end!.lrFinder!;
  assert.ok(f.lrs.length > 5);
  assert.ok(Math.abs(f.lrs[0] - 1e-4) < 1e-9);
  for (let i = 1; i < f.lrs.length; i++) assert.ok(f.lrs[i] > f.lrs[i - 1]);
  assert.ok(f.suggestedLr > 1e-5 && f.suggestedLr < 10, `suggested ${f.suggestedLr}`);
  assert.ok(Math.abs(f.suggestedLr * 10 - f.bestLr) < 1e-12);
  assert.deepEqual(f.suggestions.map((s) => s.kind).filter((k) => k === 'minimum'), ['minimum']);
  assert.equal(f.suggestions.find((s) => s.kind === 'minimum')!.lr, f.suggestedLr);
  for (const s of f.suggestions) {
    assert.ok(s.lr >= f.lrs[0] / 10 && s.lr <= f.lrs.at(-1)!, `${s.kind} ${s.lr} inside the swept range`);
    assert.ok(s.reason.length > 20 && !s.reason.includes('\n'), `${s.kind}: one line of reason`);
  }
});

test('stop ends the run between two batches as cancelled', async () => {
  const abort = new AbortController();
  let batches = 0;
  const c = await run(mlp({ training: { epochs: 50, batch_size: 4 }, record: { every: 1 } }), {}, {
    signal: abort.signal,
    onEvent: (e) => {
      if (e.type === 'batch' && ++batches === 30) abort.abort();
    },
  });
  assert.equal(c.end?.status, 'cancelled');
  assert.ok(batches <= 31, `${batches} batches reported`);
});

test('a bad spec becomes an error that names the field', async () => {
  const c = await run(mlp({ model: { layers: [{ type: 'Dense', units: 16 }, { type: 'Dense', units: 4, activation: 'softmax' }] } }));
  assert.match(c.error ?? '', /^model\.layers\[1\]\.units: the output layer has 4 units but the dataset has 3 classes/);
  const d = await run({ ...mlp(), training: { epochs: 0 } });
  assert.match(d.error ?? '', /^training\.epochs: /);
});

test('an autoencoder learns to reconstruct unlabeled images, and its encoder is reused under a classifier', async () => {
  const store = new ModelStore();
  const shapes = { name: 'shapes', samples: 1500 };
  const ae = {
    dataset: shapes,
    model: { input_shape: [28, 28], layers: [{ type: 'Flatten' }, { type: 'Dense', units: 32, activation: 'selu', kernel_initializer: 'lecun_normal' }, { type: 'Dense', units: 784, activation: 'sigmoid' }] },
    training: { epochs: 4, autoencoder: true, optimizer: { name: 'adam', learning_rate: 0.003 } },
  };
  const a = await run(ae, {}, { experiment: 'p/ae', store });
  assert.equal(a.error, undefined);
  assert.equal(a.epochs[0].accuracy, undefined, 'no accuracy for reconstruction');
  assert.ok(a.epochs[3].val_loss! < 0.8 * a.epochs[0].val_loss!, `reconstruction error ${a.epochs.map((e) => e.val_loss)}`);
  const clf = await run(
    {
      dataset: { ...shapes, train_size: 200 },
      model: { reuse: { from: 'ae', take_first: 2, freeze_epochs: 3 }, layers: [{ type: 'Dense', units: 10, activation: 'softmax' }] },
      training: { epochs: 3, optimizer: { name: 'adam', learning_rate: 0.01 } },
    },
    {},
    { experiment: 'p/clf', store, dependencies: { 'p/ae': ae } },
  );
  assert.equal(clf.error, undefined);
  assert.deepEqual(clf.start!.summary.layers.map((l) => [l.name, l.params, Boolean(l.reused)]), [
    ['flatten', 0, true],
    ['dense', 784 * 32 + 32, true],
    ['dense_1', 330, false],
  ]);
  assert.ok(clf.end!.final.val_accuracy! > 0.3, `a classifier on the frozen encoder, 200 labels: ${clf.end!.final.val_accuracy}`);
  store.clear();
});

test('prepareOnly resolves the dataset and trains nothing', async () => {
  const events: string[] = [];
  let status = '';
  await runExperiment(
    { type: 'run', runId: 'p', experiment: 'datasets/blobs', prepareOnly: true, spec: mlp() as never, options: { backend: 'wasm' } },
    (e) => {
      events.push(e.type);
      if (e.type === 'end') status = `${e.status} ${e.epochsRun}`;
    },
    new AbortController().signal,
    new ModelStore(),
  );
  assert.deepEqual(events, ['end']);
  assert.equal(status, 'completed 0');
});

test('with a model folder, a reuse source survives a restart (a new store) and is not trained again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-models-'));
  try {
    const source = mlp();
    const first = new ModelStore();
    await run(source, { modelDir: dir }, { experiment: 'l/a', store: first });
    const weights = first.get('l/a')!.allVariables().map((v) => Array.from(v.dataSync()));
    first.clear();
    const target = { dataset: blobs(), model: { reuse: { from: 'a', freeze_epochs: 1 }, layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] }, training: { epochs: 1 } };
    const second = new ModelStore();
    const c = await run(target, { modelDir: dir }, { experiment: 'l/b', store: second, dependencies: { 'l/a': source } });
    assert.equal(c.error, undefined);
    assert.ok(!c.events.some((e) => e.type === 'log' && /first/.test(e.message)), 'the source was read from disk, not trained');
    assert.deepEqual(second.get('l/a')!.allVariables().map((v) => Array.from(v.dataSync())), weights, 'the saved weights, exactly');
    // A changed source experiment is trained again.
    const changed = { ...source, training: { ...source.training, epochs: 1 } };
    const third = await run(target, { modelDir: dir }, { experiment: 'l/b', store: new ModelStore(), dependencies: { 'l/a': changed } });
    assert.ok(third.events.some((e) => e.type === 'log' && /training "l\/a" first/.test(e.message)));
    second.clear();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MC dropout with 100 passes over 1,000 test images of a wide net keeps only each pass\'s probabilities', async () => {
  // Keeping every pass's hidden activations (1,000 × 2,000 floats, several tensors each) for 100
  // passes needs gigabytes: the wasm heap aborts. Each pass is scoped, so this finishes.
  const c = await run({
    dataset: blobs({ samples: 1600, test_size: 1000, val_size: 100 }),
    model: { layers: [{ type: 'Dense', units: 2000, activation: 'relu' }, { type: 'Dropout', rate: 0.5 }, { type: 'Dense', units: 3, activation: 'softmax' }] },
    training: { epochs: 1 },
    evaluate: { mc_dropout: { samples: 100 } },
  });
  assert.equal(c.error, undefined);
  assert.equal(c.end!.mcDropout!.samples, 100);
  assert.ok(c.end!.mcDropout!.meanStd > 0);
});
