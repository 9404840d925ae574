/**
 * The trainer: takes run requests one at a time (later ones wait in a queue), drives the engine,
 * throttles batch events, and stops a run between two batches when asked.
 */
import { PauseGate, runExperiment, runSeeds, type ModelStore, defaultStore } from '../engine';
import { assertNever, type HostToTrainer, type RunEvent, type RunRequest, type TrainerToHost } from '../protocol/events';

export type Send = (msg: TrainerToHost) => void;

export class Trainer {
  private readonly queue: RunRequest[] = [];
  private current: { req: RunRequest; abort: AbortController; pause: PauseGate } | undefined;
  private draining = false;
  private closed = false;
  /** Resolves when the queue is empty and nothing runs. */
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly send: Send,
    private readonly store: ModelStore = defaultStore,
  ) {}

  handle(msg: HostToTrainer): void {
    switch (msg.type) {
      case 'run':
        if (this.closed) return;
        if (this.current?.req.runId === msg.runId || this.queue.some((q) => q.runId === msg.runId)) {
          this.send({ type: 'error', runId: msg.runId, message: `a run with id "${msg.runId}" is already queued or running; give each run its own id`, where: 'message' });
          return;
        }
        this.queue.push(msg);
        if (this.current || this.queue.length > 1) this.send({ type: 'queued', runId: msg.runId, position: this.queue.length });
        void this.drain();
        break;
      case 'stop':
        this.stop(msg.runId);
        break;
      case 'pause':
      case 'resume':
      case 'step': {
        // The run training now (a queued run has nothing to pause yet).
        const c = this.current;
        if (c && (msg.runId === c.req.runId || msg.runId.startsWith(`${c.req.runId}/seed-`))) c.pause[msg.type]();
        break;
      }
      case 'ping':
        this.send({ type: 'pong', id: msg.id });
        break;
      case 'shutdown':
        this.closed = true;
        this.stop();
        break;
      default:
        assertNever(msg, 'message');
    }
  }

  /** Stop the given run (queued or running), or everything. */
  stop(runId?: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const q = this.queue[i];
      if (runId === undefined || q.runId === runId) {
        this.queue.splice(i, 1);
        this.send(cancelledEnd(q.runId));
      }
    }
    if (this.current && (runId === undefined || this.current.req.runId === runId || runId.startsWith(`${this.current.req.runId}/seed-`))) this.current.abort.abort();
  }

  get busy(): boolean {
    return this.current !== undefined || this.queue.length > 0;
  }

  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let req = this.queue.shift(); req; req = this.queue.shift()) {
        const abort = new AbortController();
        const pause = new PauseGate((state) => this.send({ type: 'pauseState', runId: req.runId, state }));
        this.current = { req, abort, pause };
        const throttle = batchThrottle(req.options.maxBatchEventsPerSecond ?? 20);
        let heldInside: RunEvent | undefined;
        try {
          await ((req.seeds ?? 1) > 1 ? runSeeds : runExperiment)(
            req,
            (e: RunEvent) => {
              if (e.type === 'batch') {
                // One rate for every batch point. A point with histograms that the rate holds back is
                // sent in place of the next plain point let through, so histograms are thinned, never lost
                // for good, and the stream stays within the rate.
                if (!throttle()) {
                  if (e.inside) heldInside = e;
                  return;
                }
                const held = heldInside;
                heldInside = undefined;
                if (held && !e.inside) {
                  this.send(held);
                  return;
                }
              }
              this.send(e);
            },
            abort.signal,
            this.store,
            { pause },
          );
        } catch (e) {
          // The engine reports its own errors as events; anything it throws is reported here, and the queue goes on.
          this.send({ type: 'error', runId: req.runId, message: `the run failed: ${e instanceof Error ? e.message : String(e)}`, where: 'trainer' });
        }
        this.current = undefined;
      }
    } finally {
      this.draining = false;
      this.current = undefined;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }
}

function cancelledEnd(runId: string): TrainerToHost {
  return { type: 'end', runId, status: 'cancelled', epochsRun: 0, final: {}, seconds: 0, samplesPerSecond: 0, tensorsBefore: 0, tensorsAfter: 0 };
}

/** True when a batch event may go out now: at most `perSecond` a second. */
export function batchThrottle(perSecond: number, now: () => number = Date.now): () => boolean {
  if (!(perSecond > 0)) return () => true;
  const gap = 1000 / perSecond;
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < gap) return false;
    last = t;
    return true;
  };
}
