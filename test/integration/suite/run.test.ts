import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../../src/protocol/events';
import type { Outcome } from '../../../src/protocol/webview';
import { FIRST_LESSON, api, lessonFacts, lessonsDir, nextEvent, waitFor } from './helpers';

/** Collects the events the host streams to the panel for one experiment. */
function collect(a: Awaited<ReturnType<typeof api>>, key: string) {
  const events: RunEvent[] = [];
  const sub = a.runs.onDidPost((p) => {
    if (p.message.type === 'runEvents' && p.message.key === key && p.message.mode === 'live') events.push(...p.message.events);
  });
  return { events, dispose: () => sub.dispose() };
}

suite('training from a command', () => {
  // The test settings cap runs at 1 epoch (deepLessons.epochsBudget); sizes come from the block.
  test('Run Experiment trains on the local Fashion-MNIST, streams batches and epochs, and ends completed', async () => {
    const a = await api();
    const key = 'vanishing-gradients/relu-he';
    const block = lessonFacts(path.join(lessonsDir(), FIRST_LESSON)).experiments.find((e) => e.id === 'relu-he')!;
    assert.ok(block.trainSize && block.batchSize && block.layers, `the relu-he block names train_size, batch_size and Dense layers (${JSON.stringify(block)})`);
    const stream = collect(a, key);
    const ended = nextEvent('the end of the run', a.runs.onDidEndRun, (r) => r.experiment === key, 240_000);
    try {
      const runId = await vscode.commands.executeCommand<string>('deepLessons.runExperiment', key);
      assert.equal(typeof runId, 'string', 'the command returns the run id');
      const stored = await ended;
      assert.equal(stored.runId, runId);
      assert.equal(stored.error, undefined, stored.error?.message);
      assert.equal(stored.end?.status, 'completed');
      assert.equal(stored.end?.epochsRun, 1, 'one epoch (the epochs budget)');
      assert.equal(stored.start?.trainSize, block.trainSize);
      assert.equal(stored.start?.batchesPerEpoch, Math.ceil(block.trainSize! / block.batchSize!));
      assert.ok(['wasm', 'cpu', 'tensorflow'].includes(stored.start!.backend));

      const types = (t: RunEvent['type']) => stream.events.filter((e) => e.type === t);
      assert.equal(types('start').length, 1, 'one start event streamed');
      assert.equal(types('epoch').length, 1, 'one epoch event streamed');
      assert.equal(types('end').length, 1, 'one end event streamed');
      assert.ok(types('batch').length >= 2, `batch events streamed while training (got ${types('batch').length})`);
      const datasetPhases = types('dataset').map((e) => (e as Extract<RunEvent, { type: 'dataset' }>).phase);
      assert.ok(!datasetPhases.includes('download'), `nothing downloaded (phases: ${datasetPhases.join(', ')})`);
      const epoch = types('epoch')[0] as Extract<RunEvent, { type: 'epoch' }>;
      assert.ok(Number.isFinite(epoch.loss) && epoch.loss > 0, `a finite training loss (${epoch.loss})`);
      // Ten balanced classes: chance is 0.1; one epoch of ReLU + He on thousands of images does far better.
      assert.ok(epoch.val_accuracy! > 0.3 && epoch.val_accuracy! <= 1, `validation accuracy above chance (${epoch.val_accuracy})`);
      assert.equal(epoch.gradNorms?.length, block.layers, `a gradient norm for each of the ${block.layers} Dense layers`);

      assert.ok(a.progress.get('vanishing-gradients').experimentsRun.includes('relu-he'), 'progress records the experiment as run');
      assert.equal(a.runs.phase(key), 'idle');
      assert.equal((await a.history.last(key))?.runId, runId, 'the run is in the history');
    } finally {
      stream.dispose();
    }
  });

  test('Stop Training ends a run mid-way as cancelled, and the CodeLens shows Stop while it runs', async () => {
    const a = await api();
    const key = 'vanishing-gradients/sigmoid-normal';
    const config = vscode.workspace.getConfiguration('deepLessons');
    await config.update('epochsBudget', 0, vscode.ConfigurationTarget.Global); // the lesson's own epochs: long enough to stop
    const stream = collect(a, key);
    const ended = nextEvent('the end of the stopped run', a.runs.onDidEndRun, (r) => r.experiment === key, 240_000);
    try {
      const runId = await vscode.commands.executeCommand<string>('deepLessons.runExperiment', key);
      await waitFor('the first batch', () => {
        const error = stream.events.find((e) => e.type === 'error');
        if (error) throw new Error(`the run failed before its first batch: ${error.message}`);
        return stream.events.some((e) => e.type === 'batch');
      }, 100_000);
      assert.equal(a.runs.phase(key), 'running');

      const facts = lessonFacts(path.join(lessonsDir(), FIRST_LESSON));
      const line = facts.experiments.find((e) => e.id === 'sigmoid-normal')!.line;
      const doc = await vscode.workspace.openTextDocument(facts.file);
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
      const titles = lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title);
      assert.ok(titles.some((t) => t?.includes('Stop (running)')), `the block's CodeLens offers Stop while it runs (got ${JSON.stringify(titles)})`);

      const t0 = Date.now();
      await vscode.commands.executeCommand('deepLessons.stopTraining', key);
      const stored = await ended;
      const ms = Date.now() - t0;
      assert.equal(stored.runId, runId);
      assert.equal(stored.end?.status, 'cancelled');
      const epochs = lessonFacts(facts.file).experiments.find((e) => e.id === 'sigmoid-normal')!.epochs!;
      assert.ok(stored.end!.epochsRun < epochs, `stopped before the ${epochs} epochs (ran ${stored.end!.epochsRun})`);
      assert.ok(ms < 10_000, `stopped within 10 s (${ms} ms)`);
      assert.equal(a.runs.phase(key), 'idle');
    } finally {
      stream.dispose();
      await config.update('epochsBudget', 1, vscode.ConfigurationTarget.Global);
    }
  });
  test('a run of 2 seeds that reuses an experiment not trained yet waits: that experiment trains first, once, as its own run, then the 2 seeds run and reuse it', async () => {
    const a = await api();
    const depKey = 'transfer-learning/task-a';
    const key = 'transfer-learning/b-on-a';
    assert.equal(await a.history.last(depKey), undefined, 'task A has not run in this fresh profile');
    const depTitle = a.catalog.experiment(depKey)!.experiment.title;
    const phases: { key: string; phase: string; waitingFor?: string }[] = [];
    const sub = a.runs.onDidPost((p) => {
      if (p.message.type === 'runPhase' && (p.message.key === key || p.message.key === depKey)) phases.push({ key: p.message.key, phase: p.message.phase, waitingFor: p.message.waitingFor });
    });
    const depStream = collect(a, depKey);
    const stream = collect(a, key);
    const depEnded = nextEvent("task A's own run to end", a.runs.onDidEndRun, (r) => r.experiment === depKey, 300_000);
    const ended = nextEvent('the run of B on A to end', a.runs.onDidEndRun, (r) => r.experiment === key, 420_000);
    try {
      // As the card's "Run ×N seeds" asks (deepLessons.seeds): the seeds must survive the wait.
      const live = await a.runs.run(key, false, 2);
      assert.equal(live, undefined, 'no run of B yet: it waits for task A');
      assert.ok(a.runs.isWaiting(key), 'B waits');
      assert.equal(a.runs.phase(key), 'queued', 'a waiting run counts as queued (tree, CodeLens)');
      const facts = lessonFacts(path.join(lessonsDir(), '05-transfer-learning.lesson.md'));
      const doc = await vscode.workspace.openTextDocument(facts.file);
      const line = facts.experiments.find((e) => e.id === 'b-on-a')!.line;
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
      const titles = lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title);
      assert.ok(titles.some((t) => t?.includes('Stop (queued)')), `the waiting block's CodeLens offers Stop (got ${JSON.stringify(titles)})`);
      assert.notEqual(a.runs.phase(depKey), 'idle', "task A's own run is queued or running");
      assert.deepEqual(phases.find((p) => p.key === key), { key, phase: 'queued', waitingFor: depTitle }, "B's card says what it waits for");

      const dep = await depEnded;
      assert.equal(dep.error, undefined, dep.error?.message);
      assert.equal(dep.end?.status, 'completed');
      assert.equal(dep.end?.epochsRun, 5, "task A trains for its own 5 epochs (not the test settings' budget of 1), as the trainer would for B");
      assert.ok(depStream.events.filter((e) => e.type === 'batch').length >= 2, "task A's batches stream to its own card");
      assert.ok(a.progress.get('transfer-learning').experimentsRun.includes('task-a'), 'task A counts as run');

      const b = await ended;
      assert.equal(b.error, undefined, b.error?.message);
      assert.equal(b.end?.status, 'completed');
      assert.equal(b.end?.epochsRun, 1, 'B runs for the budget of 1 epoch');
      assert.equal(b.seeds?.n, 2, 'B ran as a run of 2 seeds, not one');
      assert.deepEqual(b.seeds?.runs.map((r) => r.end?.status), ['completed', 'completed'], 'both seeds of B ran to their end');
      assert.equal(new Set(b.seeds?.runs.map((r) => r.start?.seed)).size, 2, 'with two different seeds');
      assert.ok(!a.runs.isWaiting(key));
      const retrained = stream.events.filter((e) => e.type === 'log' && /first: this experiment reuses its layers/.test(e.message));
      assert.deepEqual(retrained, [], "B reused the model task A's run left; the trainer did not train task A again inside B's run");
      assert.equal(phases.filter((p) => p.key === key && p.waitingFor).length, 1);
    } finally {
      sub.dispose();
      depStream.dispose();
      stream.dispose();
    }
  });
  test('a diverged run (leaky-relu-deep at a learning rate of 1) marks the expectations on values it lost "not checked", saying where it diverged', async () => {
    const a = await api();
    const key = 'activation-functions/leaky-relu-deep';
    const expect = a.catalog.experiment(key)!.experiment.expect;
    assert.ok(expect.length >= 2 && expect.every((e) => !/ is (finite|nan)$/.test(e) && !/at epoch/.test(e)), `its expectations compare last-epoch values (${expect.join('; ')})`);
    const posted: Outcome[][] = [];
    const resets: unknown[] = [];
    const sub = a.runs.onDidPost((p) => {
      if (p.message.type === 'outcomes' && p.message.key === key) posted.push(p.message.outcomes);
      if (p.message.type === 'runEvents' && p.message.key === key && p.message.reset) resets.push(p.message.values);
    });
    const ended = nextEvent('the end of the diverging run', a.runs.onDidEndRun, (r) => r.experiment === key, 240_000);
    try {
      await a.runs.runVariant(key, { lr: 1 });
      const run = await ended;
      assert.equal(run.error, undefined, run.error?.message);
      assert.equal(run.end?.status, 'diverged', `a learning rate of 1 on 20 leaky ReLU layers diverges (status ${run.end?.status})`);
      const d = run.end!.divergence!;
      const shown = posted.at(-1);
      assert.ok(shown, 'the outcomes went to the card');
      assert.deepEqual(shown.map((o) => o.text), expect);
      for (const o of shown) {
        assert.equal(o.notChecked, `not checked: the run diverged in epoch ${d.epoch} (step ${d.step}); its values from there on are not finite`);
        assert.equal(o.met, false);
      }
      assert.deepEqual(run.outcomes, shown, 'the history keeps the same outcomes');
      // The card and the history know the variant's knobs: the card's "÷ 10" rerun divides this rate.
      assert.deepEqual(resets, [{ lr: 1 }]);
      assert.deepEqual(run.values, { lr: 1 });
    } finally {
      sub.dispose();
    }
  });
});
