/**
 * A layer's health on the probe batch, from its block's outputs ([examples × units], row-major):
 * mean and standard deviation (SELU's self-normalizing band), the fraction of dead ReLUs (units
 * that output exactly 0 for every example) and the fraction of saturated sigmoid or tanh outputs
 * (within 0.01 of the activation's bounds).
 */
import type { ActivationStats, Histogram, LayerHealth } from '../protocol/events';
import { activationRange, BINS, PRIME_CALLS } from './histograms';
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
 * The hot loop (up to 2.6 million values per inspection of the 100-layer net), in a function of
 * its own (see `prime` below). Into `sums`: Σ(v − shift), Σ(v − shift)², zeros, non-finite values;
 * into `counts`, the linear bins from `lo` (`scale` bins per unit). It first assumes every value
 * finite (the bin clamped to [0, last] then truncated: no branch on the bin); the sums are finite
 * exactly when every value is (float32 values cannot overflow them), else `exactBins` counts again.
 */
function scanBlock(values: Float32Array, shift: number, lo: number, scale: number, counts: Int32Array, sums: Float64Array): void {
  const last = counts.length - 1;
  let s1 = 0;
  let s2 = 0;
  let zeros = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    if (v === 0) zeros++;
    let t = (v - lo) * scale;
    t = t > 0 ? t : 0;
    t = t < last ? t : last;
    counts[t | 0]++;
  }
  sums[0] = s1;
  sums[1] = s2;
  sums[2] = zeros;
  sums[3] = 0;
  if (!Number.isFinite(s1) || !Number.isFinite(s2)) {
    counts.fill(0);
    sums[3] = exactBins(values, lo, scale, counts);
  }
}

/** The bins again with ±∞ and NaN apart (caught by v − v ≠ 0); returns how many there were. */
function exactBins(values: Float32Array, lo: number, scale: number, counts: Int32Array): number {
  const last = counts.length - 1;
  let bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) {
      bad++;
      continue;
    }
    const t = (v - lo) * scale;
    counts[t <= 0 ? 0 : t >= last ? last : t | 0]++;
  }
  return bad;
}

/** Into `out`: the values ≤ `satLo` or ≥ `satHi` (health), and those with |v − centre| > half (statistics). */
function saturation(values: Float32Array, satLo: number, satHi: number, centre: number, half: number, out: Float64Array): void {
  let sat = 0;
  let satStats = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v <= satLo || v >= satHi) sat++;
    if (Math.abs(v - centre) > half) satStats++;
  }
  out[0] = sat;
  out[1] = satStats;
}

/** The units (columns of `rows` × `units` values) that are 0 for every example. */
function deadUnits(values: Float32Array, units: number, rows: number): number {
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let alive = false;
    for (let e = 0; e < rows && !alive; e++) alive = values[e * units + u] !== 0;
    if (!alive) dead++;
  }
  return dead;
}

// Calls on a tiny input at load, enough for V8 to give these functions type feedback (it
// allocates it after 8 calls: `PRIME_CALLS`): the code after their loops then has it. Without
// that, the first real call is compiled on stack (OSR) mid-loop, and that code, cached and entered
// again at every call, deoptimizes at the loop's end each time (`node --trace-deopt`:
// "Insufficient type feedback"), which made the summaries about three times slower.
const prime = Float32Array.of(0, 1);
for (let k = 0; k < PRIME_CALLS; k++) {
  scanBlock(prime, 0, 0, 1, new Int32Array(BINS), new Float64Array(4));
  scanBlock(Float32Array.of(NaN), 0, 0, 1, new Int32Array(BINS), new Float64Array(4)); // and its way with non-finite values
  exactBins(prime, 0, 1, new Int32Array(BINS));
  saturation(prime, 0, 1, 0, 1, new Float64Array(2));
  deadUnits(prime, 1, 2);
}

/**
 * Everything the inspection needs from a block's outputs in one pass: the linear histogram over
 * the activation's fixed range (as `linearHistogram`), mean and std (float64 sums around the first
 * value, so that a nearly constant layer keeps its small spread), zeros, and both saturation counts;
 * then, for ReLUs, the units that are 0 for every example.
 */
export function summarizeBlock(values: Float32Array, units: number, activation: string): BlockSummary {
  const [lo, hi] = activationRange(activation);
  const counts = new Int32Array(BINS);
  const bounds = BOUNDS[activation];
  const [centre, half] = activation === 'sigmoid' ? [0.5, 0.49] : activation === 'tanh' ? [0, 0.98] : [0, Infinity];
  const n = values.length;
  const shift = n ? values[0] : 0;
  const sums = new Float64Array(4);
  scanBlock(values, shift, lo, BINS / (hi - lo), counts, sums);
  const [s1, s2, zeros, bad] = sums;
  // Saturation only for sigmoid and tanh, in a second pass over their (bounded) outputs.
  if (bounds) saturation(values, bounds[0] + SATURATION_MARGIN, bounds[1] - SATURATION_MARGIN, centre, half, sums);
  const [sat, satStats] = bounds ? sums : [0, 0];
  const count = Math.max(1, n);
  const m = s1 / count;
  const mean = shift + m;
  const std = Math.sqrt(Math.max(0, s2 / count - m * m));
  const health: LayerHealth = { activation, mean, std, zeroFraction: zeros / count };
  const rows = units > 0 ? Math.floor(n / units) : 0;
  if (RELU_FAMILY.has(activation) && rows > 0) health.deadFraction = deadUnits(values, units, rows) / units;
  if (bounds) health.saturatedFraction = sat / count;
  const stats: ActivationStats = { mean, std, zeroFraction: zeros / count };
  if (half !== Infinity) stats.saturatedFraction = satStats / count;
  return { histogram: { scale: 'linear', lo, hi, counts: Array.from(counts), nonFinite: bad }, health, stats };
}

export function layerHealth(values: Float32Array, units: number, activation: string): LayerHealth {
  return summarizeBlock(values, units, activation).health;
}
