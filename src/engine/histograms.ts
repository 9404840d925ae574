/**
 * Fixed-bin histograms of a layer's values, counted in one pass over a Float32Array (the values
 * come back with the step's one read). Activations use linear bins over a range fixed by the
 * block's activation, so that the bins stay the same from step to step (a heat map over time);
 * gradients use log-spaced bins of |g|, 4 per decade from 1e-8 to 1e2.
 */
import type { Histogram } from '../protocol/events';

export const BINS = 40;

/** log10 |g| from −8 to 2: 10 decades, 4 bins each. */
export const GRADIENT_RANGE: readonly [number, number] = [-8, 2];

/** The fixed value range of a block's output histogram, by the block's activation. */
export function activationRange(activation: string): [number, number] {
  switch (activation) {
    case 'sigmoid':
    case 'softmax':
      return [0, 1];
    case 'tanh':
      return [-1, 1];
    case 'relu':
      return [0, 5];
    case 'elu':
    case 'selu':
      return [-2, 4];
    default:
      return [-4, 4];
  }
}

function emptyHistogram(scale: Histogram['scale'], lo: number, hi: number): Histogram {
  return { scale, lo, hi, counts: new Array<number>(BINS).fill(0), nonFinite: 0 };
}

/** Linear bins over [lo, hi]; values outside go to the edge bins, NaN and ±Inf to `nonFinite`. */
export function linearHistogram(values: Float32Array, lo: number, hi: number): Histogram {
  const h = emptyHistogram('linear', lo, hi);
  const counts = h.counts;
  const scale = BINS / (hi - lo);
  let bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      bad++;
      continue;
    }
    let b = Math.floor((v - lo) * scale);
    if (b < 0) b = 0;
    else if (b >= BINS) b = BINS - 1;
    counts[b]++;
  }
  h.nonFinite = bad;
  return h;
}

/**
 * Log-spaced bins of |v| over [10^lo, 10^hi]; smaller magnitudes (zeros too) go to the first bin.
 * `stride` > 1 counts the sample values[0], values[stride], values[2·stride]… only.
 */
export function logHistogram(values: Float32Array, lo = GRADIENT_RANGE[0], hi = GRADIENT_RANGE[1], stride = 1): Histogram {
  const h = emptyHistogram('log', lo, hi);
  const counts = new Float64Array(BINS);
  h.nonFinite = logBins(values, stride, lo, BINS / (hi - lo), 10 ** lo, counts);
  h.counts = Array.from(counts);
  return h;
}

/** The loop of `logHistogram`; returns the non-finite values. Primed below (see `health.ts`). */
function logBins(values: Float32Array, stride: number, lo: number, scale: number, floor: number, counts: Float64Array): number {
  const last = counts.length - 1;
  let bad = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      bad++;
      continue;
    }
    const a = Math.abs(v);
    if (a < floor) {
      counts[0]++;
      continue;
    }
    let b = Math.floor((Math.log10(a) - lo) * scale);
    if (b >= last) b = last;
    else if (b < 0) b = 0;
    counts[b]++;
  }
  return bad;
}

/** Calls that give a function type feedback in V8 (after 8), for the loops primed at load (see `health.ts`). */
export const PRIME_CALLS = 16;
for (let k = 0; k < PRIME_CALLS; k++) logBins(Float32Array.of(0, 1), 1, GRADIENT_RANGE[0], 1, 1e-8, new Float64Array(BINS));
