import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { FIRST_LESSON, allLessonFacts, api, lessonFacts, lessonsDir } from './helpers';
import * as path from 'node:path';

/** The tree's provider, as `activate()` returns it (`api.tree`). */
interface TreeLike {
  getChildren(node?: unknown): unknown[];
  getTreeItem(node: unknown): vscode.TreeItem;
}

async function tree(): Promise<TreeLike> {
  const a = (await api()) as unknown as { tree?: TreeLike };
  assert.ok(a.tree, 'activate() returns the tree provider as `tree` (registerLessonTree returns it)');
  return a.tree;
}

const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

suite('the DL Lessons tree', () => {
  test('shows every built-in lesson under its topic', async () => {
    const t = await tree();
    const facts = allLessonFacts();
    assert.ok(facts.length >= 1, 'there are lesson files');
    const topics = t.getChildren();
    const shown = new Map<string, string[]>();
    for (const topic of topics) {
      shown.set(label(t.getTreeItem(topic)), t.getChildren(topic).map((l) => label(t.getTreeItem(l))));
    }
    const expected = new Map<string, string[]>();
    for (const f of facts) expected.set(f.topic, [...(expected.get(f.topic) ?? []), f.title]);
    assert.deepEqual([...shown.keys()].sort(), [...expected.keys()].sort(), 'one node per topic');
    for (const [topic, titles] of expected) assert.deepEqual([...shown.get(topic)!].sort(), [...titles].sort(), `the lessons of "${topic}"`);
  });

  test("a lesson's children are its experiments and quizzes, in file order", async () => {
    const t = await tree();
    const facts = lessonFacts(path.join(lessonsDir(), FIRST_LESSON));
    const lesson = t.getChildren().flatMap((topic) => t.getChildren(topic)).find((l) => label(t.getTreeItem(l)) === facts.title);
    assert.ok(lesson, `the tree has "${facts.title}"`);
    const children = t.getChildren(lesson).map((c) => t.getTreeItem(c));
    const ids = children.map((c) => c.id);
    const blocks = [...facts.experiments.map((e) => ({ ...e, kind: 'experiment' })), ...facts.quizzes.map((q) => ({ ...q, kind: 'quiz' }))].sort((a, b) => a.line - b.line);
    assert.deepEqual(ids, blocks.map((b) => (b.kind === 'experiment' ? `experiment:${facts.id}/${b.id}` : `quiz:${facts.id}/${b.id}`)));
    for (const c of children.filter((c) => c.id?.startsWith('experiment:'))) {
      assert.equal(c.command?.command, 'deepLessons.openLessonById', `${c.id} opens the lesson`);
    }
  });
});
