/**
 * Chart.js line charts themed from VS Code's CSS variables. Data are `{x, y}` points already
 * sorted by x (parsing off), redrawn with `update('none')` (no animation) at most once a frame,
 * with Chart.js's own LTTB decimation on top of the reducer's.
 */
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartDataset,
  type ChartOptions,
  type Plugin,
  type Scale,
  type Tick as ChartTick,
} from 'chart.js';
import { formatNumber, logTicks } from './axis';
import type { Point } from './chartData';
import type { Marker } from './markers';
import { placeMarkerLabels } from './markerLabels';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, Title, Decimation, Filler);

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export interface Theme {
  fg: string;
  /** The card's background: exported PNGs are filled with it. */
  bg: string;
  muted: string;
  grid: string;
  font: string;
  palette: string[];
  highContrast: boolean;
  dark: boolean;
}

export function readTheme(): Theme {
  const cls = document.body.classList;
  const highContrast = cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light');
  const dark = cls.contains('vscode-dark') || cls.contains('vscode-high-contrast');
  return {
    fg: cssVar('--vscode-editor-foreground', dark ? '#cccccc' : '#333333'),
    bg: cssVar('--vscode-sideBar-background', cssVar('--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff')),
    muted: cssVar('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    grid: cssVar('--vscode-editorWidget-border', dark ? '#454545' : '#c8c8c8'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
    palette: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
    ],
    highContrast,
    dark,
  };
}

/**
 * A colour per layer, from the bottom layer (warm) to the top (cool), so that the vanishing-
 * gradients picture reads at a glance however many layers there are.
 */
export function layerColor(i: number, n: number, theme: Theme): string {
  const t = n <= 1 ? 0 : i / (n - 1);
  const hue = Math.round(10 + 220 * t);
  const light = theme.dark ? 62 : 42;
  return `hsl(${hue} ${theme.highContrast ? 100 : 70}% ${light}%)`;
}

/** How a layer reads in legends: "layer 1 · dense", counted from the bottom as `expect` counts. */
export function layerLabel(i: number, name: string | undefined, type?: string): string {
  const kind = (type ?? name?.replace(/_\d+$/, '') ?? '').toLowerCase();
  return kind ? `layer ${i + 1} · ${kind}` : `layer ${i + 1}`;
}

export interface SeriesSpec {
  label: string;
  data: Point[];
  color: string;
  dashed?: boolean;
  /** Points drawn (epoch series) or not (batch series). */
  points?: boolean;
  axis?: 'y' | 'y2';
  width?: number;
  /** Fill down to the next series (a ±1 std band's upper edge), in `fillColor`. */
  fill?: '+1';
  fillColor?: string;
  /** Left out of the legend (a band's edges). */
  legend?: false;
}

export interface ChartSpec {
  title: string;
  /** The x axis: epochs (linear) unless given. */
  x?: { label: string; log?: boolean };
  yLabel: string;
  log?: boolean;
  y2Label?: string;
  yMin?: number;
  yMax?: number;
  legend?: boolean;
  /** Per-layer series: the legend lists them top (output) first, at the side. */
  layers?: boolean;
  /** Vertical lines on the x axis with a short label (freeze, schedule phases, callbacks…). */
  markers?: Marker[];
  series: SeriesSpec[];
}

/** What decides how a series is drawn (besides its data and label). */
function styleKey(s: SeriesSpec): string {
  return JSON.stringify([s.color, s.dashed, s.points, s.axis, s.width, s.fill, s.fillColor, s.legend]);
}

type LineScale = Scale & { ticks: ChartTick[] };

/** Ticks of a log axis from `axis.ts`: powers of ten, with labelled multiples over short spans. */
function logAxis(label: string, theme: Theme) {
  return {
    type: 'logarithmic' as const,
    title: { display: true, text: label, color: theme.muted },
    afterBuildTicks: (scale: LineScale) => {
      scale.ticks = logTicks(scale.min, scale.max).map((t) => ({ value: t.value, major: t.major, label: t.label }));
    },
    ticks: { color: theme.muted, autoSkip: false, major: { enabled: true }, callback: (_v: unknown, i: number, ticks: ChartTick[]) => (ticks[i]?.label as string | undefined) ?? '' },
    grid: { color: (ctx: { tick?: ChartTick }) => (ctx.tick?.major ? theme.grid : fade(theme.grid)) },
  };
}

function linearAxis(label: string, theme: Theme, maxTicks: number) {
  return {
    type: 'linear' as const,
    title: { display: true, text: label, color: theme.muted },
    ticks: { color: theme.muted, maxTicksLimit: maxTicks, callback: (v: number | string) => formatNumber(Number(v)) },
    grid: { color: theme.grid },
  };
}

/** A grid colour at a third of its strength (minor log ticks). */
function fade(color: string): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  return m ? `#${m[1]}55` : color;
}

function scales(spec: ChartSpec, theme: Theme): ChartOptions<'line'>['scales'] {
  const epochs = !spec.x?.log && (spec.x?.label ?? 'epoch') === 'epoch';
  const linearX = linearAxis(spec.x?.label ?? 'epoch', theme, 8);
  // Epochs are whole numbers: no "1.2, 1.4 …" ticks on a two-epoch run (batch points still sit between them).
  const x = spec.x?.log ? logAxis(spec.x.label, theme) : epochs ? { ...linearX, ticks: { ...linearX.ticks, precision: 0 } } : linearX;
  const y = { ...(spec.log ? logAxis(spec.yLabel, theme) : linearAxis(spec.yLabel, theme, 7)), min: spec.yMin, max: spec.yMax };
  const y2 = spec.y2Label ? { y2: { ...linearAxis(spec.y2Label, theme, 7), position: 'right' as const, grid: { drawOnChartArea: false } } } : {};
  return { x, y, ...y2 } as unknown as ChartOptions<'line'>['scales'];
}

const MARKER_DASH: Record<Marker['kind'], number[]> = { freeze: [6, 3], schedule: [2, 3], callback: [4, 2], restore: [], diverged: [], suggestion: [5, 2, 1, 2] };

/**
 * Draws the markers of `chart.options.plugins.markers` as vertical lines across the plot with their
 * label at the top, placed over three rows so that close ones do not overprint (markerLabels.ts).
 */
const markerPlugin: Plugin<'line', { markers?: Marker[]; color?: string; diverged?: string; font?: string; palette?: string[] }> = {
  id: 'markers',
  afterDatasetsDraw(chart, _args, opts) {
    const list = opts.markers ?? [];
    const x = chart.scales.x;
    if (!list.length || !x) return;
    const { top, bottom, left, right } = chart.chartArea;
    const ctx = chart.ctx;
    ctx.save();
    ctx.font = `10px ${opts.font ?? 'sans-serif'}`;
    ctx.textBaseline = 'top';
    const shown = list.map((m) => ({ m, px: x.getPixelForValue(m.x) })).filter(({ px }) => px >= left - 0.5 && px <= right + 0.5);
    const places = placeMarkerLabels(
      shown.map(({ m, px }) => ({ x: px, width: ctx.measureText(m.label).width })),
      left,
      right,
    );
    shown.forEach(({ m, px }, i) => {
      const color = m.kind === 'diverged' ? (opts.diverged ?? '#f14c4c') : ((m.color !== undefined ? opts.palette?.[m.color] : undefined) ?? opts.color ?? '#888');
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = m.kind === 'suggestion' ? 1.5 : 1;
      ctx.setLineDash(MARKER_DASH[m.kind]);
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      ctx.fillText(m.label, places[i]!.x, top + 2 + places[i]!.row * 12);
    });
    ctx.restore();
  },
};

/** While exporting, fills the canvas with the theme's background (PNGs are opaque). */
const backgroundPlugin: Plugin<'line', { color?: string; enabled?: boolean }> = {
  id: 'exportBackground',
  beforeDraw(chart, _args, opts) {
    if (!opts.enabled || !opts.color) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = opts.color;
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

Chart.register(markerPlugin, backgroundPlugin);

export class LineChart {
  readonly chart: Chart<'line', Point[]>;
  private frame = 0;
  /** Charts out of sight (another tab, scrolled away) are not redrawn until they come into view. */
  private visible = true;
  private dirty = false;
  private readonly observer: IntersectionObserver;

  private log: boolean;

  constructor(
    readonly canvas: HTMLCanvasElement,
    spec: ChartSpec,
    private readonly theme: Theme,
  ) {
    this.log = !!spec.log;
    const options: ChartOptions<'line'> = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      spanGaps: true,
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      plugins: {
        title: { display: true, text: spec.title, color: theme.fg, font: { family: theme.font, size: 12, weight: 'normal' } },
        legend: this.legendOptions(spec),
        tooltip: {
          enabled: true,
          callbacks: {
            title: (items) => (items[0] ? `${spec.x?.log ? 'learning rate' : 'epoch'} ${formatNumber(items[0].parsed.x ?? NaN)}` : ''),
            label: (item) => `${item.dataset.label ?? ''}: ${formatNumber(item.parsed.y ?? NaN)}`,
          },
        },
        decimation: { enabled: true, algorithm: 'lttb', samples: 400, threshold: 600 },
        ...({
          markers: { markers: spec.markers ?? [], color: theme.muted, diverged: theme.palette[4], font: theme.font, palette: theme.palette },
          exportBackground: { color: theme.bg, enabled: false },
        } as object),
      },
      scales: scales(spec, theme),
    };
    this.chart = new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets: spec.series.map((s) => this.dataset(s)) }, options });
    this.describe(spec.series);
    this.observer = new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      if (this.visible && this.dirty) this.scheduleUpdate();
    });
    this.observer.observe(canvas);
  }

  private dataset(s: SeriesSpec): ChartDataset<'line', Point[]> {
    return {
      label: s.label,
      data: s.data,
      borderColor: s.color,
      backgroundColor: s.fillColor ?? s.color,
      fill: s.fill ?? false,
      ...({ inLegend: s.legend ?? true, styleKey: styleKey(s) } as object),
      borderWidth: s.width ?? 1.5,
      borderDash: s.dashed ? [5, 4] : undefined,
      pointRadius: s.points ? 2.5 : 0,
      pointHoverRadius: 3,
      tension: 0,
      yAxisID: s.axis ?? 'y',
    };
  }

  /**
   * Gives the chart new series. The same number of series keeps the datasets and swaps their
   * data (cheap, as smoothing does on every update); another number replaces them (layers appeared).
   */
  private legendOptions(spec: ChartSpec) {
    const layers = !!spec.layers;
    return {
      display: spec.legend ?? true,
      // Layers: at the side, output at the top (the order of the network drawn upright).
      position: layers ? ('right' as const) : ('top' as const),
      reverse: layers,
      labels: {
        color: this.theme.fg,
        boxWidth: 12,
        boxHeight: 2,
        font: { family: this.theme.font, size: 11 },
        filter: (item: { datasetIndex?: number }, data: { datasets: object[] }) => (data.datasets[item.datasetIndex ?? -1] as { inLegend?: boolean } | undefined)?.inLegend !== false,
      },
    };
  }

  /** New series, title, legend, markers; the y axis switches between linear and log with `log`. */
  setSpec(spec: ChartSpec): void {
    const plugins = this.chart.options.plugins as Record<string, unknown> & NonNullable<ChartOptions<'line'>['plugins']>;
    if (plugins.title) plugins.title.text = spec.title;
    plugins.legend = this.legendOptions(spec) as typeof plugins.legend;
    (plugins.markers as { markers: Marker[] }).markers = spec.markers ?? [];
    if (!!spec.log !== this.log) {
      this.log = !!spec.log;
      this.chart.options.scales = scales(spec, this.theme);
    }
    this.setSeries(spec.series);
  }

  /** The legend's series names on the canvas (`data-series`), for assistive tools and tests. */
  private describe(series: SeriesSpec[]): void {
    this.canvas.dataset.series = series.filter((s) => s.legend !== false && s.label).map((s) => s.label).join(' | ');
  }

  setSeries(series: SeriesSpec[]): void {
    this.describe(series);
    const current = this.chart.data.datasets;
    if (current.length === series.length) {
      // Chart.js caches a dataset's resolved style: a series drawn otherwise now (an overlay
      // dashed, a band's edge filled, another colour) takes a new dataset; else only data and label change.
      if (series.some((s, i) => (current[i] as { styleKey?: string }).styleKey !== styleKey(s))) {
        this.chart.data.datasets = series.map((s) => this.dataset(s));
      } else {
        series.forEach((s, i) => {
          current[i]!.data = s.data;
          current[i]!.label = s.label;
        });
      }
    } else {
      this.chart.data.datasets = series.map((s) => this.dataset(s));
    }
    this.scheduleUpdate();
  }

  scheduleUpdate(): void {
    if (!this.visible) {
      this.dirty = true;
      return;
    }
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.dirty = false;
      this.chart.update('none');
    });
  }

  /**
   * The chart as a PNG to share: drawn again at twice the pixel ratio, on the theme's background
   * (opaque), without the hover tooltip; then back as it was.
   */
  toPng(): string {
    const chart = this.chart;
    const opts = chart.options as ChartOptions<'line'> & { plugins: { exportBackground: { enabled: boolean } } };
    const dpr = chart.options.devicePixelRatio;
    chart.tooltip?.setActiveElements([], { x: 0, y: 0 });
    chart.setActiveElements([]);
    opts.plugins.exportBackground.enabled = true;
    chart.options.devicePixelRatio = Math.max(2, window.devicePixelRatio || 1);
    chart.resize();
    chart.update('none');
    const url = chart.toBase64Image('image/png', 1);
    opts.plugins.exportBackground.enabled = false;
    chart.options.devicePixelRatio = dpr;
    chart.resize();
    chart.update('none');
    return url;
  }

  destroy(): void {
    this.observer.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.chart.destroy();
  }
}
