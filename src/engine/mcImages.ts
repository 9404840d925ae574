/**
 * Monte Carlo dropout per image: which test images to keep (the least and the most certain, by
 * the std across the K passes of the predicted class's probability), and their compact record
 * (per-class mean and std, the first passes as bytes, the image's grey levels). Bounded whatever
 * the test set's size: at most 2 × `MC_IMAGES_EACH` images of at most `MC_PASSES_KEPT` passes.
 */
import type { McImage } from '../protocol/events';

export const MC_IMAGES_EACH = 32;
export const MC_PASSES_KEPT = 100;

export interface Ranked {
  /** Predictive std: the std across the passes of the predicted class's probability. */
  std: number;
  /** Position in the test split. */
  index: number;
}

/** Least certain first; equal spreads in test-set order. */
export const leastCertainFirst = (a: Ranked, b: Ranked): number => b.std - a.std || a.index - b.index;
const mostCertainFirst = (a: Ranked, b: Ranked): number => a.std - b.std || a.index - b.index;

/** The `each` least and `each` most certain of everything offered, chunk by chunk. */
export class McExtremes<T extends Ranked> {
  private least: T[] = [];
  private most: T[] = [];

  constructor(readonly each = MC_IMAGES_EACH) {}

  /** Which of `candidates` would be kept now (ask before building their records); non-finite spreads never are. */
  select<R extends Ranked>(candidates: readonly R[]): R[] {
    const ok = candidates.filter((c) => Number.isFinite(c.std));
    const keep = new Set<number>();
    for (const [list, order] of [
      [this.least, leastCertainFirst],
      [this.most, mostCertainFirst],
    ] as const) {
      for (const r of [...list, ...ok].sort(order).slice(0, this.each)) keep.add(r.index);
    }
    return ok.filter((c) => keep.has(c.index));
  }

  add(items: readonly T[]): void {
    this.least = [...this.least, ...items].sort(leastCertainFirst).slice(0, this.each);
    this.most = [...this.most, ...items].sort(mostCertainFirst).slice(0, this.each);
  }

  /** Every kept item once, least certain first. */
  result(): T[] {
    const byIndex = new Map<number, T>();
    for (const r of [...this.least, ...this.most]) byIndex.set(r.index, r);
    return [...byIndex.values()].sort(leastCertainFirst);
  }
}

/** Probabilities to bytes (p·255, rounded), base64. */
export function probabilityBytes(p: ArrayLike<number>): string {
  const b = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) b[i] = Math.round(Math.min(1, Math.max(0, p[i])) * 255);
  return Buffer.from(b).toString('base64');
}

const r5 = (x: number) => Math.round(x * 1e5) / 1e5;

/** The record of one kept image. */
export function mcImage(
  kept: Ranked & { label: number; mean: ArrayLike<number>; spread: ArrayLike<number>; passes: ArrayLike<number>; passesKept: number },
  deterministic: ArrayLike<number>,
  image?: { pixels: Uint8Array; width: number; height: number },
): McImage {
  return {
    index: kept.index,
    label: kept.label,
    predictiveStd: r5(kept.std),
    mean: Array.from(kept.mean, r5),
    std: Array.from(kept.spread, r5),
    deterministic: Array.from(deterministic, r5),
    passes: probabilityBytes(kept.passes),
    passesKept: kept.passesKept,
    ...(image ? { pixels: Buffer.from(image.pixels).toString('base64'), width: image.width, height: image.height } : {}),
  };
}
