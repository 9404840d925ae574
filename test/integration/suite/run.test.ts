import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEvent } from '../../../src/protocol/events';
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
});
