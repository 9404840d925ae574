import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { trainingOptions } from '../../src/cli/options';

/** A command with the training options, parsing `args`; what commander hands the action, or its error. */
function parse(args: string[]): Record<string, unknown> | string {
  const c = trainingOptions(new Command('t').exitOverride().configureOutput({ writeErr: () => undefined }), 'epochs help');
  try {
    return c.parse(args, { from: 'user' }).opts();
  } catch (e) {
    return (e as Error).message;
  }
}

test('the training options of run and reproduce: whole numbers for --epochs and --seed, the folders, a backend from the list', () => {
  assert.deepEqual(parse(['--epochs', '3', '--seed', '0', '--backend', 'wasm', '--data-dir', '/d', '--cache-dir', '/c']), { backend: 'wasm', epochs: 3, seed: 0, dataDir: '/d', cacheDir: '/c' });
  assert.deepEqual(parse([]), { backend: 'auto' });
  assert.match(String(parse(['--epochs', '2.5'])), /--epochs must be a whole number, got "2.5"/);
  assert.match(String(parse(['--seed', '-1'])), /--seed must be a whole number, got "-1"/);
  assert.match(String(parse(['--backend', 'gpu'])), /Allowed choices are auto, tensorflow, wasm, cpu/);
  const help = trainingOptions(new Command('t'), 'epochs help').helpInformation();
  assert.match(help, /--epochs <n>\s+epochs help/);
});
