/** Shared test helpers for running the engine in-process. */
import type { EndEvent, EpochEvent, RunEvent, RunOptions, StartEvent } from '../../src/protocol/events';
import { runExperiment, ModelStore } from '../../src/engine';

export interface Collected {
  start?: StartEvent;
  epochs: EpochEvent[];
  end?: EndEvent;
  error?: string;
  events: RunEvent[];
}

export async function run(spec: unknown, options: RunOptions = {}, opts: { experiment?: string; store?: ModelStore; signal?: AbortSignal; onEvent?: (e: RunEvent) => void; dependencies?: Record<string, unknown> } = {}): Promise<Collected> {
  const c: Collected = { epochs: [], events: [] };
  await runExperiment(
    { type: 'run', runId: 't', experiment: opts.experiment ?? 'test/exp', spec: spec as never, dependencies: opts.dependencies as never, options: { backend: 'wasm', ...options } },
    (e) => {
      c.events.push(e);
      if (e.type === 'start') c.start = e;
      else if (e.type === 'epoch') c.epochs.push(e);
      else if (e.type === 'end') c.end = e;
      else if (e.type === 'error') c.error = e.message;
      opts.onEvent?.(e);
    },
    opts.signal ?? new AbortController().signal,
    opts.store ?? new ModelStore(),
  );
  return c;
}

/** The real datasets folder, or a failure that says what is missing. */
export function dataDir(): string {
  const dir = process.env.DEEP_LESSONS_DATA_DIR;
  if (!dir) throw new Error('DEEP_LESSONS_DATA_DIR is not set: point it at a folder with the Fashion-MNIST and MNIST IDX files (scripts/run-tests.mjs sets it, downloading them once into .cache/datasets); this test needs the real data');
  return dir;
}

export const blobs = (extra: Record<string, unknown> = {}) => ({ name: 'blobs', samples: 900, features: 8, num_classes: 3, ...extra });
