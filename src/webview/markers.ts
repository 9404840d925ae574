/**
 * Event markers on the time (epoch) axes: when the reused layers were frozen and unfrozen, the
 * phases of a learning-rate schedule, what the callbacks did (a rate cut on a plateau, early
 * stopping and the epoch whose weights it restored), and where a run diverged. Pure (no DOM).
 */
import type { LrFinderResult, LrSuggestion } from '../protocol/events';
import type { ExperimentSpec } from '../protocol/spec';
import type { RunChartData } from './chartData';

export type MarkerKind = 'freeze' | 'schedule' | 'callback' | 'restore' | 'diverged' | 'suggestion';

export interface Marker {
  /** Position on the x axis, in epochs (0 is the start of training). */
  x: number;
  /** Short text drawn beside the line. */
  label: string;
  kind: MarkerKind;
  /** Index into the theme's palette (the LR finder's suggestions each have their colour). */
  color?: number;
}

/**
 * 1cycle's phase boundaries in iterations: it rises for `half`, falls back for `half`, then makes
 * its final fall over the rest (about `last_fraction` of the run), as Smith's 1cycle and the book's
 * OneCycleScheduler do.
 */
export function oneCycleBoundaries(totalSteps: number, lastFraction: number): [number, number] {
  const n = Math.max(1, Math.floor(totalSteps));
  const tail = Math.min(n, Math.floor(n * lastFraction + 1e-9) + 1);
  const half = Math.floor((n - tail) / 2);
  return [half, 2 * half];
}

/** A callback's note, shortened to a marker label. */
function noteLabel(note: string): { label: string; kind: MarkerKind } {
  const lr = /learning rate \S+ → (\S+)/.exec(note);
  if (lr) return { label: `lr → ${lr[1]}`, kind: 'callback' };
  if (/early stop/i.test(note)) return { label: 'early stop', kind: 'callback' };
  return { label: note.length > 28 ? `${note.slice(0, 27)}…` : note, kind: 'callback' };
}

export function markersOf(spec: ExperimentSpec, d: RunChartData): Marker[] {
  const s = d.start;
  const out: Marker[] = [];
  if (!s || s.mode === 'lr_finder') return out;
  const bpe = Math.max(1, s.batchesPerEpoch);
  const freeze = spec.model.reuse?.freeze_epochs;
  if (freeze && freeze > 0) {
    out.push({ x: 0, label: 'reused layers frozen', kind: 'freeze' });
    if (freeze < s.epochs) out.push({ x: freeze, label: 'unfrozen', kind: 'freeze' });
  }
  const sched = spec.training.schedule;
  if (sched?.name === 'one_cycle') {
    const [peak, fall] = oneCycleBoundaries(s.epochs * bpe, sched.last_fraction);
    out.push({ x: peak / bpe, label: '1cycle: peak', kind: 'schedule' }, { x: fall / bpe, label: 'final fall', kind: 'schedule' });
  } else if (sched?.name === 'piecewise_constant') {
    sched.boundaries.forEach((b, i) => {
      const x = sched.per === 'batch' ? b / bpe : b;
      if (x > 0 && x < s.epochs) out.push({ x, label: `lr → ${sched.values[i + 1] ?? sched.values[sched.values.length - 1]}`, kind: 'schedule' });
    });
  }
  for (const e of d.epochs) for (const note of e.notes ?? []) out.push({ x: e.epoch, ...noteLabel(note) });
  if (d.end?.restoredEpoch !== undefined) out.push({ x: d.end.restoredEpoch, label: `weights of epoch ${d.end.restoredEpoch} restored`, kind: 'restore' });
  if (d.divergedAt !== undefined) out.push({ x: d.divergedAt, label: 'diverged (loss not finite)', kind: 'diverged' });
  return out;
}

/** The LR finder's suggestions in the order and colours the chart and the list beside it use. */
export const SUGGESTION_STYLE: Record<LrSuggestion['kind'], { name: string; color: number }> = {
  valley: { name: 'valley', color: 2 },
  steepest: { name: 'steepest', color: 1 },
  minimum: { name: 'min ÷ 10', color: 3 },
};

/** The LR finder's chart: one line per suggestion, at its rate (the x axis is the rate). */
export function lrFinderMarkers(f: LrFinderResult | undefined): Marker[] {
  return (f?.suggestions ?? []).map((s) => ({ x: s.lr, label: `${SUGGESTION_STYLE[s.kind].name} ${Number(s.lr.toPrecision(2))}`, kind: 'suggestion', color: SUGGESTION_STYLE[s.kind].color }));
}
