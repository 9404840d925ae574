/**
 * A layer's health on the probe batch, from its block's outputs ([examples × units], row-major):
 * mean and standard deviation (SELU's self-normalizing band), the fraction of dead ReLUs (units
 * that output exactly 0 for every example) and the fraction of saturated sigmoid or tanh outputs
 * (within 0.01 of the activation's bounds).
 */
import type { ActivationStats, LayerHealth } from '../protocol/events';
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

export function layerHealth(values: Float32Array, units: number, activation: string): LayerHealth {
  const n = units > 0 ? Math.floor(values.length / units) : 0;
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (values[i] === 0) zeros++;
  }
  const count = Math.max(1, values.length);
  const mean = sum / count;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] - mean;
    sq += d * d;
  }
  const health: LayerHealth = { activation, mean, std: Math.sqrt(sq / count), zeroFraction: zeros / count };
  if (RELU_FAMILY.has(activation) && n > 0) {
    let dead = 0;
    for (let u = 0; u < units; u++) {
      let alive = false;
      for (let e = 0; e < n && !alive; e++) alive = values[e * units + u] !== 0;
      if (!alive) dead++;
    }
    health.deadFraction = dead / units;
  }
  const bounds = BOUNDS[activation];
  if (bounds) {
    let sat = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v <= bounds[0] + SATURATION_MARGIN || v >= bounds[1] - SATURATION_MARGIN) sat++;
    }
    health.saturatedFraction = sat / count;
  }
  return health;
}

/**
 * The activation statistics (`activations.ts`) of a block whose outputs were read for its health:
 * the same probe batch through the same weights, so no second forward pass is needed. Mean, std
 * and zeros from the health; saturation by the statistics' own rule (|sigmoid − 0.5| > 0.49,
 * |tanh| > 0.98).
 */
export function statsFromRead(values: Float32Array, h: LayerHealth): ActivationStats {
  const s: ActivationStats = { mean: h.mean, std: h.std, zeroFraction: h.zeroFraction ?? 0 };
  const [centre, half] = h.activation === 'sigmoid' ? [0.5, 0.49] : h.activation === 'tanh' ? [0, 0.98] : [NaN, NaN];
  if (!Number.isNaN(centre)) {
    let sat = 0;
    for (let i = 0; i < values.length; i++) if (Math.abs(values[i] - centre) > half) sat++;
    s.saturatedFraction = sat / Math.max(1, values.length);
  }
  return s;
}
