/**
 * The seeds of an N-seed run as the run card draws them: each seed's epoch metrics, kept as its
 * events arrive (`<runId>/seed-<seed>`), and the chart series of their mean with a ±1 standard
 * deviation band (Chart.js fills between the band's upper and lower edges). Pure (no DOM).
 */
import type { EndEvent, EpochEvent, RunEvent } from '../protocol/events';
import { band, type BandPoint } from '../protocol/seeds';

/** A series as `charts.ts` draws it (the fields a band uses; that file needs the DOM). */
export interface BandSeriesSpec {
  label: string;
  data: { x: number; y: number }[];
  color: string;
  width?: number;
  points?: boolean;
  fill?: '+1';
  fillColor?: string;
  legend?: false;
}

export type EpochMetric = 'loss' | 'accuracy' | 'val_loss' | 'val_accuracy';

export class SeedRuns {
  /** Per seed, in the order they started: its epochs and its end. */
  private readonly runs = new Map<string, { seed: number; epochs: EpochEvent[]; end?: EndEvent; failed?: boolean }>();

  constructor(
    readonly runId: string,
    readonly n: number,
  ) {}

  /** The seed of one of this run's events, or undefined when the event is not a seed's. */
  seedOf(runId: string): number | undefined {
    if (!runId.startsWith(`${this.runId}/seed-`)) return undefined;
    const s = Number(runId.slice(this.runId.length + 6));
    return Number.isInteger(s) ? s : undefined;
  }

  /** Keeps a seed's event; true when it was one. */
  push(e: RunEvent): boolean {
    const id = 'runId' in e ? e.runId : undefined;
    const seed = id === undefined ? undefined : this.seedOf(id);
    if (id === undefined || seed === undefined) return false;
    let r = this.runs.get(id);
    if (!r) {
      r = { seed, epochs: [] };
      this.runs.set(id, r);
    }
    if (e.type === 'epoch') r.epochs.push(e);
    else if (e.type === 'end') r.end = e;
    else if (e.type === 'error') r.failed = true;
    return true;
  }

  /** Seeds started so far, in order. */
  get seeds(): number[] {
    return [...this.runs.values()].map((r) => r.seed);
  }

  /** Seeds that ran to their end (not stopped, not failed). */
  get finished(): number {
    return [...this.runs.values()].filter((r) => r.end && r.end.status !== 'cancelled' && !r.failed).length;
  }

  /** Measured seconds of the seeds that ran to their end. */
  get finishedSeconds(): number[] {
    return [...this.runs.values()].flatMap((r) => (r.end && r.end.status !== 'cancelled' && !r.failed ? [r.end.seconds] : []));
  }

  /** Every seed ended, or one was stopped or failed (the rest are then skipped). */
  get done(): boolean {
    const all = [...this.runs.values()];
    if (all.some((r) => r.failed || r.end?.status === 'cancelled')) return true;
    return all.length >= this.n && all.every((r) => r.end);
  }

  /** One curve per seed: the metric at the end of each epoch. */
  curves(metric: EpochMetric): { x: number; y: number }[][] {
    return [...this.runs.values()].map((r) => r.epochs.flatMap((e) => (typeof e[metric] === 'number' && Number.isFinite(e[metric]) ? [{ x: e.epoch, y: e[metric] }] : [])));
  }

  /** Mean ± 1 std per epoch over the seeds that reached it. */
  band(metric: EpochMetric): BandPoint[] {
    return band(this.curves(metric));
  }
}

/** A colour with an alpha (for a band's fill): `#rrggbb`, `#rgb` and `rgb()` are understood. */
export function withAlpha(color: string, alpha: number): string {
  const a = Math.round(Math.min(1, Math.max(0, alpha)) * 255)
    .toString(16)
    .padStart(2, '0');
  const hex6 = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex6) return `#${hex6[1]}${a}`;
  const hex3 = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
  if (hex3) return `#${hex3[1]}${hex3[1]}${hex3[2]}${hex3[2]}${hex3[3]}${hex3[3]}${a}`;
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color);
  if (rgb) return `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})`;
  const hsl = /^hsla?\(\s*([^)/]+?)\s*(?:\/[^)]*)?\)$/i.exec(color);
  if (hsl) return `hsl(${hsl[1]} / ${alpha})`;
  return color;
}

/**
 * A band as three series: its upper edge (filled down to the next series), its lower edge, and the
 * mean, which alone is in the legend ("validation: mean ± 1 std of 3 seeds").
 */
export function bandSeries(points: readonly BandPoint[], label: string, color: string, n: number): BandSeriesSpec[] {
  const fill = withAlpha(color, 0.22);
  const edge = (pick: (p: BandPoint) => number, which: string, filled: boolean): BandSeriesSpec => ({
    label: `${label} ${which}`,
    data: points.map((p) => ({ x: p.x, y: pick(p) })),
    color: withAlpha(color, 0.45),
    width: 0.5,
    legend: false,
    ...(filled ? { fill: '+1' as const, fillColor: fill } : {}),
  });
  return [
    edge((p) => p.hi, '+1 std', true),
    edge((p) => p.lo, '−1 std', false),
    { label: `${label}: mean ± 1 std of ${n} seed${n === 1 ? '' : 's'}`, data: points.map((p) => ({ x: p.x, y: p.mean })), color, points: true, width: 2 },
  ];
}
