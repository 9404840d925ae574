import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSpec } from '../../src/engine/spec';

const spec = {
  dataset: { name: 'fashion-mnist', train_size: 5000, val_size: 1000 },
  model: { reuse: { from: 'a', freeze_epochs: 4, unfreeze_learning_rate: 0.001 }, layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
  training: { epochs: 3, optimizer: { name: 'sgd', learning_rate: 0.01 } },
  full: { dataset: { train_size: 55000, val_size: 5000 }, model: { reuse: { unfreeze_learning_rate: 0.0001 } }, training: { epochs: 20 } },
};

test('the default setting ignores `full`; `full` deep-merges over it', () => {
  const quick = resolveSpec(spec);
  assert.equal(quick.dataset.train_size, 5000);
  assert.equal(quick.training.epochs, 3);
  assert.equal(quick.model.reuse?.unfreeze_learning_rate, 0.001);
  const full = resolveSpec(spec, { full: true });
  assert.equal(full.dataset.train_size, 55000);
  assert.equal(full.dataset.val_size, 5000);
  assert.equal(full.training.epochs, 20);
  assert.equal(full.training.optimizer.learning_rate, 0.01, 'what full does not name stays');
  assert.deepEqual(full.model.reuse, { from: 'a', freeze_epochs: 4, unfreeze_learning_rate: 0.0001 });
  assert.equal(full.model.layers.length, 1);
});

test('epochs and seed overrides win over both; defaults are applied', () => {
  const s = resolveSpec(spec, { full: true, epochs: 2, seed: 9 });
  assert.equal(s.training.epochs, 2);
  assert.equal(s.training.seed, 9);
  assert.equal(s.training.batch_size, 32);
  assert.equal(s.record.every, 10);
  assert.equal(s.evaluate.test, true);
});

test('an invalid result names the field', () => {
  assert.throws(() => resolveSpec({ ...spec, full: { training: { epochs: -1 } } }, { full: true }), /^Error: training\.epochs: /);
});
