/**
 * The network strip: the model drawn as its instrumented layers, input on the left, each a block
 * coloured by its health (green within band, amber, red; grey before the first measurement) and
 * as tall as its gradient norm on a log scale. Clicking a block (or Enter on the focused strip
 * after the arrow keys) opens that layer's histograms. Drawn on a canvas (CSP: no inline styles).
 */
import { healthLevel, type HealthLevel, type InsideLayer } from './insideData';
import { cssVar, type Theme } from './charts';
import { hidpiContext } from './canvas';
import { h } from './ui';

const HEIGHT = 96;
const GAP = 4;

function levelColor(level: HealthLevel, theme: Theme): string {
  switch (level) {
    case 'good':
      return cssVar('--vscode-charts-green', '#89d185');
    case 'warn':
      return cssVar('--vscode-charts-yellow', '#cca700');
    case 'bad':
      return cssVar('--vscode-charts-red', '#f14c4c');
    case 'unknown':
      return theme.grid;
  }
}

/** Block heights from gradient norms on a log scale, between `min` and `max` pixels. */
export function blockHeights(norms: (number | undefined)[], min: number, max: number): number[] {
  const logs = norms.map((g) => (g !== undefined && g > 0 && Number.isFinite(g) ? Math.log10(g) : undefined));
  const known = logs.filter((x): x is number => x !== undefined);
  if (!known.length) return norms.map(() => min);
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return logs.map((x, i) => {
    if (x === undefined) return norms[i] !== undefined && !Number.isFinite(norms[i]!) ? max : min;
    return hi - lo < 1e-9 ? (min + max) / 2 : min + ((x - lo) / (hi - lo)) * (max - min);
  });
}

export class NetworkStrip {
  readonly el: HTMLElement;
  private readonly canvas = h('canvas', { class: 'strip-canvas', role: 'listbox', tabindex: '0' });
  private readonly caption = h('div', { class: 'strip-caption', 'aria-live': 'polite' });
  private layers: InsideLayer[] = [];
  private boxes: [number, number][] = [];
  private focus = -1;

  constructor(
    private theme: Theme,
    private readonly onPick: (index: number) => void,
  ) {
    this.el = h('div', { class: 'network-strip' }, this.canvas, this.caption);
    this.canvas.setAttribute('aria-label', 'The network, input on the left: each layer coloured by its health and sized by its gradient norm. Click a layer for its histograms.');
    this.canvas.addEventListener('click', (e) => {
      const r = this.canvas.getBoundingClientRect();
      const i = this.indexAt(e.clientX - r.left);
      if (i >= 0) this.pick(i);
    });
    this.canvas.addEventListener('mousemove', (e) => {
      const r = this.canvas.getBoundingClientRect();
      const i = this.indexAt(e.clientX - r.left);
      if (i >= 0) this.describe(i);
    });
    this.canvas.addEventListener('keydown', (e) => {
      if (!this.layers.length) return;
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        this.focus = Math.max(0, Math.min(this.layers.length - 1, this.focus + (e.key === 'ArrowRight' ? 1 : -1)));
        this.describe(this.focus);
        this.draw(this.layers);
      } else if ((e.key === 'Enter' || e.key === ' ') && this.focus >= 0) {
        e.preventDefault();
        this.pick(this.focus);
      }
    });
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
  }

  private pick(i: number): void {
    this.focus = i;
    this.describe(i);
    this.draw(this.layers);
    this.onPick(i);
  }

  private describe(i: number): void {
    const l = this.layers[i];
    if (!l) return;
    const { reason } = healthLevel(l);
    const g = l.gradNorm !== undefined ? `; gradient norm ${l.gradNorm.toExponential(2)}` : '';
    this.caption.textContent = `${l.label}: Dense ${l.units ?? ''} ${l.activation ?? ''} — ${reason}${g}`;
  }

  indexAt(x: number): number {
    return this.boxes.findIndex(([a, b]) => x >= a && x <= b);
  }

  draw(layers: InsideLayer[]): void {
    this.layers = layers;
    const width = this.el.clientWidth || 600;
    const ctx = hidpiContext(this.canvas, width, HEIGHT);
    if (!ctx) return;
    const n = layers.length;
    if (!n) return;
    const bw = Math.max(3, (width - GAP * (n - 1)) / n);
    const heights = blockHeights(
      layers.map((l) => l.gradNorm),
      18,
      HEIGHT - 8,
    );
    const t = this.theme;
    ctx.font = `11px ${t.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    this.boxes = [];
    layers.forEach((l, i) => {
      const x = i * (bw + GAP);
      const hgt = heights[i]!;
      const y = (HEIGHT - hgt) / 2;
      ctx.fillStyle = levelColor(healthLevel(l).level, t);
      ctx.fillRect(x, y, bw, hgt);
      if (i === this.focus) {
        ctx.strokeStyle = t.fg;
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, y + 1, bw - 2, hgt - 2);
      }
      this.boxes.push([x, x + bw]);
      if (bw >= 56) {
        // Dark text on the bright health colours, in both themes.
        ctx.fillStyle = '#1e1e1e';
        ctx.fillText(`${i + 1} · Dense ${l.units ?? ''}`, x + bw / 2, HEIGHT / 2 - 7, bw - 4);
        ctx.fillText(l.activation ?? '', x + bw / 2, HEIGHT / 2 + 7, bw - 4);
      }
    });
  }
}
