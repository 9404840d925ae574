/**
 * Several seeds of one experiment: which seeds, the per-metric summary of their final values, the
 * mean ± 1 standard deviation band of a curve, and how many seeds met each expectation. Pure
 * arithmetic in float64, shared by the CLI, the extension and the webview.
 */

/** At most this many seeds in one request. */
export const MAX_SEEDS = 20;

/** The seeds of an N-seed run: the experiment's own seed first, then the next ones. */
export function seedList(first: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => first + k);
}

export interface SeedStats {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single seed. */
  std: number;
  min: number;
  max: number;
  n: number;
  /** The per-seed values, in seed order. */
  values: number[];
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample variance (n − 1), two-pass for accuracy; 0 for fewer than two values. */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) * (x - m), 0) / (xs.length - 1);
}

export function seedStats(values: readonly number[]): SeedStats {
  return {
    mean: mean(values),
    std: Math.sqrt(sampleVariance(values)),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
    values: [...values],
  };
}

/** The final metrics an N-seed run summarizes, as the run's `end` reports them. */
export interface SeedFinal {
  final: Partial<Record<string, number>>;
  test?: { loss: number; accuracy?: number };
}

/** Per metric (loss, accuracy, val_loss, val_accuracy, test_loss, test_accuracy): the summary over the seeds that report it. */
export function summarizeSeeds(ends: readonly SeedFinal[]): Record<string, SeedStats> {
  const values = new Map<string, number[]>();
  const add = (k: string, v: number | undefined) => {
    if (v === undefined || !Number.isFinite(v)) return;
    values.set(k, [...(values.get(k) ?? []), v]);
  };
  for (const e of ends) {
    for (const [k, v] of Object.entries(e.final)) add(k, v);
    if (e.test) {
      add('test_loss', e.test.loss);
      add('test_accuracy', e.test.accuracy);
    }
  }
  const out: Record<string, SeedStats> = {};
  for (const [k, vs] of values) out[k] = seedStats(vs);
  return out;
}

export interface BandPoint {
  x: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/**
 * Mean ± 1 standard deviation at each x over several curves (one per seed). A curve may be
 * shorter (early stopping): each point uses the seeds that reached it.
 */
export function band(curves: readonly (readonly { x: number; y: number }[])[]): BandPoint[] {
  const at = new Map<number, number[]>();
  for (const c of curves) for (const p of c) if (Number.isFinite(p.y)) at.set(p.x, [...(at.get(p.x) ?? []), p.y]);
  return [...at.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([x, ys]) => {
      const m = mean(ys);
      const s = Math.sqrt(sampleVariance(ys));
      return { x, mean: m, lo: m - s, hi: m + s, n: ys.length };
    });
}

/** "met in k of N seeds", per expectation, from each seed's results (same expectations, same order). */
export function expectationsAcrossSeeds(perSeed: readonly (readonly { text: string; met: boolean; actual?: string }[])[]): { text: string; met: number; n: number; actual: string[] }[] {
  if (perSeed.length === 0) return [];
  return perSeed[0].map((r, i) => ({
    text: r.text,
    met: perSeed.filter((rs) => rs[i]?.met).length,
    n: perSeed.length,
    actual: perSeed.map((rs) => rs[i]?.actual ?? ''),
  }));
}
