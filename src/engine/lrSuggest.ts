/**
 * The learning-rate finder's three suggestions, each with the reason it gives (pure arithmetic on
 * the recorded curve, no TensorFlow):
 *  - valley: halfway through the longest stretch where the smoothed loss keeps falling
 *    (fastai's default, robust to a noisy curve);
 *  - steepest: where the smoothed loss falls fastest per decade of learning rate;
 *  - minimum ÷ 10: ten times below the rate of the lowest loss (the book's rule of thumb).
 * The curve is the finder's bias-corrected moving average; its first tenth (where the average is
 * still settling and a first spike weighs most) and its last few points (the blow-up) are left
 * out, as fastai does.
 */
import type { LrSuggestion } from '../protocol/events';

/** Longest curves are thinned to this many points for the valley search (quadratic in n). */
export const MAX_SUGGEST_POINTS = 1000;

export interface Curve {
  lrs: number[];
  losses: number[];
}

/** The finite points, every k-th one when there are more than `MAX_SUGGEST_POINTS`, minus the first tenth and the last few. */
export function suggestionWindow(lrs: readonly number[], losses: readonly number[]): Curve {
  const lr: number[] = [];
  const loss: number[] = [];
  for (let i = 0; i < Math.min(lrs.length, losses.length); i++) {
    if (Number.isFinite(losses[i]) && Number.isFinite(lrs[i]) && lrs[i] > 0) {
      lr.push(lrs[i]);
      loss.push(losses[i]);
    }
  }
  const step = Math.ceil(lr.length / MAX_SUGGEST_POINTS);
  const thin = (a: number[]) => (step > 1 ? a.filter((_, i) => i % step === 0) : a);
  const x = thin(lr);
  const y = thin(loss);
  const n = x.length;
  const head = Math.floor(n / 10);
  const tail = Math.min(5, Math.floor(n / 10));
  if (n - head - tail < 3) return { lrs: x, losses: y };
  return { lrs: x.slice(head, n - tail), losses: y.slice(head, n - tail) };
}

/**
 * The longest strictly falling subsequence of `y`: the first index where its length is reached
 * and, among the subsequences of that length ending there, the earliest start. Quadratic.
 */
export function longestFall(y: readonly number[]): { start: number; end: number; length: number } {
  const n = y.length;
  const len = new Array<number>(n).fill(1);
  const start = Array.from({ length: n }, (_, i) => i);
  let end = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (y[j] > y[i] && (len[j] + 1 > len[i] || (len[j] + 1 === len[i] && start[j] < start[i]))) {
        len[i] = len[j] + 1;
        start[i] = start[j];
      }
    }
    if (len[i] > len[end]) end = i;
  }
  return n ? { start: start[end], end, length: len[end] } : { start: 0, end: 0, length: 0 };
}

/** d loss / d log10(lr) at each point: central differences inside, one-sided at the two ends. */
export function slopePerDecade(lrs: readonly number[], losses: readonly number[]): number[] {
  const x = lrs.map(Math.log10);
  const n = x.length;
  return losses.map((_, i) => {
    const a = Math.max(0, i - 1);
    const b = Math.min(n - 1, i + 1);
    return b > a ? (losses[b] - losses[a]) / (x[b] - x[a]) : 0;
  });
}

function fmt(x: number): string {
  return Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(1) : Number(x.toPrecision(2)).toString();
}

/** The three suggestions (fewer when the curve has fewer than three finite points), in the order valley, steepest, minimum ÷ 10. */
export function lrSuggestions(lrs: readonly number[], losses: readonly number[]): LrSuggestion[] {
  const w = suggestionWindow(lrs, losses);
  const n = w.lrs.length;
  if (n < 3) return [];
  const out: LrSuggestion[] = [];
  const fall = longestFall(w.losses);
  if (fall.length >= 2) {
    const i = fall.start + Math.floor((fall.end - fall.start) / 2);
    out.push({
      kind: 'valley',
      lr: w.lrs[i],
      reason: `halfway through the longest stretch where the smoothed loss keeps falling (${fmt(w.lrs[fall.start])} to ${fmt(w.lrs[fall.end])})`,
    });
  }
  let best = 0;
  for (let i = 1; i < n; i++) if (w.losses[i] < w.losses[best]) best = i;
  const slope = slopePerDecade(w.lrs, w.losses);
  let steep = 0;
  for (let i = 1; i <= best; i++) if (slope[i] < slope[steep]) steep = i;
  if (slope[steep] < 0) {
    out.push({ kind: 'steepest', lr: w.lrs[steep], reason: `the smoothed loss falls fastest here (${fmt(slope[steep])} per tenfold rate)` });
  }
  out.push({
    kind: 'minimum',
    lr: w.lrs[best] / 10,
    reason: `ten times below ${fmt(w.lrs[best])}, where the smoothed loss is lowest: there it is about to turn up`,
  });
  return out;
}
