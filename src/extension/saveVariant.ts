/**
 * "Save as experiment": a run card's variant written into the lesson as a new experiment block
 * right after its parent (one WorkspaceEdit, so Undo removes it), or, for a built-in lesson (read
 * only), into a new `*.experiment.yaml` in the workspace.
 */
import * as vscode from 'vscode';
import type { KnobValue } from '../protocol/knobs';
import { blockYaml } from '../lessons/parse';
import { knobsToChanges } from '../lessons/knobs';
import { applyChanges, deriveVariant } from '../lessons/variant';
import { experimentBlock, experimentYaml, uniqueId } from '../lessons/variantBlock';
import type { LessonCatalog } from './lessonCatalog';

/** Where the variant was written, or why it was not. */
export type SaveResult = { uri: vscode.Uri; id: string; line: number } | { error: string };

export async function saveVariant(catalog: LessonCatalog, key: string, values: Record<string, KnobValue>): Promise<SaveResult> {
  const found = catalog.experiment(key);
  if (!found) return { error: `no experiment "${key}"` };
  const { lesson, experiment } = found;
  const changes = knobsToChanges(experiment.spec, values);
  if (!changes.length) return { error: 'nothing to save: change a knob first' };
  const checked = deriveVariant(experiment.spec, changes);
  if ('error' in checked) return { error: checked.error };
  const title = `${experiment.title} (${checked.label})`;
  const taken = [...lesson.experiments.map((e) => e.id), ...lesson.quizzes.map((q) => q.id)];
  const id = uniqueId(`${experiment.id}-variant`, taken);

  const uri = vscode.Uri.file(lesson.file);
  const doc = await vscode.workspace.openTextDocument(uri);
  const text = doc.getText();
  const block = blockYaml(text, lesson.file, experiment.range);
  if (!block.ok || typeof block.value !== 'object' || block.value === null) return { error: `${lesson.file}:${experiment.range.start.line}: the experiment block does not read as YAML now; save the file and try again` };
  const raw = applyChanges(block.value, changes);

  if (lesson.builtIn) {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return { error: 'this lesson is built in (read only) and no folder is open to save the experiment in: open a folder first' };
    const uri = vscode.Uri.joinPath(folder.uri, `${lesson.meta.id}-${id}.experiment.yaml`);
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    const target = exists ? vscode.Uri.joinPath(folder.uri, `${lesson.meta.id}-${id}-${Date.now()}.experiment.yaml`) : uri;
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(target, { contents: new TextEncoder().encode(experimentYaml(raw, id, title)) });
    if (!(await vscode.workspace.applyEdit(edit))) return { error: `could not create ${target.fsPath}` };
    return { uri: target, id, line: 1 };
  }

  // After the closing fence (1-based line `end.line`): a blank line, then the new block.
  const at = new vscode.Position(Math.min(experiment.range.end.line, doc.lineCount), 0);
  const atEnd = at.line >= doc.lineCount;
  const edit = new vscode.WorkspaceEdit();
  edit.insert(uri, atEnd ? doc.lineAt(doc.lineCount - 1).range.end : at, `${atEnd ? '\n' : ''}\n${experimentBlock(raw, id, title)}`);
  if (!(await vscode.workspace.applyEdit(edit))) return { error: `could not edit ${lesson.file}` };
  return { uri, id, line: experiment.range.end.line + 2 };
}
