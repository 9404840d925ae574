/**
 * Every experiment's `full` setting (the book's sizes) must at least start: its dataset sizes exist
 * after the split and the class filter, and its model builds. Each run is stopped at its `start`
 * event, so this costs seconds, not the hours the full runs take. Experiments that reuse another
 * experiment's model are checked through that experiment (their source would be trained first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInLessonsDir, loadLessons } from '../../src/lessons';
import { ModelStore } from '../../src/engine';
import { initBackend } from '../../src/engine/backend';
import { run, dataDir } from '../helpers/engine';

test("every lesson experiment's full setting starts: its data exists and its model builds", async (t) => {
  await initBackend('wasm');
  const { lessons } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  let checked = 0;
  for (const lesson of lessons) {
    for (const exp of lesson.experiments) {
      if (!exp.spec.full || exp.spec.model.reuse) continue;
      const key = `${lesson.meta.id}/${exp.id}`;
      const abort = new AbortController();
      const c = await run(exp.spec, { dataDir: dataDir(), full: true }, { experiment: key, store: new ModelStore(), signal: abort.signal, onEvent: (e) => e.type === 'start' && abort.abort() });
      assert.equal(c.error, undefined, `${key} (full): ${c.error}`);
      assert.ok(c.start, `${key} (full) started`);
      assert.equal(c.end?.status, 'cancelled');
      t.diagnostic(`${key}: ${c.start!.trainSize} train, ${c.start!.valSize} validation, ${c.start!.testSize} test, ${c.start!.epochs} epochs`);
      checked++;
    }
  }
  assert.ok(checked >= 30, `${checked} full settings checked`);
});
