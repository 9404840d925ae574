/**
 * A run's metrics as CSV (one row per recorded batch and per epoch, with one column per
 * instrumented layer for gradient norms and activation statistics, named as `expect` names them:
 * `grad_norm[1]` is the bottom layer) or JSON. Pure.
 */
import type { BatchEvent, LayerStats, RunRecord } from '../protocol/events';

const COLUMNS = ['kind', 'epoch', 'batch', 'step', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'momentum', 'seconds'] as const;

function cell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const LAYER_COLUMNS = [
  ['grad_norm', (s: LayerStats, i: number) => s.gradNorms?.[i]],
  ['act_mean', (s: LayerStats, i: number) => s.activations?.[i]?.mean],
  ['act_std', (s: LayerStats, i: number) => s.activations?.[i]?.std],
  ['zero_fraction', (s: LayerStats, i: number) => s.activations?.[i]?.zeroFraction],
] as const;

export function metricsCsv(record: RunRecord, batches: readonly BatchEvent[]): string {
  const stats: LayerStats[] = [...batches, ...record.epochs];
  const layers = Math.max(record.start?.instrumentedLayers.length ?? 0, ...stats.map((s) => Math.max(s.gradNorms?.length ?? 0, s.activations?.length ?? 0)));
  // Per-layer columns that the run recorded at all.
  const perLayer = LAYER_COLUMNS.filter(([, get]) => stats.some((s) => get(s, 0) !== undefined)).flatMap(([name, get]) =>
    Array.from({ length: layers }, (_, i) => ({ header: `${name}[${i + 1}]`, get: (s: LayerStats) => get(s, i) })),
  );
  const rows: string[] = [[...COLUMNS, ...perLayer.map((c) => c.header)].join(',')];
  const bpe = record.start?.batchesPerEpoch ?? 0;
  type Row = Partial<Record<(typeof COLUMNS)[number], unknown>> & { order: number; stats: LayerStats };
  const all: Row[] = [
    ...batches.map((b) => ({ order: b.step, stats: b, kind: 'batch', epoch: b.epoch, batch: b.batch, step: b.step, loss: b.loss, accuracy: b.accuracy, lr: b.lr, momentum: b.momentum })),
    ...record.epochs.map((e) => ({
      stats: e,
      // An epoch's row sorts after its last batch.
      order: e.epoch * bpe - 0.5,
      kind: 'epoch',
      epoch: e.epoch,
      step: bpe ? e.epoch * bpe - 1 : undefined,
      loss: e.loss,
      accuracy: e.accuracy,
      val_loss: e.val_loss,
      val_accuracy: e.val_accuracy,
      lr: e.lr,
      momentum: e.momentum,
      seconds: e.seconds,
    })),
  ].sort((a, b) => a.order - b.order);
  for (const r of all) rows.push([...COLUMNS.map((c) => cell(r[c])), ...perLayer.map((c) => cell(c.get(r.stats)))].join(','));
  return `${rows.join('\n')}\n`;
}

export function metricsJson(record: RunRecord, batches: readonly BatchEvent[]): string {
  return `${JSON.stringify({ ...record, batches }, null, 2)}\n`;
}

/** `data:image/png;base64,...` to bytes; throws on anything else. */
export function pngFromDataUrl(dataUrl: string): Uint8Array {
  const m = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
  if (!m) throw new Error('not a PNG data URL');
  return new Uint8Array(Buffer.from(m[1]!, 'base64'));
}
