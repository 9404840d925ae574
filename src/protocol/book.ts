/**
 * Ours beside the book's: a finished run's numbers set against the figures its experiment's
 * notebook published (`book:`), for `deep-lessons reproduce` and the run card of a full run.
 */
import type { EndEvent } from './events';
import type { BookFigure, ExperimentSpec } from './spec';

/** How far from the book a run may land and still count as reproducing it, in points (1 point = 0.01). */
export const BOOK_TOLERANCE_POINTS = 1.5;

export interface BookComparison {
  metric: BookFigure['metric'];
  book: number;
  /** Ours, when the run measured it. */
  ours?: number;
  /** (ours − book) × 100, in points of accuracy. */
  gap?: number;
  /** |gap| within BOOK_TOLERANCE_POINTS. */
  within?: boolean;
  epochs: number;
  source: string;
}

/** The book's figures as a list (one may be written without the list). */
export function bookFigures(spec: Pick<ExperimentSpec, 'book'>): BookFigure[] {
  return spec.book === undefined ? [] : Array.isArray(spec.book) ? spec.book : [spec.book];
}

/** The number of a finished run that a book figure is about. */
export function ourFigure(metric: BookFigure['metric'], end: Pick<EndEvent, 'final' | 'test' | 'mcDropout'>): number | undefined {
  switch (metric) {
    case 'val_accuracy':
      return end.final.val_accuracy;
    case 'test_accuracy':
      return end.test?.accuracy;
    case 'mc_accuracy':
      return end.mcDropout?.accuracy;
  }
}

/** Each of the experiment's book figures beside the run's (no run: the book's alone). */
export function compareWithBook(spec: Pick<ExperimentSpec, 'book'>, end?: Pick<EndEvent, 'final' | 'test' | 'mcDropout'>): BookComparison[] {
  return bookFigures(spec).map((f) => {
    const ours = end ? ourFigure(f.metric, end) : undefined;
    const row: BookComparison = { metric: f.metric, book: f.value, epochs: f.epochs, source: f.source };
    if (ours === undefined || !Number.isFinite(ours)) return row;
    const gap = (ours - f.value) * 100;
    return { ...row, ours, gap, within: Math.abs(gap) <= BOOK_TOLERANCE_POINTS + 1e-9 };
  });
}

/** "+0.42" / "−1.87" points. */
export function formatGap(gap: number): string {
  return `${gap < 0 ? '−' : '+'}${Math.abs(gap).toFixed(2)}`;
}
