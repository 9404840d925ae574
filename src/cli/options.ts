/**
 * The command-line options that more than one command takes: whole-number arguments, the
 * backend, and the training options of `run` and `reproduce` (where the data is, the cache, the
 * epochs and the seed).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { BackendChoice } from '../protocol/events';

/** A parser for a whole-number option (0 or more) that names the option when it refuses a value. */
export const intArg = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a whole number, got "${v}"`);
  return n;
};

export const backendOption = () => new Option('--backend <name>', 'auto picks tensorflow (tfjs-node) where it loads, else wasm, else cpu').choices(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto');

/** What `trainingOptions` adds, as commander hands it to the action. */
export interface TrainingCliOptions {
  backend: BackendChoice;
  dataDir?: string;
  cacheDir?: string;
  epochs?: number;
  seed?: number;
}

/** Adds --backend, --data-dir, --cache-dir, --epochs (with this help) and --seed to a command. */
export function trainingOptions(command: Command, epochsHelp = 'override the number of epochs'): Command {
  return command
    .addOption(backendOption())
    .option('--data-dir <dir>', 'a folder with the Fashion-MNIST / MNIST IDX files, looked in before the cache (default: $DEEP_LESSONS_DATA_DIR)')
    .option('--cache-dir <dir>', 'where downloaded datasets are cached')
    .option('--epochs <n>', epochsHelp, intArg('--epochs'))
    .option('--seed <n>', 'override the seed', intArg('--seed'));
}
