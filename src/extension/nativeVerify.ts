/**
 * Checks a tfjs-node installation the way the learner's runs will use it: a fresh trainer process
 * (dist/trainer.js, the same runtime as real runs) is handed the folder and asked to train one step
 * of a tiny model on synthetic data with the backend forced to `tensorflow`. The extension host
 * itself never loads the module. No `vscode` here.
 */
import { ExperimentSpec } from '../protocol/spec';
import type { TrainerToHost } from '../protocol/events';
import type { VerifyResult } from './nativeInstall';
import { TrainerClient, type LogLevel } from './trainerClient';

/** The environment variables through which the trainer is handed a tfjs-node folder (engine/backend.ts reads them). */
export const TFJS_NODE_ENV = 'DEEP_LESSONS_TFJS_NODE';
export const TFJS_NODE_SOURCE_ENV = 'DEEP_LESSONS_TFJS_NODE_SOURCE';

/** One step: 48 training examples of 4 features in one batch of 64, one Dense layer, one epoch. */
export const VERIFY_SPEC = ExperimentSpec.parse({
  title: 'native backend check',
  dataset: { name: 'blobs', samples: 64, features: 4, num_classes: 3, val_size: 0, test_size: 16 },
  model: { layers: [{ type: 'Dense', units: 3, activation: 'softmax' }] },
  training: { epochs: 1, batch_size: 64, optimizer: { name: 'sgd', learning_rate: 0.01 } },
});

export interface VerifyOptions {
  trainerPath: string;
  /** The Node executable runs use (the `deepLessons.trainerRuntime` setting), else VS Code's own. */
  runtime?: string;
  log?: (level: LogLevel, message: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export function verifyNative(prefix: string, o: VerifyOptions): Promise<VerifyResult> {
  const t0 = Date.now();
  const client = new TrainerClient({
    trainerPath: o.trainerPath,
    runtime: () => o.runtime,
    log: o.log,
    env: { [TFJS_NODE_ENV]: prefix, [TFJS_NODE_SOURCE_ENV]: 'the installation being checked' },
  });
  const runId = `native-check-${process.pid}-${t0}`;
  return new Promise<VerifyResult>((resolve) => {
    let backend: string | undefined;
    let reason: string | undefined;
    const done = (r: Omit<VerifyResult, 'ms'>) => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      client.dispose();
      resolve({ backend, reason, ...r, ms: Date.now() - t0 });
    };
    const timeoutMs = o.timeoutMs ?? 120_000;
    const timer = setTimeout(() => done({ ok: false, error: `the check did not finish within ${timeoutMs / 1000} s` }), timeoutMs);
    const onAbort = () => done({ ok: false, error: 'cancelled' });
    o.signal?.addEventListener('abort', onAbort, { once: true });
    client.onMessage((m: TrainerToHost) => {
      if (m.type === 'start' && m.runId === runId) {
        backend = m.backend;
        reason = m.backendReason;
      } else if (m.type === 'error' && m.runId === runId) {
        done({ ok: false, error: m.message });
      } else if (m.type === 'end' && m.runId === runId) {
        const loss = m.final.loss;
        if (m.status !== 'completed' || loss === undefined || !Number.isFinite(loss)) done({ ok: false, error: `the training step ended ${m.status} with loss ${String(loss)}` });
        else done({ ok: true, loss });
      }
    });
    client.run({ type: 'run', runId, experiment: 'native-check', spec: VERIFY_SPEC, options: { backend: 'tensorflow', epochs: 1, seed: 42 } });
  });
}
