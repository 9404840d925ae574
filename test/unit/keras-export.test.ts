// "Export as Keras script": every built-in experiment (quick and full size) becomes a Python file
// that compiles (python3 -m py_compile), and whose layers, optimizer, rate, clipping, epochs, batch
// size and data split, read back out of the Python text, are the spec's. The spec compared with is
// the one a run trains on: the engine's resolveSpec (validated, `full` merged, defaults applied).
// One golden file: the book's batch-norm MLP (docs/examples/batch-norm-mlp.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInLessonsDir, loadLessons, parseExperimentFile } from '../../src/lessons';
import { kerasScript, modelFileName } from '../../src/lessons/keras';
import { resolveSpec } from '../../src/engine/spec';
import type { ExperimentSpec, LayerSpec } from '../../src/protocol/spec';

const root = join(__dirname, '..', '..');

/** The Keras layer calls inside `Sequential([...])`, as [class, argument text]. */
function layerCalls(py: string): [string, string][] {
  const block = /Sequential\((?:reused_layers \+ )?\[\n([\s\S]*?)\n\]\)/.exec(py);
  assert.ok(block, 'a Sequential([...]) model');
  return block[1]!.split('\n').map((l) => {
    const m = /^ {4}keras\.layers\.(\w+)\((.*)\),$/.exec(l);
    assert.ok(m, `a layer line: ${l}`);
    return [m[1]!, m[2]!];
  });
}

/** What the spec's layers must look like in Keras, worked out here from the spec alone. */
function expectedLayers(layers: LayerSpec[]): { cls: string; has: string[] }[] {
  const out: { cls: string; has: string[] }[] = [];
  for (const l of layers) {
    const act = l.type === 'Dense' || l.type === 'Activation' ? (typeof l.activation === 'string' ? { name: l.activation, alpha: undefined } : l.activation) : undefined;
    const separate = act && (act.name === 'leaky_relu' || act.name === 'prelu' || (act.name === 'elu' && act.alpha !== undefined && act.alpha !== 1));
    const sepLayer = act?.name === 'leaky_relu' ? 'LeakyReLU' : act?.name === 'prelu' ? 'PReLU' : 'ELU';
    if (l.type === 'Dense') {
      const has = [`${l.units}`];
      if (act && !separate && act.name !== 'linear') has.push(`activation="${act.name}"`);
      if (typeof l.kernel_initializer === 'string') has.push(`kernel_initializer="${l.kernel_initializer}"`);
      if (l.kernel_regularizer && 'l2' in l.kernel_regularizer && !('l1' in l.kernel_regularizer)) has.push(`keras.regularizers.l2(${l.kernel_regularizer.l2})`);
      if (l.kernel_constraint) has.push('keras.constraints.max_norm(');
      if (l.trainable === false) has.push('trainable=False');
      out.push({ cls: 'Dense', has });
      if (separate) out.push({ cls: sepLayer, has: act.alpha !== undefined ? [`alpha=${act.alpha}`] : [] });
    } else if (l.type === 'Activation') {
      out.push(separate ? { cls: sepLayer, has: [] } : { cls: 'Activation', has: [`"${act!.name}"`] });
    } else if (l.type === 'Dropout' || l.type === 'AlphaDropout') {
      out.push({ cls: l.type, has: [`rate=${l.rate}`] });
    } else if (l.type === 'BatchNormalization') {
      out.push({ cls: 'BatchNormalization', has: l.momentum !== undefined ? [`momentum=${l.momentum}`] : [] });
    } else {
      out.push({ cls: l.type, has: [] });
    }
  }
  return out;
}

const OPTIMIZERS: Record<string, string> = { sgd: 'SGD', momentum: 'SGD', nesterov: 'SGD', adagrad: 'Adagrad', rmsprop: 'RMSprop', adam: 'Adam', adamax: 'Adamax', nadam: 'Nadam' };

/** Checks the script against the (merged) spec; returns what it checked, for the failure messages. */
function checkAgainstSpec(py: string, s: ExperimentSpec, where: string): void {
  const calls = layerCalls(py);
  const expected = expectedLayers(s.model.layers);
  assert.deepEqual(calls.map((c) => c[0]), expected.map((e) => e.cls), `${where}: layer classes`);
  calls.forEach(([, args], i) => {
    for (const h of expected[i]!.has) assert.ok(args.includes(h), `${where}: layer ${i} (${calls[i]![0]}) has ${h}: ${args}`);
  });
  if (!s.model.reuse) assert.match(calls[0]![1], /input_shape=\[/, `${where}: the first layer gives the input shape`);
  const t = s.training;
  const opt = [...py.matchAll(/^optimizer = keras\.optimizers\.(\w+)\(learning_rate=([^,)]+)(.*)\)$/gm)];
  assert.ok(opt.length >= 1, `${where}: an optimizer`);
  assert.equal(opt[0]![1], OPTIMIZERS[t.optimizer.name], `${where}: optimizer class`);
  const perBatch = t.schedule && 'per' in t.schedule && t.schedule.per === 'batch' && !(t.schedule.name === 'power' && t.schedule.power !== 1);
  const lr = opt[0]![2]!;
  if (t.lr_finder) assert.equal(Number(lr), t.lr_finder.min_lr, `${where}: the finder starts at min_lr`);
  else if (perBatch) assert.equal(lr, 'lr_schedule', `${where}: a per-iteration schedule object`);
  else assert.equal(Number(lr), t.optimizer.learning_rate, `${where}: learning rate`);
  if (t.optimizer.name === 'nesterov') assert.match(opt[0]![3]!, /nesterov=True/);
  if (t.optimizer.name === 'momentum' || t.optimizer.name === 'nesterov') assert.match(opt[0]![3]!, new RegExp(`momentum=${t.optimizer.momentum ?? 0.9}\\b`));
  for (const k of ['clipvalue', 'clipnorm', 'global_clipnorm'] as const) {
    if (t[k] !== undefined) assert.match(opt[0]![3]!, new RegExp(`[ (,]${k}=${t[k]}\\.?\\b`), `${where}: ${k}`);
    else assert.ok(!opt[0]![3]!.includes(`${k}=`), `${where}: no ${k}`);
  }
  const fits = [...py.matchAll(/^history = model\.fit\((.*)\)$/gm)].map((m) => m[1]!);
  assert.ok(fits.length >= 1, `${where}: model.fit`);
  const epochs = fits.reduce((n, f) => n + Number(/epochs=(\d+)/.exec(f)![1]), 0);
  assert.equal(epochs, t.lr_finder ? 1 : t.epochs, `${where}: epochs over every fit`);
  for (const f of fits) assert.match(f, new RegExp(`batch_size=${t.batch_size}\\b`), `${where}: batch size`);
  if (s.model.reuse?.freeze_epochs) assert.equal(fits.length, t.epochs > s.model.reuse.freeze_epochs ? 2 : 1, `${where}: frozen, then unfrozen`);
  const d = s.dataset;
  if (d.name === 'fashion-mnist' || d.name === 'mnist') {
    assert.match(py, new RegExp(`keras\\.datasets\\.${d.name === 'mnist' ? 'mnist' : 'fashion_mnist'}\\b`));
    assert.ok(py.includes(`X_valid, X_train = X_train_full[:${d.val_size ?? 5000}], X_train_full[${d.val_size ?? 5000}:]`), `${where}: the validation split`);
  }
  if (d.train_size !== undefined) assert.ok(py.includes(`X_train, y_train = X_train[:${d.train_size}], y_train[:${d.train_size}]`), `${where}: train_size`);
  if (d.classes) assert.ok(py.includes(`classes = [${d.classes.join(', ')}]`), `${where}: classes`);
  if (t.early_stopping) assert.match(py, new RegExp(`EarlyStopping\\(monitor="${t.early_stopping.monitor}", patience=${t.early_stopping.patience}`));
  if (s.evaluate.mc_dropout) assert.ok(py.includes(`for sample in range(${s.evaluate.mc_dropout.samples})`), `${where}: MC dropout passes`);
}

test('every built-in experiment, quick and full size, exports to Python that compiles and says what the spec says', async () => {
  const { lessons, diagnostics } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  const dir = mkdtempSync(join(tmpdir(), 'keras-'));
  try {
    const files: string[] = [];
    let n = 0;
    for (const l of lessons) {
      for (const e of l.experiments) {
        for (const full of [false, true]) {
          if (full && !e.spec.full) continue;
          const key = `${l.meta.id}/${e.id}`;
          const py = kerasScript(e.spec, { key, full });
          const merged = resolveSpec(e.spec, { full });
          checkAgainstSpec(py, merged, `${key}${full ? ' (full)' : ''}`);
          if (merged.model.reuse) {
            const from = merged.model.reuse.from.includes('/') ? merged.model.reuse.from : `${l.meta.id}/${merged.model.reuse.from}`;
            assert.ok(py.includes(`keras.models.load_model("${modelFileName(from)}")`), `${key}: loads the model its source saves`);
            assert.ok(kerasScript(l.experiments.find((x) => `${l.meta.id}/${x.id}` === from)!.spec, { key: from }).includes(`model.save("${modelFileName(from)}")`));
          }
          const file = join(dir, `${l.meta.id}__${e.id}${full ? '__full' : ''}.py`);
          writeFileSync(file, py);
          files.push(file);
          n++;
        }
      }
    }
    assert.ok(n >= 40, `${n} scripts`);
    const r = spawnSync('python3', ['-m', 'py_compile', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('golden: the book\'s batch-norm MLP', () => {
  const file = join(root, 'docs', 'examples', 'batch-norm-mlp.yaml');
  const { spec } = parseExperimentFile(readFileSync(file, 'utf8'), file);
  assert.ok(spec);
  const py = kerasScript(spec, { key: 'batch-norm-mlp.yaml' });
  const golden = readFileSync(join(root, 'test', 'fixtures', 'keras', 'batch-norm-mlp.py'), 'utf8');
  assert.equal(py, golden);
});

test('synthetic sets, every schedule, the LR finder, regularizers and activations with a parameter export to Python that compiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keras-more-'));
  try {
    const base = { dataset: { name: 'moons', samples: 500, noise: 0.2 }, model: { layers: [{ type: 'Dense', units: 8, activation: { name: 'leaky_relu', alpha: 0.2 }, kernel_regularizer: { l1: 0.001, l2: 0.01 } }, { type: 'Dense', units: 8, activation: { name: 'elu', alpha: 0.5 } }, { type: 'Activation', activation: 'prelu' }, { type: 'Dense', units: 2, activation: 'softmax', kernel_initializer: { name: 'variance_scaling', scale: 2, mode: 'fan_avg', distribution: 'uniform' } }] } };
    const variants: Record<string, unknown>[] = [
      { training: { schedule: { name: 'power', steps: 100, power: 2 } } },
      { training: { schedule: { name: 'power', steps: 5, per: 'epoch' } } },
      { training: { schedule: { name: 'exponential', steps: 20, per: 'batch' } } },
      { training: { schedule: { name: 'piecewise_constant', boundaries: [5, 15], values: [0.01, 0.005, 0.001] } } },
      { training: { schedule: { name: 'performance', factor: 0.5, patience: 5 } } },
      { training: { optimizer: { name: 'nesterov', learning_rate: 0.01 }, schedule: { name: 'one_cycle', max_lr: 0.05 } } },
      { training: { lr_finder: { min_lr: 1e-5, max_lr: 10 } } },
      { dataset: { name: 'spirals', classes: [1, 0] }, training: { early_stopping: { patience: 3 } }, evaluate: { mc_dropout: { samples: 10 } } },
      { dataset: { name: 'blobs', features: 4, num_classes: 3, exclude_classes: [2], binary: true }, model: { layers: [{ type: 'Dropout', rate: 0.2 }, { type: 'Dense', units: 1, activation: 'sigmoid' }] } },
      { dataset: { name: 'mnist', preprocess: 'standardize', train_size: 1000, test_size: 500 }, model: { input_shape: [784], layers: [{ type: 'AlphaDropout', rate: 0.1 }, { type: 'Dense', units: 784, activation: 'sigmoid' }] }, training: { autoencoder: true } },
    ];
    const files = variants.map((v, i) => {
      const spec = resolveSpec({ ...base, ...v, dataset: { ...base.dataset, ...(v.dataset as object) }, training: { epochs: 3, ...(v.training as object) } });
      const py = kerasScript(spec, { key: `variant-${i}` });
      checkAgainstSpec(py, spec, `variant ${i}`);
      const f = join(dir, `v${i}.py`);
      writeFileSync(f, py);
      return f;
    });
    const r = spawnSync('python3', ['-m', 'py_compile', ...files], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
