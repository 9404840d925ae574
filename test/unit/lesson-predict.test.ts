import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLesson } from '../../src/lessons';
import { gradeAnswer, gradePendingPredictions, publicQuestion, scoreQuizzes } from '../../src/extension/quizGrader';
import type { LessonDiagnostic, QuizQuestion } from '../../src/protocol/lesson';
import type { EpochEvent, RunRecord } from '../../src/protocol/events';

const FM = ['---', 'id: t', 'title: T', 'topic: X', 'order: 1', 'minutes: 5', 'summary: S', '---', ''].join('\n');
const EXP = ['```experiment', 'id: deep', 'dataset: { name: blobs }', 'model: { layers: [{ type: Dense, units: 4, activation: relu }, { type: Dense, units: 3, activation: softmax }] }', '```', ''];
/** A lesson with one experiment (lines 10-14) and a quiz from line 16. */
const lesson = (...quiz: string[]) => FM + '\n' + [...EXP, '```quiz', 'id: q', 'questions:', ...quiz, '```'].join('\n') + '\n';
const at = (ds: LessonDiagnostic[]) => ds.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`);

const predict = (experiment: string, outcomes: string) => [
  '  - type: predict',
  `    experiment: ${experiment}`,
  '    prompt: Will the bottom layer learn?',
  '    choices: ["yes", "no"]',
  `    outcomes: ${outcomes}`,
  '    explanation: Because.',
];

test('a predict question parses when it names an experiment of the lesson and has one outcome line per choice', () => {
  const r = parseLesson(lesson(...predict('deep', '["grad_norm[1] > 0.001", "grad_norm[1] <= 0.001"]')), 't.lesson.md');
  assert.deepEqual(at(r.diagnostics), []);
  const q = r.lesson!.quizzes[0]!.questions[0]!;
  assert.equal(q.type, 'predict');
  assert.deepEqual(publicQuestion(q), { type: 'predict', prompt: 'Will the bottom layer learn?', choices: ['yes', 'no'], experiment: 'deep' });
});

test('predict errors name the field with its position: an unknown experiment, a count mismatch, a bad outcome line at its column', () => {
  const bad = parseLesson(lesson(...predict('dep', '["grad_norm[1] > 0.001", "grad_norm[1] <= 0.001"]')), 't.lesson.md');
  assert.deepEqual(at(bad.diagnostics), ['20:17 questions[0].experiment: "dep" names no experiment of this lesson; expected one of deep']);
  const count = parseLesson(lesson(...predict('deep', '["grad_norm[1] > 0.001"]')), 't.lesson.md');
  assert.match(at(count.diagnostics).join('\n'), /^23:15 questions\[0\]\.outcomes: 1 outcome lines for 2 choices/);
  // "grad_nrm" is not a metric: the error points at it, inside the quoted line (column 15 + 1 quote + 1).
  const typo = parseLesson(lesson(...predict('deep', '["grad_nrm[1] > 0.001", "grad_norm[1] <= 0.001"]')), 't.lesson.md');
  const d = at(typo.diagnostics);
  assert.equal(d.length, 1, d.join('\n'));
  assert.match(d[0]!, /^23:17 questions\[0\]\.outcomes\[0\]: /);
  const withAnswer = parseLesson(lesson(...predict('deep', '["loss < 1", "loss >= 1"]'), '    answer: 0'), 't.lesson.md');
  assert.match(at(withAnswer.diagnostics).join('\n'), /a predict question has no `answer:`/);
});

const q: Extract<QuizQuestion, { type: 'predict' }> = { type: 'predict', experiment: 'deep', prompt: 'p', choices: ['vanishes', 'does not'], outcomes: ['grad_norm[1] < 0.01 * grad_norm[last]', 'grad_norm[1] >= 0.01 * grad_norm[last]'], explanation: 'e' };
const epoch = (norms: number[]): EpochEvent => ({ type: 'epoch', runId: 'r', epoch: 1, loss: 1, lr: 0.1, seconds: 1, gradNorms: norms });
const run = (norms: number[]): RunRecord => ({ runId: 'r', experiment: 't/deep', epochs: [epoch(norms)] });

test('a committed prediction is pending, counts for nothing in the score, and the run grades it with the expect grammar', () => {
  const pending = gradeAnswer('q', 0, q, 0);
  assert.equal(pending.pending, true);
  const quizzes = [{ kind: 'quiz' as const, id: 'q', questions: [q], range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } } }];
  assert.deepEqual(scoreQuizzes(quizzes, [pending]), { answered: 0, correct: 0, solved: 0, total: 1 });
  // 1e-5 < 0.01 × 0.1: the gradient vanished, so "vanishes" (choice 0) was right.
  const [graded] = gradePendingPredictions(quizzes, 'deep', [pending], run([1e-5, 0.1]));
  assert.equal(graded!.pending, undefined);
  assert.equal(graded!.correct, true);
  assert.equal(graded!.expected, 0);
  assert.equal(graded!.measured!.length, 2);
  assert.match(graded!.measured![0]!, /^vanishes: grad_norm\[1\] < 0\.01 \* grad_norm\[last\] \(/);
  assert.deepEqual(scoreQuizzes(quizzes, [graded!]), { answered: 1, correct: 1, solved: 1, total: 1 });
  // The same prediction against a run where it did not vanish: wrong, the answer is choice 1.
  const [wrong] = gradePendingPredictions(quizzes, 'deep', [pending], run([0.05, 0.1]));
  assert.deepEqual([wrong!.correct, wrong!.expected], [false, 1]);
  // Another experiment's run grades nothing.
  assert.deepEqual(gradePendingPredictions(quizzes, 'other', [pending], run([1e-5, 0.1])), []);
});
