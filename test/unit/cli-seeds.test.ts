import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  // Each seed's expectation line says which seed (and run) it is about.
  const exps = lines.filter((l) => l.type === 'expectations');
  assert.deepEqual(exps.map((e) => [e.runId, e.seed]), starts.map((s) => [s.runId, s.seed]));
  for (const e of exps) {
    const end = lines.find((l) => l.type === 'end' && l.runId === e.runId)!;
    assert.equal(e.results[0].met, end.final.val_accuracy > 0.8);
  }
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

test('`run --seeds N` asks for N times the work of one run: over the budget without --yes, it refuses before training', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-seeds-'));
  try {
    // 8 → 1024 → 1024 → 3: weights and biases counted by hand; 4 epochs of 70,000 training and
    // 15,000 validation examples, then the 15,000 test examples: about 377 G for one seed (within
    // the default budget of 1,000 G), 1,131 G for three.
    const file = join(dir, 'big.yaml');
    writeFileSync(file, 'dataset: { name: blobs, samples: 100000, features: 8 }\nmodel:\n  layers: [{ type: Dense, units: 1024, activation: relu }, { type: Dense, units: 1024, activation: relu }, { type: Dense, units: 3, activation: softmax }]\ntraining: { epochs: 4 }\n');
    const params = 8 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 3 + 3;
    const one = params * (70_000 * 4 + 15_000 * 4 + 15_000);
    assert.ok(one / 1e9 < 1000 && (3 * one) / 1e9 > 1000);
    const r = cli('run', file, '--seeds', '3', '--json');
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '', 'nothing ran');
    assert.ok(r.stderr.includes(`over the budget: work ${Math.round((3 * one) / 1e9).toLocaleString('en-US')} G (budget 1,000 G)`), r.stderr);
    const compare = cli('run', file, '--seeds', '2', '--set', 'training.epochs=4', '--compare', '--json');
    assert.equal(compare.status, 2, compare.stderr);
    assert.ok(compare.stderr.includes(`work ${Math.round((4 * one) / 1e9).toLocaleString('en-US')} G`), `--compare runs the original too: ${compare.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
