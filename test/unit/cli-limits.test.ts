import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'cli-limits-'));

/** About 1.1 million parameters over 1,000 epochs of 70,000 examples: far over the default budget of 1,000 G. */
const HUGE = 'dataset: { name: blobs, samples: 100000, features: 8 }\nmodel:\n  layers: [{ type: Dense, units: 1024, activation: relu }, { type: Dense, units: 1024, activation: relu }, { type: Dense, units: 3, activation: softmax }]\ntraining: { epochs: 1000 }\n';
const hugeFile = join(dir, 'huge.yaml');
writeFileSync(hugeFile, HUGE);

test('`run` refuses a run over the budget without --yes, saying what is over and what to do', () => {
  const params = 8 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 3 + 3;
  const work = params * (70_000 * 1000 + 15_000 * 1000 + 15_000);
  const r = cli('run', hugeFile, '--json');
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '', 'nothing ran');
  assert.ok(r.stderr.includes(`${params.toLocaleString('en-US')} parameters`), r.stderr);
  assert.ok(r.stderr.includes(`over the budget: work ${Math.round(work / 1e9).toLocaleString('en-US')} G (budget 1,000 G)`), r.stderr);
  assert.match(r.stderr, /run again with --yes to start it anyway/);
});

test('`run --yes` starts a run over the budget, and the first Ctrl-C ends it as cancelled (exit 130)', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', hugeFile, '--yes', '--json', '--backend', 'wasm'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const started = new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/"type":"epoch"|"type":"start"/.test(out)) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await started;
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, err);
  const end = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; status?: string })
    .find((l) => l.type === 'end');
  assert.equal(end?.status, 'cancelled', out);
  assert.match(err, /stopping… \(Ctrl-C again to quit at once\)/);
});

test('a diverging run exits non-zero and says where it diverged', () => {
  const file = join(dir, 'diverge.yaml');
  writeFileSync(
    file,
    'expect: ["loss is finite"]\ndataset: { name: blobs, samples: 600, features: 4 }\nmodel:\n  layers: [{ type: Dense, units: 16, activation: relu }, { type: Dense, units: 16, activation: relu }, { type: Dense, units: 3, activation: softmax }]\ntraining: { epochs: 3, batch_size: 16, optimizer: { name: sgd, learning_rate: 100000 } }\n',
  );
  const r = cli('run', file, '--backend', 'wasm');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /■ diverged after \d+ epochs?/);
  assert.match(r.stderr, /^diverged: the loss became (NaN|∞) at epoch \d+, step \d+; lowest layer affected: dense\S* \(.*\)\. Lower the learning rate/m);
  assert.match(r.stdout, /✗ loss is finite/);
});
