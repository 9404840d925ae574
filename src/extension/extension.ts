/**
 * The extension's composition root: one `registerX(context, deps)` per feature. The extension
 * host never loads TensorFlow.js: training runs in the trainer process (see runManager.ts).
 */
import * as vscode from 'vscode';
import { registerCodeActions } from './codeActions';
import { registerCodeLens } from './codeLens';
import { registerCommands } from './commands';
import { registerDiagnostics } from './diagnostics';
import { registerFirstRun } from './firstRun';
import { LessonCatalog } from './lessonCatalog';
import { NativeBackend } from './nativeBackend';
import { PanelManager } from './lessonPanel';
import { registerLessonTree, type LessonTreeProvider } from './lessonTree';
import { ProgressStore } from './progressStore';
import { RunHistory } from './runHistory';
import { RunManager } from './runManager';
import { registerStatusBar } from './statusBar';
import { readSettings } from './settings';

export interface ExtensionApi {
  catalog: LessonCatalog;
  progress: ProgressStore;
  runs: RunManager;
  panels: PanelManager;
  history: RunHistory;
  tree: LessonTreeProvider;
  native: NativeBackend;
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = vscode.window.createOutputChannel('DL Lessons', { log: true });
  context.subscriptions.push(log);
  const catalog = new LessonCatalog(vscode.Uri.joinPath(context.extensionUri, 'lessons').fsPath, log);
  context.subscriptions.push(catalog);
  const progress = new ProgressStore(context.globalState);
  const history = new RunHistory(vscode.Uri.joinPath(context.globalStorageUri, 'runs').fsPath, { keep: () => readSettings().historySize });
  const runs = new RunManager(context, catalog, progress, history, log);
  context.subscriptions.push(runs);
  const native = new NativeBackend(context, runs, log);
  context.subscriptions.push(native);
  void native.refresh();
  const panels = new PanelManager({ context, catalog, progress, runs, log });
  context.subscriptions.push(panels);

  const deps = { catalog, progress, history, runs, panels, log, native };
  registerCommands(context, deps);
  const tree = registerLessonTree(context, deps);
  registerCodeLens(context, deps);
  registerDiagnostics(context, deps);
  registerCodeActions(context);
  registerStatusBar(context, deps);
  registerFirstRun(context, deps);

  void catalog.ready();
  return { ...deps, tree };
}

export function deactivate(): void {
  // Everything is in context.subscriptions (the trainer is killed by RunManager's dispose).
}
