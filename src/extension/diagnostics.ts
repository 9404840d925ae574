/** Lesson validation errors as diagnostics while the learner edits: the same validator as `deep-lessons check`. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseLesson } from '../lessons/index';
import type { LessonDiagnostic } from '../protocol/lesson';
import { canonicalPath, type LessonCatalog } from './lessonCatalog';

export function isLessonFile(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith('.lesson.md');
}

/** 1-based, end-exclusive lesson ranges to a vscode Range (at least one character wide). */
export function toVscodeDiagnostic(d: LessonDiagnostic): vscode.Diagnostic {
  const sl = Math.max(0, d.range.start.line - 1);
  const sc = Math.max(0, d.range.start.column - 1);
  let el = Math.max(sl, d.range.end.line - 1);
  let ec = Math.max(0, d.range.end.column - 1);
  if (el === sl && ec <= sc) {
    el = sl;
    ec = sc + 1;
  }
  const diag = new vscode.Diagnostic(
    new vscode.Range(sl, sc, el, ec),
    d.field ? `${d.message} (${d.field})` : d.message,
    d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
  );
  diag.source = 'deep-lessons';
  return diag;
}

export function registerDiagnostics(context: vscode.ExtensionContext, deps: { catalog: LessonCatalog }): void {
  const collection = vscode.languages.createDiagnosticCollection('deep-lessons');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const builtInDir = deps.catalog.builtInDir;
  const check = (doc: vscode.TextDocument) => {
    if (!isLessonFile(doc)) return;
    const builtIn = canonicalPath(doc.uri.fsPath).startsWith(builtInDir + path.sep);
    const { diagnostics } = parseLesson(doc.getText(), doc.uri.fsPath, { builtIn });
    collection.set(doc.uri, diagnostics.map(toVscodeDiagnostic));
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (!isLessonFile(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => {
      timers.delete(key);
      check(doc);
    }, 250));
  };
  // Files not open: the catalog's own load diagnostics (duplicate ids across files, ...).
  const fromCatalog = () => {
    const byFile = new Map<string, LessonDiagnostic[]>();
    for (const d of deps.catalog.diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
    const open = new Set(vscode.workspace.textDocuments.map((d) => d.uri.fsPath));
    for (const [file, list] of byFile) if (!open.has(file)) collection.set(vscode.Uri.file(file), list.map(toVscodeDiagnostic));
    vscode.workspace.textDocuments.forEach(check);
  };
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (isLessonFile(doc) && !deps.catalog.diagnostics.some((d) => d.file === doc.uri.fsPath)) collection.delete(doc.uri);
    }),
    deps.catalog.onDidChange(fromCatalog),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  vscode.workspace.textDocuments.forEach(check);
}
