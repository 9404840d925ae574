/**
 * Learning-rate schedules: pure number functions, and a small driver that the training loop asks
 * for the learning rate (and momentum) before every batch and tells about every epoch's end.
 *
 * A schedule with `per: batch` counts t in iterations (the global step, from 0); with
 * `per: epoch` t is the epoch index (from 0), constant during an epoch.
 */
import type { ScheduleSpec } from '../../protocol/spec';

// ---------------------------------------------------------------- pure functions

/** Power scheduling: η(t) = η0 / (1 + t/s)^c. */
export function powerLr(lr0: number, t: number, steps: number, power: number): number {
  return lr0 / (1 + t / steps) ** power;
}

/** Exponential scheduling: η(t) = η0 · 0.1^(t/s) (divided by 10 every s steps). */
export function exponentialLr(lr0: number, t: number, steps: number): number {
  return lr0 * 0.1 ** (t / steps);
}

/** Piecewise constant: values[i] while t < boundaries[i]; the last value from the last boundary on. */
export function piecewiseConstantLr(t: number, boundaries: readonly number[], values: readonly number[]): number {
  for (let i = 0; i < boundaries.length; i++) if (t < boundaries[i]) return values[i];
  return values[boundaries.length];
}

export interface OneCycleParams {
  /** Iterations in the whole run (n). */
  totalSteps: number;
  maxLr: number;
  /** η0 = maxLr / startDiv. */
  startDiv: number;
  /** The final rate is η0 / endDiv. */
  endDiv: number;
  lastFraction: number;
  maxMomentum: number;
  minMomentum: number;
}

/**
 * The phases of 1cycle over n iterations, as the book's OneCycleScheduler lays them out:
 * L = ⌊n · last_fraction⌋ + 1 final iterations (the book: n // 10 + 1), capped at n, and
 * h = ⌊(n − L) / 2⌋ iterations for each half of the cycle.
 */
export function oneCyclePhases(totalSteps: number, lastFraction: number): { half: number; last: number } {
  const n = Math.max(1, Math.floor(totalSteps));
  const last = Math.min(n, Math.floor(n * lastFraction + 1e-9) + 1);
  return { half: Math.floor((n - last) / 2), last };
}

/**
 * 1cycle at iteration t (from 0), piecewise linear with η0 = max/start_div and
 * η_end = η0/end_div, h and n from `oneCyclePhases`:
 *   0 ≤ t < h:   lr η0 → max,   momentum max_m → min_m   (lr = η0 + (max − η0)·t/h)
 *   h ≤ t < 2h:  lr max → η0,   momentum min_m → max_m   (lr = max + (η0 − max)·(t − h)/h)
 *   2h ≤ t:      lr η0 → η_end over [2h, n], momentum stays max_m
 *                (lr = η0 + (η_end − η0)·min(t − 2h, n − 2h)/(n − 2h))
 * This is the book's interpolation exactly: the last iteration, t = n − 1, is one step short of
 * η_end, which is reached at t = n (and kept after it).
 */
export function oneCycle(t: number, p: OneCycleParams): { lr: number; momentum: number } {
  const n = Math.max(1, Math.floor(p.totalSteps));
  const { half: h } = oneCyclePhases(n, p.lastFraction);
  const lr0 = p.maxLr / p.startDiv;
  const lrEnd = lr0 / p.endDiv;
  const lerp = (a: number, b: number, x: number): number => a + (b - a) * x;
  if (t < h) return { lr: lerp(lr0, p.maxLr, t / h), momentum: lerp(p.maxMomentum, p.minMomentum, t / h) };
  if (t < 2 * h) return { lr: lerp(p.maxLr, lr0, (t - h) / h), momentum: lerp(p.minMomentum, p.maxMomentum, (t - h) / h) };
  const span = n - 2 * h;
  return { lr: lerp(lr0, lrEnd, Math.min(Math.max(t - 2 * h, 0), span) / span), momentum: p.maxMomentum };
}

export type PlateauMonitor = 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';

/** "Improved" means lower for losses, higher for accuracies. */
export function isImprovement(monitor: string, current: number, best: number, minDelta = 0): boolean {
  return /acc/.test(monitor) ? current > best + minDelta : current < best - minDelta;
}

/**
 * Reduce on plateau, as Keras's ReduceLROnPlateau (no cooldown): after each epoch, if `monitor`
 * improved on the best value seen, the count of bad epochs goes back to 0; otherwise it grows by
 * one, and when it reaches `patience` the rate becomes max(lr · factor, min_lr) and the count
 * restarts. So the first reduction comes at the end of the `patience`-th epoch without
 * improvement, not before.
 */
export class PlateauReducer {
  lr: number;
  best: number;
  bestEpoch = -1;
  wait = 0;

  constructor(
    lr0: number,
    readonly monitor: PlateauMonitor,
    readonly factor: number,
    readonly patience: number,
    readonly minLr: number,
    /** Keras's min_delta (default 1e-4): a change smaller than this is no improvement. */
    readonly minDelta = 0,
  ) {
    this.lr = lr0;
    this.best = /acc/.test(monitor) ? -Infinity : Infinity;
  }

  /** Returns the new rate when it changed, else undefined. A missing or NaN value changes nothing. */
  onEpochEnd(epoch: number, value: number | undefined): number | undefined {
    if (value === undefined || Number.isNaN(value)) return undefined;
    if (isImprovement(this.monitor, value, this.best, this.minDelta)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return undefined;
    }
    this.wait += 1;
    if (this.wait < this.patience) return undefined;
    this.wait = 0;
    const next = Math.max(this.lr * this.factor, this.minLr);
    if (next >= this.lr) return undefined;
    this.lr = next;
    return next;
  }
}

// ---------------------------------------------------------------- driver

export interface ScheduleDriver {
  /** lr (and momentum, when the schedule sets one) before iteration `step` (global, from 0) of `epoch` (from 0). */
  atBatch(step: number, epoch: number): { lr: number; momentum?: number };
  /** After an epoch with its logs; may change lr (performance schedule) and returns a note if it did. */
  onEpochEnd(epoch: number, logs: Record<string, number | undefined>): string | undefined;
  /**
   * From now on the schedule's η0 is `lr0` (transfer learning lowers the rate after unfreezing):
   * constant, power, exponential and performance schedules continue from it; piecewise_constant
   * and one_cycle, whose rates are absolute, ignore it.
   */
  rebase(lr0: number): void;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/**
 * The driver for a schedule spec (or a constant rate when there is none). `lr0` is the optimizer's
 * learning rate; `totalSteps` the iterations of the whole run (used by one_cycle).
 * Throws, naming the field, on a spec that the schema alone cannot reject.
 */
export function createSchedule(spec: ScheduleSpec | undefined, lr0: number, totalSteps: number, _stepsPerEpoch: number): ScheduleDriver {
  let base = lr0;
  const noNote = (): undefined => undefined;
  if (!spec) return { atBatch: () => ({ lr: base }), onEpochEnd: noNote, rebase: (lr) => void (base = lr) };
  switch (spec.name) {
    case 'power': {
      const { steps, power, per } = spec;
      return {
        atBatch: (step, epoch) => ({ lr: powerLr(base, per === 'batch' ? step : epoch, steps, power) }),
        onEpochEnd: noNote,
        rebase: (lr) => void (base = lr),
      };
    }
    case 'exponential': {
      const { steps, per } = spec;
      return {
        atBatch: (step, epoch) => ({ lr: exponentialLr(base, per === 'batch' ? step : epoch, steps) }),
        onEpochEnd: noNote,
        rebase: (lr) => void (base = lr),
      };
    }
    case 'piecewise_constant': {
      const { boundaries, values, per } = spec;
      if (values.length !== boundaries.length + 1) {
        throw new Error(
          `training.schedule.values: piecewise_constant needs exactly one more value than boundaries (${boundaries.length} boundaries, ${values.length} values)`,
        );
      }
      for (let i = 1; i < boundaries.length; i++) {
        if (!(boundaries[i] > boundaries[i - 1])) {
          throw new Error(`training.schedule.boundaries[${i}]: boundaries must increase (${boundaries[i - 1]} then ${boundaries[i]})`);
        }
      }
      return {
        atBatch: (step, epoch) => ({ lr: piecewiseConstantLr(per === 'batch' ? step : epoch, boundaries, values) }),
        onEpochEnd: noNote,
        rebase: () => undefined,
      };
    }
    case 'performance': {
      const r = new PlateauReducer(lr0, spec.monitor, spec.factor, spec.patience, spec.min_lr, spec.min_delta);
      return {
        atBatch: () => ({ lr: r.lr }),
        onEpochEnd: (epoch, logs) => {
          const before = r.lr;
          const changed = r.onEpochEnd(epoch, logs[spec.monitor]);
          if (changed === undefined) return undefined;
          const p = spec.patience;
          return `epoch ${epoch + 1}: ${spec.monitor} has not improved for ${p} epoch${p === 1 ? '' : 's'} (best ${fmt(r.best)}): learning rate ${fmt(before)} → ${fmt(changed)}`;
        },
        rebase: (lr) => void (r.lr = lr),
      };
    }
    case 'one_cycle': {
      if (!(totalSteps >= 1)) throw new Error(`training.schedule: one_cycle needs at least one iteration, got ${totalSteps}`);
      if (spec.min_momentum > spec.max_momentum) {
        throw new Error(`training.schedule.min_momentum: must not exceed max_momentum (${spec.min_momentum} > ${spec.max_momentum})`);
      }
      const p: OneCycleParams = {
        totalSteps,
        maxLr: spec.max_lr,
        startDiv: spec.start_div,
        endDiv: spec.end_div,
        lastFraction: spec.last_fraction,
        maxMomentum: spec.max_momentum,
        minMomentum: spec.min_momentum,
      };
      return { atBatch: (step) => oneCycle(step, p), onEpochEnd: noNote, rebase: () => undefined };
    }
    default: {
      const never: never = spec;
      throw new Error(`training.schedule.name: unknown schedule ${JSON.stringify((never as { name: unknown }).name)}`);
    }
  }
}
