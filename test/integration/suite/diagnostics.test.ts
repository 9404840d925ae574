import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './helpers';

/** A workspace lesson with one mistake: a layer of -5 units. */
const LESSON = `---
id: integration-test-lesson
title: A lesson written by the integration test
topic: Tests
order: 99
minutes: 5
summary: One tiny experiment on a synthetic dataset.
---
# A lesson written by the integration test

\`\`\`experiment
id: tiny
title: Tiny
dataset: { name: blobs, train_size: 64, val_size: 32, test_size: 32 }
model:
  layers:
    - { type: Dense, units: -5, activation: relu }
    - { type: Dense, units: 3, activation: softmax }
training: { epochs: 1, batch_size: 32 }
\`\`\`
`;

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'deep-lessons');

suite('lesson files in the workspace', () => {
  test('a mistake is underlined at its line and column, and the diagnostic goes when it is fixed', async () => {
    const a = await api();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the harness opens a workspace folder');
    const uri = vscode.Uri.joinPath(folder.uri, 'lessons', 'integration-test.lesson.md');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(LESSON));
    try {
      await check(a, uri);
    } finally {
      // Deleted, it leaves the catalog again (and the tree test sees the built-in lessons only).
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
    }
    await waitFor('the deleted lesson to leave the catalog', () => !a.catalog.byId('integration-test-lesson'), 20_000);
  });
});

async function check(a: Awaited<ReturnType<typeof api>>, uri: vscode.Uri): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);

  const lines = LESSON.split('\n');
  const line = lines.findIndex((l) => l.includes('units: -5'));
  const column = lines[line]!.indexOf('-5');
  const diags = await waitFor('the diagnostic of units: -5', () => (ours(uri).length ? ours(uri) : undefined), 20_000);
  assert.equal(diags.length, 1, diags.map((d) => d.message).join('; '));
  const d = diags[0]!;
  assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
  assert.equal(d.range.start.line, line, `line ${line + 1}`);
  assert.equal(d.range.start.character, column, `column ${column + 1}`);
  assert.match(d.message, /units/);

  // The learner fixes it: the diagnostic goes while editing, without saving.
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(line, column, line, column + 2), '5');
  assert.ok(await vscode.workspace.applyEdit(edit));
  await waitFor('the diagnostic to go', () => ours(uri).length === 0, 20_000);

  // Saved, the fixed lesson is in the catalog (the file watcher refreshes it) as a workspace
  // lesson, with its experiment (the broken block had none).
  await doc.save();
  const lesson = await waitFor('the fixed workspace lesson in the catalog', () => {
    const l = a.catalog.byId('integration-test-lesson');
    return l && l.experiments.length > 0 ? l : undefined;
  }, 20_000);
  assert.equal(lesson.builtIn, false);
  assert.deepEqual(lesson.experiments.map((e) => e.id), ['tiny']);
}
