/**
 * The MC dropout tab: the test images the run kept (least certain first, by the std across the K
 * passes of the predicted class's probability), drawn from the dataset's pixels; clicking one
 * shows, per class, its passes as dots, their mean ± std as a bar with a whisker, and the ordinary
 * (dropout off) prediction as a tick.
 */
import type { McDropoutResult, McImage } from '../protocol/events';
import { readTheme, type Theme } from './charts';
import { hidpiContext } from './canvas';
import { h } from './ui';

const THUMB = 56;

function bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function argmax(v: readonly number[]): number {
  let a = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[a]) a = i;
  return a;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** The image's grey levels on a canvas (ink dark on light, as the book prints them), or its index when the input is not an image. */
function thumbnail(im: McImage, size: number): HTMLElement {
  if (!im.pixels || !im.width || !im.height) return h('span', { class: 'mc-noimage' }, `#${im.index}`);
  const c = h('canvas', { width: String(im.width), height: String(im.height), class: 'mc-pixels' });
  c.style.width = c.style.height = `${size}px`;
  const ctx = c.getContext('2d');
  if (ctx) {
    const px = bytes(im.pixels);
    const data = ctx.createImageData(im.width, im.height);
    px.forEach((v, i) => {
      data.data.set([255 - v, 255 - v, 255 - v, 255], i * 4);
    });
    ctx.putImageData(data, 0, 0);
  }
  return c;
}

export class McImagesView {
  readonly el = h('div', { class: 'mc-images' });
  private result?: McDropoutResult;
  private selected = -1;
  private readonly intro = h('p', { class: 'mc-help' }, 'Run the experiment: the test images it is least and most sure of appear here.');
  private readonly grid = h('div', { class: 'mc-grid', role: 'listbox', 'aria-label': 'Test images, least certain first' });
  private readonly detail = h('div', { class: 'mc-detail', hidden: '' });

  constructor() {
    this.el.append(this.intro, this.grid, this.detail);
  }

  show(result: McDropoutResult | undefined): void {
    this.result = result;
    this.selected = -1;
    this.detail.hidden = true;
    this.grid.replaceChildren();
    if (!result?.images.length) {
      this.intro.textContent = 'Run the experiment: the test images it is least and most sure of appear here.';
      return;
    }
    const n = result.images.length;
    this.intro.textContent =
      n < result.tested
        ? `The ${Math.ceil(n / 2)} least certain and ${Math.floor(n / 2)} most certain of ${result.tested.toLocaleString('en-US')} test images, least certain first, under ${result.samples} passes with dropout on. The number is the spread (std) of the predicted class's probability across the passes; a red frame marks a wrong prediction. Click one for its passes.`
        : `All ${n} test images, least certain first, under ${result.samples} passes with dropout on. Click one for its passes.`;
    if (n < result.tested) this.grid.append(h('div', { class: 'mc-divider', 'aria-hidden': 'true' }, 'Least certain:'));
    result.images.forEach((im, i) => {
      const names = result.classNames;
      const pred = argmax(im.mean);
      const cell = h(
        'button',
        {
          class: `mc-cell${pred === im.label ? '' : ' wrong'}`,
          role: 'option',
          'aria-selected': 'false',
          title: `true: ${names?.[im.label] ?? im.label}; MC dropout: ${names?.[pred] ?? pred} (${pct(im.mean[pred])} ± ${pct(im.std[pred])})`,
        },
        thumbnail(im, THUMB),
        h('span', { class: 'mc-std' }, im.predictiveStd < 0.0005 ? '< 0.001' : im.predictiveStd.toFixed(3)),
      );
      cell.addEventListener('click', () => this.select(i));
      this.grid.append(cell);
      if (n < result.tested && i === Math.ceil(n / 2) - 1) this.grid.append(h('div', { class: 'mc-divider', 'aria-hidden': 'true' }, 'Most certain:'));
    });
  }

  /** The theme changed: the open detail is drawn again in its colours. */
  redraw(): void {
    if (this.selected >= 0) this.select(this.selected);
  }

  private select(i: number): void {
    const r = this.result;
    const im = r?.images[i];
    if (!r || !im) return;
    this.selected = i;
    this.grid.querySelectorAll('.mc-cell').forEach((c, j) => c.setAttribute('aria-selected', String(j === i)));
    const names = r.classNames;
    const name = (c: number) => names?.[c] ?? `class ${c}`;
    const pred = argmax(im.mean);
    const det = argmax(im.deterministic);
    const canvas = h('canvas', { class: 'mc-passes', role: 'img' });
    const k = im.mean.length;
    canvas.setAttribute('aria-label', `Per class: the ${im.passesKept} passes, their mean ± std, and the dropout-off prediction. ${Array.from({ length: k }, (_, c) => `${name(c)} ${pct(im.mean[c])} ± ${pct(im.std[c])}`).join('; ')}`);
    this.detail.replaceChildren(
      h(
        'div',
        { class: 'mc-detail-head' },
        thumbnail(im, 112),
        h(
          'div',
          {},
          h('h4', {}, `Test image #${im.index}: ${name(im.label)}`),
          h('p', {}, `MC dropout (mean of ${r.samples} passes): ${name(pred)}, ${pct(im.mean[pred])} ± ${pct(im.std[pred])}${pred === im.label ? ' ✓' : ' ✗'}`),
          h('p', {}, `One pass with dropout off: ${name(det)}, ${pct(im.deterministic[det])}${det === im.label ? ' ✓' : ' ✗'}`),
          h('p', { class: 'mc-help' }, `Dots: ${im.passesKept < r.samples ? `the first ${im.passesKept} of the ${r.samples}` : `the ${r.samples}`} passes. Bar: their mean, whisker ± 1 std. Tick: dropout off.`),
        ),
      ),
      canvas,
    );
    this.detail.hidden = false;
    this.drawPasses(canvas, im, name, readTheme());
    this.detail.scrollIntoView({ block: 'nearest' });
  }

  private drawPasses(canvas: HTMLCanvasElement, im: McImage, name: (c: number) => string, theme: Theme): void {
    const k = im.mean.length;
    const row = 22;
    const labelW = 110;
    const cssW = Math.max(280, Math.min(640, this.el.clientWidth || 480));
    const cssH = k * row + 24;
    canvas.style.width = `${cssW}px`;
    canvas.style.height = `${cssH}px`;
    const ctx = hidpiContext(canvas, cssW, cssH);
    if (!ctx) return;
    const x0 = labelW;
    const w = cssW - labelW - 12;
    const X = (p: number) => x0 + p * w;
    ctx.font = `11px ${theme.font}`;
    ctx.textBaseline = 'middle';
    // Axis: 0, 0.5, 1 at the bottom, with faint guides.
    ctx.strokeStyle = theme.grid;
    ctx.fillStyle = theme.muted;
    for (const p of [0, 0.25, 0.5, 0.75, 1]) {
      ctx.beginPath();
      ctx.moveTo(X(p), 0);
      ctx.lineTo(X(p), k * row);
      ctx.stroke();
      const t = String(p);
      ctx.fillText(t, X(p) - ctx.measureText(t).width / 2, k * row + 12);
    }
    const passes = bytes(im.passes);
    const [barColor, dotColor, tickColor] = [theme.palette[0], theme.palette[1], theme.fg];
    for (let c = 0; c < k; c++) {
      const y = c * row + row / 2;
      ctx.fillStyle = c === im.label ? theme.fg : theme.muted;
      const label = `${name(c)}${c === im.label ? ' (true)' : ''}`;
      ctx.fillText(label.length > 18 ? `${label.slice(0, 17)}…` : label, 4, y);
      ctx.fillStyle = barColor ?? '#3794ff';
      ctx.globalAlpha = 0.45;
      ctx.fillRect(X(0), y - 6, X(im.mean[c]) - X(0), 12);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = barColor ?? '#3794ff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(X(Math.max(0, im.mean[c] - im.std[c])), y);
      ctx.lineTo(X(Math.min(1, im.mean[c] + im.std[c])), y);
      ctx.stroke();
      ctx.fillStyle = dotColor ?? '#d18616';
      for (let p = 0; p < im.passesKept; p++) {
        const v = passes[p * k + c] / 255;
        // A fixed jitter per pass, so that equal values stay visible as a column of dots.
        const jy = y + (((p * 37) % 11) - 5) * 0.9;
        ctx.fillRect(X(v) - 1, jy - 1, 2.5, 2.5);
      }
      ctx.strokeStyle = tickColor;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(X(im.deterministic[c]), y - 9);
      ctx.lineTo(X(im.deterministic[c]), y + 9);
      ctx.stroke();
    }
  }
}
