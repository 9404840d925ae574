/**
 * Runs experiments in the trainer process and relays what they report: to the lesson panels
 * (throttled, batched), to the status bar and tree (state changes), to history (when a run ends)
 * and to progress. The extension host never trains: it only forks `dist/trainer.js`.
 */
import * as vscode from 'vscode';
import type { BatchEvent, DatasetEvent, EndEvent, RunEvent, RunRecord, RunRequest, TrainerToHost } from '../protocol/events';
import type { ExperimentBlock, Lesson } from '../protocol/lesson';
import type { ExperimentSpec } from '../protocol/spec';
import type { HostToWebview, Outcome, RunPhase } from '../protocol/webview';
import type { LessonCatalog } from './lessonCatalog';
import { Disposable } from './lifecycle';
import { gradePendingPredictions } from './quizGrader';
import type { ProgressStore } from './progressStore';
import type { RunHistory, StoredRun } from './runHistory';
import { RunStream } from './runStream';
import { newRunId, outcomesOf, reuseKey, storedEvents } from './runRecords';
export { storedEvents };
import { readSettings } from './settings';
import { formatCost, overBudget, timesRuns } from '../protocol/cost';
import { estimateRunCost } from '../lessons/index';
import { knobsToChanges } from '../lessons/knobs';
import { deriveVariant, type VariantResult } from '../lessons/variant';
import type { KnobValue } from '../protocol/knobs';
import { TrainerClient } from './trainerClient';
import { SeedGroup, seedsVerdict, type SeedsRecord } from './seedRuns';
import { historyItems, originalOf, overlayOf } from './historyView';

export interface LiveRun {
  runId: string;
  key: string;
  lessonId: string;
  title: string;
  full: boolean;
  /** A dataset fetch (Download Datasets), not a lesson run. */
  prepareOnly?: boolean;
  phase: RunPhase;
  stream: RunStream;
  /** A run of N seeds: each seed's record (its events carry `<runId>/seed-<seed>`). */
  seeds?: SeedGroup;
  /** How the N-seed run ended, once it has (for a panel opened later). */
  seedOutcome?: HostToWebview;
  /** A variant: its knobs that differ from the experiment's, by knob id. */
  values?: Record<string, KnobValue>;
  download?: { report(loaded: number, total?: number, file?: string): void; done(): void };
}

export interface PanelPost {
  lessonId: string;
  message: HostToWebview;
}

export class RunManager extends Disposable {
  private client?: TrainerClient;
  /** Environment for the next trainer process (the native backend's folder, see nativeBackend.ts). */
  trainerEnv: () => Record<string, string> = () => ({});
  private restartPending = false;
  private readonly byKey = new Map<string, LiveRun>();
  private readonly byRunId = new Map<string, LiveRun>();
  /** Runs waiting for the experiment whose layers they reuse to train first, on its own card. */
  private readonly waiting = new Map<string, { depKey: string; lessonId: string; title: string; full: boolean; seeds: number }>();
  private readonly posted = this._register(new vscode.EventEmitter<PanelPost>());
  readonly onDidPost = this.posted.event;
  private readonly changed = this._register(new vscode.EventEmitter<LiveRun | undefined>());
  readonly onDidChangeState = this.changed.event;
  private readonly ended = this._register(new vscode.EventEmitter<StoredRun>());
  readonly onDidEndRun = this.ended.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly catalog: LessonCatalog,
    private readonly progress: ProgressStore,
    private readonly history: RunHistory,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({ dispose: () => this.client?.dispose() });
    this._register({ dispose: () => [...this.byRunId.values()].forEach((r) => r.stream.dispose()) });
  }

  /** The next run starts a fresh trainer process (its backend is chosen once per process); runs in flight finish first. */
  restartTrainer(): void {
    this.restartPending = true;
  }

  private trainer(): TrainerClient {
    if (this.client && this.restartPending && this.client.activeRuns().length === 0) {
      this.log.info('starting a fresh trainer process (the native backend changed)');
      this.client.dispose();
      this.client = undefined;
    }
    if (this.client) return this.client;
    this.restartPending = false;
    const client = new TrainerClient({
      trainerPath: this.context.asAbsolutePath('dist/trainer.js'),
      runtime: () => readSettings().trainerRuntime,
      env: () => this.trainerEnv(),
      log: (level, message) => {
        if (level === 'error') this.log.error(message);
        else if (level === 'warn') this.log.warn(message);
        else if (level === 'trace') this.log.trace(message);
        else this.log.info(message);
      },
      stopTimeoutMs: 3000,
    });
    client.onMessage((m) => this.onTrainerMessage(m));
    client.onExit((exit) => {
      if (!exit.expected || exit.code) {
        const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
        this.log.error(`trainer exited with ${how}; last stderr:\n${exit.stderrTail.join('\n') || '(none)'}`);
      }
    });
    this.client = client;
    return client;
  }

  /** The run of an experiment that is queued, running or stopping, if any. */
  active(key: string): LiveRun | undefined {
    const r = this.byKey.get(key);
    return r && r.phase !== 'idle' ? r : undefined;
  }

  /** The latest live run of an experiment (finished or not) in this session. */
  latest(key: string): LiveRun | undefined {
    return this.byKey.get(key);
  }

  /** The run currently training (for the status bar), else the newest queued one. */
  current(): LiveRun | undefined {
    const runs = [...this.byRunId.values()].filter((r) => r.phase !== 'idle');
    return runs.find((r) => r.phase !== 'queued') ?? runs[0];
  }

  /** A run waiting for the experiment it reuses counts as queued. */
  phase(key: string): RunPhase {
    const phase = this.byKey.get(key)?.phase ?? 'idle';
    return phase === 'idle' && this.waiting.has(key) ? 'queued' : phase;
  }

  /** How the latest run of `key` in this session ended, if it did. */
  lastStatus(key: string): EndEvent['status'] | undefined {
    return this.byKey.get(key)?.stream.record.end?.status;
  }

  private post(lessonId: string, message: HostToWebview): void {
    this.posted.fire({ lessonId, message });
  }

  private dependencies(lessonId: string, spec: ExperimentSpec, seen = new Set<string>()): Record<string, ExperimentSpec> {
    const from = spec.model.reuse?.from;
    if (!from) return {};
    const key = reuseKey(lessonId, from);
    if (seen.has(key)) throw new Error(`model.reuse.from makes a cycle through "${key}"`);
    seen.add(key);
    const found = this.catalog.experiment(key);
    if (!found) throw new Error(`model.reuse.from names "${from}", and there is no experiment "${key}"`);
    return { [key]: found.experiment.spec, ...this.dependencies(found.lesson.meta.id, found.experiment.spec, seen) };
  }

  /** Starts an experiment (`lesson-id/experiment-id`). Resolves once the request is sent. */
  async run(key: string, full = false, seeds = 1): Promise<LiveRun | undefined> {
    await this.catalog.ready();
    const found = this.catalog.experiment(key);
    if (!found) {
      void vscode.window.showErrorMessage(`No experiment "${key}". Lessons and experiments are listed in the DL Lessons view.`);
      return undefined;
    }
    const existing = this.active(key);
    if (existing) {
      void vscode.window.showInformationMessage(`"${existing.title}" is already ${existing.phase}.`);
      return existing;
    }
    const { lesson, experiment } = found;
    let dependencies: Record<string, ExperimentSpec>;
    try {
      dependencies = this.dependencies(lesson.meta.id, experiment.spec);
    } catch (e) {
      void vscode.window.showErrorMessage(`${lesson.file}:${experiment.range.start.line}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    if (!(await this.withinBudget(lesson.meta.id, experiment.title, experiment.spec, full, dependencies, seeds))) return undefined;
    const from = experiment.spec.model.reuse?.from;
    const depKey = from ? reuseKey(lesson.meta.id, from) : undefined;
    if (depKey && !(await this.trained(depKey, full))) {
      this.waitFor(key, lesson.meta.id, experiment.title, full, depKey, seeds);
      return undefined;
    }
    return this.start(key, lesson.meta.id, experiment.title, experiment.spec, full, dependencies, false, seeds > 1 ? { seeds } : {});
  }

  /** Whether `key` has a finished run of this size (its model is then in the trainer's store). */
  private async trained(key: string, full: boolean): Promise<boolean> {
    const live = this.byKey.get(key);
    const done = (status: EndEvent['status'] | undefined) => status === 'completed' || status === 'early_stopped';
    if (live && !live.prepareOnly && live.full === full && done(live.stream.record.end?.status)) return true;
    const last = await this.history.last(key);
    return !!last && last.full === full && done(last.end?.status);
  }

  /**
   * A run whose reused experiment (task A, the autoencoder) has not trained yet: that experiment
   * runs first as its own run, streaming on its own card, while this card says what it waits for;
   * this run starts when that one has finished (see `finish`), with its N seeds (the reused
   * experiment trains once, with its own seed; each seed of this run reuses that model).
   */
  private waitFor(key: string, lessonId: string, title: string, full: boolean, depKey: string, seeds: number): void {
    const dep = this.catalog.experiment(depKey);
    if (!dep) return;
    this.waiting.set(key, { depKey, lessonId, title, full, seeds });
    if (!this.active(depKey)) this.start(depKey, dep.lesson.meta.id, dep.experiment.title, dep.experiment.spec, full, this.dependencies(dep.lesson.meta.id, dep.experiment.spec), false, { ownEpochs: true });
    this.log.info(`${key} waits for ${depKey}, whose layers it reuses, to train first`);
    this.changed.fire(undefined);
    this.post(lessonId, { type: 'runPhase', key, phase: 'queued', waitingFor: dep.experiment.title });
  }

  /** Whether a run of `key` waits for the experiment it reuses. */
  isWaiting(key: string): boolean {
    return this.waiting.has(key);
  }

  /** The runs waiting for `depKey` start once it has finished, or are called off saying why. */
  private startWaiting(dep: LiveRun): void {
    const status = dep.stream.record.end?.status;
    for (const [key, w] of [...this.waiting]) {
      if (w.depKey !== dep.key) continue;
      this.waiting.delete(key);
      this.changed.fire(undefined);
      if (status === 'completed' || status === 'early_stopped') {
        const found = this.catalog.experiment(key);
        if (found) this.start(key, w.lessonId, found.experiment.title, found.experiment.spec, w.full, this.dependencies(w.lessonId, found.experiment.spec), false, w.seeds > 1 ? { seeds: w.seeds } : {});
        continue;
      }
      const why = status === 'cancelled' ? 'was stopped' : status === 'diverged' ? 'diverged' : 'failed';
      this.post(w.lessonId, { type: 'runPhase', key, phase: 'idle' });
      this.post(w.lessonId, { type: 'notice', level: 'warn', key, message: `"${w.title}" did not start: "${dep.title}", whose layers it reuses, ${why}. Run it again when "${dep.title}" has finished.` });
    }
  }

  /**
   * Starts a variant of an experiment: the knobs that differ, derived and validated like a lesson,
   * run as a twin of the experiment (its initial weights, batches and dropout masks) and labelled by
   * the difference. An invalid combination is refused on the card with the validator's message.
   */
  async runVariant(key: string, values: Record<string, KnobValue>, seeds = 1): Promise<LiveRun | undefined> {
    await this.catalog.ready();
    const found = this.catalog.experiment(key);
    if (!found || this.active(key)) return this.run(key);
    const { lesson, experiment } = found;
    let v: VariantResult;
    try {
      v = deriveVariant(experiment.spec, knobsToChanges(experiment.spec, values));
    } catch (e) {
      v = { error: e instanceof Error ? e.message : String(e) };
    }
    if ('error' in v) {
      this.post(lesson.meta.id, { type: 'notice', level: 'error', message: `Try it: ${v.error}`, key });
      return undefined;
    }
    const dependencies = this.dependencies(lesson.meta.id, v.spec);
    if (!(await this.withinBudget(lesson.meta.id, experiment.title, v.spec, false, dependencies, seeds))) return undefined;
    return this.start(key, lesson.meta.id, `${experiment.title} [${v.label}]`, v.spec, false, dependencies, false, { twin: { spec: experiment.spec, label: v.label }, values, ...(seeds > 1 ? { seeds } : {}) });
  }

  /** A run whose estimated cost is over the budget setting starts only if the learner confirms. */
  private async withinBudget(lessonId: string, title: string, spec: ExperimentSpec, full: boolean, dependencies: Record<string, ExperimentSpec>, seeds = 1): Promise<boolean> {
    const settings = readSettings();
    const cost = timesRuns(estimateRunCost(spec, { full, epochs: settings.epochsBudget || undefined, lessonId, dependencies }), seeds);
    const over = overBudget(cost, settings.budget);
    if (over.length === 0) return true;
    const choice = await vscode.window.showWarningMessage(
      `"${title}" is estimated at ${formatCost(cost)}: over the budget (${over.join(', ')}). It may take long or use much memory. Run it anyway?`,
      { modal: true, detail: 'The budget is set by deepLessons.budget.gigaWork and deepLessons.budget.memoryMiB.' },
      'Run anyway',
    );
    return choice === 'Run anyway';
  }

  /**
   * Sends a run request for any spec (also used to fetch datasets). `ownEpochs`: the experiment's
   * own epochs, not the epochs budget (an experiment trained for another to reuse, as the trainer
   * would train it: its model is then the one the trainer looks for).
   */
  start(key: string, lessonId: string, title: string, spec: ExperimentSpec, full: boolean, dependencies: Record<string, ExperimentSpec> = {}, prepareOnly = false, { ownEpochs, values, ...extra }: Pick<RunRequest, 'twin' | 'seeds'> & { ownEpochs?: boolean; values?: Record<string, KnobValue> } = {}): LiveRun {
    const settings = readSettings();
    const storage = this.context.globalStorageUri.fsPath;
    const runId = newRunId();
    const stream = new RunStream(runId, key, full, (events) => this.post(lessonId, { type: 'runEvents', key, runId, mode: 'live', reset: false, full, events }), {
      ratePerSecond: settings.chartUpdateRate,
    });
    const previous = this.byKey.get(key);
    if (previous) {
      previous.stream.dispose();
      this.byRunId.delete(previous.runId);
    }
    const seeds = extra.seeds && extra.seeds > 1 ? extra.seeds : undefined;
    const live: LiveRun = { runId, key, lessonId, title, full, phase: 'queued', stream, ...(prepareOnly ? { prepareOnly } : {}), ...(seeds ? { seeds: new SeedGroup(runId, seeds, extra.twin?.label) } : {}), ...(values ? { values } : {}) };
    this.byKey.set(key, live);
    this.byRunId.set(runId, live);
    const request: RunRequest = {
      type: 'run',
      runId,
      experiment: key,
      spec,
      dependencies,
      ...(prepareOnly ? { prepareOnly } : {}),
      ...extra,
      options: {
        backend: settings.backend,
        dataDir: settings.dataDir ?? process.env.DEEP_LESSONS_DATA_DIR,
        cacheDir: vscode.Uri.joinPath(this.context.globalStorageUri, 'datasets').fsPath,
        modelDir: vscode.Uri.joinPath(this.context.globalStorageUri, 'models').fsPath,
        epochs: ownEpochs ? undefined : settings.epochsBudget || undefined,
        full,
      },
    };
    this.log.info(`run ${runId}: ${key}${full ? ' (full)' : ''} on ${settings.backend}; storage ${storage}`);
    this.post(lessonId, { type: 'runEvents', key, runId, mode: 'live', reset: true, full, events: [], ...(seeds ? { seeds } : {}), ...(values ? { values } : {}) });
    this.post(lessonId, { type: 'runPhase', key, phase: 'queued', runId });
    if (extra.twin) void this.overlayOriginal(key, lessonId);
    this.changed.fire(live);
    this.trainer().run(request);
    return live;
  }

  /** Pauses an experiment's run between two batches, resumes it, or trains one more epoch and pauses. */
  control(key: string, type: 'pause' | 'resume' | 'step'): void {
    const r = this.active(key);
    if (!r || r.phase === 'queued' || r.phase === 'stopping') return;
    this.client?.control(type, r.runId);
  }

  /** Stops one experiment's run, or every run. */
  stop(key?: string): void {
    for (const [k, w] of [...this.waiting]) {
      if (key !== undefined && k !== key) continue;
      this.waiting.delete(k);
      this.changed.fire(undefined);
      this.post(w.lessonId, { type: 'runPhase', key: k, phase: 'idle' });
    }
    const runs = key ? [this.active(key)].filter((r): r is LiveRun => !!r) : [...this.byRunId.values()].filter((r) => r.phase !== 'idle');
    for (const r of runs) {
      r.phase = 'stopping';
      this.post(r.lessonId, { type: 'runPhase', key: r.key, phase: 'stopping', runId: r.runId });
      this.client?.stop(r.runId);
      this.changed.fire(r);
    }
  }

  private onTrainerMessage(m: TrainerToHost): void {
    switch (m.type) {
      case 'ready':
      case 'pong':
        return;
      case 'pauseState': {
        const r = this.byRunId.get(m.runId);
        if (!r || r.phase === 'idle' || r.phase === 'stopping') return;
        r.phase = m.state;
        this.post(r.lessonId, { type: 'runPhase', key: r.key, phase: r.phase, runId: r.runId });
        this.changed.fire(r);
        return;
      }
      case 'queued': {
        const r = this.byRunId.get(m.runId);
        if (r) this.post(r.lessonId, { type: 'runPhase', key: r.key, phase: 'queued', runId: r.runId, position: m.position });
        return;
      }
      case 'log':
        if (m.level === 'error') this.log.error(`[trainer] ${m.message}`);
        else if (m.level === 'warn') this.log.warn(`[trainer] ${m.message}`);
        else this.log.info(`[trainer] ${m.message}`);
        if (m.runId) this.byRunId.get(m.runId)?.stream.push(m);
        return;
      case 'start':
      case 'batch':
      case 'epoch':
      case 'end':
      case 'error':
      case 'dataset':
        this.onRunEvent(m);
        return;
      default:
        return assertNeverMessage(m);
    }
  }

  private onRunEvent(e: RunEvent & { runId: string }): void {
    const r = this.byRunId.get(e.runId) ?? [...this.byRunId.values()].find((l) => l.seeds?.owns(e.runId));
    if (!r) return;
    r.seeds?.push(e);
    if (e.type === 'start' && r.phase === 'queued') {
      r.phase = 'running';
      this.post(r.lessonId, { type: 'runPhase', key: r.key, phase: 'running', runId: r.runId });
      this.log.info(`run ${r.runId}: ${e.backend} backend (${e.backendReason}); ${e.epochs} epochs × ${e.batchesPerEpoch} batches`);
    }
    if (e.type === 'dataset') this.onDataset(r, e);
    r.stream.push(e);
    if (e.type === 'epoch' || e.type === 'start') this.changed.fire(r);
    if ((e.type === 'end' || e.type === 'error') && (!r.seeds || r.seeds.done)) void this.finish(r);
  }

  private onDataset(r: LiveRun, e: DatasetEvent): void {
    if (e.phase === 'download' && !r.download) {
      let resolveDone: () => void = () => undefined;
      const done = new Promise<void>((res) => (resolveDone = res));
      const state: { progress?: vscode.Progress<{ message?: string }> } = {};
      r.download = {
        // A dataset is several files: the message says which and how far (no cumulative bar).
        report: (loaded, total, file) => {
          const mb = (b: number) => (b / 1e6).toFixed(1);
          state.progress?.report({ message: `${file ?? ''}: ${mb(loaded)}${total ? ` of ${mb(total)} MB (${Math.floor((100 * loaded) / total)}%)` : ' MB'}` });
        },
        done: () => resolveDone(),
      };
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Downloading ${e.dataset}`, cancellable: true },
        async (progress, token) => {
          state.progress = progress;
          token.onCancellationRequested(() => {
            this.log.warn(`download of ${e.dataset} cancelled by the learner`);
            this.stop(r.key);
            resolveDone();
          });
          await done;
        },
      );
    }
    if (r.download) {
      if (e.phase === 'download' && e.loadedBytes !== undefined) r.download.report(e.loadedBytes, e.totalBytes, e.file);
      if (e.phase === 'done') {
        r.download.done();
        r.download = undefined;
      }
    }
  }

  private async finish(r: LiveRun): Promise<void> {
    r.download?.done();
    r.download = undefined;
    r.stream.flush();
    r.phase = 'idle';
    this.post(r.lessonId, { type: 'runPhase', key: r.key, phase: 'idle', runId: r.runId });
    this.changed.fire(r);
    this.startWaiting(r);
    const record = r.seeds?.last() ?? r.stream.record;
    const found = this.catalog.experiment(r.key);
    const outcomes = !r.seeds && record.end && record.end.status !== 'cancelled' && found ? outcomesOf(found.experiment.expect, record) : [];
    if (outcomes.length) this.post(r.lessonId, { type: 'outcomes', key: r.key, runId: r.runId, outcomes });
    const seeds = r.seeds && found ? await this.seedOutcome(r, r.seeds.summary(found.experiment.expect)) : undefined;
    if (record.error) this.reportError(r, record.error.message, record.error.where);
    if (r.prepareOnly && record.end?.status === 'completed') void vscode.window.showInformationMessage(`${r.title}: ready, verified and cached.`);
    if (!found) return; // a dataset fetch, not a lesson run
    const batches = r.stream.batches().filter((b) => !r.seeds || b.runId === record.runId);
    const stored: StoredRun = { ...record, epochs: [...record.epochs], savedAt: new Date().toISOString(), full: r.full, batches, outcomes, ...(seeds ? { seeds: seeds.record, verdict: seeds.verdict } : {}), ...(r.values ? { values: r.values } : {}) };
    if (record.end && record.end.status !== 'cancelled') {
      await this.progress.markExperimentRun(r.lessonId, found.experiment.id);
      await this.gradePredictions(r.lessonId, found.experiment.id, record);
    }
    if (record.start) {
      try {
        this.ended.fire(await this.history.save(stored));
        await this.postHistory(r.lessonId, r.key);
      } catch (e) {
        this.log.error(`could not save run ${r.runId} in ${this.history.folder}: ${String(e)}`);
      }
    }
  }

  /**
   * How an N-seed run ended, on its card: "met in k of N seeds", the final metrics' mean ± std, and
   * (a variant and its original both run with seeds) whether they differ beyond noise.
   */
  private async seedOutcome(r: LiveRun, record: SeedsRecord): Promise<{ record: SeedsRecord; verdict: string[] }> {
    const earlier = (await this.history.list(r.key)).filter((s) => s.seeds && s.seeds.summary && Object.keys(s.seeds.summary).length);
    const original = earlier.find((s) => !s.seeds!.label)?.seeds;
    let verdict: string[] = [];
    if (record.label) verdict = seedsVerdict(record, original, readSettings().seeds);
    else {
      const variant = earlier.find((s) => s.seeds!.label)?.seeds;
      if (variant) verdict = seedsVerdict(variant, record, readSettings().seeds);
    }
    if (!Object.keys(record.summary).length) verdict = [];
    r.seedOutcome = { type: 'seedOutcomes', key: r.key, runId: r.runId, expectations: record.expectations, summary: record.summary, verdict };
    this.post(r.lessonId, r.seedOutcome);
    return { record, verdict };
  }

  /** A variant's card draws the original's newest kept run under it, named "original". */
  private async overlayOriginal(key: string, lessonId: string): Promise<void> {
    const original = originalOf(await this.history.list(key));
    if (original) this.post(lessonId, { type: 'overlay', key, overlay: overlayOf(original, 'original') });
  }

  private async postHistory(lessonId: string, key: string): Promise<void> {
    this.post(lessonId, { type: 'history', key, runs: historyItems(await this.history.list(key)) });
  }

  /** Draws a kept run on its experiment's card. */
  async overlayRun(lessonId: string, key: string, runId: string): Promise<void> {
    const run = (await this.history.list(key)).find((r) => r.runId === runId);
    if (!run) {
      this.post(lessonId, { type: 'notice', level: 'warn', message: 'That run is no longer kept (deleted, or pushed out by newer runs: the setting deepLessons.historySize).', key });
      return;
    }
    const label = run.start?.twin?.label ?? run.seeds?.label ?? `run of ${new Date(run.savedAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
    this.post(lessonId, { type: 'overlay', key, overlay: overlayOf(run, label) });
  }

  /** Deletes a kept run and sends the card its new history. */
  async deleteRun(lessonId: string, key: string, runId: string): Promise<void> {
    await this.history.delete(key, runId);
    await this.postHistory(lessonId, key);
  }

  /** The `predict` questions committed before this run of their experiment: graded by it now. */
  private async gradePredictions(lessonId: string, experimentId: string, record: RunRecord): Promise<void> {
    const lesson = this.catalog.byId(lessonId);
    if (!lesson) return;
    for (const result of gradePendingPredictions(lesson.quizzes, experimentId, this.progress.get(lessonId).answers, record)) {
      await this.progress.recordAnswer(lessonId, result);
      this.post(lessonId, { type: 'quizResult', result, score: this.progress.score(lesson) });
    }
  }

  private reportError(r: LiveRun, message: string, where?: string): void {
    this.log.error(`run ${r.runId} (${r.key}) failed${where ? ` at ${where}` : ''}: ${message}`);
    const datasetProblem = where === 'dataset' || /download|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|offline|fetch failed|network/i.test(message);
    if (datasetProblem) {
      void vscode.window
        .showErrorMessage(
          `${r.title}: the dataset could not be loaded (${message}). Offline? Put the IDX .gz files in a folder and set "deepLessons.dataDir" to it, or try a lesson experiment on a synthetic dataset (spirals, moons, blobs, shapes), which needs no network.`,
          'Set Dataset Folder…',
          'Show Log',
        )
        .then((choice) => {
          if (choice === 'Set Dataset Folder…') void vscode.commands.executeCommand('workbench.action.openSettings', 'deepLessons.dataDir');
          if (choice === 'Show Log') this.log.show();
        });
    } else {
      void vscode.window.showErrorMessage(`${r.title} failed${where ? ` (${where})` : ''}: ${message}`, 'Show Log').then((c) => c && this.log.show());
    }
  }

  /** A run's record and batch points: the live one if this session has it, else the last stored. */
  async runData(key: string): Promise<{ record: RunRecord; batches: BatchEvent[]; full: boolean; outcomes: Outcome[] } | undefined> {
    const live = this.byKey.get(key);
    if (live?.stream.record.start) {
      const found = this.catalog.experiment(key);
      const record = live.seeds?.last() ?? live.stream.record;
      const outcomes = live.stream.finished && found ? outcomesOf(found.experiment.expect, record) : [];
      return { record, batches: live.stream.batches().filter((b) => b.runId === record.runId), full: live.full, outcomes };
    }
    const stored = await this.history.last(key);
    return stored ? { record: stored, batches: stored.batches, full: stored.full, outcomes: stored.outcomes } : undefined;
  }

  /**
   * What the history holds for a lesson's experiments (read ahead, asynchronously), so that
   * `replay` can then bring a panel up to date in one synchronous step.
   */
  async storedRuns(lessonId: string): Promise<Map<string, StoredRun[]>> {
    const lesson = this.catalog.byId(lessonId);
    const out = new Map<string, StoredRun[]>();
    for (const e of lesson ? shownExperiments(lesson) : []) {
      const key = `${lessonId}/${e.id}`;
      const stored = await this.history.list(key);
      if (stored.length) out.set(key, stored);
    }
    return out;
  }

  /**
   * Messages that bring a freshly opened panel up to date: each experiment's live run in this
   * session (flushed and snapshotted now), else its last stored run. Synchronous, so that no live
   * message can slip between the snapshot and the panel's switch to live updates.
   */
  replay(lessonId: string, stored: Map<string, StoredRun[]>): HostToWebview[] {
    const lesson = this.catalog.byId(lessonId);
    if (!lesson) return [];
    const out: HostToWebview[] = [];
    for (const e of shownExperiments(lesson)) {
      const key = `${lessonId}/${e.id}`;
      const live = this.byKey.get(key);
      const kept = stored.get(key) ?? [];
      if (kept.length) out.push({ type: 'history', key, runs: historyItems(kept) });
      // A variant's card draws its original under it.
      const original = originalOf(kept);
      const overlay: HostToWebview[] = original ? [{ type: 'overlay', key, overlay: overlayOf(original, 'original') }] : [];
      if (live) {
        live.stream.flush();
        out.push({ type: 'runEvents', key, runId: live.runId, mode: 'replay', reset: true, full: live.full, events: live.stream.replay(), elapsed: (Date.now() - live.stream.startedAt) / 1000, ...(live.seeds ? { seeds: live.seeds.n } : {}), ...(live.values ? { values: live.values } : {}) });
        out.push({ type: 'runPhase', key, phase: live.phase, runId: live.runId });
        if (live.stream.record.start?.twin) out.push(...overlay);
        if (live.seedOutcome) out.push(live.seedOutcome);
        else if (live.stream.finished && !live.seeds) {
          const outcomes = live.stream.record.end?.status !== 'cancelled' ? outcomesOf(e.expect, live.stream.record) : [];
          if (outcomes.length) out.push({ type: 'outcomes', key, runId: live.runId, outcomes });
        }
        continue;
      }
      const w = this.waiting.get(key);
      if (w) out.push({ type: 'runPhase', key, phase: 'queued', waitingFor: this.catalog.experiment(w.depKey)?.experiment.title ?? w.depKey });
      const last = kept[0];
      if (!last) continue;
      const runId = last.seeds?.runId ?? last.runId;
      out.push({ type: 'runEvents', key, runId, mode: 'replay', reset: true, full: last.full, events: storedEvents(last), ...(last.seeds ? { seeds: last.seeds.n } : {}), ...(last.values ? { values: last.values } : {}) });
      if (last.start?.twin) out.push(...overlay);
      if (last.seeds) out.push({ type: 'seedOutcomes', key, runId, expectations: last.seeds.expectations, summary: last.seeds.summary, verdict: last.verdict ?? [] });
      if (last.outcomes.length) out.push({ type: 'outcomes', key, runId: last.runId, outcomes: last.outcomes });
    }
    return out;
  }
}

/** Every experiment card of a lesson, those kept at their last good version (block with errors) too. */
function shownExperiments(lesson: Lesson): ExperimentBlock[] {
  return lesson.segments.filter((s): s is ExperimentBlock => s.kind === 'experiment');
}

function assertNeverMessage(m: never): void {
  void m;
}
