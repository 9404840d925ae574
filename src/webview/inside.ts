/**
 * The run card's "Inside" tab: the network strip, the selected layer's histograms, and the
 * histograms over time of every layer (activations or gradients). Fed the run's events; redraws
 * at most once a frame.
 */
import type { RunEvent } from '../protocol/events';
import { readTheme } from './charts';
import { Heatmap } from './heatmap';
import { applyInside, emptyInside, type HistogramKind, type InsideData } from './insideData';
import { NetworkStrip } from './networkStrip';
import { button, h } from './ui';

export class InsideView {
  readonly el: HTMLElement;
  private data: InsideData = emptyInside();
  private kind: HistogramKind = 'activations';
  private selected = -1;
  private frame = 0;
  private readonly strip: NetworkStrip;
  private readonly column: Record<HistogramKind, Heatmap>;
  private readonly detail: Record<HistogramKind, Heatmap>;
  private readonly detailEl = h('div', { class: 'inside-detail' });
  private readonly detailTitle = h('h4', {});
  private readonly kindButtons: Record<HistogramKind, HTMLElement>;

  constructor() {
    const theme = readTheme();
    this.strip = new NetworkStrip(theme, (i) => this.select(i));
    this.column = { activations: new Heatmap('activations', theme), gradients: new Heatmap('gradients', theme) };
    this.detail = { activations: new Heatmap('activations', theme, 90, 90), gradients: new Heatmap('gradients', theme, 90, 90) };
    this.kindButtons = {
      activations: button('Activations', { appearance: 'secondary', title: "Each layer's outputs on the probe batch", onClick: () => this.setKind('activations') }),
      gradients: button('Gradients', { appearance: 'secondary', title: "Each layer's kernel gradient |∇W|, log-spaced bins", onClick: () => this.setKind('gradients') }),
    };
    this.detailEl.hidden = true;
    this.detailEl.append(
      this.detailTitle,
      h('div', { class: 'inside-detail-grid' }, h('div', {}, h('h5', {}, 'Outputs on the probe batch'), this.detail.activations.el), h('div', {}, h('h5', {}, 'Kernel gradient |∇W|'), this.detail.gradients.el)),
    );
    this.column.gradients.el.hidden = true;
    this.el = h(
      'div',
      { class: 'inside' },
      h('p', { class: 'inside-help' }, 'The network, input on the left: green within its healthy band, amber, red; taller where the gradient is larger (log scale). Click a layer for its histograms.'),
      this.strip.el,
      this.detailEl,
      h('div', { class: 'inside-kind', role: 'group', 'aria-label': 'Histograms over time of' }, this.kindButtons.activations, this.kindButtons.gradients),
      this.column.activations.el,
      this.column.gradients.el,
    );
    this.setKind('activations');
  }

  reset(): void {
    this.data = emptyInside();
    this.selected = -1;
    this.detailEl.hidden = true;
    this.schedule();
  }

  apply(events: readonly RunEvent[]): void {
    if (applyInside(this.data, events)) this.schedule();
  }

  /** The theme changed, or the tab became visible (sizes are known only then). */
  redraw(): void {
    const theme = readTheme();
    this.strip.setTheme(theme);
    for (const m of [this.column.activations, this.column.gradients, this.detail.activations, this.detail.gradients]) m.setTheme(theme);
    this.schedule();
  }

  private setKind(kind: HistogramKind): void {
    this.kind = kind;
    // A two-way toggle: the shown kind is the primary (filled) button and pressed; both stay clickable.
    for (const k of ['activations', 'gradients'] as const) {
      const on = k === kind;
      this.kindButtons[k].toggleAttribute('secondary', !on);
      this.kindButtons[k].setAttribute('aria-pressed', String(on));
    }
    this.column.activations.el.hidden = kind !== 'activations';
    this.column.gradients.el.hidden = kind !== 'gradients';
    this.schedule();
  }

  private select(i: number): void {
    this.selected = i;
    this.detailEl.hidden = false;
    this.schedule();
    this.detailEl.scrollIntoView({ block: 'nearest' });
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const layers = this.data.layers;
    this.strip.draw(layers);
    this.column[this.kind].draw(layers);
    const sel = layers[this.selected];
    if (sel) {
      this.detailTitle.textContent = `${sel.label}: its histograms over time`;
      this.detail.activations.draw([sel]);
      this.detail.gradients.draw([sel]);
    }
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
  }
}
