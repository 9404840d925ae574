/**
 * Running one experiment: resolve its spec, load its dataset, build its model, train it, keep the
 * trained model for experiments that reuse it. Reports through `emit` only (never calls UI code).
 * Stops between two batches when `signal` is aborted.
 */
import * as tf from '@tensorflow/tfjs';
import type { EndEvent, ErrorEvent, RunRequest } from '../protocol/events';
import { initBackend } from './backend';
import { buildModel, fingerprintOf } from './build';
import { Cancelled, type Emit } from './context';
import { loadDataset, type Prepared } from './data/prepare';
import { taskOf } from './losses';
import { SpecError } from './model';
import { ModelStore } from './modelStore';
import { resolveSpec } from './spec';
import { train } from './train';
import { twinStart } from './twin';
import type { PauseGate } from './pause';

export { ModelStore, type Emit };

export const defaultStore = new ModelStore();

export interface RunResult {
  end?: EndEvent;
  error?: ErrorEvent;
}

/**
 * For the benchmark (`deep-lessons bench`): data given ready-made instead of loaded from the spec's
 * dataset, so that the benchmark times the very loop the lessons use on random data of any shape.
 */
export interface RunHooks {
  dataset?: Prepared;
  /** Pause, resume and step one epoch (the trainer's buttons). */
  pause?: PauseGate;
}

/**
 * Run one experiment to its end. Never throws: failures become an `error` event (also returned).
 */
export async function runExperiment(req: RunRequest, emit: Emit, signal: AbortSignal, store: ModelStore = defaultStore, hooks: RunHooks = {}): Promise<RunResult> {
  try {
    const end = await runInner(req, emit, signal, store, 0, hooks);
    return { end };
  } catch (e) {
    if (e instanceof Cancelled || signal.aborted) {
      // Stopped while the dataset loaded or the model was built: a cancelled run, not an error.
      const end: EndEvent = { type: 'end', runId: req.runId, status: 'cancelled', epochsRun: 0, final: {}, seconds: 0, samplesPerSecond: 0, tensorsBefore: 0, tensorsAfter: 0 };
      emit(end);
      return { end };
    }
    const err = e as Error & { where?: string };
    const error: ErrorEvent = { type: 'error', runId: req.runId, message: err.message, ...(err.where || e instanceof SpecError ? { where: err.where } : {}) };
    emit(error);
    return { error };
  }
}

async function runInner(req: RunRequest, emit: Emit, signal: AbortSignal, store: ModelStore, depth: number, hooks: RunHooks = {}): Promise<EndEvent> {
  const { runId, options } = req;
  const spec = resolveSpec(req.spec, options);
  const backend = await initBackend(options.backend ?? 'auto');
  const seed = spec.training.seed;
  const tensorsBefore = tf.memory().numTensors;

  const data =
    hooks.dataset ??
    (await loadDataset(spec.dataset, {
      dataDir: options.dataDir,
      cacheDir: options.cacheDir,
      seed: spec.dataset.seed ?? seed,
      signal,
      onProgress: (p) => emit({ type: 'dataset', runId, ...p }),
    }));
  if (signal.aborted) throw new Cancelled();
  if (req.prepareOnly) {
    const end: EndEvent = { type: 'end', runId, status: 'completed', epochsRun: 0, final: {}, seconds: 0, samplesPerSecond: 0, tensorsBefore, tensorsAfter: tf.memory().numTensors };
    emit(end);
    return end;
  }

  const task = taskOf(spec, data);
  const model = await buildModel(req, spec, data, task, emit, store, depth, (depReq, relay) => runInner(depReq, relay, signal, store, depth + 1));
  let ownsModel = true;
  try {
    const twin = req.twin && twinStart(model, spec, model.layers.length - spec.model.layers.length, resolveSpec(req.twin.spec, options), req.experiment);
    if (twin && req.twin?.label) twin.label = req.twin.label;
    const emitRun: Emit = twin ? (e) => emit(e.type === 'start' ? { ...e, twin } : e) : emit;
    const end = await train({ req, spec, data, task, model, emit: emitRun, signal, backend: backend.name, backendReason: backend.reason, tensorsBefore, ...(depth === 0 && hooks.pause ? { pause: hooks.pause } : {}) });
    if (end.status !== 'cancelled' && end.status !== 'diverged') {
      store.set(req.experiment, model, fingerprintOf(spec), options.modelDir);
      ownsModel = false;
    }
    return end;
  } finally {
    if (ownsModel) model.dispose();
  }
}
