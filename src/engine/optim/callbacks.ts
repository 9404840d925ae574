/**
 * Callbacks the custom training loop calls: early stopping with restore-best-weights (tfjs's
 * EarlyStopping cannot restore), weight snapshots, and the learning-rate finder's arithmetic.
 */
import * as tf from '@tensorflow/tfjs';
import type { LrFinderResult } from '../../protocol/events';
import type { EarlyStoppingSpec, LrFinderSpec } from '../../protocol/spec';
import { lrSuggestions } from '../lrSuggest';
import { isImprovement } from './schedules';

// ---------------------------------------------------------------- weight snapshots

/**
 * Copies of the variables' current values, kept (`tf.keep`) so that no tidy scope disposes them.
 * The copy is cheap (it shares the data until the variable is next assigned, which gives the
 * variable new data and leaves the copy's untouched). Dispose with `disposeSnapshot`.
 */
export function snapshot(vars: readonly tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => tf.keep(tf.clone(v)));
}

/** Writes a snapshot back into the same variables, in the same order. The snapshot stays valid. */
export function restore(vars: readonly tf.Variable[], snap: readonly tf.Tensor[]): void {
  if (vars.length !== snap.length) throw new Error(`restore: ${vars.length} variables but a snapshot of ${snap.length}`);
  vars.forEach((v, i) => {
    const s = snap[i];
    if (v.shape.length !== s.shape.length || v.shape.some((d, k) => d !== s.shape[k])) {
      throw new Error(`restore: variable ${v.name} has shape [${v.shape.join(', ')}] but its snapshot [${s.shape.join(', ')}]`);
    }
  });
  vars.forEach((v, i) => v.assign(snap[i]));
}

export function disposeSnapshot(snap: readonly tf.Tensor[] | undefined): void {
  if (snap) for (const t of snap) t.dispose();
}

// ---------------------------------------------------------------- early stopping

/**
 * Keras 3's EarlyStopping (keras/src/callbacks/early_stopping.py). After each epoch: the monitored
 * value improved when it is lower than best − min_delta (losses) or higher than best + min_delta
 * (accuracies); then the count of bad epochs restarts at 0 and, with restore_best_weights, the
 * weights are snapshotted (the previous snapshot disposed), and training goes on. Otherwise the
 * count grows by one; when it reaches `patience` (and the epoch is not the first) training stops.
 * So `patience: 0` stops at the first epoch that does not improve, never on one that does (TF 2's
 * Keras checked the count after an improvement too and stopped on it).
 * The loop then calls `restore(vars)` to bring back the best
 * weights, and `dispose()` at the end of the run.
 */
export class EarlyStopping {
  best: number;
  bestEpoch: number | undefined;
  wait = 0;
  stoppedEpoch: number | undefined;
  private bestWeights: tf.Tensor[] | undefined;
  private warnedMissing = false;

  constructor(readonly spec: EarlyStoppingSpec) {
    this.best = /acc/.test(spec.monitor) ? -Infinity : Infinity;
  }

  onEpochEnd(epoch: number, logs: Record<string, number | undefined>, vars: readonly tf.Variable[]): { stop: boolean; note?: string } {
    const { monitor, patience, min_delta, restore_best_weights } = this.spec;
    const current = logs[monitor];
    if (current === undefined || Number.isNaN(current)) {
      if (this.warnedMissing) return { stop: false };
      this.warnedMissing = true;
      return { stop: false, note: `early stopping: \`${monitor}\` is not measured in this run, so it cannot stop training (monitor another metric, or add validation data)` };
    }
    this.wait += 1;
    if (isImprovement(monitor, current, this.best, min_delta)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (restore_best_weights) {
        disposeSnapshot(this.bestWeights);
        this.bestWeights = snapshot(vars);
      }
      return { stop: false };
    }
    if (this.wait >= patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      const best = this.bestEpoch === undefined ? '' : ` (best ${fmt(this.best)} at epoch ${this.bestEpoch + 1})`;
      return { stop: true, note: `early stopping at epoch ${epoch + 1}: ${monitor} has not improved for ${this.wait} epoch${this.wait === 1 ? '' : 's'}${best}` };
    }
    return { stop: false };
  }

  /** Writes the best weights back; returns the epoch (from 0) they come from, or undefined if none were kept. */
  restore(vars: readonly tf.Variable[]): number | undefined {
    if (!this.bestWeights || this.bestEpoch === undefined) return undefined;
    restore(vars, this.bestWeights);
    return this.bestEpoch;
  }

  dispose(): void {
    disposeSnapshot(this.bestWeights);
    this.bestWeights = undefined;
  }
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

// ---------------------------------------------------------------- learning-rate finder

/**
 * The finder's rate at iteration i of n (from 0): exponential growth from min to max,
 * η_i = min · (max/min)^(i/(n−1)), so the first iteration uses min and the last one max
 * (with n = 1, min). Each step multiplies the rate by (max/min)^(1/(n−1)).
 */
export function lrFinderRate(i: number, n: number, minLr: number, maxLr: number): number {
  if (n <= 1) return minLr;
  return minLr * (maxLr / minLr) ** (i / (n - 1));
}

/**
 * The loss the finder watches: an exponential moving average with bias correction,
 * avg_i = β avg_{i−1} + (1 − β) loss_i (avg_{−1} = 0), smoothed_i = avg_i / (1 − β^(i+1)), β = 0.98.
 * Stop rule: stop once the smoothed loss exceeds stop_factor × the lowest smoothed loss so far,
 * or the raw loss is not finite (it exploded).
 */
export class SmoothedLoss {
  private avg = 0;
  private count = 0;
  best = Infinity;

  constructor(
    readonly stopFactor: number,
    readonly beta = 0.98,
  ) {}

  push(loss: number): { smoothed: number; stop: boolean } {
    if (!Number.isFinite(loss)) return { smoothed: loss, stop: true };
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    this.count += 1;
    const smoothed = this.avg / (1 - this.beta ** this.count);
    const stop = smoothed > this.stopFactor * this.best;
    if (smoothed < this.best) this.best = smoothed;
    return { smoothed, stop };
  }
}

/**
 * The finder as one object for the loop: `rate(i)` before iteration i, `record(lr, loss)` after
 * it (true means stop), `result()` at the end: the curve (smoothed loss) and its suggestions.
 */
export class LrFinder {
  readonly lrs: number[] = [];
  readonly losses: number[] = [];
  private readonly tracker: SmoothedLoss;

  constructor(
    readonly spec: LrFinderSpec,
    readonly iterations: number,
  ) {
    if (!(spec.max_lr > spec.min_lr)) {
      throw new Error(`training.lr_finder.max_lr: must be greater than min_lr (${spec.max_lr} ≤ ${spec.min_lr})`);
    }
    this.tracker = new SmoothedLoss(spec.stop_factor);
  }

  rate(i: number): number {
    return lrFinderRate(i, this.iterations, this.spec.min_lr, this.spec.max_lr);
  }

  record(lr: number, loss: number): boolean {
    const { smoothed, stop } = this.tracker.push(loss);
    this.lrs.push(lr);
    this.losses.push(smoothed);
    return stop;
  }

  /**
   * The curve and the three suggestions; `suggestedLr` is the minimum ÷ 10 (what `expect` reads as
   * `suggested_lr`). Undefined when too few finite losses were recorded to suggest anything.
   */
  result(): LrFinderResult | undefined {
    const suggestions = lrSuggestions(this.lrs, this.losses);
    const min = suggestions.find((s) => s.kind === 'minimum');
    if (!min) return undefined;
    return { lrs: this.lrs, losses: this.losses, suggestedLr: min.lr, bestLr: min.lr * 10, suggestions };
  }
}
