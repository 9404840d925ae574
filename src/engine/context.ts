/** What every part of a run shares: where its events go, and the signal that a stop was asked. */
import type { RunEvent } from '../protocol/events';
import type { PauseGate } from './pause';

export type Emit = (event: RunEvent) => void;

/** Thrown inside a run when its `AbortSignal` fires before training starts (while loading or building). */
export class Cancelled extends Error {}

/**
 * The stop check of every long loop (training, evaluation, MC dropout, the LR finder): yields to
 * the event loop once `everyMs` has passed, so that a stop message (or Ctrl-C) can arrive, then
 * says whether the run was asked to stop. Loops call it between units of work that each take well
 * under 250 ms (a training step, an evaluation chunk, one MC dropout pass).
 */
export class Stopper {
  private last = Date.now();

  constructor(
    readonly signal: AbortSignal,
    private readonly everyMs = 25,
    private readonly pause?: PauseGate,
  ) {}

  /** Whether the loop has run `everyMs` since its last turn (cheap; for loops whose units take microseconds: `if (stop.due()) await stop.check()`). */
  due(): boolean {
    return Date.now() - this.last >= this.everyMs;
  }

  async stopped(): Promise<boolean> {
    // Paused: wait here, between two units of work, until resumed, stepped or stopped.
    if (this.pause?.current === 'paused') {
      await this.pause.wait(this.signal);
      this.last = Date.now();
    }
    if (Date.now() - this.last >= this.everyMs) {
      await new Promise<void>((r) => setImmediate(r));
      this.last = Date.now();
    }
    return this.signal.aborted;
  }

  /** As `stopped`, throwing `Cancelled` (for loops that end the run when stopped). */
  async check(): Promise<void> {
    if (await this.stopped()) throw new Cancelled();
  }
}

/** The number of values in one example of the given shape. */
export function widthOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
