/**
 * One experiment's run card: Run / Run full / Stop, the backend, a progress bar with epoch, batch
 * and time left, live charts in tabs (loss and accuracy; learning rate and momentum; per-layer
 * gradient norms on a log scale; per-layer activation mean and spread), the lesson's `explains`
 * beside them, and the `expect` outcomes when the run ends.
 */
import { TryIt, twinLine } from './tryIt';
import { SeedsOnCard } from './seedsView';
import { Overlay } from './overlay';
import { HistoryStrip } from './history';
import { PauseControls, pauseStatus } from './pauseControls';
import type { BackendChoice, RunEvent } from '../protocol/events';
import type { KnobValue } from '../protocol/knobs';
import type { ExperimentView, HistoryItem, HostToWebview, Outcome, OverlayRun, RunPhase } from '../protocol/webview';
import { post } from './api';
import { applyEvents, emptyChartData, formatSeconds, progressOf, seriesShape, smoothed, type ChartId, type Point, type RunChartData } from './chartData';
import { LineChart, layerColor, layerLabel, readTheme, type ChartSpec, type SeriesSpec } from './charts';
import { estimateTimeLeft } from '../protocol/eta';
import { lrFinderMarkers, markersOf } from './markers';
import { LrFinderView, TAKES_RATE_ATTR, USE_RATE_EVENT, type UseRateDetail } from './lrFinder';
import { compareWithBook, formatGap } from '../protocol/book';
import { errorList } from './blockErrors';
import type { MarkdownIt } from 'markdown-it';
import { formatNumber } from './axis';
import { typeset } from './markdown';
import { InsideView } from './inside';
import { McImagesView } from './mcImages';
import { divergenceActions } from './divergence';
import { button, checkbox, h, progressBar, setDisabled, slider, spinner, tabs, tag, type ButtonEl } from './ui';

type TabId = 'training' | 'gradients' | 'activations' | 'lr' | 'inside' | 'mc';

function fmt(x: number | undefined, digits = 4): string {
  return x === undefined ? '–' : formatNumber(x, digits);
}

/** Schedules whose rates span decades read best on a log axis (1cycle's final fall, exponential decay). */
function lrLogByDefault(e: ExperimentView): boolean {
  const name = e.spec.training.schedule?.name;
  return name === 'one_cycle' || name === 'exponential';
}

/** Which tab to show first: the one the lesson talks about. */
export function defaultTab(e: ExperimentView): TabId {
  const text = `${e.explains ?? ''} ${e.expect.join(' ')}`.toLowerCase();
  if (/grad/.test(text)) return 'gradients';
  if (/activation|act_mean|act_std|mean|std|spread|saturat|dead/.test(text)) return 'activations';
  if (/learning rate|\blr\b|momentum|schedule|one_cycle|1cycle/.test(text) || e.spec.training.schedule || e.spec.training.lr_finder) return 'lr';
  return 'training';
}

export class RunCard {
  readonly el: HTMLElement;
  private data: RunChartData = emptyChartData();
  private runId?: string;
  private full = false;
  /** The shown run's knobs that differ from the experiment's (a variant's; none for a plain run). */
  private runValues: Record<string, KnobValue> = {};
  private phase: RunPhase = 'idle';
  private readonly charts = new Map<ChartId, LineChart>();
  private readonly canvases = new Map<ChartId, HTMLCanvasElement>();
  private readonly runBtn: ButtonEl;
  private readonly fullBtn?: ButtonEl;
  private readonly stopBtn: ButtonEl;
  private readonly progress: ReturnType<typeof progressBar>;
  private readonly progressText = h('span', { class: 'progress-text' });
  private readonly ring = spinner();
  private readonly backendTag = h('span', { class: 'backend' });
  /** "Estimate: …" of the quick run, or of the full run while one is shown. */
  private readonly costEl = h('div', { class: 'cost', title: 'Estimated from the experiment before it runs (docs/experiment-spec.md, "Limits and cost")' });
  private readonly status = h('div', { class: 'run-status', role: 'status' });
  private readonly outcomesEl = h('ul', { class: 'outcomes' });
  /** Waiting for a reused experiment to train first (the status line says which). */
  private waiting = false;
  private readonly summaryEl = h('div', { class: 'run-summary' });
  private readonly tryIt?: TryIt;
  private readonly variantEl = h('div', { class: 'variant-line' });
  private readonly chartArea: HTMLElement;
  private shape = '';
  /** Smoothing of the per-batch series (0: raw points). */
  private smoothing = 0;
  /** The learning-rate chart on a log axis. */
  private lrLog: boolean;
  private timer = 0;
  /** When this page saw the run's first batch (for the time left). */
  private firstBatch?: { at: number; steps: number };
  private readonly inside = new InsideView();
  private readonly seeds: SeedsOnCard;
  private readonly overlay = new Overlay();
  private readonly history: HistoryStrip;
  private readonly pause: PauseControls;
  private readonly finderView = new LrFinderView();
  private readonly mcView = new McImagesView();
  private readonly onUseRate = (e: Event) => {
    const detail = (e as CustomEvent<UseRateDetail>).detail;
    if (this.tryIt?.set('max_lr', detail.lr)) {
      detail.taken = true;
      this.el.scrollIntoView({ block: 'nearest' });
    }
  };

  constructor(
    readonly view: ExperimentView,
    md: MarkdownIt,
    private backend: BackendChoice,
    seedsN = 3,
  ) {
    this.seeds = new SeedsOnCard(view.key, seedsN);
    this.history = new HistoryStrip(view.key, () => this.setOverlay(undefined));
    this.pause = new PauseControls(view.key);
    this.progress = progressBar(`Progress of "${view.title}"`);
    this.runBtn = button('▶ Run', { title: `Run "${view.title}"`, onClick: () => post({ type: 'run', key: view.key, full: false }) });
    if (view.hasFull) {
      this.fullBtn = button('▶ Run full', { appearance: 'secondary', title: `Run with the book's sizes (slower)${view.fullCost ? `; estimate: ${view.fullCost}` : ''}`, onClick: () => post({ type: 'run', key: view.key, full: true }) });
    }
    this.stopBtn = button('■ Stop', { appearance: 'secondary', title: 'Stop training (between two batches)', onClick: () => post({ type: 'stop', key: view.key }) });
    const compareBtn = button('Compare…', { appearance: 'secondary', title: "Overlay this run with another experiment's last run", onClick: () => post({ type: 'compare', keys: [view.key] }) });
    const csvBtn = button('CSV', { appearance: 'secondary', title: "Export this run's metrics as CSV", onClick: () => post({ type: 'exportMetrics', key: view.key, format: 'csv' }) });
    const jsonBtn = button('JSON', { appearance: 'secondary', title: "Export this run's metrics as JSON", onClick: () => post({ type: 'exportMetrics', key: view.key, format: 'json' }) });
    this.ring.hidden = true;
    this.showCost();
    this.lrLog = lrLogByDefault(view);
    const smooth = slider('Smoothing', { min: 0, max: 0.99, step: 0.01, value: 0, title: 'Smooth the per-batch curves: an exponential moving average, debiased at the start as TensorBoard does (0: the raw points)' }, (w) => {
      this.smoothing = w;
      for (const [id, c] of this.charts) c.setSpec(this.chartSpec(id));
    });
    if (view.knobs?.length) this.tryIt = new TryIt(view.key, view.knobs, seedsN);
    const controls = h('div', { class: 'controls' }, this.runBtn, ...(this.fullBtn ? [this.fullBtn] : []), this.seeds.button, this.stopBtn, ...this.pause.buttons, compareBtn, csvBtn, jsonBtn, smooth, this.backendTag);
    this.backendTag.addEventListener('click', () => post({ type: 'selectBackend' }));
    this.backendTag.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        post({ type: 'selectBackend' });
      }
    });
    this.backendTag.setAttribute('role', 'button');
    this.backendTag.setAttribute('tabindex', '0');
    this.backendTag.title = 'The training backend: click to change';
    const progressRow = h('div', { class: 'progress-row' }, this.ring, this.progress.el, this.progressText);

    const tabContent = (ids: ChartId[]) => h('div', { class: `chart-grid n${ids.length}` }, ...ids.map((id) => this.chartBox(id)));
    const first = defaultTab(view);
    this.chartArea = tabs(
      [
        { id: 'training', label: 'Loss & accuracy', content: tabContent(['loss', 'accuracy']) },
        { id: 'gradients', label: 'Gradients', content: tabContent(['gradients']) },
        { id: 'activations', label: 'Activations', content: tabContent(['actMean', 'actStd']) },
        { id: 'lr', label: 'Learning rate', content: this.lrTab(tabContent(view.spec.training.lr_finder ? ['lrFinder', 'lr'] : ['lr'])) },
        { id: 'inside', label: 'Inside', content: this.inside.el },
        ...(view.spec.evaluate.mc_dropout ? [{ id: 'mc', label: 'MC dropout', content: this.mcView.el }] : []),
      ],
      first,
      (id) => (id === 'inside' ? this.inside.redraw() : this.charts.forEach((c) => c.chart.resize())),
    );
    const explains = h('aside', { class: 'explains' });
    if (view.explains) {
      const p = h('div', { class: 'explains-text' });
      p.innerHTML = md.render(view.explains);
      typeset(p);
      explains.append(h('h4', {}, 'What to look for'), p);
    }
    if (view.expect.length) {
      explains.append(h('h4', {}, 'Expected'));
      this.renderOutcomes(view.expect.map((text) => ({ text, met: false })), true);
      explains.append(this.outcomesEl);
    }
    explains.append(this.seeds.el, this.summaryEl);
    const title = h('h3', {}, view.title);
    const source = h('a', { href: '#', class: 'source-link', title: 'Show this block in the lesson file' }, 'source');
    source.addEventListener('click', (e) => {
      e.preventDefault();
      post({ type: 'openSource', line: view.line });
    });
    const errors = view.errors?.length
      ? [h('div', { class: 'block-errors-box', role: 'alert' }, h('strong', {}, 'The block has errors now; this card shows its last good version. Fix them to run it again:'), errorList(view.errors))]
      : [];
    this.el = h(
      'section',
      { class: `run-card${errors.length ? ' has-errors' : ''}`, id: `exp-${view.id}`, 'aria-label': `Experiment: ${view.title}` },
      h('header', {}, title, h('div', { class: 'setup' }, view.setup, ' · ', source), ...(view.cost ? [this.costEl] : []), this.seeds.costEl),
      ...errors,
      controls,
      ...(this.tryIt ? [this.tryIt.el] : []),
      this.history.el,
      this.variantEl,
      progressRow,
      this.status,
      h('div', { class: 'run-body' }, h('div', { class: 'charts' }, this.chartArea), explains),
    );
    if (view.knobs?.some((k) => k.id === 'max_lr')) {
      this.el.setAttribute(TAKES_RATE_ATTR, '');
      window.addEventListener(USE_RATE_EVENT, this.onUseRate);
    }
    this.setBackend(backend);
    this.setPhase('idle');
    this.updateProgress();
  }

  /** The learning-rate tab: its charts and a log-scale switch. */
  private lrTab(content: HTMLElement): HTMLElement {
    const log = checkbox('Log scale', 'Show the learning rate on a log axis (a fall by decades, as 1cycle ends, shows)', (on) => {
      this.lrLog = on;
      this.charts.get('lr')?.setSpec(this.chartSpec('lr'));
    }, this.lrLog);
    return h('div', { class: 'lr-tab' }, h('div', { class: 'chart-options' }, log), content, this.finderView.el);
  }

  private chartBox(id: ChartId): HTMLElement {
    const canvas = h('canvas', { role: 'img', 'aria-label': this.chartSpec(id).title });
    this.canvases.set(id, canvas);
    const png = button('PNG', { appearance: 'secondary', title: 'Export this chart as a PNG image', onClick: () => this.exportPng(id) });
    png.classList.add('png-button');
    return h('div', { class: 'chart-box' }, h('div', { class: 'chart-canvas' }, canvas), png);
  }

  private exportPng(id: ChartId): void {
    const c = this.charts.get(id);
    if (!c) return;
    post({ type: 'exportPng', name: `${this.view.key.replace('/', '--')}-${id}`, dataUrl: c.toPng() });
  }

  /** Redraws the charts in the new theme's colours. */
  retheme(): void {
    this.charts.forEach((c) => c.destroy());
    this.charts.clear();
    this.mount();
    this.inside.redraw();
    this.mcView.redraw();
  }

  /** Creates the charts once the card is in the document (Chart.js needs a sized parent). */
  mount(): void {
    if (this.charts.size) return;
    const theme = readTheme();
    for (const [id, canvas] of this.canvases) this.charts.set(id, new LineChart(canvas, this.chartSpec(id), theme));
  }

  private chartSpec(id: ChartId): ChartSpec {
    const theme = readTheme();
    const [c0, c1, c2, c3] = theme.palette;
    const d = this.data;
    // Per-batch series, smoothed for display when the learner asks (epoch series never are).
    const sm = (data: Point[], log = false) => (this.smoothing ? smoothed(data, this.smoothing, log) : data);
    const types = new Map((d.start?.summary.layers ?? []).map((l) => [l.name, l.type]));
    const layerSeries = (series: Point[][], log = false): SeriesSpec[] =>
      series.map((data, i) => ({ label: layerLabel(i, d.layers[i], types.get(d.layers[i] ?? '')), data: sm(data, log), color: layerColor(i, series.length, theme), width: 1.25 }));
    const manyLayers = d.layers.length > 10;
    const markers = markersOf(this.view.spec, d);
    switch (id) {
      case 'loss':
      case 'accuracy': {
        const own: SeriesSpec[] = this.seeds.series(id, [c0!, c1!], sm(id === 'loss' ? d.lossTrain : d.accTrain), d.start?.seed) ?? [
          { label: 'train (batches)', data: sm(id === 'loss' ? d.lossTrain : d.accTrain), color: c0! },
          { label: 'validation (epochs)', data: id === 'loss' ? d.lossVal : d.accVal, color: c1!, points: true, width: 2 },
        ];
        // The variant's series are named by its difference; an overlaid run (its original) is dashed.
        const series = this.overlay.series(id, own, d.start?.twin?.label, [c2!, c3!]);
        return { title: id === 'loss' ? 'Loss' : 'Accuracy', yLabel: id, ...(id === 'accuracy' ? { yMax: 1 } : {}), markers, series };
      }
      case 'lr':
        return {
          title: `Learning rate and momentum${this.lrLog ? ' (log scale)' : ''}`,
          yLabel: 'learning rate',
          log: this.lrLog,
          yMin: this.lrLog ? undefined : 0,
          markers,
          y2Label: 'momentum',
          series: [
            { label: 'learning rate', data: d.lr, color: c0! },
            { label: 'momentum', data: d.momentum, color: c1!, axis: 'y2', dashed: true },
          ],
        };
      case 'lrFinder': {
        const f = d.end?.lrFinder;
        return {
          title: f ? `LR finder: smoothed loss against the learning rate (lowest at ${fmt(f.bestLr)})` : 'LR finder: loss against the learning rate',
          yLabel: 'loss',
          markers: lrFinderMarkers(f),
          x: { label: 'learning rate (log scale)', log: true },
          series: [{ label: 'loss', data: d.lrFinder, color: c0! }],
        };
      }
      case 'gradients':
        return { title: `Gradient norm per layer (log scale${manyLayers ? '; red: layer 1 (bottom) → blue: output' : ''})`, yLabel: '‖∇W‖₂', log: true, legend: !manyLayers, layers: true, markers, series: layerSeries(d.gradNorms, true) };
      case 'actMean':
        return { title: 'Activation mean per layer', yLabel: 'mean', legend: !manyLayers, layers: true, markers, series: layerSeries(d.actMean) };
      case 'actStd':
        return { title: `Activation spread (std) per layer${manyLayers ? ' (red: layer 1 → blue: output)' : ''}`, yLabel: 'std', legend: !manyLayers, layers: true, markers, series: layerSeries(d.actStd) };
    }
  }

  setBackend(backend: BackendChoice): void {
    this.backend = backend;
    const s = this.data.start;
    this.backendTag.replaceChildren(tag(s ? `backend: ${s.backend}` : `backend: ${backend}`, s ? s.backendReason : 'Click to choose the training backend'));
  }

  /** `waitingFor`: the experiment whose layers this one reuses, training first on its own card. */
  setPhase(phase: RunPhase, position?: number, waitingFor?: string): void {
    this.phase = phase;
    const busy = phase !== 'idle';
    const blocked = busy || !!this.view.errors?.length;
    setDisabled(this.runBtn, blocked);
    if (this.fullBtn) setDisabled(this.fullBtn, blocked);
    setDisabled(this.seeds.button, blocked);
    setDisabled(this.stopBtn, !busy || phase === 'stopping');
    this.tryIt?.setBusy(busy);
    this.ring.hidden = !busy;
    this.el?.classList.toggle('busy', busy);
    if (this.waiting && !(phase === 'queued' && waitingFor)) this.status.textContent = '';
    this.waiting = phase === 'queued' && !!waitingFor;
    if (phase === 'queued' && waitingFor) this.status.textContent = `Waiting for “${waitingFor}”: this experiment reuses its layers, so it trains first (see its card); this run starts when it has finished.`;
    else if (phase === 'queued') this.status.textContent = position ? `Queued: ${position} run${position > 1 ? 's' : ''} ahead.` : 'Starting the trainer…';
    else if (phase === 'stopping') this.status.textContent = 'Stopping after this batch…';
    else if (phase === 'running') this.status.textContent = '';
    else if (pauseStatus(phase)) this.status.textContent = pauseStatus(phase)!;
    this.pause.setPhase(phase);
    if (busy && !this.timer) this.timer = window.setInterval(() => this.updateProgress(), 1000);
    if (!busy && this.timer) {
      clearInterval(this.timer);
      this.timer = 0;
    }
    this.updateProgress();
  }

  private showCost(): void {
    const full = this.full && this.view.fullCost;
    this.costEl.textContent = full ? `Estimate (full size): ${this.view.fullCost}` : `Estimate: ${this.view.cost ?? ''}`;
  }

  /** A new run (or a replay) starts: clear the charts. */
  reset(runId: string, full: boolean, seeds?: number, values: Record<string, KnobValue> = {}): void {
    this.seeds.reset(runId, seeds);
    this.runValues = values;
    this.overlay.set(undefined);
    this.history.setOverlay(false);
    this.runId = runId;
    this.full = full;
    this.showCost();
    this.data = emptyChartData();
    this.shape = '';
    this.firstBatch = undefined;
    this.status.textContent = '';
    this.summaryEl.replaceChildren();
    this.renderOutcomes(this.view.expect.map((text) => ({ text, met: false })), true);
    for (const [id, c] of this.charts) c.setSpec(this.chartSpec(id));
    this.inside.reset();
    this.finderView.show(undefined);
    this.mcView.show(undefined);
  }

  apply(runId: string, events: readonly RunEvent[]): void {
    if (runId !== this.runId) return;
    // A run of seeds: each seed's live charts start afresh; the bands keep every seed.
    this.seeds.split(events).forEach((chunk, i) => {
      if (i > 0) [this.data, this.shape, this.firstBatch] = [emptyChartData(), '', undefined];
      this.applyRun(chunk);
    });
  }

  private applyRun(events: readonly RunEvent[]): void {
    const changed = applyEvents(this.data, events);
    if (!this.firstBatch && this.data.progress) this.firstBatch = { at: Date.now(), steps: this.data.progress.step + 1 };
    this.inside.apply(events);
    const start = events.find((e) => e.type === 'start');
    if (start) this.setBackend(this.backend);
    this.variantEl.textContent = twinLine(this.data.start);
    // Before the run starts, what the trainer says (training a reused model first, …) shows under
    // the progress bar; the start clears it.
    const said = [...events].reverse().find((e) => e.type === 'log');
    if (said?.type === 'log' && !this.data.start && !this.data.end && !this.data.error) this.status.textContent = said.message.trim();
    if (start && !this.data.end && !this.data.error) this.status.textContent = '';
    const shape = seriesShape(this.data);
    const marked = events.some((e) => e.type === 'end' || (e.type === 'epoch' && e.notes?.length) || (e.type !== 'log' && e.type !== 'dataset' && 'loss' in e && !Number.isFinite(e.loss)));
    // (a run of seeds: the bands are fresh series at each update)
    if (shape !== this.shape || start || marked || this.seeds.runs) {
      this.shape = shape;
      for (const [id, c] of this.charts) c.setSpec(this.chartSpec(id));
    } else if (this.smoothing) {
      // Smoothed series are copies: hand the charts fresh ones.
      for (const id of changed) this.charts.get(id)?.setSpec(this.chartSpec(id));
    } else {
      for (const id of changed) this.charts.get(id)?.scheduleUpdate();
    }
    if (events.some((e) => e.type === 'end') && this.data.end?.lrFinder) {
      this.charts.get('lrFinder')?.setSpec(this.chartSpec('lrFinder'));
      this.finderView.show(this.data.end.lrFinder);
    }
    if (events.some((e) => e.type === 'end')) this.mcView.show(this.data.end?.mcDropout);
    if (events.some((e) => e.type === 'epoch' || e.type === 'end' || e.type === 'error')) this.renderSummary();
    this.updateProgress();
  }

  private updateProgress(): void {
    const p = progressOf(this.data);
    this.progress.set(p.fraction);
    const parts = [this.runId ? p.text : this.waiting ? 'Not run yet: waiting to start.' : this.view.hasFull ? 'Not run yet. ▶ Run full uses the book’s sizes (slower).' : 'Not run yet.'];
    if (this.runId && this.full) parts.push('full size');
    const seedsAt = this.seeds.progress();
    if (seedsAt) parts.unshift(seedsAt);
    const s = this.data.start;
    if (this.phase === 'running' && s && this.data.progress) {
      const left = estimateTimeLeft({
        epochs: s.epochs,
        batchesPerEpoch: s.batchesPerEpoch,
        stepsDone: this.data.progress.step + 1,
        epochSeconds: this.data.epochs.map((e) => e.seconds),
        sinceFirst: this.firstBatch ? { steps: this.firstBatch.steps, seconds: (Date.now() - this.firstBatch.at) / 1000 } : undefined,
      });
      // A run of seeds: the seeds still to come count too.
      const elapsed = this.firstBatch ? (Date.now() - this.firstBatch.at) / 1000 : 0;
      if (left !== undefined) parts.push(`about ${formatSeconds(this.seeds.timeLeft(left, elapsed))} left`);
    }
    this.progressText.textContent = parts.join(' · ');
  }

  private renderSummary(): void {
    const d = this.data;
    const rows: [string, string][] = [];
    const last = d.epochs[d.epochs.length - 1];
    if (last) {
      rows.push(['epoch', `${last.epoch}`], ['loss', fmt(last.loss)]);
      if (last.accuracy !== undefined) rows.push(['accuracy', fmt(last.accuracy)]);
      if (last.val_loss !== undefined) rows.push(['val_loss', fmt(last.val_loss)]);
      if (last.val_accuracy !== undefined) rows.push(['val_accuracy', fmt(last.val_accuracy)]);
    }
    if (d.end?.test) {
      rows.push(['test loss', fmt(d.end.test.loss)]);
      if (d.end.test.accuracy !== undefined) rows.push(['test accuracy', fmt(d.end.test.accuracy)]);
    }
    if (d.end?.mcDropout) rows.push(['MC dropout accuracy', `${fmt(d.end.mcDropout.accuracy)} (one pass: ${fmt(d.end.mcDropout.deterministicAccuracy)})`]);
    // A full run is the notebook's: the book's published figure beside ours.
    if (d.end && this.full) for (const b of compareWithBook(this.view.spec, d.end)) rows.push([`the book's ${b.metric}`, `${fmt(b.book)}${b.gap !== undefined ? ` (ours ${formatGap(b.gap)} points)` : ''}`]);
    if (d.end?.lrFinder) rows.push(['LR finder', `best ${fmt(d.end.lrFinder.bestLr)}, suggested ${fmt(d.end.lrFinder.suggestedLr)}`]);
    if (d.end) rows.push(['time', `${formatSeconds(d.end.seconds)} · ${Math.round(d.end.samplesPerSecond).toLocaleString('en-US')} samples/s`]);
    const table = h('table', { class: 'metrics' }, ...rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v))));
    const notes = d.epochs.flatMap((e) => [...(e.frozen?.length ? [`frozen: ${e.frozen.join(', ')}`] : []), ...(e.notes ?? [])].map((n) => `epoch ${e.epoch}: ${n}`));
    const children: Node[] = [table, ...divergenceActions(this.view.key, this.view.knobs, d.end, this.runValues)];
    if (notes.length) children.push(h('ul', { class: 'notes' }, ...notes.map((n) => h('li', {}, n))));
    if (d.end) {
      const status =
        d.end.status === 'completed'
          ? 'Run complete.'
          : d.end.status === 'early_stopped'
            ? `Early stopping after ${d.end.epochsRun} epochs${d.end.restoredEpoch ? `; weights of epoch ${d.end.restoredEpoch} restored` : ''}.`
            : d.end.status === 'diverged'
              ? `Diverged: ${d.end.divergence?.detail ?? 'the loss stopped being finite.'} This is what exploding gradients look like; the charts show the last finite values.`
              : 'Run stopped.';
      this.status.textContent = this.seeds.status() ?? status;
      if (d.end.status === 'cancelled') this.renderOutcomes(this.view.expect.map((text) => ({ text, met: false })), false, 'not checked: the run was stopped before the end');
      this.status.classList.toggle('diverged', d.end.status === 'diverged');
    }
    if (d.error) {
      this.status.textContent = `Run failed${d.error.where ? ` at ${d.error.where}` : ''}: ${d.error.message}`;
      this.status.classList.add('error');
    } else {
      this.status.classList.remove('error');
    }
    this.summaryEl.replaceChildren(...children);
  }

  /**
   * The expectations: pending (○), met (✓), not met (✗), or not checked (–) with the reason (all of
   * them after a stop: `allNotChecked`; those a diverged run could not check: `o.notChecked`).
   */
  private renderOutcomes(outcomes: Outcome[], pending: boolean, allNotChecked?: string): void {
    this.outcomesEl.replaceChildren(
      ...outcomes.map((o) => {
        const notChecked = allNotChecked ?? o.notChecked;
        const li = h('li', { class: pending ? 'pending' : notChecked ? 'not-checked' : o.met ? 'met' : 'not-met' });
        const mark = h('span', { class: 'mark', 'aria-hidden': 'true' }, pending ? '○' : notChecked ? '–' : o.met ? '✓' : '✗');
        const text = h('code', {}, o.text);
        li.append(mark, text);
        if (notChecked) {
          li.append(h('div', { class: 'actual' }, notChecked));
          return li;
        }
        if (!pending) li.append(h('span', { class: 'verdict' }, o.met ? ' met' : ' not met'));
        if (o.actual && !pending) li.append(h('div', { class: 'actual' }, o.actual));
        return li;
      }),
    );
  }

  setOutcomes(runId: string, outcomes: Outcome[]): void {
    if (runId !== this.runId) return;
    this.renderOutcomes(outcomes, false);
  }

  /** Draws another run on the loss and accuracy charts (none: takes it off). */
  setOverlay(o: OverlayRun | undefined): void {
    this.overlay.set(o);
    this.history.setOverlay(!!o);
    for (const id of ['loss', 'accuracy'] as const) this.charts.get(id)?.setSpec(this.chartSpec(id));
  }

  setHistory(runs: HistoryItem[]): void {
    this.history.set(runs);
    this.seeds.setHistory(runs);
  }

  /** How a run of seeds ended: "met in k of N seeds", the summary over the seeds, the verdict. */
  setSeedOutcomes(m: Extract<HostToWebview, { type: 'seedOutcomes' }>): void {
    if (m.runId === this.runId) this.seeds.show(this.outcomesEl, m);
  }

  destroy(): void {
    if (this.timer) clearInterval(this.timer);
    window.removeEventListener(USE_RATE_EVENT, this.onUseRate);
    this.charts.forEach((c) => c.destroy());
    this.inside.destroy();
  }
}
