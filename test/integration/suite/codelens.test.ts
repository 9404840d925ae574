import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FIRST_LESSON, api, lessonFacts, lessonsDir, waitFor } from './helpers';

suite('CodeLenses in a lesson file', () => {
  test('Open lesson at the top, Run / Run full / Compare above each experiment, Take quiz above each quiz', async () => {
    await api();
    const file = path.join(lessonsDir(), FIRST_LESSON);
    const facts = lessonFacts(file);
    assert.equal(facts.experiments.length, 4, 'the first lesson has four experiment blocks');
    assert.ok(facts.quizzes.length >= 1, 'and at least one quiz');
    const doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
    const lenses = await waitFor('the CodeLenses of the first lesson', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
      return l && l.length > 0 ? l : undefined;
    });
    const at = (line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title ?? '');
    assert.ok(at(0).some((t) => t.includes('Open lesson')), `line 1 has "Open lesson" (got ${JSON.stringify(at(0))})`);
    for (const e of facts.experiments) {
      const titles = at(e.line);
      assert.ok(titles.includes('▶ Run'), `line ${e.line + 1} (${e.id}) has ▶ Run (got ${JSON.stringify(titles)})`);
      assert.ok(titles.includes('▶ Run full'), `line ${e.line + 1} (${e.id}) has ▶ Run full`);
      assert.ok(titles.includes('Compare with last run'), `line ${e.line + 1} (${e.id}) has Compare with last run`);
      const run = lenses.find((l) => l.range.start.line === e.line && l.command?.title === '▶ Run')!;
      assert.equal(run.command!.command, 'deepLessons.runExperiment');
      assert.deepEqual(run.command!.arguments, [`${facts.id}/${e.id}`]);
    }
    for (const q of facts.quizzes) {
      assert.ok(at(q.line).some((t) => t.includes('Take quiz')), `line ${q.line + 1} (${q.id}) has Take quiz`);
    }
    // Exactly: 1 + 3 per experiment + 1 per quiz.
    assert.equal(lenses.length, 1 + 3 * facts.experiments.length + facts.quizzes.length);
  });
});
