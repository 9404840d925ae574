/**
 * Histograms over time as a heat map on a canvas: one row per layer (the lowest layer at the
 * bottom), x = training step, y = the value bins, colour = log10(1 + count) with a colour bar.
 * Hovering reads the layer, the step, the bin's range and its count into a line under the canvas
 * (no inline styles: the panel's CSP allows none).
 */
import { binRange, type HistogramKind, type InsideLayer } from './insideData';
import type { Theme } from './charts';
import { hidpiContext } from './canvas';
import { heatColor } from './colorScale';
import { h } from './ui';

const LABEL_W = 120;
const BAR_W = 56;
const AXIS_H = 18;

function fmtValue(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) < 1e-2 || Math.abs(x) >= 1e3) return x.toExponential(1);
  return Number(x.toPrecision(3)).toString();
}

/**
 * The steps the x axis spans: from the first column's step to the last one's plus one typical gap
 * (the last column's width); `last` is the last column's step (−1: none yet).
 */
export function stepSpan(layers: readonly InsideLayer[], kind: HistogramKind): { from: number; to: number; last: number } {
  const steps = [...new Set(layers.flatMap((l) => l.columns[kind].map((c) => c.step)))].sort((a, b) => a - b);
  if (!steps.length) return { from: 0, to: 1, last: -1 };
  const first = steps[0]!;
  const last = steps[steps.length - 1]!;
  const gap = steps.length > 1 ? last - steps[steps.length - 2]! : 1;
  return { from: first, to: last + Math.max(1, gap), last };
}

interface Hit {
  layer: InsideLayer;
  step: number;
  bin: number;
  count: number;
  from: number;
  to: number;
  /** The column counts a sample of this many values, `counted` of them. */
  sampledFrom?: number;
  counted: number;
}

export class Heatmap {
  readonly el: HTMLElement;
  private readonly canvas = h('canvas', { class: 'heatmap-canvas', role: 'img' });
  private readonly readout = h('div', { class: 'heatmap-readout', 'aria-live': 'polite' });
  private layers: InsideLayer[] = [];
  private rowH = 40;
  private cssW = 0;
  private maxLog = 1;
  private span = { from: 0, to: 1, last: -1 };

  constructor(
    readonly kind: HistogramKind,
    private theme: Theme,
    private readonly minRow = 16,
    private readonly maxRow = 56,
  ) {
    this.el = h('div', { class: 'heatmap' }, this.canvas, this.readout);
    this.readout.textContent = 'Hover a cell to read its bin and count.';
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.readout.textContent = 'Hover a cell to read its bin and count.'));
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
  }

  /** Draws `layers` (bottom layer first in the array; drawn at the bottom). */
  draw(layers: InsideLayer[]): void {
    this.layers = layers;
    const what = this.kind === 'activations' ? 'outputs on the probe batch' : 'kernel gradients |∇W| (log scale)';
    this.canvas.setAttribute('aria-label', `Histograms over time of each layer's ${what}: ${layers.map((l) => l.label).join(', ')}`);
    // For tests and assistive tools: how many layers and columns are drawn.
    this.canvas.dataset.layers = String(layers.length);
    this.canvas.dataset.columns = String(layers[0]?.columns[this.kind].length ?? 0);
    const width = this.el.clientWidth || this.cssW || 600;
    this.cssW = width;
    this.rowH = Math.max(this.minRow, Math.min(this.maxRow, Math.floor(480 / Math.max(1, layers.length))));
    const ctx = hidpiContext(this.canvas, width, this.rowH * layers.length + AXIS_H);
    if (!ctx) return;
    const t = this.theme;
    ctx.font = `11px ${t.font}`;
    ctx.textBaseline = 'middle';
    let maxCount = 1;
    for (const l of layers) for (const c of l.columns[this.kind]) for (const n of c.counts) if (n > maxCount) maxCount = n;
    this.maxLog = Math.log10(1 + maxCount);
    const plotW = width - LABEL_W - BAR_W;
    this.span = stepSpan(layers, this.kind);
    const xOf = (step: number) => LABEL_W + ((step - this.span.from) / (this.span.to - this.span.from)) * plotW;
    layers.forEach((layer, i) => {
      const top = (layers.length - 1 - i) * this.rowH;
      ctx.fillStyle = t.fg;
      ctx.textAlign = 'left';
      ctx.fillText(layer.label, 4, top + this.rowH / 2, LABEL_W - 8);
      ctx.strokeStyle = t.grid;
      ctx.strokeRect(LABEL_W + 0.5, top + 0.5, plotW - 1, this.rowH - 2);
      const cols = layer.columns[this.kind];
      cols.forEach((c, j) => {
        // Each column spans from its step to the next one's (the last: one typical gap).
        const x0 = xOf(c.step);
        const x1 = xOf(cols[j + 1]?.step ?? this.span.to);
        const bins = c.counts.length;
        const bh = (this.rowH - 3) / bins;
        c.counts.forEach((n, b) => {
          if (n === 0) return;
          ctx.fillStyle = heatColor(Math.log10(1 + n) / this.maxLog);
          ctx.fillRect(x0, top + 1 + (bins - 1 - b) * bh, Math.max(1, x1 - x0), Math.ceil(bh));
        });
      });
    });
    // The step axis.
    const axisY = layers.length * this.rowH + AXIS_H / 2;
    ctx.fillStyle = t.muted;
    if (this.span.last >= 0) {
      ctx.textAlign = 'left';
      ctx.fillText(`step ${this.span.from}`, LABEL_W, axisY);
      ctx.textAlign = 'right';
      ctx.fillText(`step ${this.span.last}`, LABEL_W + plotW, axisY);
    } else {
      ctx.textAlign = 'left';
      ctx.fillText('no histograms yet', LABEL_W, axisY);
    }
    // The colour bar: log10(1 + count), 0 at the bottom.
    const barX = width - BAR_W + 8;
    const barH = Math.max(20, layers.length * this.rowH - 4);
    for (let y = 0; y < barH; y++) {
      ctx.fillStyle = heatColor(1 - y / barH);
      ctx.fillRect(barX, 2 + y, 10, 1);
    }
    ctx.fillStyle = t.muted;
    ctx.textAlign = 'left';
    ctx.fillText(String(maxCount), barX + 13, 8);
    ctx.fillText('0', barX + 13, barH - 4);
    ctx.save();
    ctx.translate(barX + 30, 2 + barH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('count (log)', 0, 0);
    ctx.restore();
  }

  /** The layer, step and bin under a point in CSS pixels. */
  hitTest(x: number, y: number): Hit | undefined {
    const n = this.layers.length;
    const row = Math.floor(y / this.rowH);
    if (row < 0 || row >= n || x < LABEL_W || x > this.cssW - BAR_W) return undefined;
    const layer = this.layers[n - 1 - row]!;
    const cols = layer.columns[this.kind];
    const range = layer.range[this.kind];
    if (!cols.length || !range) return undefined;
    const step = this.span.from + ((x - LABEL_W) / (this.cssW - LABEL_W - BAR_W)) * (this.span.to - this.span.from);
    let col = cols[0]!;
    for (const c of cols) if (c.step <= step) col = c;
    const bins = col.counts.length;
    const bin = Math.min(bins - 1, Math.max(0, bins - 1 - Math.floor(((y - row * this.rowH - 1) / (this.rowH - 3)) * bins)));
    const [from, to] = binRange(range, bins, bin);
    return { layer, step: col.step, bin, count: col.counts[bin]!, from, to, sampledFrom: col.sampledFrom, counted: col.counts.reduce((a, b) => a + b, 0) };
  }

  private hover(e: MouseEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const hit = this.hitTest(e.clientX - r.left, e.clientY - r.top);
    if (!hit) return;
    const what = this.kind === 'activations' ? 'output' : '|gradient|';
    const sample = hit.sampledFrom ? ` (of a fixed sample of ${hit.counted.toLocaleString('en-US')} of its ${hit.sampledFrom.toLocaleString('en-US')} weights)` : '';
    this.readout.textContent = `${hit.layer.label}, step ${hit.step}: ${what} ${fmtValue(hit.from)} to ${fmtValue(hit.to)}: ${hit.count} value${hit.count === 1 ? '' : 's'}${sample}`;
  }
}
