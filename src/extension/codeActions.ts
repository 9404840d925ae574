/** Quick fixes for lesson diagnostics: "did you mean relu" replaces the misspelt word. */
import * as vscode from 'vscode';
import { LESSON_SELECTOR } from './codeLens';
import { wordFix } from './didYouMean';

export class DidYouMeanActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const lines = doc.getText().split(/\r?\n/);
    return ctx.diagnostics.flatMap((d) => {
      if (d.source !== 'deep-lessons') return [];
      const fix = wordFix(lines, { startLine: d.range.start.line, startColumn: d.range.start.character, endLine: d.range.end.line, endColumn: d.range.end.character }, d.message);
      if (!fix) return [];
      const action = new vscode.CodeAction(`Change to "${fix.replacement}"`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(doc.uri, new vscode.Range(fix.line, fix.start, fix.line, fix.end), fix.replacement);
      action.diagnostics = [d];
      action.isPreferred = true;
      return [action];
    });
  }
}

export function registerCodeActions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerCodeActionsProvider(LESSON_SELECTOR, new DidYouMeanActions(), { providedCodeActionKinds: DidYouMeanActions.kinds }));
}
