import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, parseExperimentFile, parseExpectation, parseLesson } from '../../src/lessons';

const docs = join(__dirname, '..', '..', 'docs');

/** The text inside the fence between `<!-- name:start -->` and `<!-- name:end -->`. */
function example(file: string, name: string): string {
  const text = readFileSync(join(docs, file), 'utf8');
  const m = text.match(new RegExp(`<!-- ${name}:start -->\\n(\`{3,})[a-z]*\\n([\\s\\S]*?)\\n\\1\\n<!-- ${name}:end -->`));
  assert.ok(m, `${file}: no ${name} example`);
  return m[2] + '\n';
}

test('the complete example lesson in docs/lesson-format.md is valid', () => {
  const r = parseLesson(example('lesson-format.md', 'example-lesson'), '01-sigmoid-vs-relu.lesson.md', { builtIn: true });
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(r.lesson?.segments.map((s) => s.kind), ['markdown', 'experiment', 'experiment', 'markdown', 'quiz']);
  assert.deepEqual(r.lesson?.experiments.map((e) => [e.id, e.spec.model.layers.length]), [['sigmoid-normal', 6], ['relu-he', 6]]);
  assert.deepEqual(r.lesson?.quizzes[0].questions.map((q) => q.type), ['single', 'multiple', 'numeric']);
});

test('the block snippets in docs/lesson-format.md are valid inside a lesson', () => {
  const text = readFileSync(join(docs, 'lesson-format.md'), 'utf8');
  const snippets = [...text.matchAll(/^````markdown\n(```(?:experiment|quiz)\n[\s\S]*?\n```)\n````$/gm)].map((m) => m[1]);
  assert.equal(snippets.length, 2);
  const fm = '---\nid: doc\ntitle: D\ntopic: T\norder: 1\nminutes: 1\nsummary: S\n---\n';
  const r = parseLesson(fm + snippets.join('\n\n') + '\n', 'doc.lesson.md');
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.equal(r.lesson?.experiments.length, 1);
  assert.equal(r.lesson?.quizzes[0].questions.length, 3);
});

test('the expect examples in docs/lesson-format.md parse', () => {
  const text = readFileSync(join(docs, 'lesson-format.md'), 'utf8');
  const block = text.match(/Examples:\n\n```text\n([\s\S]*?)\n```/);
  assert.ok(block);
  const lines = block[1].split('\n');
  assert.equal(lines.length, 6);
  for (const l of lines) assert.equal(parseExpectation(l).ok, true, l);
});

test('the complete example in docs/experiment-spec.md is a valid standalone experiment', () => {
  const r = parseExperimentFile(example('experiment-spec.md', 'example-experiment'), 'bn-mlp.yaml');
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.equal(r.spec?.model.layers.length, 10);
  assert.equal(r.spec?.training.optimizer.name, 'nesterov');
  assert.deepEqual(r.spec?.full?.training, { epochs: 20 });
});
