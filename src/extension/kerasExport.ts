/**
 * "DL Lessons: Export as Keras Script": an experiment of any lesson (built-in or the workspace's)
 * as a runnable tf.keras Python file (src/lessons/keras.ts), opened as a new editor to save
 * wherever the learner likes, e.g. to run it on a GPU machine or in a hosted notebook.
 */
import * as vscode from 'vscode';
import { kerasScript } from '../lessons/keras';
import type { LessonCatalog } from './lessonCatalog';

export async function openKerasScript(catalog: LessonCatalog, key: string): Promise<vscode.TextDocument | undefined> {
  await catalog.ready();
  const found = catalog.experiment(key);
  if (!found) {
    void vscode.window.showWarningMessage(`No experiment "${key}" in the lessons (see DL Lessons: Refresh Lessons).`);
    return undefined;
  }
  let full = false;
  if (found.experiment.spec.full) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: 'Quick size', description: "the lesson's default", full: false },
        { label: 'Full size', description: "the book's sizes (the experiment's `full` setting)", full: true },
      ],
      { placeHolder: `Export "${found.experiment.title}" at which size?` },
    );
    if (!pick) return undefined;
    full = pick.full;
  }
  const content = kerasScript(found.experiment.spec, { key, full });
  const doc = await vscode.workspace.openTextDocument({ language: 'python', content });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}
