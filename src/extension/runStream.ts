/**
 * What the host keeps of a run while it streams, and how it posts it to panels: batch events are
 * coalesced into at most `ratePerSecond` messages a second (start, epoch, end and error go out at
 * once, with whatever batches are pending before them), and the run so far is kept, with its
 * batch points decimated, so that a panel opened mid-run can be replayed to the present.
 * Pure (no `vscode`, timers injected), so it is unit-tested with a fake clock.
 */
import { estimateTimeLeft } from '../protocol/eta';
import type { BatchEvent, EpochEvent, RunEvent, RunRecord } from '../protocol/events';

/** At most `max` items, evenly strided, always keeping the first and the last. */
export function decimate<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return items.length ? [items[items.length - 1]!] : [];
  const stride = Math.ceil((items.length - 1) / (max - 1));
  const out: T[] = [];
  for (let i = 0; i < items.length - 1; i += stride) out.push(items[i]!);
  out.push(items[items.length - 1]!);
  return out;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface RunStreamOptions {
  /** Messages per second at most for batch points (default 4). */
  ratePerSecond?: number;
  /** Batch points kept for replay (default 2000); older ones are thinned, never the newest. */
  maxReplayBatches?: number;
  clock?: Clock;
}

export class RunStream {
  private readonly trace: RunEvent[] = [];
  private batchCount = 0;
  private pending: RunEvent[] = [];
  private timer: unknown;
  private lastPost = -Infinity;
  private readonly interval: number;
  private readonly maxReplayBatches: number;
  private readonly clock: Clock;
  private readonly epochs: EpochEvent[] = [];
  readonly record: RunRecord;
  /** When the run started on the host, for the time-left estimate. */
  readonly startedAt: number;
  lastBatch?: BatchEvent;
  /** When the first batch arrived (the time before it, starting up, does not repeat). */
  private firstBatch?: { at: number; steps: number };

  constructor(
    readonly runId: string,
    readonly key: string,
    readonly full: boolean,
    private readonly post: (events: RunEvent[]) => void,
    options: RunStreamOptions = {},
  ) {
    this.interval = 1000 / Math.max(0.1, options.ratePerSecond ?? 4);
    this.maxReplayBatches = Math.max(2, options.maxReplayBatches ?? 2000);
    this.clock = options.clock ?? realClock;
    this.record = { runId, experiment: key, epochs: this.epochs };
    this.startedAt = this.clock.now();
  }

  get finished(): boolean {
    return this.record.end !== undefined || this.record.error !== undefined;
  }

  push(event: RunEvent): void {
    switch (event.type) {
      case 'batch':
        this.lastBatch = event;
        this.firstBatch ??= { at: this.clock.now(), steps: event.step + 1 };
        this.keep(event);
        this.pending.push(event);
        this.schedule();
        return;
      case 'start':
        this.record.start = event;
        break;
      case 'epoch':
        this.epochs.push(event);
        break;
      case 'end':
        this.record.end = event;
        break;
      case 'error':
        this.record.error = event;
        break;
      case 'dataset':
      case 'log':
        // Not kept for replay; posted as they come (rare).
        this.pending.push(event);
        this.flush();
        return;
    }
    this.trace.push(event);
    this.pending.push(event);
    this.flush();
  }

  private keep(event: BatchEvent): void {
    this.trace.push(event);
    this.batchCount += 1;
    if (this.batchCount <= this.maxReplayBatches) return;
    // Thin the batch points: drop every other one, keeping the newest.
    let seen = 0;
    const total = this.batchCount;
    const kept: RunEvent[] = [];
    for (const e of this.trace) {
      // Batch points with histograms are sparse already and carry the heat maps' columns: kept.
      if (e.type !== 'batch' || e.inside) {
        kept.push(e);
        continue;
      }
      seen += 1;
      if (seen % 2 === 1 || seen === total) kept.push(e);
    }
    this.trace.length = 0;
    this.trace.push(...kept);
    this.batchCount = kept.filter((e) => e.type === 'batch').length;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastPost + this.interval - this.clock.now());
    if (wait === 0) {
      this.flush();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Posts whatever is pending now. */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.lastPost = this.clock.now();
    this.post(events);
  }

  /** The run so far, for a panel that was not watching: start, batches (thinned), epochs, end. */
  replay(): RunEvent[] {
    return [...this.trace];
  }

  /** The batch points kept so far. */
  batches(): BatchEvent[] {
    return this.trace.filter((e): e is BatchEvent => e.type === 'batch');
  }

  /** Seconds left, from this run's measured pace (see protocol/eta.ts). */
  secondsLeft(): number | undefined {
    const start = this.record.start;
    const b = this.lastBatch;
    if (!start || !b) return undefined;
    return estimateTimeLeft({
      epochs: start.epochs,
      batchesPerEpoch: start.batchesPerEpoch,
      stepsDone: b.step + 1,
      epochSeconds: this.record.epochs.map((e) => e.seconds),
      sinceFirst: this.firstBatch ? { steps: this.firstBatch.steps, seconds: (this.clock.now() - this.firstBatch.at) / 1000 } : undefined,
    });
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
