import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerShapeError, gradeAnswer, publicQuestion, revealAnswer, scoreQuizzes } from '../../src/extension/quizGrader';
import { ProgressStore, type KeyValueStore } from '../../src/extension/progressStore';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLesson } from '../../src/lessons/index';
import type { Lesson, QuizBlock, QuizQuestion } from '../../src/protocol/lesson';

const single: QuizQuestion = { type: 'single', prompt: 'Which?', choices: ['a', 'b', 'c'], answer: 2, explanation: 'c because.' };
const multiple: QuizQuestion = { type: 'multiple', prompt: 'Which ones?', choices: ['a', 'b', 'c', 'd'], answer: [3, 1], explanation: 'b and d.' };
const numeric: QuizQuestion = { type: 'numeric', prompt: 'How many parameters?', answer: 235146, tolerance: 0, explanation: '784·300+300 + …' };
const approx: QuizQuestion = { type: 'numeric', prompt: 'Variance?', answer: 0.3, tolerance: 0.01, explanation: '…' };

test('single choice: only the right index is right; out-of-range and lists are refused', () => {
  assert.equal(gradeAnswer('q', 0, single, 2).correct, true);
  assert.equal(gradeAnswer('q', 0, single, 0).correct, false);
  // A wrong first answer does not give the right one away; a right one comes with the explanation.
  const r = gradeAnswer('q', 0, single, 1);
  assert.deepEqual([r.expected, r.given, r.explanation, r.revealed], [undefined, 1, undefined, false]);
  const ok = gradeAnswer('q', 0, single, 2);
  assert.deepEqual([ok.expected, ok.explanation, ok.revealed, ok.firstCorrect, ok.attempts], [2, 'c because.', true, true, 1]);
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

test('score counts first attempts: a retry or a shown answer does not raise it; solved counts the latest', () => {
  const wrong = gradeAnswer('one', 0, single, 0);
  const retry = gradeAnswer('one', 0, single, 2, wrong);
  assert.deepEqual([retry.correct, retry.firstCorrect, retry.attempts], [true, false, 2]);
  const multi = gradeAnswer('one', 1, multiple, [1, 3]);
  const shown = revealAnswer('two', 0, numeric, gradeAnswer('two', 0, numeric, 1));
  assert.deepEqual([shown.revealed, shown.expected, shown.explanation, shown.correct, shown.firstCorrect], [true, 235146, '784·300+300 + …', false, false]);
  // The progress store keeps the latest result per question (the retry replaces the first answer).
  assert.deepEqual(scoreQuizzes(quizzes, [retry, multi, shown]), { answered: 3, correct: 1, solved: 2, total: 3 });
  assert.deepEqual(scoreQuizzes(quizzes, []), { answered: 0, correct: 0, solved: 0, total: 3 });
  // An answer shown before any attempt is not "answered" and scores nothing.
  assert.deepEqual(scoreQuizzes(quizzes, [revealAnswer('two', 0, numeric)]), { answered: 0, correct: 0, solved: 0, total: 3 });
});

test('per-choice feedback: the chosen choices\' lines; the numeric hint after a wrong answer only', () => {
  const withFeedback: QuizQuestion = { ...single, feedback: ['a: too small', 'b: the mean, not the variance', 'c: right'] } as QuizQuestion;
  assert.deepEqual(gradeAnswer('q', 0, withFeedback, 1).feedback, ['b: the mean, not the variance']);
  const multi: QuizQuestion = { ...multiple, feedback: ['no a', 'yes b', 'no c', 'yes d'] } as QuizQuestion;
  assert.deepEqual(gradeAnswer('q', 1, multi, [3, 0]).feedback, ['no a', 'yes d']);
  const hinted: QuizQuestion = { ...numeric, hint: 'count the biases too' } as QuizQuestion;
  assert.deepEqual(gradeAnswer('q', 2, hinted, 235000).feedback, ['count the biases too']);
  assert.equal(gradeAnswer('q', 2, hinted, 235146).feedback, undefined);
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
  // Opening a lesson is not progress yet.
  await p.markOpened('a');
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
  assert.deepEqual(p.score(lesson), { answered: 3, correct: 2, solved: 2, total: 3 });
  // Right at the second attempt: done (every answer right now), the score keeps the first attempt.
  await p.recordAnswer('a', gradeAnswer('two', 0, numeric, 235146, p.get('a').answers.find((x) => x.quizId === 'two')));
  assert.deepEqual(p.score(lesson), { answered: 3, correct: 2, solved: 3, total: 3 });
  assert.equal(p.state(lesson), 'done');
  assert.equal(p.get('a').answers.length, 3);
  // A new store over the same data (a reload) sees the same progress.
  assert.equal(new ProgressStore(store).state(lesson), 'done');
  await p.reset('a');
  assert.equal(p.state(lesson), 'not-started');
  assert.equal(changes, 8); // markOpened once, two experiments, four answers, the reset
});

test('the lesson validator refuses feedback that does not give one line per choice, and keeps a right one', () => {
  const file = join(__dirname, '..', 'fixtures', 'lessons', '01-tiny.lesson.md');
  const src = readFileSync(file, 'utf8');
  const anchor = '    choices: ["1", "1/2", "1/4"]\n';
  assert.ok(src.includes(anchor));
  const badSrc = src.replace(anchor, `${anchor}    feedback: ["too big"]\n`);
  const bad = parseLesson(badSrc, file, { builtIn: false });
  const d = bad.diagnostics.find((x) => /feedback/.test(x.message));
  assert.ok(d, bad.diagnostics.map((x) => x.message).join(' | '));
  assert.match(d.message, /1 feedback line for 3 choices; give one line per choice/);
  assert.equal(badSrc.split('\n')[d.range.start.line - 1]?.trim().startsWith('feedback:'), true);
  const good = parseLesson(src.replace(anchor, `${anchor}    feedback: ["too big: that is the sigmoid's value", "the value at 0, not the slope", "right"]\n`), file, { builtIn: false });
  assert.deepEqual(good.diagnostics.filter((x) => x.severity === 'error'), []);
  const q = good.lesson!.quizzes[0]!.questions[0]!;
  assert.equal(q.type === 'single' && q.feedback?.length, 3);
});
