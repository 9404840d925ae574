/**
 * Is the difference between two multi-seed runs beyond noise? Welch's t-test (unequal variances)
 * on their final values, the 95 % interval of the mean difference, and a sentence a learner reads:
 * "adam beat sgd by 4.1 ± 1.2 points of val_accuracy over 5 seeds each: not noise (p = 0.001)".
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { mean, sampleVariance } from '../protocol/seeds';

export interface Welch {
  /** mean(a) − mean(b) */
  difference: number;
  /** 95 % confidence interval of the difference. */
  low: number;
  high: number;
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  /** Two-sided p-value. */
  p: number;
  na: number;
  nb: number;
}

/** Welch's two-sample t-test; undefined when either side has fewer than two values. */
export function welch(a: readonly number[], b: readonly number[], confidence = 0.95): Welch | undefined {
  const na = a.length;
  const nb = b.length;
  if (na < 2 || nb < 2) return undefined;
  const difference = mean(a) - mean(b);
  const qa = sampleVariance(a) / na;
  const qb = sampleVariance(b) / nb;
  const se = Math.sqrt(qa + qb);
  if (se === 0) {
    // Every seed gave the same value on both sides: the difference is exact.
    return { difference, low: difference, high: difference, t: difference === 0 ? 0 : Math.sign(difference) * Infinity, df: na + nb - 2, p: difference === 0 ? 1 : 0, na, nb };
  }
  const df = (qa + qb) ** 2 / (qa ** 2 / (na - 1) + qb ** 2 / (nb - 1));
  const t = difference / se;
  const p = Math.min(1, 2 * (1 - tCdf(Math.abs(t), df)));
  const half = tQuantile(1 - (1 - confidence) / 2, df) * se;
  return { difference, low: difference - half, high: difference + half, t, df, p, na, nb };
}

const LOWER_IS_BETTER = /loss/;

function fmt(x: number): string {
  const a = Math.abs(x);
  return a === 0 ? '0' : a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(1) : Number(x.toPrecision(2)).toString();
}

/**
 * The comparison in words. Accuracies are given in percentage points; losses as they are, where
 * lower is better.
 */
export function describeComparison(nameA: string, a: readonly number[], nameB: string, b: readonly number[], metric: string): string {
  const w = welch(a, b);
  if (!w) return `${metric}: need at least 2 seeds on each side to tell a difference from noise (have ${a.length} and ${b.length}); run ×N seeds`;
  const points = /accuracy/.test(metric);
  const scale = points ? 100 : 1;
  const unit = points ? ` points of ${metric}` : ` of ${metric}`;
  const better = LOWER_IS_BETTER.test(metric) ? w.difference < 0 : w.difference > 0;
  const [winner, loser] = better ? [nameA, nameB] : [nameB, nameA];
  const size = fmt(Math.abs(w.difference) * scale);
  const half = fmt(((w.high - w.low) / 2) * scale);
  const seeds = w.na === w.nb ? `${w.na} seeds each` : `${w.na} and ${w.nb} seeds`;
  const pText = w.p < 0.001 ? 'p < 0.001' : `p = ${w.p.toFixed(3)}`;
  const verdict = w.p < 0.05 ? `not noise (${pText})` : `could be noise (${pText}); more seeds would tell`;
  if (w.difference === 0) return `${nameA} and ${nameB} tie on ${metric} over ${seeds}`;
  return `${winner} beat ${loser} by ${size} ± ${half}${unit} over ${seeds}: ${verdict}`;
}

/** The metrics worth comparing, in order of preference. */
export const COMPARED_METRICS = ['val_accuracy', 'test_accuracy', 'val_loss', 'accuracy', 'loss'] as const;

export interface MetricComparison {
  metric: string;
  welch?: Welch;
  text: string;
}

/**
 * A variant against its original over their seeds' final values (per metric, as `summarizeSeeds`
 * gives them): the first `max` metrics both report, each with Welch's test and a sentence.
 */
export function compareSeeds(variantName: string, variant: Record<string, { values: number[] }>, originalName: string, original: Record<string, { values: number[] }>, max = 2): MetricComparison[] {
  return COMPARED_METRICS.filter((m) => variant[m] && original[m])
    .slice(0, max)
    .map((m) => ({ metric: m, welch: welch(variant[m]!.values, original[m]!.values), text: describeComparison(variantName, variant[m]!.values, originalName, original[m]!.values, m) }));
}
