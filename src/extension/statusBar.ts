/** Status bar: the running experiment, its epoch and loss (click: its panel), and a stop button. */
import * as vscode from 'vscode';
import type { RunManager } from './runManager';

export function formatLoss(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return Math.abs(x) >= 100 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(3);
}

export function registerStatusBar(context: vscode.ExtensionContext, deps: { runs: RunManager }): void {
  const item = vscode.window.createStatusBarItem('deepLessons.run', vscode.StatusBarAlignment.Left, 10);
  item.name = 'DL Lessons: training';
  const stop = vscode.window.createStatusBarItem('deepLessons.stop', vscode.StatusBarAlignment.Left, 9);
  stop.name = 'DL Lessons: stop training';
  stop.text = '$(debug-stop)';
  stop.tooltip = 'Stop training';
  stop.command = 'deepLessons.stopTraining';
  let timer: ReturnType<typeof setInterval> | undefined;
  const update = () => {
    const r = deps.runs.current();
    void vscode.commands.executeCommand('setContext', 'deepLessons.training', r !== undefined);
    if (!r) {
      item.hide();
      stop.hide();
      if (timer) clearInterval(timer);
      timer = undefined;
      return;
    }
    const start = r.stream.record.start;
    const b = r.stream.lastBatch;
    const epoch = b ? `epoch ${b.epoch}/${start?.epochs ?? '?'}` : r.phase;
    const left = r.stream.secondsLeft();
    item.text = `$(sync~spin) ${r.title}: ${epoch} · loss ${formatLoss(b?.loss)}${left !== undefined ? ` · ${Math.ceil(left)} s left` : ''}${start ? ` · ${start.backend}` : ''}`;
    item.tooltip = `${r.key}${r.full ? ' (full)' : ''} on ${start ? `${start.backend} (${start.backendReason})` : '…'}: click to open its panel`;
    item.command = { command: 'deepLessons.openLessonById', title: 'Open', arguments: [r.lessonId, r.key.split('/')[1]] };
    item.show();
    stop.show();
    timer ??= setInterval(update, 1000);
  };
  context.subscriptions.push(item, stop, deps.runs.onDidChangeState(update), { dispose: () => timer && clearInterval(timer) });
}
