/**
 * Time left in a run, from this run's measured throughput (pure, unit-tested). Once an epoch has
 * ended, its measured duration (training and validation) times the epochs still to go; before,
 * the batches done since the first one was seen over the seconds since then. The time before the
 * first batch (starting the trainer, reading the data, training a reused model first) is left out:
 * it does not repeat.
 */

import type { HistoryItem } from './webview';

export interface EtaInput {
  epochs: number;
  batchesPerEpoch: number;
  /** Batches done so far (the last batch's step + 1). */
  stepsDone: number;
  /** Measured seconds of each finished epoch. */
  epochSeconds: readonly number[];
  /** When the first batch of this run was seen: the steps done then and the seconds since. */
  sinceFirst?: { steps: number; seconds: number };
}

/** Seconds left, or undefined while there is not enough to go on. */
export function estimateTimeLeft(i: EtaInput): number | undefined {
  const bpe = Math.max(1, i.batchesPerEpoch);
  const total = i.epochs * bpe;
  if (i.stepsDone >= total) return undefined;
  const finished = i.epochSeconds.filter((s) => Number.isFinite(s) && s > 0);
  if (finished.length) {
    // The latest epochs say most about the pace now (the first one includes warm-up).
    const recent = finished.length > 1 ? finished.slice(1) : finished;
    const perEpoch = recent.reduce((a, b) => a + b, 0) / recent.length;
    return perEpoch * Math.max(0, i.epochs - i.stepsDone / bpe);
  }
  const f = i.sinceFirst;
  if (!f) return undefined;
  const done = i.stepsDone - f.steps;
  if (f.seconds < 1 || done < Math.max(2, 0.02 * bpe)) return undefined;
  return ((total - i.stepsDone) * f.seconds) / done;
}

/** Seconds under a minute as `formatApprox` shows them: to the tenth below 10 s (at least 0.1), whole above. */
function asShown(s: number): number {
  return s < 9.95 ? Math.max(0.1, Number(s.toFixed(1))) : s < 59.5 ? Math.round(s) : s;
}

/** A duration as an estimate reads it: "0.4 s", "40 s", "1.5 min", "12 min", "1 h 05 min". */
export function formatApprox(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 59.5) return `${asShown(s)} s`;
  const min = s / 60;
  if (min < 9.95) return `${Number(min.toFixed(1))} min`;
  if (min < 59.5) return `${Math.round(min)} min`;
  const m = Math.round(min);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * The time of N seeds one after the other, from one run's: "≈ 40 s × 3 seeds = 2 min". Under a
 * minute the product is of the time as shown (0.34 s reads "0.3 s × 3 seeds = 0.9 s", not "= 1 s").
 */
export function seedsTimeText(perRun: number, n: number): string {
  return `≈ ${formatApprox(perRun)} × ${n} seeds = ${formatApprox(asShown(Math.max(0, perRun)) * n)}`;
}

export interface SeedsEtaInput {
  /** Seconds left in the seed under way (`estimateTimeLeft`). */
  left: number;
  /** Seconds the seed under way has trained so far (since its first batch). */
  elapsed: number;
  /** Measured seconds of the seeds already finished. */
  finishedSeconds: readonly number[];
  /** Seeds still to start after the one under way. */
  after: number;
}

/**
 * Seconds left in a run of N seeds: the seed under way's, plus the seeds after it at the pace of
 * the seeds finished (their mean), or, before one has finished, at this seed's (so far and left).
 */
export function seedsTimeLeft(i: SeedsEtaInput): number {
  const done = i.finishedSeconds.filter((s) => Number.isFinite(s) && s > 0);
  const perSeed = done.length ? done.reduce((a, b) => a + b, 0) / done.length : i.elapsed + i.left;
  return i.left + Math.max(0, i.after) * perSeed;
}

/**
 * One quick run's time, from an experiment's history (newest first): the newest quick run of the
 * experiment itself that ran to its end, else of a variant of it; undefined when none has.
 */
export function lastRunSeconds(history: readonly HistoryItem[]): number | undefined {
  const quick = history.filter((h) => !h.full && h.seconds !== undefined);
  return (quick.find((h) => !h.variant) ?? quick[0])?.seconds;
}

/** What N seeds will take, for the card: from one run's time when known, else in runs. */
export function seedsCostText(perRun: number | undefined, n: number): string {
  return perRun === undefined ? `Run ×${n} seeds: ${n} runs one after the other (the time shows here once it has run)` : `Run ×${n} seeds: ${seedsTimeText(perRun, n)} (timed on its last run)`;
}
