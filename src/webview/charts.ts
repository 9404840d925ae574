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
} from 'chart.js';
import type { Point } from './chartData';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, Title, Decimation, Filler);

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export interface Theme {
  fg: string;
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

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** Log-axis ticks: only the powers of ten, written 10⁻³. */
export function powerOfTenLabel(value: number): string {
  if (!(value > 0)) return '';
  const e = Math.log10(value);
  const r = Math.round(e);
  if (Math.abs(e - r) > 1e-6) return '';
  if (r === 0) return '1';
  if (r === 1) return '10';
  return `10${String(r).replace(/./g, (c) => SUPERSCRIPT[c] ?? c)}`;
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
  series: SeriesSpec[];
}

export class LineChart {
  readonly chart: Chart<'line', Point[]>;
  private frame = 0;
  /** Charts out of sight (another tab, scrolled away) are not redrawn until they come into view. */
  private visible = true;
  private dirty = false;
  private readonly observer: IntersectionObserver;

  constructor(
    readonly canvas: HTMLCanvasElement,
    spec: ChartSpec,
    theme: Theme,
  ) {
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
        legend: { display: spec.legend ?? true, labels: { color: theme.fg, boxWidth: 12, font: { family: theme.font, size: 11 } } },
        tooltip: { enabled: true },
        decimation: { enabled: true, algorithm: 'lttb', samples: 400, threshold: 600 },
      },
      scales: {
        x: spec.x?.log
          ? {
              type: 'logarithmic',
              title: { display: true, text: spec.x.label, color: theme.muted },
              ticks: { color: theme.muted, autoSkip: false, callback: (v) => powerOfTenLabel(Number(v)) },
              grid: { color: (ctx) => (powerOfTenLabel(ctx.tick?.value ?? 0) ? theme.grid : 'transparent') },
            }
          : {
              type: 'linear',
              title: { display: true, text: spec.x?.label ?? 'epoch', color: theme.muted },
              ticks: { color: theme.muted, maxTicksLimit: 8 },
              grid: { color: theme.grid },
            },
        y: {
          type: spec.log ? 'logarithmic' : 'linear',
          title: { display: true, text: spec.yLabel, color: theme.muted },
          ticks: spec.log ? { color: theme.muted, autoSkip: false, callback: (v) => powerOfTenLabel(Number(v)) } : { color: theme.muted, maxTicksLimit: 7 },
          // On a log axis, grid lines at the powers of ten only.
          grid: spec.log ? { color: (ctx) => (powerOfTenLabel(ctx.tick?.value ?? 0) ? theme.grid : 'transparent') } : { color: theme.grid },
          min: spec.yMin,
          max: spec.yMax,
        },
        ...(spec.y2Label
          ? { y2: { type: 'linear' as const, position: 'right' as const, title: { display: true, text: spec.y2Label, color: theme.muted }, ticks: { color: theme.muted }, grid: { drawOnChartArea: false } } }
          : {}),
      },
    };
    this.chart = new Chart<'line', Point[]>(canvas, { type: 'line', data: { datasets: spec.series.map((s) => this.dataset(s)) }, options });
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
      backgroundColor: s.color,
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
  /** New series, title and legend (the axes stay as created). */
  setSpec(spec: ChartSpec): void {
    const plugins = this.chart.options.plugins;
    if (plugins?.title) plugins.title.text = spec.title;
    if (plugins?.legend) plugins.legend.display = spec.legend ?? true;
    this.setSeries(spec.series);
  }

  setSeries(series: SeriesSpec[]): void {
    const current = this.chart.data.datasets;
    if (current.length === series.length) {
      series.forEach((s, i) => {
        const ds = current[i]!;
        ds.data = s.data;
        ds.label = s.label;
        ds.borderColor = s.color;
        ds.backgroundColor = s.color;
      });
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

  toPng(): string {
    return this.chart.toBase64Image('image/png', 1);
  }

  destroy(): void {
    this.observer.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.chart.destroy();
  }
}
