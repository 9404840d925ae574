/**
 * Time left in a run, from this run's measured throughput (pure, unit-tested). Once an epoch has
 * ended, its measured duration (training and validation) times the epochs still to go; before,
 * the batches done since the first one was seen over the seconds since then. The time before the
 * first batch (starting the trainer, reading the data, training a reused model first) is left out:
 * it does not repeat.
 */

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
