/**
 * The lesson panels: one webview panel per lesson, restored after a reload (serializer + the
 * page's saved state). The host queues what it posts until the page says "ready", grades quiz
 * answers, relays runs, and saves exports.
 */
import { saveVariant } from './saveVariant';
import * as vscode from 'vscode';
import { assertNever, type BackendChoice } from '../protocol/events';
import type { Lesson } from '../protocol/lesson';
import type { ExperimentSpec } from '../protocol/spec';
import type { HostToWebview, PanelState, WebviewToHost } from '../protocol/webview';
import type { LessonCatalog } from './lessonCatalog';
import { PANEL_VIEW_TYPE } from './commandIds';
import { Disposable } from './lifecycle';
import { makeNonce, panelHtml } from './panelHtml';
import type { ProgressStore } from './progressStore';
import { AnswerShapeError, gradeAnswer, revealAnswer } from './quizGrader';
import type { RunManager } from './runManager';
import { readSettings } from './settings';
import { toLessonView, differenceGroups } from './lessonView';
import { metricsCsv, metricsJson, pngFromDataUrl } from './exportMetrics';
import { followLink } from './links';
import type { CompareSeries, DifferenceGroup } from '../protocol/webview';
import { storedEvents } from './runManager';
import { isLessonFile } from './diagnostics';

export { PANEL_VIEW_TYPE };

export interface PanelDeps {
  context: vscode.ExtensionContext;
  catalog: LessonCatalog;
  progress: ProgressStore;
  runs: RunManager;
  log: vscode.LogOutputChannel;
}

export class LessonPanel extends Disposable {
  private ready = false;
  private queue: HostToWebview[] = [];
  private readonly disposedEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    public lessonId: string,
    private readonly deps: PanelDeps,
    private reveal?: string,
  ) {
    super();
    const { context } = deps;
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'lesson.svg');
    this._register(panel.onDidDispose(() => this.dispose()));
    this._register(
      webview.onDidReceiveMessage((m: WebviewToHost) =>
        this.onMessage(m).catch((e: unknown) => {
          deps.log.error(`panel message ${m?.type} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          this.post({ type: 'notice', level: 'error', message: `Something went wrong: ${e instanceof Error ? e.message : String(e)} (details in the "DL Lessons" log).` });
        }),
      ),
    );
    this._register(panel.onDidChangeViewState((e) => void vscode.commands.executeCommand('setContext', 'deepLessons.panelFocused', e.webviewPanel.active)));
    this.render();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.disposedEmitter.fire();
    super.dispose();
    this.panel.dispose();
  }

  private render(): void {
    const { context } = this.deps;
    const webview = this.panel.webview;
    const asUri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, ...p)).toString();
    const lesson = this.deps.catalog.byId(this.lessonId);
    this.panel.title = lesson ? lesson.meta.title : 'DL Lesson';
    this.ready = false;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asUri('dist', 'webview.js'),
      styleUris: [asUri('dist', 'katex.min.css'), asUri('media', 'panel.css')],
      title: this.panel.title,
    });
  }

  /** Shows another lesson in this panel (or the same one again, refreshed). */
  show(lessonId: string, reveal?: string, preserveFocus = false): void {
    if (lessonId !== this.lessonId) {
      this.lessonId = lessonId;
      this.reveal = reveal;
      this.render();
    } else if (reveal) {
      this.post({ type: 'reveal', id: reveal });
    }
    // Revealed where it is: moving a panel to another group reloads its page (seen to lose a
    // Stop click in the browser tests), so only a new panel opens beside a lesson file.
    this.panel.reveal(undefined, preserveFocus);
  }

  post(message: HostToWebview): void {
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  /**
   * Sends `init`, then the replay of the lesson's runs, then whatever else was queued, and
   * switches to live posting. Everything after the last `await` is synchronous, so no live run
   * message can fall between the replay's snapshot and the switch (run messages queued before
   * are dropped: the replay already holds them).
   */
  private async sendInit(): Promise<void> {
    const { catalog, progress, runs } = this.deps;
    await catalog.ready();
    const lesson = catalog.byId(this.lessonId);
    if (!lesson) {
      this.ready = true;
      this.post({ type: 'notice', level: 'error', message: `The lesson "${this.lessonId}" is no longer there (renamed or deleted?). Open another one with "DL Lessons: Open Lesson…".` });
      return;
    }
    const stored = await runs.storedRuns(lesson.meta.id);
    if (this.isDisposed) return;
    const settings = readSettings();
    const init: HostToWebview = {
      type: 'init',
      lesson: toLessonView(lesson, catalog.diagnostics),
      answers: progress.get(lesson.meta.id).answers,
      backend: settings.backend,
      chartUpdateRate: settings.chartUpdateRate,
      reveal: this.reveal,
      seeds: settings.seeds,
    };
    const others = this.queue.filter((m) => m.type !== 'runEvents' && m.type !== 'runPhase' && m.type !== 'outcomes' && m.type !== 'seedOutcomes' && m.type !== 'init');
    this.queue = [];
    this.reveal = undefined;
    for (const m of [init, ...runs.replay(lesson.meta.id, stored), ...others]) void this.panel.webview.postMessage(m);
    this.ready = true;
    void progress.markOpened(lesson.meta.id);
  }

  /** Re-sends the lesson (after its file changed). */
  refresh(): void {
    if (!this.ready) return;
    this.ready = false;
    void this.sendInit();
  }

  private async openLink(href: string): Promise<void> {
    const lesson = this.deps.catalog.byId(this.lessonId);
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const target = await followLink(href, lesson?.file, roots);
    switch (target.kind) {
      case 'external':
        await vscode.env.openExternal(vscode.Uri.parse(target.url));
        return;
      case 'file': {
        const other = this.deps.catalog.byFile(target.path);
        if (other) await vscode.commands.executeCommand('deepLessons.openLessonById', other.meta.id, target.fragment);
        else await vscode.window.showTextDocument(vscode.Uri.file(target.path));
        return;
      }
      case 'refused':
        this.deps.log.warn(`link refused: ${href} → ${target.path} (${target.reason})`);
        void vscode.window.showWarningMessage(`The lesson's link to "${href}" was not opened: ${target.reason}. A lesson may link only to files in its folder or the workspace.`);
        return;
      case 'none':
        this.deps.log.warn(`link not followed: ${href} (${target.reason})`);
        return;
    }
  }

  private async onMessage(m: WebviewToHost): Promise<void> {
    const { catalog, runs, progress, log } = this.deps;
    switch (m.type) {
      case 'ready':
        this.ready = false;
        await this.sendInit();
        return;
      case 'run':
        await runs.run(m.key, m.full);
        return;
      case 'stop':
        runs.stop(m.key);
        return;
      case 'pause':
      case 'resume':
      case 'step':
        runs.control(m.key, m.type);
        return;
      case 'answer':
      case 'showAnswer': {
        const lesson = catalog.byId(this.lessonId);
        const quiz = lesson?.quizzes.find((q) => q.id === m.quizId);
        const question = quiz?.questions[m.question];
        if (!lesson || !quiz || !question) {
          log.warn(`answer for an unknown question: ${m.quizId}#${m.question}`);
          return;
        }
        const previous = progress.get(lesson.meta.id).answers.find((a) => a.quizId === quiz.id && a.question === m.question);
        try {
          const result = m.type === 'answer' ? gradeAnswer(quiz.id, m.question, question, m.answer, previous) : revealAnswer(quiz.id, m.question, question, previous);
          await progress.recordAnswer(lesson.meta.id, result);
          this.post({ type: 'quizResult', result, score: progress.score(lesson) });
        } catch (e) {
          if (e instanceof AnswerShapeError) this.post({ type: 'notice', level: 'warn', message: e.message });
          else throw e;
        }
        return;
      }
      case 'compare':
        await vscode.commands.executeCommand('deepLessons.compareRuns', ...m.keys);
        return;
      case 'exportMetrics':
        await exportMetrics(runs, m.key, m.format);
        return;
      case 'exportPng':
        await savePng(m.name, m.dataUrl);
        return;
      case 'openSource': {
        const lesson = catalog.byId(this.lessonId);
        if (!lesson) return;
        const pos = new vscode.Position(Math.max(0, m.line - 1), 0);
        await vscode.window.showTextDocument(vscode.Uri.file(lesson.file), { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'openLink':
        await this.openLink(m.href);
        return;
      case 'selectBackend':
        await vscode.commands.executeCommand('deepLessons.selectBackend');
        return;
      case 'runVariant':
        await runs.runVariant(m.key, m.values, m.seeds ? readSettings().seeds : 1);
        return;
      case 'runSeeds':
        await runs.run(m.key, false, readSettings().seeds);
        return;
      case 'overlayRun':
        await runs.overlayRun(this.lessonId, m.key, m.runId);
        return;
      case 'deleteRun':
        await runs.deleteRun(this.lessonId, m.key, m.runId);
        return;
      case 'saveVariant': {
        const saved = await saveVariant(catalog, m.key, m.values);
        if ('error' in saved) {
          this.post({ type: 'notice', level: 'error', message: `Save as experiment: ${saved.error}`, key: m.key });
          return;
        }
        const pos = new vscode.Position(Math.max(0, saved.line - 1), 0);
        await vscode.window.showTextDocument(saved.uri, { selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.Beside, preview: false });
        this.post({ type: 'notice', level: 'info', message: `Saved as experiment "${saved.id}" in ${vscode.workspace.asRelativePath(saved.uri)}`, key: m.key });
        return;
      }
      default:
        assertNever(m, 'webview message');
    }
  }
}

export async function exportMetrics(runs: RunManager, key: string, format: 'csv' | 'json'): Promise<void> {
  const data = await runs.runData(key);
  if (!data) {
    void vscode.window.showInformationMessage(`"${key}" has no run yet: run it first.`);
    return;
  }
  const name = `${key.replace('/', '--')}-${data.record.runId}.${format}`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd()), name),
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
  });
  if (!target) return;
  const text = format === 'csv' ? metricsCsv(data.record, data.batches) : metricsJson(data.record, data.batches);
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(target)}.`);
}

async function savePng(name: string, dataUrl: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = pngFromDataUrl(dataUrl);
  } catch {
    void vscode.window.showErrorMessage('The chart could not be exported (the page sent no PNG).');
    return;
  }
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '-');
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd()), `${safe}.png`),
    filters: { PNG: ['png'] },
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, bytes);
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(target)}.`);
}

export class PanelManager extends Disposable implements vscode.WebviewPanelSerializer<PanelState> {
  private readonly panels = new Map<string, LessonPanel>();

  constructor(private readonly deps: PanelDeps) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, this));
    this._register(deps.runs.onDidPost(({ lessonId, message }) => this.panels.get(lessonId)?.post(message)));
    this._register(deps.catalog.onDidChange(() => this.panels.forEach((p) => p.refresh())));
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('deepLessons.backend')) {
          const backend: BackendChoice = readSettings().backend;
          this.panels.forEach((p) => p.post({ type: 'backend', backend }));
        }
      }),
    );
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.dispose()) });
  }

  private adopt(panel: LessonPanel): LessonPanel {
    this.panels.set(panel.lessonId, panel);
    panel.onDidDispose(() => {
      for (const [id, p] of this.panels) if (p === panel) this.panels.delete(id);
    });
    return panel;
  }

  get(lessonId: string): LessonPanel | undefined {
    return this.panels.get(lessonId);
  }

  count(): number {
    return this.panels.size;
  }

  has(lessonId: string): boolean {
    return this.panels.has(lessonId);
  }

  /**
   * Opens (or reveals) the panel of a lesson; `reveal` scrolls to an experiment or quiz id;
   * `preserveFocus` leaves the keyboard where it is (a run started from the editor).
   */
  async open(lessonId: string, reveal?: string, preserveFocus = false): Promise<LessonPanel | undefined> {
    await this.deps.catalog.ready();
    const lesson: Lesson | undefined = this.deps.catalog.byId(lessonId);
    if (!lesson) {
      void vscode.window.showErrorMessage(`No lesson "${lessonId}". Open one with "DL Lessons: Open Lesson…".`);
      return undefined;
    }
    const existing = this.panels.get(lessonId);
    if (existing) {
      existing.show(lessonId, reveal, preserveFocus);
      return existing;
    }
    const editor = vscode.window.activeTextEditor;
    const column = editor && isLessonFile(editor.document) ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, lesson.meta.title, { viewColumn: column, preserveFocus }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.deps.context.extensionUri, 'dist'), vscode.Uri.joinPath(this.deps.context.extensionUri, 'media')],
    });
    return this.adopt(new LessonPanel(panel, lessonId, this.deps, reveal));
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: PanelState | undefined): Promise<void> {
    const lessonId = state?.lessonId;
    await this.deps.catalog.ready();
    if (!lessonId || !this.deps.catalog.byId(lessonId) || this.panels.has(lessonId)) {
      panel.dispose();
      return;
    }
    this.adopt(new LessonPanel(panel, lessonId, this.deps));
  }

  /** Overlays the runs of several experiments in the panel of the first one's lesson. */
  async compare(keys: string[]): Promise<void> {
    const { catalog, runs } = this.deps;
    const series: CompareSeries[] = [];
    const specs: ExperimentSpec[] = [];
    for (const key of keys) {
      const found = catalog.experiment(key);
      const data = await runs.runData(key);
      if (!found || !data) continue;
      specs.push(found.experiment.spec);
      series.push({
        key,
        title: found.experiment.title,
        runId: data.record.runId,
        events: storedEvents({ ...data.record, batches: data.batches, savedAt: '', full: data.full, outcomes: data.outcomes }),
      });
    }
    if (series.length < 2) {
      void vscode.window.showInformationMessage('Compare needs two experiments that have each been run at least once. Run them first.');
      return;
    }
    const differences = differenceGroups(series.map((s) => s.title), specs);
    const lessonId = keys[0]!.split('/')[0]!;
    const panel = await this.open(lessonId);
    panel?.post({ type: 'compare', series, differences });
  }

  /** Compares two runs of the same experiment (the last one and the one before). */
  async compareSeries(lessonId: string, series: CompareSeries[], differences: DifferenceGroup[]): Promise<void> {
    const panel = await this.open(lessonId);
    panel?.post({ type: 'compare', series, differences });
  }

  postAll(message: HostToWebview): void {
    this.panels.forEach((p) => p.post(message));
  }
}
