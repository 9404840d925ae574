import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ExperimentSpec } from '../../src/protocol/spec';
import { parseSet, parseSetPath, SetError } from '../../src/lessons/setPath';
import { deriveVariant, describeDifference } from '../../src/lessons/variant';
import { knobChanges, knobsFor, knobsToChanges } from '../../src/lessons/knobs';
import { loadLessons } from '../../src/lessons';

const base = ExperimentSpec.parse({
  dataset: { name: 'fashion-mnist', train_size: 1000 },
  model: {
    layers: [
      { type: 'Flatten' },
      { type: 'Dense', units: 100, activation: 'sigmoid' },
      { type: 'Dense', units: 100, activation: 'sigmoid' },
      { type: 'Dropout', rate: 0.2 },
      { type: 'Dense', units: 10, activation: 'softmax' },
    ],
  },
  training: { epochs: 3, optimizer: { name: 'momentum', learning_rate: 0.01, momentum: 0.9 } },
});

const derive = (...sets: string[]) => deriveVariant(base, sets.map(parseSet));

test('--set paths: dotted fields and list indexes, values read as YAML scalars; malformed paths are refused naming the part', () => {
  assert.deepEqual(parseSetPath('model.layers[1].activation'), ['model', 'layers', 1, 'activation']);
  assert.deepEqual(parseSet('training.optimizer.learning_rate=0.1'), { text: '--set training.optimizer.learning_rate=0.1', path: ['training', 'optimizer', 'learning_rate'], value: 0.1 });
  assert.deepEqual(parseSet('model.layers[1].activation={name: leaky_relu, alpha: 0.2}').value, { name: 'leaky_relu', alpha: 0.2 });
  assert.equal(parseSet('training.clipnorm=null').value, undefined);
  assert.equal(parseSet('training.shuffle=false').value, false);
  assert.throws(() => parseSet('training.epochs'), /expected PATH=VALUE/);
  assert.throws(() => parseSet('training..epochs=3'), (e: Error) => e instanceof SetError && /"" is not a field name/.test(e.message));
  assert.throws(() => parseSet('__proto__.polluted=1'), /not a field of an experiment/);
  assert.throws(() => parseSet('model.layers[x]=1'), /"layers\[x\]" is not a field name/);
  assert.throws(() => parseSet('training.epochs='), /no value after "="/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('a variant is validated by the lesson validator; errors name the path and the --set that caused them', () => {
  const ok = derive('training.optimizer.learning_rate=0.1', 'model.layers[1].activation=relu', 'model.layers[2].activation=relu');
  assert.ok('spec' in ok, JSON.stringify(ok));
  assert.equal(ok.spec.training.optimizer.learning_rate, 0.1);
  assert.equal(ok.label, 'activation: sigmoid → relu (2 layers); lr 0.01 → 0.1');
  assert.equal(base.model.layers[1].type === 'Dense' && base.model.layers[1].activation, 'sigmoid', 'the parent is untouched');

  const badName = derive('training.optimizer.name=adamm');
  assert.ok('error' in badName);
  assert.equal(badName.where, 'training.optimizer.name');
  assert.match(badName.error, /^training\.optimizer\.name: unknown optimizer "adamm"; expected one of .*adam.*did you mean "adam"\?.*\(from --set training\.optimizer\.name=adamm\)$/);

  const negative = derive('training.optimizer.learning_rate=-1');
  assert.ok('error' in negative);
  assert.match(negative.error, /^training\.optimizer\.learning_rate: expected a positive number, got -1 \(from --set training\.optimizer\.learning_rate=-1\)$/);

  const outOfRange = derive('model.layers[7].activation=relu');
  assert.ok('error' in outOfRange);
  assert.equal(outOfRange.error, 'model.layers[7]: the list has 5 items (indexes 0 to 4) (from --set model.layers[7].activation=relu)');

  const unknown = derive('training.optimiser.name=adam');
  assert.ok('error' in unknown);
  assert.match(unknown.error, /^training\.optimiser: unknown field; .*did you mean "optimizer"\?/);

  const tooBig = derive('model.layers[1].units=100000');
  assert.ok('error' in tooBig);
  assert.match(tooBig.error, /^model\.layers\[1\]\.units: 100000 is over the limit of 4096/);

  const intoScalar = derive('training.epochs.x=1');
  assert.ok('error' in intoScalar);
  assert.match(intoScalar.error, /^training\.epochs: is 3, not a mapping or a list/);
});

test('switching the optimizer drops the fields the new one does not read (no momentum for Adam), unless set too', () => {
  const adam = derive('training.optimizer.name=adam');
  assert.ok('spec' in adam, JSON.stringify(adam));
  assert.deepEqual(adam.spec.training.optimizer, { name: 'adam', learning_rate: 0.01, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
  assert.equal(adam.label, 'optimizer: momentum → adam; momentum: 0.9 → none');
  const nesterov = derive('training.optimizer.name=nesterov');
  assert.ok('spec' in nesterov);
  assert.equal('momentum' in nesterov.spec.training.optimizer && nesterov.spec.training.optimizer.momentum, 0.9);
  assert.equal(nesterov.label, 'optimizer: momentum → nesterov');
});

test('labels: no change, removed fields, layers added, named objects', () => {
  assert.equal(describeDifference(base, base), 'no change');
  const clip = derive('training.clipnorm=1', 'training.seed=7');
  assert.ok('spec' in clip);
  assert.equal(clip.label, 'clipnorm: none → 1; seed: 42 → 7');
  const sched = derive('training.schedule={name: exponential, steps: 20}');
  assert.ok('spec' in sched);
  assert.equal(sched.label, 'schedule: none → exponential(steps 20, per epoch)');
  const leaky = derive('model.layers[2].activation={name: leaky_relu, alpha: 0.2}');
  assert.ok('spec' in leaky);
  assert.equal(leaky.label, 'activation: sigmoid → leaky_relu(alpha 0.2) (layer 2)');
});

test('labels: a change only the full setting sees is labelled as such; the dropped book figure is not a change', () => {
  // Lesson 05's b-on-a: unfreezing at 0.001 by default, 0.0001 in full; setting 0.001 changes only the full run.
  const onA = ExperimentSpec.parse({
    dataset: { name: 'fashion-mnist', classes: [5, 6], binary: true, train_size: 200 },
    model: { reuse: { from: 'task-a', drop_last: 1, freeze_epochs: 4, unfreeze_learning_rate: 0.001 }, layers: [{ type: 'Dense', units: 1, activation: 'sigmoid' }] },
    training: { epochs: 20, optimizer: { name: 'sgd', learning_rate: 0.01 } },
    book: { metric: 'test_accuracy', value: 0.994, epochs: 20, source: 'the notebook' },
    full: { model: { reuse: { unfreeze_learning_rate: 0.0001 } }, training: { optimizer: { learning_rate: 0.001 } } },
  });
  const fullOnly = deriveVariant(onA, [parseSet('model.reuse.unfreeze_learning_rate=0.001')]);
  assert.ok('spec' in fullOnly, JSON.stringify(fullOnly));
  assert.equal(fullOnly.label, 'unfreeze_learning_rate (full): 0.0001 → 0.001');
  // A knob followed into `full` is one change, labelled once.
  const lr = deriveVariant(onA, [parseSet('training.optimizer.learning_rate=0.1')]);
  assert.ok('spec' in lr, JSON.stringify(lr));
  assert.equal(lr.label, 'lr 0.01 → 0.1');
  const fullLr = (lr.spec.full as { training?: { optimizer?: { learning_rate?: number } } } | undefined)?.training?.optimizer?.learning_rate;
  assert.equal(fullLr, 0.1, 'the full setting follows the change');
});

test('knobs: only those that fit the experiment, and each one becomes a validated variant', () => {
  const ids = knobsFor(base).map((k) => k.id);
  assert.deepEqual(ids, ['activation:1,2', 'init:1,2,4', 'optimizer', 'lr', 'momentum', 'batchnorm', 'dropout', 'clipnorm', 'schedule', 'epochs', 'batch_size', 'seed']);
  assert.equal(knobsFor(base).find((k) => k.id === 'activation:1,2')?.options?.includes('softmax'), false, 'no softmax in hidden layers');
  const adam = deriveVariant(base, knobChanges(base, 'optimizer', 'adam'));
  assert.ok('spec' in adam);
  assert.equal(knobsFor(adam.spec).some((k) => k.id === 'momentum'), false, 'no momentum knob for Adam');
  const noDropout = ExperimentSpec.parse({ ...base, model: { layers: base.model.layers.filter((l) => l.type !== 'Dropout') } });
  assert.equal(knobsFor(noDropout).some((k) => k.id === 'dropout'), false);

  assert.deepEqual(knobChanges(base, 'lr', 0.01), [], 'the current value is no change');
  const bn = deriveVariant(base, knobsToChanges(base, { batchnorm: true, lr: 0.05 }));
  assert.ok('spec' in bn, JSON.stringify(bn));
  assert.deepEqual(bn.spec.model.layers.map((l) => l.type), ['Flatten', 'Dense', 'BatchNormalization', 'Dense', 'BatchNormalization', 'Dropout', 'Dense']);
  assert.equal(bn.label, '+2 BatchNormalization; lr 0.01 → 0.05');
  const off = deriveVariant(bn.spec, knobChanges(bn.spec, 'batchnorm', false));
  assert.ok('spec' in off);
  assert.deepEqual(off.spec.model, base.model);

  const badRate = deriveVariant(base, knobChanges(base, 'dropout', 1));
  assert.ok('error' in badRate);
  assert.match(badRate.error, /^model\.layers\[3\]\.rate: .*\(from the knob "dropout rate"\)$/);
  assert.throws(() => knobChanges(base, 'nope', 1), /no knob "nope"/);
});

test("a 1cycle experiment has a max_lr knob (the LR finder's \"Use in 1cycle\" fills it), and it changes the schedule's peak", () => {
  assert.equal(knobsFor(base).some((k) => k.id === 'max_lr'), false, 'no 1cycle, no max_lr knob');
  const cyc = ExperimentSpec.parse({ ...base, training: { ...base.training, schedule: { name: 'one_cycle', max_lr: 0.03 } } });
  assert.deepEqual(knobsFor(cyc).find((k) => k.id === 'max_lr'), { id: 'max_lr', label: '1cycle max_lr', kind: 'number', value: 0.03, min: 0, step: 'any' });
  const v = deriveVariant(cyc, knobChanges(cyc, 'max_lr', 0.009));
  assert.ok('spec' in v, JSON.stringify(v));
  assert.equal(v.spec.training.schedule?.name === 'one_cycle' && v.spec.training.schedule.max_lr, 0.009);
  assert.equal(v.label, 'schedule max_lr: 0.03 → 0.009');
  const bad = deriveVariant(cyc, knobChanges(cyc, 'max_lr', -1));
  assert.ok('error' in bad);
  assert.match(bad.error, /^training\.schedule\.max_lr: /);
});

test('every built-in experiment has knobs, and each knob moved to another value gives a valid variant or a named error', async () => {
  const { lessons } = await loadLessons([join(__dirname, '..', '..', 'lessons')], { builtIn: true });
  let variants = 0;
  for (const l of lessons)
    for (const e of l.experiments) {
      const knobs = knobsFor(e.spec);
      assert.ok(knobs.some((k) => k.id === 'seed'), `${l.meta.id}/${e.id}`);
      for (const k of knobs) {
        const other = k.kind === 'toggle' ? !k.value : k.kind === 'choice' ? k.options!.find((o) => o !== k.value)! : Number(k.value) === 0 ? 1 : Number(k.value) * 2;
        const r = deriveVariant(e.spec, knobChanges(e.spec, k.id, other));
        if ('error' in r) assert.match(r.error, /^[a-z_.[\]0-9]+: .*\(from the knob /, `${l.meta.id}/${e.id} ${k.id}: ${r.error}`);
        else {
          variants++;
          // A variant is not the book's row: its figures are not carried over (they would be compared with another setting).
          assert.equal(r.spec.book, undefined, `${l.meta.id}/${e.id} ${k.id} kept the book's figure`);
        }
      }
    }
  assert.ok(variants > 100, `${variants} variants`);
});
