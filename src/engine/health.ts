/**
 * A layer's health on the probe batch, from its block's outputs ([examples × units], row-major):
 * mean and standard deviation (SELU's self-normalizing band), the fraction of dead ReLUs (units
 * that output exactly 0 for every example) and the fraction of saturated sigmoid or tanh outputs
 * (within 0.01 of the activation's bounds).
 */
import type { ActivationStats, Histogram, LayerHealth } from '../protocol/events';
import { activationRange, BINS } from './histograms';
import { Activation, Dense, type Model } from './model';

const RELU_FAMILY = new Set(['relu']);
const BOUNDS: Record<string, [number, number]> = { sigmoid: [0, 1], tanh: [-1, 1] };
/** How close to a bound counts as saturated. */
export const SATURATION_MARGIN = 0.01;

/**
 * The activation that shapes each instrumented block's output, bottom to top: the Dense layer's,
 * or that of the last Activation layer before the next Dense (BN then Activation, as the book does).
 */
export function blockActivations(model: Model): string[] {
  const out: string[] = [];
  for (const l of model.layers) {
    if (l instanceof Dense) out.push(l.activation);
    else if (l instanceof Activation && out.length > 0 && l.activation !== 'linear') out[out.length - 1] = l.activation;
  }
  return out;
}

/** What one pass over a block's outputs gives: its histogram, its health and its activation statistics. */
export interface BlockSummary {
  histogram: Histogram;
  health: LayerHealth;
  /** As `activations.ts` measures them (its own saturation rule: |sigmoid − 0.5| > 0.49, |tanh| > 0.98). */
  stats: ActivationStats;
}

/**
 * Everything the inspection needs from a block's outputs in one pass: the linear histogram over
 * the activation's fixed range (as `linearHistogram`), mean and std (float64 sums around the first
 * value, so that a nearly constant layer keeps its small spread), zeros, and both saturation counts;
 * then, for ReLUs, the units that are 0 for every example.
 */
export function summarizeBlock(values: Float32Array, units: number, activation: string): BlockSummary {
  const [lo, hi] = activationRange(activation);
  const bins = BINS; // a local: an imported binding may be a getter (module interop) in the hot loop
  const counts = new Float64Array(bins);
  const scale = bins / (hi - lo);
  const last = bins - 1;
  const bounds = BOUNDS[activation];
  const [centre, half] = activation === 'sigmoid' ? [0.5, 0.49] : activation === 'tanh' ? [0, 0.98] : [0, Infinity];
  const shift = values.length ? values[0] : 0;
  const n = values.length;
  let s1 = 0;
  let s2 = 0;
  let zeros = 0;
  let bad = 0;
  // The hot loop (up to 2.6 million values per inspection of the 100-layer net): the bin as a
  // truncation of a non-negative number, non-finite values caught by v − v ≠ 0 (NaN for ±∞ and NaN).
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    if (v === 0) zeros++;
    if (v - v !== 0) {
      bad++;
      continue;
    }
    const t = (v - lo) * scale;
    counts[t <= 0 ? 0 : t >= last ? last : t | 0]++;
  }
  // Saturation only for sigmoid and tanh, in a second pass over their (bounded) outputs.
  let sat = 0;
  let satStats = 0;
  if (bounds) {
    const satLo = bounds[0] + SATURATION_MARGIN;
    const satHi = bounds[1] - SATURATION_MARGIN;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v <= satLo || v >= satHi) sat++;
      if (Math.abs(v - centre) > half) satStats++;
    }
  }
  const count = Math.max(1, n);
  const m = s1 / count;
  const mean = shift + m;
  const std = Math.sqrt(Math.max(0, s2 / count - m * m));
  const health: LayerHealth = { activation, mean, std, zeroFraction: zeros / count };
  const rows = units > 0 ? Math.floor(n / units) : 0;
  if (RELU_FAMILY.has(activation) && rows > 0) {
    let dead = 0;
    for (let u = 0; u < units; u++) {
      let alive = false;
      for (let e = 0; e < rows && !alive; e++) alive = values[e * units + u] !== 0;
      if (!alive) dead++;
    }
    health.deadFraction = dead / units;
  }
  if (bounds) health.saturatedFraction = sat / count;
  const stats: ActivationStats = { mean, std, zeroFraction: zeros / count };
  if (half !== Infinity) stats.saturatedFraction = satStats / count;
  return { histogram: { scale: 'linear', lo, hi, counts: Array.from(counts), nonFinite: bad }, health, stats };
}

export function layerHealth(values: Float32Array, units: number, activation: string): LayerHealth {
  return summarizeBlock(values, units, activation).health;
}
