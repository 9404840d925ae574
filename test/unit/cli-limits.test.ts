import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
