/**
 * What the "Inside" views show, accumulated from a run's events: per instrumented layer, its
 * histograms over time (one column per inspected step), its latest health and gradient norm.
 * Pure (no DOM), so it is unit-tested.
 */
import type { LayerHealth, LayerInside, RunEvent } from '../protocol/events';

export type HistogramKind = 'activations' | 'gradients';

export interface InsideColumn {
  step: number;
  counts: number[];
  /** The counts are of a strided sample of this many values (large kernels' gradients). */
  sampledFrom?: number;
}

export interface InsideLayer {
  /** As the lesson's prose names it: "layer 1 · dense". */
  label: string;
  name: string;
  /** Units and activation, from the model summary. */
  units?: number;
  activation?: string;
  columns: Record<HistogramKind, InsideColumn[]>;
  range: Record<HistogramKind, { scale: 'linear' | 'log'; lo: number; hi: number } | undefined>;
  health?: LayerHealth;
  gradNorm?: number;
}

export interface InsideData {
  layers: InsideLayer[];
  /** The last step seen, to place epoch-end columns that repeat a batch's. */
  lastStep: number;
}

/** Columns kept per layer and kind: older ones are thinned (every other), never the newest. */
export const MAX_COLUMNS = 400;

export function emptyInside(): InsideData {
  return { layers: [], lastStep: -1 };
}

export function layerLabel(i: number, name: string): string {
  return `layer ${i + 1} · ${name}`;
}

function thin(cols: InsideColumn[]): void {
  if (cols.length <= MAX_COLUMNS) return;
  const kept = cols.filter((_, i) => i % 2 === 0 || i === cols.length - 1);
  cols.length = 0;
  cols.push(...kept);
}

function addColumn(layer: InsideLayer, kind: HistogramKind, step: number, h: LayerInside[HistogramKind]): void {
  if (!h) return;
  const cols = layer.columns[kind];
  if (cols.length && cols[cols.length - 1]!.step >= step) return;
  layer.range[kind] = { scale: h.scale, lo: h.lo, hi: h.hi };
  cols.push({ step, counts: h.counts, ...(h.sampledFrom ? { sampledFrom: h.sampledFrom } : {}) });
  thin(cols);
}

/** Folds events into `d`; true when something the views draw changed. */
export function applyInside(d: InsideData, events: readonly RunEvent[]): boolean {
  let changed = false;
  for (const e of events) {
    if (e.type === 'start') {
      const dense = e.summary.layers.filter((l) => l.type === 'Dense');
      d.layers = e.instrumentedLayers.map((name, i) => ({
        label: layerLabel(i, name),
        name,
        units: (dense.find((l) => l.name === name)?.outputShape.at(-1) as number | undefined) ?? undefined,
        columns: { activations: [], gradients: [] },
        range: { activations: undefined, gradients: undefined },
      }));
      d.lastStep = -1;
      changed = true;
      continue;
    }
    if (e.type !== 'batch' && e.type !== 'epoch') continue;
    if (e.type === 'batch') d.lastStep = e.step;
    if (e.gradNorms) e.gradNorms.forEach((g, i) => d.layers[i] && (d.layers[i]!.gradNorm = g));
    if (!e.inside) continue;
    // An epoch event repeats its last batch's histograms: same step, not a new column.
    const step = e.type === 'batch' ? e.step : d.lastStep;
    e.inside.forEach((l, i) => {
      const layer = d.layers[i];
      if (!layer) return;
      layer.health = l.health;
      layer.activation = l.health.activation;
      addColumn(layer, 'activations', step, l.activations);
      addColumn(layer, 'gradients', step, l.gradients);
    });
    changed = true;
  }
  return changed;
}

export type HealthLevel = 'good' | 'warn' | 'bad' | 'unknown';

/**
 * Green, amber or red, with the reason: dead ReLUs (over 10 % amber, over 50 % red), saturation
 * (over 10 %, over 50 %), SELU outside its band (mean 0 ± 0.1, std 1 ± 0.1: amber; ± 0.5: red),
 * a non-finite mean or gradient norm (red).
 */
export function healthLevel(layer: Pick<InsideLayer, 'health' | 'gradNorm'>): { level: HealthLevel; reason: string } {
  const h = layer.health;
  if (!h) return { level: 'unknown', reason: 'not measured yet' };
  if (!Number.isFinite(h.mean) || !Number.isFinite(h.std) || (layer.gradNorm !== undefined && !Number.isFinite(layer.gradNorm))) return { level: 'bad', reason: 'not a number: the values overflowed' };
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  if (h.deadFraction !== undefined) {
    if (h.deadFraction > 0.5) return { level: 'bad', reason: `${pct(h.deadFraction)} of its ReLUs are dead` };
    if (h.deadFraction > 0.1) return { level: 'warn', reason: `${pct(h.deadFraction)} of its ReLUs are dead` };
  }
  if (h.saturatedFraction !== undefined) {
    if (h.saturatedFraction > 0.5) return { level: 'bad', reason: `${pct(h.saturatedFraction)} of its outputs are saturated` };
    if (h.saturatedFraction > 0.1) return { level: 'warn', reason: `${pct(h.saturatedFraction)} of its outputs are saturated` };
  }
  if (h.activation === 'selu') {
    const off = Math.max(Math.abs(h.mean), Math.abs(h.std - 1));
    const band = `mean ${h.mean.toFixed(2)}, std ${h.std.toFixed(2)}`;
    if (off > 0.5) return { level: 'bad', reason: `${band}: far from SELU's 0 and 1` };
    if (off > 0.1) return { level: 'warn', reason: `${band}: outside SELU's band 0 ± 0.1, 1 ± 0.1` };
    return { level: 'good', reason: `${band}: self-normalized` };
  }
  return { level: 'good', reason: `mean ${h.mean.toFixed(2)}, std ${h.std.toFixed(2)}` };
}

/** The bin's value range as text: "0.25 to 0.30", or "|g| 1e-4 to 1.8e-4" for log bins. */
export function binRange(range: { scale: 'linear' | 'log'; lo: number; hi: number }, bins: number, i: number): [number, number] {
  const a = range.lo + ((range.hi - range.lo) * i) / bins;
  const b = range.lo + ((range.hi - range.lo) * (i + 1)) / bins;
  return range.scale === 'log' ? [10 ** a, 10 ** b] : [a, b];
}
