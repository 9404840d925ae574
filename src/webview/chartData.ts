/**
 * The chart data of one run, reduced from its events: what each chart plots. x is in epochs
 * (a batch point at step s sits at (s + 1) / batchesPerEpoch, an epoch point at its epoch), so
 * runs with different batch sizes overlay correctly. Series are decimated in place so that a
 * chart never holds more than `maxPoints` points however long the run. Pure (no DOM).
 */
import type { EndEvent, EpochEvent, ErrorEvent, RunEvent, StartEvent, ActivationStats } from '../protocol/events';

export interface Point {
  x: number;
  y: number;
}

interface DecimationState {
  /** Keep one point in `stride` of those pushed. */
  stride: number;
  /** Points pushed so far. */
  count: number;
  /** Whether the last point is only there to show the newest value (not on the stride). */
  provisional: boolean;
}

const decimation = new WeakMap<Point[], DecimationState>();

/**
 * Appends a point, keeping the series within `max` points with even spacing over the whole run:
 * points are kept one in `stride`; when the series is full it is halved in place (every other
 * kept point dropped) and the stride doubles. The newest point is always shown, as a provisional
 * last point until one on the stride replaces it.
 */
export function pushDecimated(series: Point[], p: Point, max: number): void {
  let st = decimation.get(series);
  if (!st) {
    st = { stride: 1, count: series.length, provisional: false };
    decimation.set(series, st);
  }
  if (st.provisional) {
    series.pop();
    st.provisional = false;
  }
  const onStride = st.count % st.stride === 0;
  st.count += 1;
  series.push(p);
  if (!onStride) {
    st.provisional = true;
    return;
  }
  // Full (one slot is kept for a provisional newest point): halve.
  if (series.length < max) return;
  let w = 0;
  for (let r = 0; r < series.length; r += 2) series[w++] = series[r]!;
  const droppedNewest = series.length % 2 === 0;
  series.length = w;
  st.stride *= 2;
  if (droppedNewest) {
    series.push(p);
    st.provisional = true;
  }
}

/** Changes when a chart's set of series changes (layers appear): the charts must take the new arrays. */
export function seriesShape(d: RunChartData): string {
  return `${d.layers.length}/${d.gradNorms.length}/${d.actMean.length}/${d.actStd.length}`;
}

export type ChartId = 'loss' | 'accuracy' | 'lr' | 'gradients' | 'actMean' | 'actStd' | 'lrFinder';

export interface RunChartData {
  start?: StartEvent;
  end?: EndEvent;
  error?: ErrorEvent;
  epochs: EpochEvent[];
  layers: string[];
  lossTrain: Point[];
  lossVal: Point[];
  accTrain: Point[];
  accVal: Point[];
  lr: Point[];
  momentum: Point[];
  /** LR finder runs: the loss against the learning rate (x is the rate). */
  lrFinder: Point[];
  /** One series per instrumented layer, bottom to top. Only positive finite norms (log scale). */
  gradNorms: Point[][];
  actMean: Point[][];
  actStd: Point[][];
  /** Last batch seen: epoch (from 1), batch, step. */
  progress?: { epoch: number; batch: number; step: number };
  /** Latest dataset message, while the data is being fetched. */
  dataset?: string;
  /** x (in epochs) of the first batch or epoch whose loss was not finite. */
  divergedAt?: number;
}

export function emptyChartData(): RunChartData {
  return { epochs: [], layers: [], lossTrain: [], lossVal: [], accTrain: [], accVal: [], lr: [], momentum: [], lrFinder: [], gradNorms: [], actMean: [], actStd: [] };
}

function finite(y: number | undefined): y is number {
  return typeof y === 'number' && Number.isFinite(y);
}

function perLayer(target: Point[][], n: number): void {
  while (target.length < n) target.push([]);
}

/** One point per layer for gradient norms (log scale: only positive values) or activation mean and std. */
function pushLayerStats(d: RunChartData, x: number, stats: { gradNorms?: readonly number[]; activations?: readonly ActivationStats[] }, max: number, changed: Set<ChartId>): void {
  if (stats.gradNorms) {
    perLayer(d.gradNorms, stats.gradNorms.length);
    stats.gradNorms.forEach((g, i) => {
      if (finite(g) && g > 0) pushDecimated(d.gradNorms[i]!, { x, y: g }, max);
    });
    changed.add('gradients');
  }
  if (stats.activations) {
    perLayer(d.actMean, stats.activations.length);
    perLayer(d.actStd, stats.activations.length);
    stats.activations.forEach((a, i) => {
      if (finite(a.mean)) pushDecimated(d.actMean[i]!, { x, y: a.mean }, max);
      if (finite(a.std)) pushDecimated(d.actStd[i]!, { x, y: a.std }, max);
    });
    changed.add('actMean');
    changed.add('actStd');
  }
}

/**
 * Applies events to the chart data and returns which charts changed. A loss that is not finite
 * (a diverged run) is not plotted; the run card says so from the epoch and end events.
 */
export function applyEvents(d: RunChartData, events: readonly RunEvent[], maxPoints = 1000): Set<ChartId> {
  const changed = new Set<ChartId>();
  for (const e of events) {
    switch (e.type) {
      case 'start':
        d.start = e;
        d.layers = [...e.instrumentedLayers];
        d.dataset = undefined;
        // One series per instrumented layer from the start, so that charts can hold them before the first point.
        perLayer(d.gradNorms, d.layers.length);
        perLayer(d.actMean, d.layers.length);
        perLayer(d.actStd, d.layers.length);
        break;
      case 'batch': {
        const bpe = d.start?.batchesPerEpoch || 1;
        const x = (e.step + 1) / bpe;
        d.progress = { epoch: e.epoch, batch: e.batch, step: e.step };
        if (!finite(e.loss) && d.divergedAt === undefined && d.start?.mode !== 'lr_finder') d.divergedAt = x;
        if (finite(e.loss)) {
          pushDecimated(d.lossTrain, { x, y: e.loss }, maxPoints);
          changed.add('loss');
        }
        if (finite(e.accuracy)) {
          pushDecimated(d.accTrain, { x, y: e.accuracy }, maxPoints);
          changed.add('accuracy');
        }
        if (finite(e.lr)) pushDecimated(d.lr, { x, y: e.lr }, maxPoints);
        if (d.start?.mode === 'lr_finder' && finite(e.lr) && e.lr > 0 && finite(e.loss)) {
          pushDecimated(d.lrFinder, { x: e.lr, y: e.loss }, maxPoints);
          changed.add('lrFinder');
        }
        if (finite(e.momentum)) pushDecimated(d.momentum, { x, y: e.momentum }, maxPoints);
        changed.add('lr');
        pushLayerStats(d, x, e, maxPoints, changed);
        break;
      }
      case 'epoch': {
        d.epochs.push(e);
        const x = e.epoch;
        if (!finite(e.loss) && d.divergedAt === undefined && d.start?.mode !== 'lr_finder') d.divergedAt = x;
        if (finite(e.val_loss)) {
          pushDecimated(d.lossVal, { x, y: e.val_loss }, maxPoints);
          changed.add('loss');
        }
        if (finite(e.val_accuracy)) {
          pushDecimated(d.accVal, { x, y: e.val_accuracy }, maxPoints);
          changed.add('accuracy');
        }
        // Runs that record no batch points still get one point per epoch.
        if (d.lossTrain.length === 0 && finite(e.loss)) pushDecimated(d.lossTrain, { x, y: e.loss }, maxPoints);
        if (d.gradNorms.length === 0 && e.gradNorms) pushLayerStats(d, x, { gradNorms: e.gradNorms }, maxPoints, changed);
        // The epoch's own probe statistics close each epoch on the activation charts.
        if (e.activations) pushLayerStats(d, x, { activations: e.activations }, maxPoints, changed);
        break;
      }
      case 'end':
        d.end = e;
        // The finder's own record is complete (batch events are throttled): it replaces the live curve.
        if (e.lrFinder && e.lrFinder.lrs.length) {
          d.lrFinder.length = 0;
          e.lrFinder.lrs.forEach((lr, i) => {
            const loss = e.lrFinder!.losses[i];
            if (lr > 0 && finite(loss)) d.lrFinder.push({ x: lr, y: loss });
          });
          changed.add('lrFinder');
        }
        break;
      case 'error':
        d.error = e;
        break;
      case 'dataset':
        d.dataset = e.phase === 'done' ? undefined : `${e.phase === 'download' ? 'downloading' : e.phase === 'verify' ? 'checking' : 'reading'} ${e.file}${e.totalBytes ? ` (${Math.round((100 * (e.loadedBytes ?? 0)) / e.totalBytes)}%)` : ''}`;
        break;
      case 'log':
        break;
    }
  }
  return changed;
}

/** Fraction done, from 0 to 1, and a line such as "epoch 2/5 · batch 120/375". */
export function progressOf(d: RunChartData): { fraction: number; text: string } {
  const s = d.start;
  if (!s) return { fraction: 0, text: d.dataset ?? 'starting…' };
  const total = s.epochs * s.batchesPerEpoch;
  if (d.end) {
    const fraction = d.end.status === 'completed' ? 1 : Math.min(1, ((d.progress?.step ?? -1) + 1) / Math.max(1, total));
    const p = d.progress;
    if (d.end.status === 'cancelled' && p) return { fraction, text: `stopped in epoch ${p.epoch}/${s.epochs}, batch ${p.batch + 1}/${s.batchesPerEpoch}` };
    if (d.end.status === 'diverged' && d.end.divergence) return { fraction, text: `diverged in epoch ${d.end.divergence.epoch}/${s.epochs}, batch ${d.end.divergence.batch + 1}/${s.batchesPerEpoch}` };
    return { fraction, text: `${d.end.epochsRun}/${s.epochs} epochs` };
  }
  const p = d.progress;
  if (!p) return { fraction: 0, text: `epoch 1/${s.epochs}` };
  return { fraction: Math.min(1, (p.step + 1) / Math.max(1, total)), text: `epoch ${p.epoch}/${s.epochs} · batch ${p.batch + 1}/${s.batchesPerEpoch}` };
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s - 60 * m);
  return m < 60 ? `${m} min ${String(r).padStart(2, '0')} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Exponential moving average of a series, debiased at the start (as TensorBoard smooths):
 * s_t = w·s_{t−1} + (1 − w)·y_t, divided by 1 − w^t. `log` averages in log space (for gradient
 * norms on a log axis). A new array; the input is untouched.
 */
export function smoothed(series: readonly Point[], weight: number, log = false): Point[] {
  if (weight <= 0) return [...series];
  let acc = 0;
  let norm = 0;
  return series.map((p) => {
    const y = log ? Math.log(p.y) : p.y;
    acc = weight * acc + (1 - weight) * y;
    norm = weight * norm + (1 - weight);
    const v = acc / norm;
    return { x: p.x, y: log ? Math.exp(v) : v };
  });
}
