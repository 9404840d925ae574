import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyInside, binRange, emptyInside, healthLevel, MAX_COLUMNS } from '../../src/webview/insideData';
import type { BatchEvent, EpochEvent, LayerInside, StartEvent } from '../../src/protocol/events';

const start: StartEvent = {
  type: 'start', runId: 'r', experiment: 'l/e', backend: 'wasm', backendReason: 'test', instrumentedLayers: ['dense', 'dense_1'],
  summary: { layers: [{ name: 'dense', type: 'Dense', outputShape: [null, 300], params: 0, trainableParams: 0 }, { name: 'dense_1', type: 'Dense', outputShape: [null, 10], params: 0, trainableParams: 0 }], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 },
  epochs: 1, batchesPerEpoch: 10, trainSize: 320, valSize: 0, testSize: 0, seed: 1, mode: 'train',
};
const hist = (fill: number): LayerInside['activations'] => ({ scale: 'linear', lo: 0, hi: 1, counts: Array<number>(40).fill(fill), nonFinite: 0 });
const inside = (fill: number): LayerInside[] => [
  { activations: hist(fill), gradients: { ...hist(fill), scale: 'log', lo: -8, hi: 2 }, health: { activation: 'relu', mean: 0.5, std: 1, deadFraction: 0.2 } },
  { activations: hist(fill), health: { activation: 'softmax', mean: 0.1, std: 0.2 } },
];
const batch = (step: number, withInside: boolean): BatchEvent => ({ type: 'batch', runId: 'r', epoch: 1, batch: step, step, loss: 1, lr: 0.1, gradNorms: [0.5, 0.25], ...(withInside ? { inside: inside(step) } : {}) });

test('layers are named as the prose names them, with their units; columns grow per inspected step', () => {
  const d = emptyInside();
  assert.equal(applyInside(d, [start]), true);
  assert.deepEqual(d.layers.map((l) => [l.label, l.units]), [['layer 1 · dense', 300], ['layer 2 · dense_1', 10]]);
  applyInside(d, [batch(0, true), batch(1, false), batch(5, true)]);
  assert.deepEqual(d.layers[0]!.columns.activations.map((c) => c.step), [0, 5]);
  assert.deepEqual(d.layers[0]!.columns.gradients.map((c) => c.step), [0, 5]);
  assert.equal(d.layers[1]!.columns.gradients.length, 0, 'no gradient histogram given: none drawn');
  assert.equal(d.layers[1]!.gradNorm, 0.25);
  // The epoch event repeats the last batch's histograms: no second column at the same step.
  const epoch: EpochEvent = { type: 'epoch', runId: 'r', epoch: 1, loss: 1, lr: 0.1, seconds: 1, inside: inside(5) };
  applyInside(d, [epoch]);
  assert.equal(d.layers[0]!.columns.activations.length, 2);
});

test('columns are thinned past the cap, keeping the newest', () => {
  const d = emptyInside();
  applyInside(d, [start]);
  for (let s = 0; s <= MAX_COLUMNS + 10; s++) applyInside(d, [batch(s, true)]);
  const cols = d.layers[0]!.columns.activations;
  assert.ok(cols.length <= MAX_COLUMNS, `${cols.length}`);
  assert.equal(cols.at(-1)!.step, MAX_COLUMNS + 10);
  assert.equal(cols[0]!.step, 0);
});

test('health levels: dead ReLUs, saturation, SELU band, non-finite values', () => {
  assert.equal(healthLevel({ health: { activation: 'relu', mean: 0.3, std: 0.5, deadFraction: 0.05 } }).level, 'good');
  assert.equal(healthLevel({ health: { activation: 'relu', mean: 0.3, std: 0.5, deadFraction: 0.3 } }).level, 'warn');
  assert.match(healthLevel({ health: { activation: 'relu', mean: 0, std: 0, deadFraction: 0.75 } }).reason, /75 % of its ReLUs are dead/);
  assert.equal(healthLevel({ health: { activation: 'sigmoid', mean: 0.5, std: 0.4, saturatedFraction: 0.6 } }).level, 'bad');
  assert.equal(healthLevel({ health: { activation: 'selu', mean: 0.05, std: 1.08 } }).level, 'good');
  assert.equal(healthLevel({ health: { activation: 'selu', mean: 0.2, std: 1 } }).level, 'warn');
  assert.equal(healthLevel({ health: { activation: 'selu', mean: 0, std: 0.3 } }).level, 'bad');
  assert.equal(healthLevel({ health: { activation: 'elu', mean: 0, std: 1 }, gradNorm: NaN }).level, 'bad');
  assert.equal(healthLevel({}).level, 'unknown');
});

test('bin ranges: linear steps, and powers of ten for log bins', () => {
  assert.deepEqual(binRange({ scale: 'linear', lo: -1, hi: 1 }, 40, 0), [-1, -0.95]);
  const [a, b] = binRange({ scale: 'log', lo: -8, hi: 2 }, 40, 4);
  assert.ok(Math.abs(a - 1e-7) < 1e-20 && Math.abs(b - 10 ** -6.75) < 1e-18);
});
