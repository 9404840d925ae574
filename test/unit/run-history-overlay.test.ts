// The history of a run card: the newest runs kept per experiment (a setting read at each save),
// deleting one, the list the card shows, the original a variant is drawn over, and the overlay's
// series named in the legend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunHistory, type StoredRun } from '../../src/extension/runHistory';
import { historyItems, originalOf, overlayOf } from '../../src/extension/historyView';
import { Overlay } from '../../src/webview/overlay';
import type { EndEvent, EpochEvent, StartEvent } from '../../src/protocol/events';

function start(runId: string, twin?: string): StartEvent {
  return {
    type: 'start', runId, experiment: 'l/e', backend: 'cpu', backendReason: 'test', instrumentedLayers: ['d1'],
    summary: { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 },
    epochs: 2, batchesPerEpoch: 10, trainSize: 320, valSize: 100, testSize: 100, seed: 42, mode: 'train',
    ...(twin ? { twin: { parent: 'l/e', label: twin, shared: ['dense'], fresh: [] } } : {}),
  };
}
const epoch = (runId: string, n: number, acc: number): EpochEvent => ({ type: 'epoch', runId, epoch: n, loss: 1 / n, val_loss: 1.1 / n, val_accuracy: acc, lr: 0.01, seconds: 1 });
const end = (runId: string, acc: number, status: EndEvent['status'] = 'completed'): EndEvent => ({ type: 'end', runId, status, epochsRun: 2, final: { val_accuracy: acc }, seconds: 5, samplesPerSecond: 100, tensorsBefore: 0, tensorsAfter: 0 });

function run(runId: string, acc: number, twin?: string, status: EndEvent['status'] = 'completed'): StoredRun {
  return { runId, experiment: 'l/e', start: start(runId, twin), epochs: [epoch(runId, 1, acc - 0.1), epoch(runId, 2, acc)], end: end(runId, acc, status), savedAt: '2026-11-30T10:51:00Z', full: false, batches: [], outcomes: [] };
}

test('history keeps the newest N runs per experiment (N read at each save), and deletes one by id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-hist-'));
  try {
    let keep = 20;
    const h = new RunHistory(dir, { keep: () => keep });
    for (let i = 1; i <= 25; i++) await h.save(run(`r${i}`, 0.5));
    const kept = await h.list('l/e');
    assert.equal(kept.length, 20);
    assert.equal(kept[0]!.runId, 'r25');
    assert.equal(kept[19]!.runId, 'r6');
    keep = 3; // the setting lowered: the next save prunes to it
    await h.save(run('r26', 0.5));
    assert.deepEqual((await h.list('l/e')).map((r) => r.runId), ['r26', 'r25', 'r24']);
    assert.equal(await h.delete('l/e', 'r25'), true);
    assert.equal(await h.delete('l/e', 'nope'), false);
    assert.deepEqual((await h.list('l/e')).map((r) => r.runId), ['r26', 'r24']);
    // Writes are serialized: concurrent saves and a delete all land.
    keep = 10;
    await Promise.all([h.save(run('a', 0.1)), h.save(run('b', 0.2)), h.delete('l/e', 'r24'), h.save(run('c', 0.3))]);
    assert.deepEqual((await h.list('l/e')).map((r) => r.runId).sort(), ['a', 'b', 'c', 'r26']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the card lists kept runs with their variant and accuracy; a variant is drawn over the newest finished original', () => {
  const runs = [run('v2', 0.8, 'lr 0.01 → 0.1'), run('o2', 0.7, undefined, 'cancelled'), run('o1', 0.6), run('v1', 0.9, 'lr 0.01 → 0.2')];
  const items = historyItems(runs);
  assert.deepEqual(items.map((i) => [i.runId, i.variant, i.accuracy]), [['v2', 'lr 0.01 → 0.1', 0.8], ['o2', undefined, 0.7], ['o1', undefined, 0.6], ['v1', 'lr 0.01 → 0.2', 0.9]]);
  assert.match(items[0]!.detail, /seed 42 · quick · 2 epochs in 5 s$/);
  assert.equal(originalOf(runs)?.runId, 'o1', 'a stopped run is no original to compare with');
  assert.equal(originalOf([runs[0]!]), undefined);
  const o = overlayOf(runs[2]!, 'original');
  assert.deepEqual(o.events.map((e) => e.type), ['start', 'epoch', 'epoch', 'end']);
});

test("the overlay's series: the card's own named by the variant's difference, the original's dashed", () => {
  const ov = new Overlay();
  const base = [{ label: 'train (batches)', data: [], color: 'a' }, { label: 'validation (epochs)', data: [], color: 'b', points: true }];
  assert.deepEqual(ov.series('accuracy', base, undefined, ['c', 'd']), base, 'nothing to tell apart: the labels stay');
  const r = run('o1', 0.6);
  ov.set(overlayOf(r, 'original'));
  const s = ov.series('accuracy', base, 'lr 0.01 → 0.1', ['c', 'd']);
  assert.deepEqual(s.map((x) => x.label), ['lr 0.01 → 0.1: train (batches)', 'lr 0.01 → 0.1: validation (epochs)', 'original: train (batches)', 'original: validation (epochs)']);
  assert.deepEqual(s[3]!.data, [{ x: 1, y: 0.5 }, { x: 2, y: 0.6 }]);
  assert.equal((s[3] as { dashed?: boolean }).dashed, true);
  assert.deepEqual(ov.series('loss', base, undefined, ['c', 'd']).map((x) => x.label)[0], 'this run: train (batches)');
  ov.set(undefined);
  assert.equal(ov.label, undefined);
});
