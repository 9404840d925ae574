import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { builtInLessonsDir, formatDiagnostic, loadLessons, parseExpectation } from '../../src/lessons';

/** The chapter's topics, in the curriculum's order (issue 3). */
const CURRICULUM = [
  'vanishing-gradients',
  'activation-functions',
  'batch-normalization',
  'gradient-clipping',
  'transfer-learning',
  'unsupervised-pretraining',
  'faster-optimizers',
  'learning-rate-schedules',
  'one-cycle',
  'custom-callbacks',
  'regularization',
  'mc-dropout',
  'practical-guidelines',
];

const files = readdirSync(builtInLessonsDir()).filter((f) => f.endsWith('.lesson.md'));

test('there are built-in lessons', () => {
  assert.ok(files.length > 0, `no *.lesson.md in ${builtInLessonsDir()}`);
});

test('every built-in lesson validates with no diagnostic, and lesson ids are unique', async () => {
  const r = await loadLessons([builtInLessonsDir()], { builtIn: true });
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  assert.equal(r.lessons.length, files.length);
  assert.equal(new Set(r.lessons.map((l) => l.meta.id)).size, files.length);
  for (const l of r.lessons) assert.ok(l.builtIn);
});

test('built-in lessons follow the curriculum: known topic ids, order = position, NN- prefix = order', async () => {
  const { lessons } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  for (const l of lessons) {
    const at = CURRICULUM.indexOf(l.meta.id);
    assert.notEqual(at, -1, `${l.file}: id "${l.meta.id}" is not a topic of the curriculum`);
    assert.equal(l.meta.order, at + 1, `${l.file}: order`);
    assert.ok(l.file.endsWith(`${String(at + 1).padStart(2, '0')}-${l.meta.id}.lesson.md`), l.file);
    for (const p of l.meta.prerequisites) assert.ok(CURRICULUM.indexOf(p) < at, `${l.meta.id}: prerequisite ${p} comes later`);
  }
});

test('every quiz answer is within its choices; every experiment has an explanation and parseable expectations', async () => {
  const { lessons } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  for (const l of lessons) {
    for (const quiz of l.quizzes) {
      for (const [k, q] of quiz.questions.entries()) {
        const where = `${l.meta.id}/${quiz.id} question ${k + 1}`;
        if (q.type === 'single') assert.ok(Number.isInteger(q.answer) && q.answer >= 0 && q.answer < q.choices.length, where);
        else if (q.type === 'multiple') {
          assert.ok(q.answer.every((a) => Number.isInteger(a) && a >= 0 && a < q.choices.length), where);
          assert.equal(new Set(q.answer).size, q.answer.length, `${where}: repeated answer`);
          assert.ok(q.answer.length < q.choices.length, `${where}: every choice is right`);
        } else if (q.type === 'predict') {
          assert.ok(l.experiments.some((e) => e.id === q.experiment), `${where}: experiment ${q.experiment}`);
          assert.equal(q.outcomes.length, q.choices.length, where);
          for (const o of q.outcomes) assert.equal(parseExpectation(o).ok, true, `${where}: ${o}`);
        } else assert.ok(Number.isFinite(q.answer) && q.tolerance >= 0, where);
      }
    }
    for (const e of l.experiments) {
      assert.ok(e.explains && e.explains.length > 0, `${l.meta.id}/${e.id}: explains`);
      assert.ok(e.expect.length > 0, `${l.meta.id}/${e.id}: at least one expect line`);
      for (const x of e.expect) assert.equal(parseExpectation(x).ok, true, `${l.meta.id}/${e.id}: ${x}`);
    }
  }
});

test('each built-in lesson has 2 or more experiments and a quiz of 5 or more questions', async () => {
  const { lessons } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  for (const l of lessons) {
    assert.ok(l.experiments.length >= 2, `${l.meta.id}: ${l.experiments.length} experiments`);
    const questions = l.quizzes.reduce((n, q) => n + q.questions.length, 0);
    assert.ok(questions >= 5, `${l.meta.id}: ${questions} quiz questions`);
  }
});
