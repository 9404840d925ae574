import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

test('`check` passes on the built-in lessons and prints file:line:col errors, once each, for broken ones', () => {
  const ok = cli('check', 'lessons/01-vanishing-gradients.lesson.md', 'test/fixtures/lessons/01-tiny.lesson.md');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^2 files OK$/m);
  const bad = cli('check', 'test/fixtures/lessons/broken/bad-experiment.lesson.md');
  assert.equal(bad.status, 1);
  const lines = bad.stderr.trim().split('\n');
  assert.ok(lines.includes('test/fixtures/lessons/broken/bad-experiment.lesson.md:20:14: model.layers[2].units: expected a positive integer up to 4096, got "three"'), bad.stderr);
  const diagnostics = lines.filter((l) => /:\d+:\d+: /.test(l));
  assert.equal(new Set(diagnostics).size, diagnostics.length, 'no diagnostic printed twice');
  assert.match(lines.at(-1)!, /^\d+ errors? in 1 file$/);
});

test('`check` validates a standalone experiment file, and `run` refuses an unknown lesson with the list of lessons', () => {
  const ok = cli('check', 'docs/examples/batch-norm-mlp.yaml');
  assert.equal(ok.status, 0, ok.stderr);
  const missing = cli('run', 'no-such-lesson/x');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no lesson or file "no-such-lesson\/x"\. Lessons: vanishing-gradients, /);
});

test('`list --json` lists every built-in lesson in order with its experiments', () => {
  const r = cli('list', '--json');
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { id: string; order: number; experiments: { id: string }[] }[];
  assert.ok(rows.length >= 13, `${rows.length} lessons`);
  assert.deepEqual(rows.map((l) => l.order), [...rows.map((l) => l.order)].sort((a, b) => a - b));
  assert.equal(rows[0].id, 'vanishing-gradients');
  for (const l of rows) assert.ok(l.experiments.length >= 2, `${l.id} has ${l.experiments.length} experiments`);
});

test('`run --json` on a synthetic experiment prints start, epoch and end lines, and exits 0', () => {
  const r = cli('run', 'test/fixtures/experiments/blobs.yaml', '--json', '--backend', 'wasm');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
  assert.deepEqual([...new Set(lines.map((l) => l.type))], ['start', 'epoch', 'end', 'expectations']);
  assert.equal(lines.filter((l) => l.type === 'epoch').length, 2);
  assert.ok(String(lines.find((l) => l.type === 'start')?.backendReason).length > 5);
});

test('`run` with a bad experiment file exits non-zero with the position of the error', () => {
  const r = cli('run', 'test/fixtures/experiments/bad.yaml');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.yaml:\d+:\d+: training\.epochs: /);
});
