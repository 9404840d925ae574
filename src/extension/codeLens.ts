/** CodeLenses in lesson files: Open lesson at the top; Run, Run full, Compare with last run above experiments; Take quiz above quizzes. */
import * as vscode from 'vscode';
import { findBlocks } from './blockFinder';
import type { LessonCatalog } from './lessonCatalog';
import { Disposable } from './lifecycle';
import type { RunManager } from './runManager';

export const LESSON_SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.lesson.md' }];

export class LessonCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly catalog: LessonCatalog,
    private readonly runs: RunManager,
  ) {
    super();
    this._register(catalog.onDidChange(() => this.changed.fire()));
    // Only a change of phase changes the lenses (Run ↔ Stop), not every epoch.
    const phases = new Map<string, string>();
    this._register(
      runs.onDidChangeState((r) => {
        // No run: a run started or stopped waiting for the experiment it reuses.
        if (!r) return this.changed.fire();
        if (phases.get(r.key) === r.phase) return;
        phases.set(r.key, r.phase);
        this.changed.fire();
      }),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    // Before the catalog has loaded every block would look unknown: show nothing yet; the
    // catalog's change event (above) asks for the lenses again once it has loaded.
    if (!this.catalog.loaded) {
      void this.catalog.ready();
      return [];
    }
    const found = findBlocks(document.getText());
    const lesson = this.catalog.byFile(document.uri.fsPath);
    const lessonId = lesson?.meta.id ?? found.id;
    const lenses: vscode.CodeLens[] = [];
    const at = (line: number) => new vscode.Range(line, 0, line, 0);
    if (lessonId) {
      lenses.push(new vscode.CodeLens(at(0), { title: '$(book) Open lesson', command: 'deepLessons.openLessonById', arguments: [lessonId] }));
    }
    for (const b of found.blocks) {
      if (!b.id || !lessonId) continue;
      if (b.kind === 'experiment') {
        const key = `${lessonId}/${b.id}`;
        const known = lesson?.experiments.find((e) => e.id === b.id);
        if (!known) {
          lenses.push(new vscode.CodeLens(at(b.startLine), { title: '$(warning) Fix the errors in this block to run it', command: 'workbench.actions.view.problems' }));
          continue;
        }
        const phase = this.runs.phase(key);
        if (phase === 'idle') {
          lenses.push(new vscode.CodeLens(at(b.startLine), { title: '▶ Run', command: 'deepLessons.runExperiment', arguments: [key] }));
          if (known.spec.full && Object.keys(known.spec.full).length) {
            lenses.push(new vscode.CodeLens(at(b.startLine), { title: '▶ Run full', tooltip: "With the book's sizes: slower", command: 'deepLessons.runExperimentFull', arguments: [key] }));
          }
        } else {
          lenses.push(new vscode.CodeLens(at(b.startLine), { title: `$(debug-stop) Stop (${phase})`, command: 'deepLessons.stopTraining', arguments: [key] }));
        }
        lenses.push(new vscode.CodeLens(at(b.startLine), { title: 'Compare with last run', command: 'deepLessons.compareWithLast', arguments: [key] }));
      } else {
        lenses.push(new vscode.CodeLens(at(b.startLine), { title: '$(comment-discussion) Take quiz', command: 'deepLessons.openLessonById', arguments: [lessonId, b.id] }));
      }
    }
    return lenses;
  }
}

export function registerCodeLens(context: vscode.ExtensionContext, deps: { catalog: LessonCatalog; runs: RunManager }): void {
  const provider = new LessonCodeLensProvider(deps.catalog, deps.runs);
  context.subscriptions.push(provider, vscode.languages.registerCodeLensProvider(LESSON_SELECTOR, provider));
}
