import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateRunCost, parseExperimentFile } from '../../src/lessons';
import { DEFAULT_BUDGET, estimateCost, formatCost, overBudget } from '../../src/protocol/cost';
import { ExperimentSpec, LIMITS } from '../../src/protocol/spec';
import { resolveSpec } from '../../src/engine/spec';

const base = (over: { dataset?: string; layers?: string; training?: string; record?: string; evaluate?: string }) =>
  [
    `dataset: ${over.dataset ?? '{ name: fashion-mnist }'}`,
    'model:',
    `  layers: ${over.layers ?? '[{ type: Flatten }, { type: Dense, units: 10, activation: softmax }]'}`,
    ...(over.training ? [`training: ${over.training}`] : []),
    ...(over.record ? [`record: ${over.record}`] : []),
    ...(over.evaluate ? [`evaluate: ${over.evaluate}`] : []),
    '',
  ].join('\n');

// Each of the abuses: the field, its limit, and the column where the value is written.
const cases: { name: string; text: string; field: string; limit: number; line: number; value: string }[] = [
  { name: 'units: 1e6', text: base({ layers: '[{ type: Dense, units: 1000000 }]' }), field: 'model.layers[0].units', limit: LIMITS.units, line: 3, value: '1000000' },
  { name: 'units: 1e8', text: base({ layers: '[{ type: Dense, units: 100000000 }]' }), field: 'model.layers[0].units', limit: LIMITS.units, line: 3, value: '100000000' },
  { name: 'samples: 1e9', text: base({ dataset: '{ name: blobs, samples: 1000000000 }' }), field: 'dataset.samples', limit: LIMITS.samples, line: 1, value: '1000000000' },
  { name: 'features: 1e8', text: base({ dataset: '{ name: blobs, features: 100000000 }' }), field: 'dataset.features', limit: LIMITS.features, line: 1, value: '100000000' },
  { name: 'mc samples: 1e7', text: base({ evaluate: '{ mc_dropout: { samples: 10000000 } }' }), field: 'evaluate.mc_dropout.samples', limit: LIMITS.mcSamples, line: 4, value: '10000000' },
  { name: 'epochs: 1e9', text: base({ training: '{ epochs: 1000000000 }' }), field: 'training.epochs', limit: LIMITS.epochs, line: 4, value: '1000000000' },
  { name: 'probe_size: 1e6', text: base({ record: '{ probe_size: 1000000 }' }), field: 'record.probe_size', limit: LIMITS.probeSize, line: 4, value: '1000000' },
  { name: 'batch_size: 1e7', text: base({ training: '{ batch_size: 10000000 }' }), field: 'training.batch_size', limit: LIMITS.batchSize, line: 4, value: '10000000' },
  { name: 'train_size: 1e7', text: base({ dataset: '{ name: mnist, train_size: 10000000 }' }), field: 'dataset.train_size', limit: LIMITS.examples, line: 1, value: '10000000' },
];

for (const c of cases) {
  test(`hard limit: ${c.name} is an error at the value, naming the field and the limit`, () => {
    const r = parseExperimentFile(c.text, 'x.yaml');
    assert.equal(r.spec, undefined);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const d = errors[0];
    assert.equal(d.field, c.field);
    assert.ok(d.message.startsWith(`${c.field}: `), d.message);
    assert.ok(d.message.includes(`over the limit of ${c.limit}; give ${c.limit} or less`), d.message);
    const col = c.text.split('\n')[c.line - 1].indexOf(c.value) + 1;
    assert.ok(col > 0);
    assert.deepEqual(d.range.start, { line: c.line, column: col }, `${c.text}\n${JSON.stringify(d.range)}`);
    // The engine refuses the same spec (a host that skipped validation gets the field back).
    assert.throws(() => resolveSpec(parseYamlLoosely(c.text)), (e: Error & { where?: string }) => e.where === c.field.replace(/\[(\d+)\]/g, '[$1]'));
  });
}

/** The experiment as plain data, without our validator (what a careless host would send). */
function parseYamlLoosely(text: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('yaml') as typeof import('yaml');
  return parse(text);
}

test('hard limit: 1,000 layers is an error on model.layers (10,000 would be over the file size limit)', () => {
  const layers = `[${new Array(1000).fill('{ type: Dense, units: 2 }').join(', ')}]`;
  const r = parseExperimentFile(base({ layers }), 'x.yaml');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].field, 'model.layers');
  assert.match(errors[0].message, new RegExp(`at most ${LIMITS.layers} items, got 1000`));
  assert.deepEqual(errors[0].range.start, { line: 3, column: 11 });
});

test('hard limit: a model over 20 million parameters, each layer within its limit, is an error on model.layers', () => {
  // 784 inputs → 4096 → 4096 → 4096 → 10: weights and biases counted by hand.
  const expected = 784 * 4096 + 4096 + 2 * (4096 * 4096 + 4096) + 4096 * 10 + 10;
  const layers = '[{ type: Flatten }, { type: Dense, units: 4096 }, { type: Dense, units: 4096 }, { type: Dense, units: 4096 }, { type: Dense, units: 10 }]';
  const r = parseExperimentFile(base({ layers }), 'x.yaml');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => [d.field, d.range.start.line, d.range.start.column]), [['model.layers', 3, 11]]);
  assert.equal(errors[0].message, `model.layers: this model has ${expected.toLocaleString('en-US')} parameters, over the limit of 20,000,000; use fewer or narrower layers`);
  assert.throws(() => resolveSpec(parseYamlLoosely(base({ layers }))), /model\.layers: this model has 36,818,954 parameters/);
});

test("cost estimate: the book's parameter counts (ch. 10 MLP 266,610; ch. 11 batch-norm MLP 271,346)", () => {
  const mlp = ExperimentSpec.parse({
    dataset: { name: 'fashion-mnist' },
    model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 300 }, { type: 'Dense', units: 100 }, { type: 'Dense', units: 10 }] },
    training: { epochs: 30 },
  });
  const c = estimateCost(mlp);
  assert.equal(c.parameters, 266_610);
  assert.deepEqual(c.examples, { train: 55_000, val: 5_000, test: 10_000 });
  // Work: every example through the model, training and validation each epoch, test once.
  assert.equal(c.work, 266_610 * (55_000 * 30 + 5_000 * 30 + 10_000));
  const bn = ExperimentSpec.parse({
    dataset: { name: 'fashion-mnist' },
    model: {
      layers: [
        { type: 'Flatten' },
        { type: 'BatchNormalization' },
        { type: 'Dense', units: 300 },
        { type: 'BatchNormalization' },
        { type: 'Dense', units: 100 },
        { type: 'BatchNormalization' },
        { type: 'Dense', units: 10 },
      ],
    },
  });
  assert.equal(estimateCost(bn).parameters, 271_346);
  // Memory: at least the float32 data (70,000 × 784 × 4 bytes) and the weights with gradients (SGD: no slots).
  assert.ok(c.memoryBytes > 70_000 * 784 * 4 + 266_610 * 8);
  assert.ok(c.memoryBytes < 600 * 2 ** 20, formatCost(c));
  assert.deepEqual(overBudget(c, DEFAULT_BUDGET), []);
  const over = overBudget(c, { gigaWork: 100, memoryMiB: 100 });
  assert.equal(over.length, 2);
  assert.match(over[0], /^work 483 G \(budget 100 G\)$/);
  assert.match(over[1], /^memory about \d+ MiB \(budget 100 MiB\)$/);
});

test('cost estimate: MC dropout passes and synthetic splits are counted', () => {
  const s = ExperimentSpec.parse({
    dataset: { name: 'blobs', samples: 1000, features: 4 },
    model: { layers: [{ type: 'Dense', units: 8 }, { type: 'Dense', units: 3 }] },
    training: { epochs: 2 },
    evaluate: { mc_dropout: { samples: 10 } },
  });
  const c = estimateCost(s);
  const params = 4 * 8 + 8 + 8 * 3 + 3;
  assert.equal(c.parameters, params);
  assert.deepEqual(c.examples, { train: 700, val: 150, test: 150 });
  assert.equal(c.work, params * (700 * 2 + 150 * 2 + 150 * 11));
});

test('the cost of a run as it will happen: full merged, the epochs override applied, reused layers counted', () => {
  const spec = ExperimentSpec.parse({
    dataset: { name: 'blobs', samples: 1000, features: 4 },
    model: { layers: [{ type: 'Dense', units: 8 }, { type: 'Dense', units: 3 }] },
    training: { epochs: 2 },
    evaluate: { test: false },
    full: { training: { epochs: 10 } },
  });
  const params = 4 * 8 + 8 + 8 * 3 + 3;
  assert.equal(estimateRunCost(spec).work, params * (700 + 150) * 2);
  assert.equal(estimateRunCost(spec, { full: true }).work, params * (700 + 150) * 10);
  assert.equal(estimateRunCost(spec, { full: true, epochs: 1 }).work, params * (700 + 150));
  // Reuse all but the last layer of `spec`, add a new head: 4→8 reused, then 8→5.
  const reuser = ExperimentSpec.parse({
    dataset: { name: 'blobs', samples: 1000, features: 4 },
    model: { reuse: { from: 'base' }, layers: [{ type: 'Dense', units: 5 }] },
  });
  assert.equal(estimateRunCost(reuser, { lessonId: 'l', dependencies: { 'l/base': spec } }).parameters, 4 * 8 + 8 + 8 * 5 + 5);
  const alone = estimateRunCost(reuser);
  assert.match(alone.partial ?? '', /the layers reused from base are not counted/);
});

test('a bound of meaning (dropout rate below 1, momentum below 1) is not called a resource limit', () => {
  const rate = parseExperimentFile(base({ layers: '[{ type: Dropout, rate: 1 }, { type: Dense, units: 10, activation: softmax }]' }), 'x.yaml');
  const rateErr = rate.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(rateErr.length, 1, JSON.stringify(rateErr));
  assert.equal(rateErr[0].message, 'model.layers[0].rate: 1 is too large: it must be less than 1');
  const momentum = parseExperimentFile(base({ training: '{ optimizer: { name: sgd, momentum: 1.5 } }' }), 'x.yaml');
  const momErr = momentum.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(momErr.length, 1, JSON.stringify(momErr));
  assert.equal(momErr[0].message, 'training.optimizer.momentum: 1.5 is too large: it must be less than 1');
  assert.doesNotMatch(momErr[0].message, /limit/);
});
