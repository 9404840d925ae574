import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
type Line = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON lines of several shapes

test('`run --seeds 3 --set … --compare --json`: three seeds per run, twin starts, a seeds summary per run and a comparison', () => {
  const r = cli('run', 'test/fixtures/experiments/blobs.yaml', '--seeds', '3', '--set', 'training.optimizer.learning_rate=0.2', '--compare', '--json', '--batches');
  assert.equal(r.status, 0, r.stderr);
  const lines: Line[] = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const starts = lines.filter((l) => l.type === 'start');
  assert.deepEqual(starts.map((s) => [s.runId, s.seed]), [['cli-1/seed-42', 42], ['cli-1/seed-43', 43], ['cli-1/seed-44', 44], ['cli-2/seed-42', 42], ['cli-2/seed-43', 43], ['cli-2/seed-44', 44]]);
  assert.equal(starts[0].twin, undefined);
  assert.deepEqual(starts[3].twin, { parent: starts[3].experiment, label: 'lr 0.01 → 0.2', shared: ['dense', 'dense_1'], fresh: [] });
  // Twin start: the same first batch, so the same first-batch loss as the original with the same seed.
  const firstLoss = (runId: string) => lines.find((l) => l.type === 'batch' && l.runId === runId)!.loss;
  assert.equal(firstLoss('cli-2/seed-43'), firstLoss('cli-1/seed-43'));

  const seeds = lines.filter((l) => l.type === 'seeds');
  assert.equal(seeds.length, 2);
  assert.equal(seeds[1].variant, 'lr 0.01 → 0.2');
  for (const [k, s] of seeds.entries()) {
    assert.deepEqual(s.seeds, [42, 43, 44]);
    const ends = lines.filter((l) => l.type === 'end' && l.runId.startsWith(`cli-${k + 1}/`));
    const vals = ends.map((e) => e.final.val_accuracy as number);
    const m = (vals[0] + vals[1] + vals[2]) / 3;
    const sd = Math.sqrt(((vals[0] - m) ** 2 + (vals[1] - m) ** 2 + (vals[2] - m) ** 2) / 2);
    assert.deepEqual(s.summary.val_accuracy.values, vals);
    assert.ok(Math.abs(s.summary.val_accuracy.mean - m) < 1e-12);
    assert.ok(Math.abs(s.summary.val_accuracy.std - sd) < 1e-12);
    assert.deepEqual(s.summary.test_accuracy.values, ends.map((e) => e.test.accuracy));
    const met = vals.filter((v) => v > 0.8).length;
    assert.deepEqual(s.expectations.map((e: Line) => [e.text, e.met, e.n]), [['val_accuracy > 0.8', met, 3]]);
  }
  const cmp = lines.at(-1)!;
  assert.equal(cmp.type, 'comparison');
  assert.ok(cmp.metrics.val_accuracy.p >= 0 && cmp.metrics.val_accuracy.p <= 1);
  assert.match(cmp.metrics.test_accuracy.text, /over 3 seeds each/);
});

test('`run --set` refuses a bad path or value with the field and the argument, before training', () => {
  const bad = cli('run', 'test/fixtures/experiments/blobs.yaml', '--set', 'training.optimizer.name=adamw');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /training\.optimizer\.name: unknown optimizer "adamw"; expected one of .* \(from --set training\.optimizer\.name=adamw\)/);
  const noEq = cli('run', 'test/fixtures/experiments/blobs.yaml', '--set', 'training.epochs');
  assert.equal(noEq.status, 2);
  assert.match(noEq.stderr, /expected PATH=VALUE/);
  const tooMany = cli('run', 'test/fixtures/experiments/blobs.yaml', '--seeds', '50');
  assert.equal(tooMany.status, 2);
  assert.match(tooMany.stderr, /--seeds must be from 1 to 20, got 50/);
});
