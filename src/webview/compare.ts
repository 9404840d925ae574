/** Compare: the last runs of two or more experiments overlaid, with a legend of what differs. */
import type { CompareSeries, DifferenceGroup } from '../protocol/webview';
import { post } from './api';
import { applyEvents, emptyChartData, type Point, type RunChartData } from './chartData';
import { formatNumber } from './axis';
import { LineChart, layerLabel, readTheme, type ChartSpec } from './charts';
import { button, h } from './ui';

export class CompareView {
  readonly el: HTMLElement;
  private readonly charts: LineChart[] = [];
  private readonly pending: { canvas: HTMLCanvasElement; spec: ChartSpec }[] = [];

  constructor(series: CompareSeries[], differences: DifferenceGroup[], onClose: () => void) {
    const theme = readTheme();
    const data: RunChartData[] = series.map((s) => {
      const d = emptyChartData();
      applyEvents(d, s.events, 2000);
      return d;
    });
    const color = (i: number) => theme.palette[i % theme.palette.length]!;
    const spec = (title: string, yLabel: string, pick: (d: RunChartData) => Point[], points = false, log = false): ChartSpec => ({
      title,
      yLabel,
      log,
      // One legend for every chart, above them (outside the plots).
      legend: false,
      series: data.map((d, i) => ({ label: series[i]!.title, data: pick(d), color: color(i), points, width: points ? 2 : 1.5 })),
    });
    const specs: ChartSpec[] = [
      spec('Training loss (per batch)', 'loss', (d) => d.lossTrain),
      spec('Validation loss (per epoch)', 'val_loss', (d) => d.lossVal, true),
      spec('Validation accuracy (per epoch)', 'val_accuracy', (d) => d.accVal, true),
      spec('Learning rate', 'learning rate', (d) => d.lr),
      {
        title: 'Gradient norm: layer 1 (solid) and the output layer (dashed), log scale',
        yLabel: '‖∇W‖₂',
        log: true,
        legend: false,
        series: data.flatMap((d, i) =>
          d.gradNorms.length
            ? [
                { label: `${series[i]!.title}: ${layerLabel(0, d.layers[0])}`, data: d.gradNorms[0]!, color: color(i) },
                { label: `${series[i]!.title}: ${layerLabel(d.gradNorms.length - 1, d.layers[d.gradNorms.length - 1])}`, data: d.gradNorms[d.gradNorms.length - 1]!, color: color(i), dashed: true },
              ]
            : [],
        ),
      },
    ];
    const grid = h('div', { class: 'chart-grid n4' });
    // (a chart with no points in any run is left out)
    for (const s of specs) {
      if (s.series.every((x) => x.data.length === 0)) continue;
      const canvas = h('canvas', { role: 'img', 'aria-label': s.title });
      const png = button('PNG', {
        appearance: 'secondary',
        title: 'Export this chart as a PNG image',
        onClick: () => {
          const i = this.pending.findIndex((p) => p.canvas === canvas);
          const c = this.charts[i];
          if (c) post({ type: 'exportPng', name: `compare-${s.title.split(' ')[0]!.toLowerCase()}-${s.title.includes('accuracy') ? 'acc' : 'loss'}`, dataUrl: c.toPng() });
        },
      });
      png.classList.add('png-button');
      grid.append(h('div', { class: 'chart-box' }, h('div', { class: 'chart-canvas' }, canvas), png));
      this.pending.push({ canvas, spec: s });
    }
    const legend = h(
      'ul',
      { class: 'compare-legend' },
      ...series.map((s, i) => {
        const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
        swatch.style.backgroundColor = color(i);
        const end = data[i]!.epochs[data[i]!.epochs.length - 1];
        const num = (x: number | undefined) => (x === undefined ? '–' : formatNumber(x, 4));
        const summary = end ? ` — after ${end.epoch} epoch${end.epoch === 1 ? '' : 's'}: val_accuracy ${num(end.val_accuracy)}, val_loss ${num(end.val_loss)}` : ' — no epoch finished';
        return h('li', {}, swatch, h('strong', {}, s.title), summary);
      }),
    );
    // Each experiment's name once, over its lines (not repeated on every line).
    const lines = (g: DifferenceGroup) => h('ul', {}, ...g.lines.map((d) => h('li', {}, h('code', {}, d))));
    const groups = differences.map((g) => (g.title ? h('div', { class: 'difference-group' }, h('strong', {}, g.title), lines(g)) : lines(g)));
    const diffs = h('div', { class: 'differences' }, h('h4', {}, 'What differs'), ...(groups.length ? groups : [h('p', {}, 'Nothing in the specs: the same experiment twice.')]));
    const close = button('Close', { appearance: 'secondary', title: 'Close the comparison', onClick: onClose });
    this.el = h('section', { class: 'compare', id: 'compare', 'aria-label': 'Compare runs' }, h('header', {}, h('h2', {}, 'Compare runs'), close), legend, diffs, grid);
  }

  mount(): void {
    const theme = readTheme();
    for (const p of this.pending) this.charts.push(new LineChart(p.canvas, p.spec, theme));
  }

  destroy(): void {
    this.charts.forEach((c) => c.destroy());
  }
}
