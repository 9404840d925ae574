/** The engine on the real Fashion-MNIST (DEEP_LESSONS_DATA_DIR). */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { initBackend } from '../../src/engine/backend';
import { run, dataDir } from '../helpers/engine';

const root = join(__dirname, '..', '..');

before(async () => {
  await initBackend('wasm');
});

test('the 300-100 MLP learns Fashion-MNIST: validation accuracy far above chance after one short epoch', async () => {
  const c = await run(
    {
      dataset: { name: 'fashion-mnist', train_size: 10000, val_size: 5000, test_size: 2000 },
      model: {
        input_shape: [28, 28],
        layers: [
          { type: 'Flatten' },
          { type: 'Dense', units: 300, activation: 'relu', kernel_initializer: 'he_normal' },
          { type: 'Dense', units: 100, activation: 'relu', kernel_initializer: 'he_normal' },
          { type: 'Dense', units: 10, activation: 'softmax' },
        ],
      },
      training: { epochs: 1, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.01 } },
    },
    { dataDir: dataDir() },
  );
  assert.equal(c.error, undefined);
  assert.equal(c.start?.trainSize, 10000);
  assert.equal(c.start?.valSize, 5000);
  assert.ok(c.end!.final.val_accuracy! > 0.7, `val_accuracy ${c.end!.final.val_accuracy} (chance is 0.1)`);
  assert.ok(c.end!.test!.accuracy! > 0.7, `test accuracy ${c.end!.test!.accuracy}`);
});

function deep(activation: string, init: unknown) {
  const layers: unknown[] = [{ type: 'Flatten' }];
  for (let i = 0; i < 20; i++) layers.push({ type: 'Dense', units: 30, activation, kernel_initializer: init });
  layers.push({ type: 'Dense', units: 10, activation: 'softmax' });
  return {
    dataset: { name: 'fashion-mnist', train_size: 2000, val_size: 500, test_size: 500 },
    model: { input_shape: [28, 28], layers },
    training: { epochs: 1, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.01 } },
    record: { every: 5, activations: false },
  };
}

test('a deep sigmoid net with N(0, 1) weights: lower-layer gradients orders of magnitude below the top; He + ELU: not', async () => {
  const sig = await run(deep('sigmoid', { name: 'random_normal', stddev: 1 }), { dataDir: dataDir() });
  const elu = await run(deep('elu', 'he_normal'), { dataDir: dataDir() });
  const g = sig.epochs[0].gradNorms!;
  const h = elu.epochs[0].gradNorms!;
  assert.equal(g.length, 21);
  // Layer 1 against the last hidden layer (20) and against the output layer (21).
  const sigRatio = g[0] / g[19];
  const eluRatio = h[0] / h[19];
  assert.ok(sigRatio < 1e-2, `sigmoid N(0,1): layer 1 / layer 20 = ${sigRatio.toExponential(2)}`);
  assert.ok(g[0] / g[20] < 1e-3, `sigmoid N(0,1): layer 1 / output = ${(g[0] / g[20]).toExponential(2)}`);
  assert.ok(eluRatio > 0.1 && eluRatio < 10, `He + ELU: layer 1 / layer 20 = ${eluRatio.toExponential(2)}`);
});

test('`deep-lessons run` trains the batch-norm MLP on the real Fashion-MNIST and prints JSON lines', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', 'docs/examples/batch-norm-mlp.yaml', '--json', '--epochs', '1', '--backend', 'wasm', '--data-dir', dataDir()], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const start = lines.find((l) => l.type === 'start') as { backend: string; backendReason: string; summary: { totalParams: number; nonTrainableParams: number } };
  assert.equal(start.backend, 'wasm');
  assert.ok(start.backendReason.length > 0);
  assert.equal(start.summary.totalParams, 271_346);
  assert.equal(start.summary.nonTrainableParams, 2_368);
  const epochs = lines.filter((l) => l.type === 'epoch');
  assert.equal(epochs.length, 1);
  for (const k of ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'gradNorms']) assert.ok(k in epochs[0], `epoch line has ${k}`);
  const end = lines.find((l) => l.type === 'end') as { status: string; final: { val_accuracy: number }; test: { accuracy: number }; seconds: number; samples_per_second: number };
  assert.equal(end.status, 'completed');
  assert.ok(end.final.val_accuracy > 0.7, `val_accuracy ${end.final.val_accuracy}`);
  assert.ok(end.test.accuracy > 0.7);
  assert.ok(end.samples_per_second > 0 && end.seconds > 0);
  // The example's `expect` is checked against this run's own numbers.
  const expectations = lines.find((l) => l.type === 'expectations') as { results: { text: string; met: boolean }[] };
  assert.equal(expectations.results[0].text, 'val_accuracy >= 0.8');
  assert.equal(expectations.results[0].met, end.final.val_accuracy >= 0.8);
});

test('a missing dataset folder fails with a message that says what to do', async () => {
  const c = await run({ dataset: { name: 'mnist' }, model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }] } }, { dataDir: '/nonexistent/folder', cacheDir: '/nonexistent/cache' });
  assert.match(c.error ?? '', /DEEP_LESSONS_DATA_DIR|dataset folder|synthetic/i);
});
