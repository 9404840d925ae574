/**
 * Every built-in lesson's experiments, run in their default setting on the real data, must show
 * what their `expect` lines say. Lessons are split into shards (one test file each) so that the
 * slow tier can use both cores.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { builtInLessonsDir, evaluateExpectations, loadLessons } from '../../src/lessons';
import { ModelStore } from '../../src/engine';
import { initBackend } from '../../src/engine/backend';
import type { RunRecord } from '../../src/protocol/events';
import type { ExperimentSpec } from '../../src/protocol/spec';
import { run, dataDir } from './engine';

export function lessonShard(shard: number, shards: number): void {
  test(`built-in lessons, shard ${shard + 1} of ${shards}: every experiment's expectations hold`, async (top) => {
    await runShard(top, shard, shards);
  });
}

async function runShard(top: TestContext, shard: number, shards: number): Promise<void> {
  await initBackend('wasm');
  const { lessons, diagnostics } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), [], 'built-in lessons validate');
  const mine = lessons.filter((_, i) => i % shards === shard);
  for (const lesson of mine) {
    const store = new ModelStore();
    const dependencies: Record<string, ExperimentSpec> = {};
    for (const e of lesson.experiments) dependencies[`${lesson.meta.id}/${e.id}`] = e.spec;
    for (const exp of lesson.experiments) {
      const key = `${lesson.meta.id}/${exp.id}`;
      await top.test(`${key}: ${exp.expect.join('; ') || '(no expectations)'}`, async (t) => {
        const c = await run(exp.spec, { dataDir: dataDir() }, { experiment: key, store, dependencies });
        assert.equal(c.error, undefined, `the run failed: ${c.error}`);
        const record: RunRecord = { runId: 't', experiment: key, start: c.start, epochs: c.epochs, end: c.end };
        const results = evaluateExpectations(exp.expect, record);
        t.diagnostic(`${c.end?.seconds.toFixed(1)} s; ${results.map((r) => `${r.met ? 'met' : 'NOT MET'}: ${r.text} (${r.actual})`).join('; ')}`);
        const unmet = results.filter((r) => !r.met);
        assert.deepEqual(unmet, [], `expectations not met:\n${unmet.map((r) => `  ${r.text}   (${r.actual})`).join('\n')}`);
      });
    }
    store.clear();
  }
}
