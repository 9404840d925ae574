import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { BINS, activationRange, linearHistogram, logHistogram } from '../../src/engine/histograms';
import { layerHealth, summarizeBlock } from '../../src/engine/health';
import { GRADIENT_SAMPLE, sampleStride } from '../../src/engine/inspect';
import type { BatchEvent, LayerInside } from '../../src/protocol/events';
import { run, blobs } from '../helpers/engine';

before(async () => {
  await initBackend('wasm');
});

const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);

test('linear histogram: values at bin centres land in their bin, outliers in the edge bins, NaN and Inf apart', () => {
  // Range [0, 1], 40 bins of 0.025: the centre of bin i is (i + 0.5) / 40.
  const v = Float32Array.from([0.5 / 40, 10.5 / 40, 10.5 / 40, 39.5 / 40, -3, 7, NaN, Infinity, -Infinity]);
  const h = linearHistogram(v, 0, 1);
  assert.equal(h.counts.length, BINS);
  assert.equal(h.counts[0], 2); // 0.0125 and −3
  assert.equal(h.counts[10], 2);
  assert.equal(h.counts[39], 2); // 0.9875 and 7
  assert.equal(h.nonFinite, 3);
  assert.equal(sum(h.counts) + h.nonFinite, v.length);
});

test('log histogram of |g|: 4 bins per decade from 1e-8 to 1e2; zeros and tiny values in the first bin', () => {
  // log10(3e-5) = −4.5229 → (−4.5229 + 8) × 4 = 13.9 → bin 13; log10(0.5) = −0.301 → 30.8 → bin 30.
  const v = Float32Array.from([0, 1e-12, -3e-5, 3e-5, 0.5, -0.5, 1e5, NaN]);
  const h = logHistogram(v);
  assert.deepEqual([h.scale, h.lo, h.hi], ['log', -8, 2]);
  assert.equal(h.counts[0], 2);
  assert.equal(h.counts[13], 2);
  assert.equal(h.counts[30], 2);
  assert.equal(h.counts[39], 1);
  assert.equal(h.nonFinite, 1);
  assert.equal(sum(h.counts) + h.nonFinite, v.length);
});

test('health of a constructed ReLU layer: dead units are those at 0 for every example', () => {
  // 3 examples × 4 units; units 1 and 3 output 0 for every example, unit 0 only for one.
  const v = Float32Array.from([0, 0, 2, 0, 1, 0, 0, 0, 3, 0, 4, 0]);
  const h = layerHealth(v, 4, 'relu');
  assert.equal(h.deadFraction, 0.5);
  // mean = 10/12; std = sqrt(E[x²] − mean²) with E[x²] = (4 + 1 + 9 + 16)/12 = 30/12.
  assert.ok(Math.abs(h.mean - 10 / 12) < 1e-12);
  assert.ok(Math.abs(h.std - Math.sqrt(30 / 12 - (10 / 12) ** 2)) < 1e-12);
  assert.equal(h.saturatedFraction, undefined);
});

test('health of sigmoid and tanh layers: outputs within 0.01 of a bound are saturated', () => {
  const s = layerHealth(Float32Array.from([0.005, 0.5, 0.995, 0.98]), 2, 'sigmoid');
  assert.equal(s.saturatedFraction, 0.5);
  const t = layerHealth(Float32Array.from([-0.995, 0, 0.999, 0.97, -1, 1]), 3, 'tanh');
  assert.equal(t.saturatedFraction, 4 / 6);
  assert.equal(t.deadFraction, undefined);
});

test('one pass over a block: the same histogram as linearHistogram, and mean, std, zeros and saturation as defined (float64, by hand)', () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const activation of ['sigmoid', 'tanh', 'relu', 'elu', 'linear']) {
    const [lo, hi] = activationRange(activation);
    const v = Float32Array.from({ length: 64 * 10 }, () => (rand() < 0.1 ? 0 : lo - 1 + rand() * (hi - lo + 2)));
    const s = summarizeBlock(v, 10, activation);
    assert.deepEqual(s.histogram, linearHistogram(v, lo, hi), activation);
    const xs = Array.from(v);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    assert.ok(Math.abs(s.health.mean - mean) < 1e-12 && Math.abs(s.stats.mean - mean) < 1e-12, `${activation} mean`);
    assert.ok(Math.abs(s.health.std - std) < 1e-9 && Math.abs(s.stats.std - std) < 1e-9, `${activation} std ${s.health.std} vs ${std}`);
    assert.equal(s.stats.zeroFraction, xs.filter((x) => x === 0).length / xs.length);
    const statSat = activation === 'sigmoid' ? xs.filter((x) => Math.abs(x - 0.5) > 0.49).length : activation === 'tanh' ? xs.filter((x) => Math.abs(x) > 0.98).length : undefined;
    assert.equal(s.stats.saturatedFraction, statSat === undefined ? undefined : statSat / xs.length, `${activation} statistics' saturation`);
  }
  // A nearly constant layer keeps its small spread (sums around the first value).
  const flat = Float32Array.from({ length: 1000 }, (_, i) => 1000 + (i % 2 ? 1e-3 : -1e-3));
  const fm = Array.from(flat).reduce((a, b) => a + b, 0) / 1000;
  const fsd = Math.sqrt(Array.from(flat).reduce((a, b) => a + (b - fm) ** 2, 0) / 1000);
  const got = summarizeBlock(flat, 10, 'linear').health.std;
  assert.ok(fsd > 9e-4 && Math.abs(got - fsd) < 1e-6 * fsd, `flat std ${got} vs ${fsd}`);
  const nan = summarizeBlock(Float32Array.from([1, NaN, Infinity]), 1, 'linear');
  assert.equal(nan.histogram.nonFinite, 2);
  assert.ok(Number.isNaN(nan.health.mean));
});

test('activation ranges are fixed by the activation', () => {
  assert.deepEqual(activationRange('sigmoid'), [0, 1]);
  assert.deepEqual(activationRange('tanh'), [-1, 1]);
  assert.deepEqual(activationRange('relu'), [0, 5]);
});

const PROBE = 64;
const spec = (layers: unknown[], extra: Record<string, unknown> = {}) => ({
  dataset: blobs(),
  model: { layers },
  training: { epochs: 2, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.01 } },
  record: { every: 2, histograms_every: 3, probe_size: PROBE },
  ...extra,
});

test('a run records histograms: activation counts sum to probe × units, gradient counts to the kernel size; every epoch end too', async () => {
  const c = await run(
    spec([
      { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
      { type: 'Dense', units: 8, activation: 'tanh' },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ]),
  );
  assert.equal(c.error, undefined);
  const batches = c.events.filter((e): e is BatchEvent => e.type === 'batch');
  const withInside = batches.filter((b) => b.inside);
  assert.ok(withInside.length >= 2 && withInside.length < batches.length, `${withInside.length} of ${batches.length} batch points carry histograms`);
  const units = [16, 8, 3];
  const fanIn = [8, 16, 8];
  for (const b of withInside) {
    const inside = b.inside as LayerInside[];
    assert.equal(inside.length, 3);
    inside.forEach((l, i) => {
      assert.equal(sum(l.activations.counts) + l.activations.nonFinite, PROBE * units[i], `layer ${i} activations`);
      assert.ok(l.gradients, 'gradient histogram');
      assert.equal(sum(l.gradients.counts) + l.gradients.nonFinite, fanIn[i] * units[i], `layer ${i} gradients`);
    });
    assert.equal(inside[0].health.activation, 'relu');
    assert.ok(inside[0].health.deadFraction !== undefined && inside[0].health.deadFraction >= 0 && inside[0].health.deadFraction <= 1);
    assert.ok(inside[1].health.saturatedFraction !== undefined);
    // The softmax layer's outputs are probabilities: mean exactly 1/3 (each row sums to 1).
    assert.ok(Math.abs(inside[2].health.mean - 1 / 3) < 1e-5, `softmax mean ${inside[2].health.mean}`);
  }
  // Each epoch's end: its last batch is inspected and the epoch event carries the same histograms.
  for (const e of c.epochs) assert.ok(e.inside && e.inside.length === 3, `epoch ${e.epoch} has histograms`);
  const lastOfEpoch1 = batches.filter((b) => b.epoch === 1).at(-1)!;
  assert.deepEqual(lastOfEpoch1.inside, c.epochs[0].inside);
  // An inspected step's activation statistics come from its read (no second pass on the probe):
  // they agree with those tf.moments measures in the same run with histograms off.
  const plain = await run(
    spec(
      [
        { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
        { type: 'Dense', units: 8, activation: 'tanh' },
        { type: 'Dense', units: 3, activation: 'softmax' },
      ],
      { record: { every: 2, histograms_every: 3, probe_size: PROBE, histograms: false } },
    ),
  );
  const pairs = [
    ...c.epochs.map((e, k) => [e.activations!, plain.epochs[k].activations!] as const),
    ...batches.filter((b) => b.activations && b.inside).map((b) => [b.activations!, plain.events.find((p): p is BatchEvent => p.type === 'batch' && p.step === b.step)!.activations!] as const),
  ];
  assert.ok(pairs.length >= 3, `${pairs.length} comparisons`);
  for (const [mine, ref] of pairs) {
    mine.forEach((a, i) => {
      const r = ref[i];
      assert.ok(Math.abs(a.mean - r.mean) < 1e-4 * Math.max(1, Math.abs(r.mean)), `layer ${i} mean ${a.mean} vs ${r.mean}`);
      assert.ok(Math.abs(a.std - r.std) < 1e-4 * Math.max(1, r.std), `layer ${i} std ${a.std} vs ${r.std}`);
      assert.ok(Math.abs((a.zeroFraction ?? 0) - (r.zeroFraction ?? 0)) < 1e-6, `layer ${i} zero fraction ${a.zeroFraction} vs ${r.zeroFraction}`);
      assert.ok(Math.abs((a.saturatedFraction ?? -1) - (r.saturatedFraction ?? -1)) < 1e-6, `layer ${i} saturated ${a.saturatedFraction} vs ${r.saturatedFraction}`);
    });
  }
});

test('a constructed dead layer: negative weights on ReLU inputs, no bias, give 100 % dead ReLUs', async () => {
  const c = await run(
    spec([
      { type: 'Dense', units: 16, activation: 'relu', kernel_initializer: 'he_normal' },
      // Its inputs are ReLU outputs (≥ 0) and every weight is negative: every pre-activation ≤ 0.
      { type: 'Dense', units: 8, activation: 'relu', use_bias: false, kernel_initializer: { name: 'random_uniform', minval: -1, maxval: -0.5 } },
      { type: 'Dense', units: 3, activation: 'softmax' },
    ]),
  );
  assert.equal(c.error, undefined);
  for (const e of c.epochs) {
    const h = e.inside![1].health;
    assert.equal(h.deadFraction, 1);
    assert.equal(h.mean, 0);
    // All outputs are 0: all in the first bin; the dead layer passes no gradient to its kernel.
    assert.equal(e.inside![1].activations.counts[0], PROBE * 8);
    assert.equal(e.inside![1].gradients!.counts[0], 16 * 8);
  }
});

test('histograms off: no inside data', async () => {
  const c = await run(spec([{ type: 'Dense', units: 4, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }], { record: { every: 1, histograms: false } }));
  assert.equal(c.error, undefined);
  assert.ok(c.events.every((e) => !('inside' in e)));
});

test('a large kernel gradient is histogrammed on a fixed strided sample, coprime with its units', async () => {
  // 784 × 300 (the book's MLP): ceil(235,200 / 4,096) = 58 shares a factor with 300; 59 does not.
  assert.equal(GRADIENT_SAMPLE, 4096);
  assert.equal(sampleStride(784 * 300, 300), 59);
  assert.equal(sampleStride(GRADIENT_SAMPLE, 100), 1);
  // 2,100 = 2²·3·5²·7: from ceil(16,800 / 4,096) = 5 up, the first stride that shares no factor with it is 11.
  assert.equal(sampleStride(8 * 2100, 2100), 11);
  assert.equal(sampleStride(2100 * 3, 3), 2);
  const c = await run(spec([{ type: 'Dense', units: 2100, activation: 'relu' }, { type: 'Dense', units: 3, activation: 'softmax' }], { dataset: blobs({ features: 8 }) }));
  assert.equal(c.error, undefined);
  for (const e of c.epochs) {
    const g = e.inside![0].gradients!;
    assert.equal(g.sampledFrom, 8 * 2100);
    assert.equal(sum(g.counts) + g.nonFinite, Math.ceil((8 * 2100) / 11));
    const out = e.inside![1].gradients!;
    assert.equal(out.sampledFrom, 2100 * 3);
    assert.equal(sum(out.counts) + out.nonFinite, (2100 * 3) / 2);
  }
});
