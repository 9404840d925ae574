import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decimate, RunStream, type Clock } from '../../src/extension/runStream';
import { RunHistory, historyFileName, type StoredRun } from '../../src/extension/runHistory';
import { finishedRunDetail, outcomesOf, storedEvents } from '../../src/extension/runRecords';
import { metricsCsv } from '../../src/extension/exportMetrics';
import type { BatchEvent, EpochEvent, RunEvent, StartEvent, EndEvent } from '../../src/protocol/events';

function start(runId = 'r', epochs = 2, batchesPerEpoch = 50): StartEvent {
  return {
    type: 'start', runId, experiment: 'l/e', backend: 'cpu', backendReason: 'test', instrumentedLayers: ['d1', 'd2'],
    summary: { layers: [], totalParams: 0, trainableParams: 0, nonTrainableParams: 0 },
    epochs, batchesPerEpoch, trainSize: 1600, valSize: 100, testSize: 100, seed: 1, mode: 'train',
  };
}
function batch(step: number, bpe = 50, runId = 'r'): BatchEvent {
  return { type: 'batch', runId, epoch: Math.floor(step / bpe) + 1, batch: step % bpe, step, loss: 2 - step / 100, lr: 0.01 };
}
function epoch(n: number, runId = 'r'): EpochEvent {
  return { type: 'epoch', runId, epoch: n, loss: 1 / n, val_loss: 1.1 / n, val_accuracy: 0.5 + n / 10, lr: 0.01, seconds: 1 };
}
function end(runId = 'r'): EndEvent {
  return { type: 'end', runId, status: 'completed', epochsRun: 2, final: {}, seconds: 2, samplesPerSecond: 800, tensorsBefore: 0, tensorsAfter: 0 };
}

test('decimate keeps at most max items, the first and the last, evenly strided', () => {
  const xs = Array.from({ length: 1001 }, (_, i) => i);
  const d = decimate(xs, 100);
  assert.ok(d.length <= 100, `length ${d.length}`);
  assert.equal(d[0], 0);
  assert.equal(d[d.length - 1], 1000);
  // stride ceil(1000 / 99) = 11: 0, 11, 22, …, 990, then 1000.
  assert.equal(d[1], 11);
  assert.equal(d.length, 92);
  assert.deepEqual(decimate([1, 2, 3], 5), [1, 2, 3]);
});

class FakeClock implements Clock {
  t = 0;
  timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  now() {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  advance(ms: number) {
    const target = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = target;
  }
}

test('RunStream posts batch points at most ratePerSecond times a second, epochs and the end at once', () => {
  const clock = new FakeClock();
  const posts: RunEvent[][] = [];
  const s = new RunStream('r', 'l/e', false, (ev) => posts.push(ev), { ratePerSecond: 4, clock });
  s.push(start());
  assert.equal(posts.length, 1, 'start goes out at once');
  // 100 batch points over 1 s (one every 10 ms), as a trainer at 100 events/s would send.
  for (let i = 0; i < 100; i++) {
    s.push(batch(i));
    clock.advance(10);
  }
  const batchPosts = posts.slice(1);
  // At 4/s: at most 5 posts in 1 s (one at t=0, then every 250 ms), and no point lost.
  assert.ok(batchPosts.length <= 5, `${batchPosts.length} posts`);
  assert.ok(batchPosts.length >= 4, `${batchPosts.length} posts`);
  const pending = 100 - batchPosts.flat().length;
  s.push(epoch(1));
  const last = posts[posts.length - 1]!;
  assert.equal(last[last.length - 1]!.type, 'epoch', 'an epoch flushes at once, after the pending batches');
  assert.equal(last.length, pending + 1);
  assert.equal(posts.slice(1).flat().filter((e) => e.type === 'batch').length, 100);
  s.push(end());
  assert.equal(s.finished, true);
  assert.equal(s.record.epochs.length, 1);
  assert.equal(s.record.end?.status, 'completed');
});

test('RunStream keeps the run for replay, thinning old batch points beyond the cap', () => {
  const clock = new FakeClock();
  const s = new RunStream('r', 'l/e', false, () => undefined, { maxReplayBatches: 100, clock });
  s.push(start('r', 2, 500));
  for (let i = 0; i < 1000; i++) {
    s.push(batch(i, 500));
    if (i === 499) s.push(epoch(1));
  }
  s.push(epoch(2));
  const replay = s.replay();
  const batches = replay.filter((e): e is BatchEvent => e.type === 'batch');
  assert.ok(batches.length <= 100 && batches.length >= 50, `${batches.length} batch points kept`);
  assert.equal(batches[batches.length - 1]!.step, 999, 'the newest point is kept');
  assert.equal(batches[0]!.step, 0);
  assert.deepEqual(replay.filter((e) => e.type === 'epoch').map((e) => (e as EpochEvent).epoch), [1, 2]);
  assert.equal(replay[0]!.type, 'start');
  // Order is preserved: steps increase and epoch 1 sits between steps 499 and 500.
  const steps = batches.map((b) => b.step);
  assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
  const e1 = replay.findIndex((e) => e.type === 'epoch');
  assert.ok((replay[e1 - 1] as BatchEvent).step <= 499 && (replay[e1 + 1] as BatchEvent).step >= 500);
  // Time left: 10 s of starting up (not counted), then 40 batches in 2 s after the first; 59 to go → 2.95 s.
  clock.advance(10_000);
  const half = new RunStream('h', 'l/e', false, () => undefined, { clock });
  half.push(start('h', 2, 50));
  clock.advance(10_000);
  half.push(batch(0, 50, 'h'));
  clock.advance(2_000);
  half.push(batch(40, 50, 'h'));
  assert.equal(half.secondsLeft(), 2.95);
});

function stored(runId: string, nBatches: number): StoredRun {
  return { runId, experiment: 'lesson-a/exp-b', start: start(runId), epochs: [epoch(1, runId), epoch(2, runId)], end: end(runId), savedAt: new Date(0).toISOString(), full: false, batches: Array.from({ length: nBatches }, (_, i) => batch(i, 50, runId)), outcomes: [{ text: 'val_accuracy > 0.6', met: true, actual: '0.7' }] };
}

test('RunHistory keeps the newest runs per experiment, decimated, in one file each; clear removes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-history-'));
  try {
    const h = new RunHistory(join(dir, 'runs'), { keep: 3, maxBatchPoints: 40 });
    assert.deepEqual(await h.list('lesson-a/exp-b'), []);
    for (let i = 1; i <= 5; i++) await h.save(stored(`run${i}`, 100));
    const list = await h.list('lesson-a/exp-b');
    assert.deepEqual(list.map((r) => r.runId), ['run5', 'run4', 'run3']);
    assert.ok(list[0]!.batches.length <= 40);
    assert.equal(list[0]!.batches[0]!.step, 0);
    assert.equal(list[0]!.batches[list[0]!.batches.length - 1]!.step, 99);
    assert.equal((await h.last('lesson-a/exp-b'))?.outcomes[0]?.met, true);
    assert.deepEqual(readdirSync(join(dir, 'runs')), [historyFileName('lesson-a/exp-b')]);
    assert.equal(historyFileName('lesson-a/exp-b'), 'lesson-a__exp-b.json');
    assert.deepEqual(await h.experiments(), ['lesson-a/exp-b']);
    // Saving the same run id again replaces it.
    await h.save(stored('run5', 10));
    assert.deepEqual((await h.list('lesson-a/exp-b')).map((r) => r.runId), ['run5', 'run4', 'run3']);
    assert.equal((await h.last('lesson-a/exp-b'))?.batches.length, 10);
    await h.clear();
    assert.deepEqual(await h.list('lesson-a/exp-b'), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stored run replays as start, batches and epochs in step order, then end; CSV rows in order', () => {
  const run = stored('x', 100);
  const events = storedEvents(run);
  assert.equal(events[0]!.type, 'start');
  assert.equal(events[events.length - 1]!.type, 'end');
  const e1 = events.findIndex((e) => e.type === 'epoch');
  assert.equal(e1, 51, 'epoch 1 comes after the 50 batches of epoch 1');
  const csv = metricsCsv(run, run.batches).trim().split('\n');
  assert.equal(csv[0], 'kind,epoch,batch,step,loss,accuracy,val_loss,val_accuracy,lr,momentum,seconds');
  assert.equal(csv.length, 1 + 100 + 2);
  assert.equal(csv[51], 'epoch,1,,49,1,,1.1,0.6,0.01,,1');
  assert.equal(csv[50], 'batch,1,49,49,1.51,,,,0.01,,');
});

test('a finished run in the compare picker: date, seed, quick or full, epochs (plural right) and time', () => {
  const run = stored('r', 10);
  run.savedAt = '2026-11-30T10:51:00Z';
  const detail = finishedRunDetail({ ...run, end: { ...end('r'), epochsRun: 1, seconds: 19.4 } });
  assert.match(detail, /^30 Nov 2026, \d\d:51 · seed \d+ · quick · 1 epoch in 19 s$/);
  assert.match(finishedRunDetail({ ...run, full: true, end: { ...end('r'), seconds: 125 } }), / · full size · 2 epochs in 2 min 05 s$/);
  // A run under a second is not "in 0 s".
  assert.match(finishedRunDetail({ ...run, end: { ...end('r'), epochsRun: 2, seconds: 0.41 } }), / · 2 epochs in 0\.4 s$/);
});

test('CSV: one column per instrumented layer for gradient norms and activation statistics, named as expect names them', () => {
  const run = stored('x', 2);
  run.batches = [
    { ...batch(0), gradNorms: [1e-5, 0.02] },
    { ...batch(1), gradNorms: [2e-5, 0.03], activations: [{ mean: 0.5, std: 0.1, zeroFraction: 0 }, { mean: -0.25, std: 0.75, zeroFraction: 0.5 }] },
  ];
  run.epochs = [{ ...epoch(1), gradNorms: [1.5e-5, 0.025] }];
  const [header, b0, b1, e1] = metricsCsv(run, run.batches).trim().split('\n');
  const cols = header!.split(',');
  assert.deepEqual(cols.slice(11), ['grad_norm[1]', 'grad_norm[2]', 'act_mean[1]', 'act_mean[2]', 'act_std[1]', 'act_std[2]', 'zero_fraction[1]', 'zero_fraction[2]']);
  const at = (row: string, name: string) => row.split(',')[cols.indexOf(name)];
  assert.equal(at(b0!, 'grad_norm[1]'), '0.00001');
  assert.equal(at(b0!, 'act_mean[2]'), '');
  assert.equal(at(b1!, 'grad_norm[2]'), '0.03');
  assert.equal(at(b1!, 'act_std[2]'), '0.75');
  assert.equal(at(b1!, 'zero_fraction[2]'), '0.5');
  assert.equal(at(e1!, 'kind'), 'epoch');
  assert.equal(at(e1!, 'grad_norm[1]'), '0.000015');
});

test('a diverged run: expectations on values it no longer has are "not checked" with the reason; the others are checked', () => {
  // Diverged in epoch 3: epochs 1 and 2 finished with finite values, the loss went NaN in epoch 3.
  const record = {
    runId: 'r',
    experiment: 'l/e',
    start: start('r', 5),
    epochs: [epoch(1), epoch(2)],
    end: { ...end('r'), status: 'diverged' as const, epochsRun: 3, divergence: { epoch: 3, batch: 7, step: 107, detail: 'the loss became NaN' } },
  };
  const expect = [
    'loss is finite', // about the divergence: checked, and not met
    'val_accuracy > 0.6', // the final value: not checked
    'val_accuracy > 0.6 at epoch 1', // before the divergence: checked (0.6 is not > 0.6)
    'val_accuracy >= 0.7 at epoch 2', // before the divergence: checked, met
    'loss < 1 at epoch 3', // the epoch it diverged in: not checked
    'epochs_run < 4', // how far it ran: checked, met
  ];
  const out = outcomesOf(expect, record);
  assert.deepEqual(out.map((o) => [o.text, o.notChecked === undefined ? (o.met ? 'met' : 'not met') : 'not checked']), [
    ['loss is finite', 'not met'],
    ['val_accuracy > 0.6', 'not checked'],
    ['val_accuracy > 0.6 at epoch 1', 'not met'],
    ['val_accuracy >= 0.7 at epoch 2', 'met'],
    ['loss < 1 at epoch 3', 'not checked'],
    ['epochs_run < 4', 'met'],
  ]);
  assert.equal(out[1]!.notChecked, 'not checked: the run diverged in epoch 3 (step 107); its values from there on are not finite');
  assert.equal(out[1]!.met, false);
  // The same expectations on a run that completed: every one checked.
  const done = outcomesOf(expect, { ...record, end: end('r') });
  assert.ok(done.every((o) => o.notChecked === undefined));
});
