/**
 * Pause, resume and step one epoch, as TensorFlow Playground's play and step buttons: the run
 * waits between two batches while paused (the model stays in memory), and a step runs to the end
 * of the next epoch and pauses again. A stop ends a paused run at once. Pure (no TensorFlow.js).
 */
export type PauseState = 'running' | 'paused' | 'stepping';

export class PauseGate {
  private state: PauseState = 'running';
  private wakers: (() => void)[] = [];

  constructor(private readonly onChange: (state: PauseState) => void = () => undefined) {}

  get current(): PauseState {
    return this.state;
  }

  private set(next: PauseState): boolean {
    if (next === this.state) return false;
    this.state = next;
    if (next !== 'paused') for (const w of this.wakers.splice(0)) w();
    this.onChange(next);
    return true;
  }

  /** Pause between two batches (running or stepping → paused). */
  pause(): boolean {
    return this.set('paused');
  }

  /** Go on training (paused or stepping → running). */
  resume(): boolean {
    return this.set('running');
  }

  /** Paused (or running): train to the end of the next epoch, then pause. */
  step(): boolean {
    return this.set('stepping');
  }

  /** The loop finished an epoch: a step is done. */
  epochEnded(): void {
    if (this.state === 'stepping') this.set('paused');
  }

  /** Resolves when no longer paused, or at once when `signal` is aborted (a stop). */
  async wait(signal: AbortSignal): Promise<void> {
    while (this.state === 'paused' && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.wakers.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }
}
