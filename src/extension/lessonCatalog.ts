/**
 * Every lesson the learner can open: the built-in ones (shipped in `lessons/`) and every
 * `*.lesson.md` in the workspace. Reloaded when lesson files change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadLessons } from '../lessons/index';
import { keepLastGood } from './brokenBlocks';
import type { ExperimentBlock, Lesson, LessonDiagnostic } from '../protocol/lesson';
import { Disposable } from './lifecycle';

export const LESSON_GLOB = '**/*.lesson.md';

/**
 * One name per file, whatever way it was reached: the real path (through symlinks, e.g. an
 * extension linked into the extensions folder), else the resolved one.
 */
export function canonicalPath(file: string): string {
  try {
    return fs.realpathSync.native(file);
  } catch {
    return path.resolve(file);
  }
}

export class LessonCatalog extends Disposable {
  private _lessons: Lesson[] = [];
  private _diagnostics: LessonDiagnostic[] = [];
  private _loaded = false;
  private loading?: Promise<void>;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  readonly builtInDir: string;

  constructor(
    builtInDir: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.builtInDir = canonicalPath(builtInDir);
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(LESSON_GLOB));
    this._register(watcher.onDidCreate(() => this.scheduleRefresh()));
    this._register(watcher.onDidChange(() => this.scheduleRefresh()));
    this._register(watcher.onDidDelete(() => this.scheduleRefresh()));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.scheduleRefresh()));
    this._register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  get lessons(): readonly Lesson[] {
    return this._lessons;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  get diagnostics(): readonly LessonDiagnostic[] {
    return this._diagnostics;
  }

  /** Loads once; later calls wait for the same load. */
  async ready(): Promise<readonly Lesson[]> {
    if (!this._loaded) await (this.loading ??= this.load());
    return this._lessons;
  }

  scheduleRefresh(delayMs = 300): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, delayMs);
  }

  async refresh(): Promise<void> {
    this.loading = this.load();
    await this.loading;
  }

  private async load(): Promise<void> {
    try {
      const builtIn = await loadLessons([this.builtInDir], { builtIn: true });
      const builtInFiles = new Set(builtIn.lessons.map((l) => canonicalPath(l.file)));
      const found = vscode.workspace.workspaceFolders?.length
        ? await vscode.workspace.findFiles(LESSON_GLOB, '{**/node_modules/**,**/.git/**,**/dist/**,**/.cache/**}', 500)
        : [];
      const files = found
        .map((u) => canonicalPath(u.fsPath))
        .filter((f) => !builtInFiles.has(f) && !f.startsWith(this.builtInDir + path.sep));
      const workspace = files.length ? await loadLessons(files, { builtIn: false }) : { lessons: [], diagnostics: [] };
      const ids = new Set(builtIn.lessons.map((l) => l.meta.id));
      const mine = workspace.lessons.filter((l) => !ids.has(l.meta.id));
      for (const l of workspace.lessons.filter((l) => ids.has(l.meta.id))) {
        this.log.warn(`${l.file}: lesson id "${l.meta.id}" is already a built-in lesson; the built-in one is shown`);
      }
      this._diagnostics = [...builtIn.diagnostics, ...workspace.diagnostics];
      // A block with errors keeps its last good version (card, runs, tree row) until it is fixed.
      this._lessons = keepLastGood(this._lessons, [...builtIn.lessons, ...mine], this._diagnostics).sort(
        (a, b) => Number(b.builtIn) - Number(a.builtIn) || a.meta.order - b.meta.order || a.meta.title.localeCompare(b.meta.title),
      );
      this.log.info(`lessons: ${builtIn.lessons.length} built-in, ${mine.length} in the workspace, ${this._diagnostics.length} diagnostics`);
    } catch (e) {
      this.log.error(`could not load the lessons: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    } finally {
      this._loaded = true;
      this.changed.fire();
    }
  }

  byId(id: string): Lesson | undefined {
    return this._lessons.find((l) => l.meta.id === id);
  }

  byFile(file: string): Lesson | undefined {
    const f = canonicalPath(file);
    return this._lessons.find((l) => l.file === f || canonicalPath(l.file) === f);
  }

  /** `lesson-id/experiment-id`. */
  experiment(key: string): { lesson: Lesson; experiment: ExperimentBlock } | undefined {
    const [lessonId, experimentId, ...rest] = key.split('/');
    if (!lessonId || !experimentId || rest.length) return undefined;
    const lesson = this.byId(lessonId);
    const experiment = lesson?.experiments.find((e) => e.id === experimentId);
    return lesson && experiment ? { lesson, experiment } : undefined;
  }

  topics(): { topic: string; lessons: Lesson[] }[] {
    const out = new Map<string, Lesson[]>();
    for (const l of this._lessons) {
      const list = out.get(l.meta.topic) ?? [];
      list.push(l);
      out.set(l.meta.topic, list);
    }
    return [...out].map(([topic, lessons]) => ({ topic, lessons }));
  }
}
