/**
 * Weight initializers, drawn with our own seeded generator so that the same seed gives the same
 * initial weights on every backend. Formulas as Keras's VarianceScaling: σ² = scale / fan, where fan
 * is fan_in, fan_out or their average; the truncated normal is cut at 2σ and rescaled by
 * 0.87962566103423978 so that the variance is still scale / fan.
 */
import type { InitializerSpec } from '../protocol/spec';
import type { Rng } from './rng';

const TRUNCATED_STD = 0.87962566103423978;

interface Scaling {
  scale: number;
  mode: 'fan_in' | 'fan_out' | 'fan_avg';
  distribution: 'truncated_normal' | 'untruncated_normal' | 'normal' | 'uniform';
}

const NAMED: Record<string, Scaling> = {
  glorot_uniform: { scale: 1, mode: 'fan_avg', distribution: 'uniform' },
  glorot_normal: { scale: 1, mode: 'fan_avg', distribution: 'truncated_normal' },
  he_normal: { scale: 2, mode: 'fan_in', distribution: 'truncated_normal' },
  he_uniform: { scale: 2, mode: 'fan_in', distribution: 'uniform' },
  lecun_normal: { scale: 1, mode: 'fan_in', distribution: 'truncated_normal' },
  lecun_uniform: { scale: 1, mode: 'fan_in', distribution: 'uniform' },
};

function truncatedNormal(rng: Rng): number {
  for (;;) {
    const x = rng.normal();
    if (x >= -2 && x <= 2) return x;
  }
}

/** The variance a VarianceScaling initializer aims at, for tests and for the lessons. */
export function targetVariance(spec: InitializerSpec, fanIn: number, fanOut: number): number {
  const s = scalingOf(spec);
  if (!s) {
    if (typeof spec === 'object' && spec.name === 'random_normal') return spec.stddev * spec.stddev;
    if (typeof spec === 'object' && spec.name === 'random_uniform') return (spec.maxval - spec.minval) ** 2 / 12;
    return 0;
  }
  const fan = s.mode === 'fan_in' ? fanIn : s.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
  return s.scale / Math.max(1, fan);
}

function scalingOf(spec: InitializerSpec): Scaling | undefined {
  if (typeof spec === 'string') return NAMED[spec];
  if (spec.name === 'variance_scaling') return { scale: spec.scale, mode: spec.mode, distribution: spec.distribution };
  return undefined;
}

/** Fill a kernel of shape [fanIn, fanOut]. */
export function initKernel(spec: InitializerSpec, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const n = fanIn * fanOut;
  const out = new Float32Array(n);
  if (spec === 'zeros') return out;
  if (spec === 'ones') return out.fill(1);
  if (typeof spec === 'object' && spec.name === 'random_normal') {
    for (let i = 0; i < n; i++) out[i] = spec.mean + spec.stddev * rng.normal();
    return out;
  }
  if (typeof spec === 'object' && spec.name === 'random_uniform') {
    for (let i = 0; i < n; i++) out[i] = spec.minval + (spec.maxval - spec.minval) * rng.next();
    return out;
  }
  const s = scalingOf(spec);
  if (!s) throw new Error(`unknown initializer ${JSON.stringify(spec)}`);
  const variance = targetVariance(spec, fanIn, fanOut);
  if (s.distribution === 'uniform') {
    const limit = Math.sqrt(3 * variance);
    for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * limit;
  } else if (s.distribution === 'truncated_normal') {
    const std = Math.sqrt(variance) / TRUNCATED_STD;
    for (let i = 0; i < n; i++) out[i] = std * truncatedNormal(rng);
  } else {
    const std = Math.sqrt(variance);
    for (let i = 0; i < n; i++) out[i] = std * rng.normal();
  }
  return out;
}
