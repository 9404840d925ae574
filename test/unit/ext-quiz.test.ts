import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerShapeError, gradeAnswer, publicQuestion, scoreQuizzes } from '../../src/extension/quizGrader';
import { ProgressStore, type KeyValueStore } from '../../src/extension/progressStore';
import type { Lesson, QuizBlock, QuizQuestion } from '../../src/protocol/lesson';

const single: QuizQuestion = { type: 'single', prompt: 'Which?', choices: ['a', 'b', 'c'], answer: 2, explanation: 'c because.' };
const multiple: QuizQuestion = { type: 'multiple', prompt: 'Which ones?', choices: ['a', 'b', 'c', 'd'], answer: [3, 1], explanation: 'b and d.' };
const numeric: QuizQuestion = { type: 'numeric', prompt: 'How many parameters?', answer: 235146, tolerance: 0, explanation: '784·300+300 + …' };
const approx: QuizQuestion = { type: 'numeric', prompt: 'Variance?', answer: 0.3, tolerance: 0.01, explanation: '…' };

test('single choice: only the right index is right; out-of-range and lists are refused', () => {
  assert.equal(gradeAnswer('q', 0, single, 2).correct, true);
  assert.equal(gradeAnswer('q', 0, single, 0).correct, false);
  const r = gradeAnswer('q', 0, single, 1);
  assert.deepEqual([r.expected, r.given, r.explanation], [2, 1, 'c because.']);
  assert.throws(() => gradeAnswer('q', 0, single, 3), AnswerShapeError);
  assert.throws(() => gradeAnswer('q', 0, single, -1), AnswerShapeError);
  assert.throws(() => gradeAnswer('q', 0, single, 1.5), AnswerShapeError);
  assert.throws(() => gradeAnswer('q', 0, single, [2]), AnswerShapeError);
});

test('multiple choice: the exact set, in any order, duplicates ignored', () => {
  assert.equal(gradeAnswer('q', 1, multiple, [1, 3]).correct, true);
  assert.equal(gradeAnswer('q', 1, multiple, [3, 1, 3]).correct, true);
  assert.equal(gradeAnswer('q', 1, multiple, [1]).correct, false);
  assert.equal(gradeAnswer('q', 1, multiple, [0, 1, 3]).correct, false);
  assert.deepEqual(gradeAnswer('q', 1, multiple, [3, 1]).expected, [1, 3]);
  assert.throws(() => gradeAnswer('q', 1, multiple, 1), AnswerShapeError);
  assert.throws(() => gradeAnswer('q', 1, multiple, [4]), AnswerShapeError);
});

test('numeric: exact within float noise at tolerance 0; within ±tolerance otherwise', () => {
  assert.equal(gradeAnswer('q', 2, numeric, 235146).correct, true);
  assert.equal(gradeAnswer('q', 2, numeric, 235147).correct, false);
  assert.equal(gradeAnswer('q', 2, numeric, '235146').correct, true);
  assert.equal(gradeAnswer('q', 3, approx, 0.1 + 0.2).correct, true);
  assert.equal(gradeAnswer('q', 3, approx, 0.309).correct, true);
  assert.equal(gradeAnswer('q', 3, approx, 0.311).correct, false);
  assert.throws(() => gradeAnswer('q', 2, numeric, Number.NaN), AnswerShapeError);
  assert.throws(() => gradeAnswer('q', 2, numeric, 'lots'), AnswerShapeError);
});

test('the page gets questions without answers or explanations', () => {
  for (const q of [single, multiple, numeric]) {
    const p = publicQuestion(q) as unknown as Record<string, unknown>;
    assert.equal('answer' in p, false);
    assert.equal('explanation' in p, false);
    assert.equal('tolerance' in p, false);
  }
  assert.deepEqual(publicQuestion(single), { type: 'single', prompt: 'Which?', choices: ['a', 'b', 'c'] });
});

const quizzes: QuizBlock[] = [
  { kind: 'quiz', id: 'one', questions: [single, multiple], range: { start: { line: 1, column: 1 }, end: { line: 2, column: 1 } } },
  { kind: 'quiz', id: 'two', questions: [numeric], range: { start: { line: 3, column: 1 }, end: { line: 4, column: 1 } } },
];

test('score counts the latest answer per question', () => {
  const results = [gradeAnswer('one', 0, single, 0), gradeAnswer('one', 0, single, 2), gradeAnswer('two', 0, numeric, 1)];
  assert.deepEqual(scoreQuizzes(quizzes, results), { answered: 2, correct: 1, total: 3 });
  assert.deepEqual(scoreQuizzes(quizzes, []), { answered: 0, correct: 0, total: 3 });
});

class MapStore implements KeyValueStore {
  readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.map.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

const lesson = {
  file: '/x/01-a.lesson.md',
  meta: { id: 'a', title: 'A', topic: 'T', order: 1, minutes: 5, prerequisites: [], summary: 's' },
  segments: [],
  experiments: [{ kind: 'experiment', id: 'e1' }, { kind: 'experiment', id: 'e2' }],
  quizzes,
  builtIn: true,
} as unknown as Lesson;

test('progress: not started → in progress → done (every experiment run, every answer right); reset', async () => {
  const store = new MapStore();
  const p = new ProgressStore(store);
  let changes = 0;
  p.onDidChange(() => changes++);
  assert.equal(p.state(lesson), 'not-started');
  await p.markExperimentRun('a', 'e1');
  assert.equal(p.state(lesson), 'in-progress');
  await p.markExperimentRun('a', 'e1');
  assert.deepEqual(p.get('a').experimentsRun, ['e1']);
  await p.markExperimentRun('a', 'e2');
  await p.recordAnswer('a', gradeAnswer('one', 0, single, 2));
  await p.recordAnswer('a', gradeAnswer('one', 1, multiple, [1, 3]));
  await p.recordAnswer('a', gradeAnswer('two', 0, numeric, 5));
  assert.equal(p.state(lesson), 'in-progress');
  assert.deepEqual(p.score(lesson), { answered: 3, correct: 2, total: 3 });
  await p.recordAnswer('a', gradeAnswer('two', 0, numeric, 235146));
  assert.equal(p.state(lesson), 'done');
  assert.equal(p.get('a').answers.length, 3);
  // A new store over the same data (a reload) sees the same progress.
  assert.equal(new ProgressStore(store).state(lesson), 'done');
  await p.reset('a');
  assert.equal(p.state(lesson), 'not-started');
  assert.equal(changes, 7);
});
