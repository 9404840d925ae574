// "Run ×N seeds" in the panel: the bands the card draws from each seed's epochs, how the host
// follows a run of seeds (done when every seed ended or one was stopped), "met in k of N seeds",
// and the variant-vs-original verdict in words. Reference values are computed by hand below
// (sample standard deviation, n − 1), not by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeedRuns, bandSeries, withAlpha } from '../../src/webview/seedBands';
import { SeedGroup, seedOfRun, seedsVerdict, type SeedsRecord } from '../../src/extension/seedRuns';
import { storedEvents } from '../../src/extension/runRecords';
import type { StoredRun } from '../../src/extension/runHistory';
import type { EndEvent, EpochEvent, RunEvent, StartEvent } from '../../src/protocol/events';

const close = (got: number, want: number) => assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);

function start(runId: string, seed: number): StartEvent {
  return {
    type: 'start', runId, experiment: 'l/e', backend: 'cpu', backendReason: 'test', instrumentedLayers: ['d1'],
    summary: { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 },
    epochs: 2, batchesPerEpoch: 10, trainSize: 320, valSize: 100, testSize: 100, seed, mode: 'train',
  };
}
function epoch(runId: string, n: number, valAcc: number, loss = 1 / n): EpochEvent {
  return { type: 'epoch', runId, epoch: n, loss, val_loss: 1.1 / n, val_accuracy: valAcc, lr: 0.01, seconds: 1 };
}
function end(runId: string, valAcc: number, status: EndEvent['status'] = 'completed'): EndEvent {
  return { type: 'end', runId, status, epochsRun: 2, final: { val_accuracy: valAcc, loss: 0.5 }, seconds: 2, samplesPerSecond: 800, tensorsBefore: 0, tensorsAfter: 0 };
}

/** Three seeds; the third stops early after one epoch (early stopping). */
function threeSeeds(base: string): RunEvent[] {
  const s = (k: number) => `${base}/seed-${k}`;
  return [
    start(s(42), 42), epoch(s(42), 1, 0.5), epoch(s(42), 2, 0.7), end(s(42), 0.7),
    start(s(43), 43), epoch(s(43), 1, 0.6), epoch(s(43), 2, 0.8), end(s(43), 0.8),
    start(s(44), 44), epoch(s(44), 1, 0.7), end(s(44), 0.7, 'early_stopped'),
  ];
}

test('the card bands each epoch over the seeds that reached it: mean ± 1 sample std', () => {
  const runs = new SeedRuns('R', 3);
  for (const e of threeSeeds('R')) assert.equal(runs.push(e), true);
  assert.equal(runs.push(epoch('other', 1, 0.1)), false, 'another run is not a seed of this one');
  assert.equal(runs.push(epoch('R', 1, 0.1)), false, 'the request itself is not a seed');
  assert.deepEqual(runs.seeds, [42, 43, 44]);
  assert.equal(runs.done, true);
  assert.equal(runs.finished, 3);
  const b = runs.band('val_accuracy');
  assert.deepEqual(b.map((p) => [p.x, p.n]), [[1, 3], [2, 2]]);
  // epoch 1: 0.5, 0.6, 0.7 → mean 0.6, variance ((−0.1)² + 0² + 0.1²) / 2 = 0.01, std 0.1
  close(b[0]!.mean, 0.6);
  close(b[0]!.hi, 0.7);
  close(b[0]!.lo, 0.5);
  // epoch 2: 0.7, 0.8 → mean 0.75, variance (0.05² + 0.05²) / 1 = 0.005
  close(b[1]!.mean, 0.75);
  close(b[1]!.hi - b[1]!.mean, Math.sqrt(0.005));
});

test('a run of seeds is not done while seeds remain, and is as soon as one is stopped', () => {
  const runs = new SeedRuns('R', 3);
  for (const e of threeSeeds('R').slice(0, 8)) runs.push(e);
  assert.equal(runs.done, false, 'two of three seeds ended');
  runs.push(start('R/seed-44', 44));
  runs.push(end('R/seed-44', 0, 'cancelled'));
  assert.equal(runs.done, true);
  assert.equal(runs.finished, 2, 'the stopped seed does not count');
});

test('a band is three series: the upper edge filled down to the lower, and the mean alone in the legend', () => {
  const s = bandSeries([{ x: 1, mean: 0.6, lo: 0.5, hi: 0.7, n: 3 }], 'validation', '#3794ff', 3);
  assert.equal(s.length, 3);
  assert.equal(s[0]!.fill, '+1');
  assert.equal(s[0]!.fillColor, '#3794ff38', '0.22 × 255 = 56 = 0x38');
  assert.deepEqual(s[0]!.data, [{ x: 1, y: 0.7 }]);
  assert.deepEqual(s[1]!.data, [{ x: 1, y: 0.5 }]);
  assert.equal(s[0]!.legend, false);
  assert.equal(s[1]!.legend, false);
  assert.equal(s[2]!.legend, undefined);
  assert.equal(s[2]!.label, 'validation: mean ± 1 std of 3 seeds');
  assert.deepEqual(s[2]!.data, [{ x: 1, y: 0.6 }]);
  assert.equal(withAlpha('#abc', 1), '#aabbccff');
  assert.equal(withAlpha('rgb(1, 2, 3)', 0.5), 'rgba(1, 2, 3, 0.5)');
  assert.equal(withAlpha('hsl(10 70% 42%)', 0.25), 'hsl(10 70% 42% / 0.25)');
});

test('the host follows the seeds: each expect line met in k of N seeds, the final metrics summed up', () => {
  assert.equal(seedOfRun('R', 'R/seed-43'), 43);
  assert.equal(seedOfRun('R', 'R2/seed-43'), undefined);
  assert.equal(seedOfRun('R', 'R'), undefined);
  const g = new SeedGroup('R', 3, 'lr 0.01 → 0.1');
  const events = threeSeeds('R');
  for (const e of events.slice(0, 4)) g.push(e as RunEvent & { runId: string });
  assert.equal(g.done, false);
  for (const e of events.slice(4)) g.push(e as RunEvent & { runId: string });
  assert.equal(g.done, true);
  assert.equal(g.last()?.runId, 'R/seed-44');
  const rec = g.summary(['val_accuracy > 0.65', 'val_accuracy > 0.75 at epoch 2']);
  assert.equal(rec.runId, 'R');
  assert.equal(rec.label, 'lr 0.01 → 0.1');
  assert.deepEqual(rec.expectations.map((e) => [e.text, e.met, e.n]), [
    ['val_accuracy > 0.65', 3, 3],
    ['val_accuracy > 0.75 at epoch 2', 1, 3],
  ]);
  assert.deepEqual(rec.summary.val_accuracy!.values, [0.7, 0.8, 0.7]);
  close(rec.summary.val_accuracy!.mean, 2.2 / 3);
});

test('a request stopped before its first seed, or failed, is done', () => {
  const g = new SeedGroup('R', 3);
  g.push({ type: 'end', runId: 'R', status: 'cancelled', epochsRun: 0, final: {}, seconds: 0, samplesPerSecond: 0, tensorsBefore: 0, tensorsAfter: 0 });
  assert.equal(g.done, true);
  const f = new SeedGroup('S', 3);
  f.push(start('S/seed-1', 1));
  f.push({ type: 'error', runId: 'S/seed-1', message: 'bad' });
  assert.equal(f.done, true);
  assert.deepEqual(f.finished(), []);
});

function rec(label: string | undefined, values: number[], epochs = 2): SeedsRecord {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return {
    runId: 'x', n: values.length, expectations: [],
    runs: [{ runId: 'x/seed-1', experiment: 'l/e', epochs: [], start: { ...start('x/seed-1', 1), epochs } }],
    summary: { val_accuracy: { mean: m, std: 0, min: Math.min(...values), max: Math.max(...values), n: values.length, values } },
    ...(label ? { label } : {}),
  };
}

test('the verdict in words: the variant against its original, or what to run for one', () => {
  const variant = rec('optimizer: sgd → adam', [0.84, 0.85, 0.86]);
  assert.match(seedsVerdict(variant, undefined, 3)[0]!, /^Run the original ×3 seeds too/);
  const [line] = seedsVerdict(variant, rec(undefined, [0.6, 0.61, 0.62]), 3);
  // 85 − 61 = 24 points; both samples have std 0.01, so se = √(2 · 0.0001 / 3) = 0.0081650 with
  // df = 4, and the 95 % half-width is t(0.975, 4) = 2.7764451 (a t table) × se = 2.27 points.
  assert.equal(line, '"optimizer: sgd → adam" beat the original by 24.0 ± 2.3 points of val_accuracy over 3 seeds each: not noise (p < 0.001).');
  const close2 = seedsVerdict(rec('lr 0.01 → 0.011', [0.80, 0.82, 0.81]), rec(undefined, [0.81, 0.80, 0.82]), 3);
  assert.match(close2[0]!, /could be noise|tie/);
  const other = seedsVerdict(rec('epochs 2 → 4', [0.8, 0.81], 4), rec(undefined, [0.7, 0.71]), 3);
  assert.match(other[1]!, /the original ran 2 epochs, the variant 4/);
});

test('a stored run of seeds replays every seed: the earlier ones as start, epochs and end, then the last', () => {
  const events = threeSeeds('R');
  const g = new SeedGroup('R', 3);
  for (const e of events) g.push(e as RunEvent & { runId: string });
  const last = g.last()!;
  const stored: StoredRun = { ...last, savedAt: '', full: false, batches: [], outcomes: [], seeds: g.summary([]) };
  const replay = storedEvents(stored);
  assert.deepEqual(replay.map((e) => `${e.type}:${(e as { runId: string }).runId.slice(2)}`), events.map((e) => `${e.type}:${(e as { runId: string }).runId.slice(2)}`));
});
