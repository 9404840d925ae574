/**
 * One request, N seeds: the experiment runs once per seed, one after the other, each as its own
 * run (`<runId>/seed-<seed>`), the first with the experiment's own seed. A stop ends the current
 * seed and skips the rest.
 */
import type { RunRequest } from '../protocol/events';
import { MAX_SEEDS, seedList } from '../protocol/seeds';

export { MAX_SEEDS };
import type { Emit } from './context';
import { defaultStore, runExperiment, type ModelStore, type RunHooks, type RunResult } from './run';
import { resolveSpec } from './spec';


export interface SeedRun extends RunResult {
  seed: number;
  runId: string;
}

export function seedRunId(runId: string, seed: number): string {
  return `${runId}/seed-${seed}`;
}

/** The seeds a request runs: its `seeds` count from its (resolved) seed on. */
export function seedsOf(req: RunRequest): number[] {
  const n = Math.min(Math.max(1, Math.floor(req.seeds ?? 1)), MAX_SEEDS);
  let first: number;
  try {
    first = resolveSpec(req.spec, req.options).training.seed;
  } catch {
    first = req.options.seed ?? 42; // the run reports the spec's error itself
  }
  return seedList(first, n);
}

export async function runSeeds(req: RunRequest, emit: Emit, signal: AbortSignal, store: ModelStore = defaultStore, hooks: RunHooks = {}): Promise<SeedRun[]> {
  const out: SeedRun[] = [];
  for (const seed of seedsOf(req)) {
    if (signal.aborted) break;
    const runId = seedRunId(req.runId, seed);
    const result = await runExperiment({ ...req, runId, seeds: 1, options: { ...req.options, seed } }, emit, signal, store, hooks);
    out.push({ ...result, seed, runId });
    if (result.error) break; // the same error would repeat for every seed
  }
  return out;
}
