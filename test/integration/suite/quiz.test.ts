import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { WebviewToHost } from '../../../src/protocol/webview';
import { FIRST_LESSON, api, lessonFacts, lessonsDir } from './helpers';

/** The panel's handler of what its page posts (the test plays the page). */
interface Receiver {
  onMessage(m: WebviewToHost): Promise<void>;
}

suite('quizzes', () => {
  test('an answer posted by the panel is graded in the host and updates progress', async () => {
    const a = await api();
    const facts = lessonFacts(path.join(lessonsDir(), FIRST_LESSON));
    const quizFacts = facts.quizzes[0]!;
    await a.progress.reset(facts.id);
    assert.equal(a.progress.get(facts.id).answers.length, 0);

    const panel = await a.panels.open(facts.id);
    assert.ok(panel, `the panel of ${facts.id} opens`);
    const receiver = panel as unknown as Receiver;
    assert.equal(typeof receiver.onMessage, 'function', 'LessonPanel handles page messages in onMessage()');

    const lesson = a.catalog.byId(facts.id)!;
    const quiz = lesson.quizzes.find((q) => q.id === quizFacts.id)!;
    assert.equal(quiz.questions.length, quizFacts.questions, 'the catalog has every question of the file');
    const q0 = quiz.questions[0]!;
    assert.equal(q0.type, 'single');
    const right = q0.answer as number;
    const wrong = (right + 1) % (q0.type === 'single' ? q0.choices.length : 2);

    // A wrong first answer: graded wrong, the right answer and the explanation not revealed (the
    // learner may retry), the first-attempt verdict kept.
    await receiver.onMessage({ type: 'answer', quizId: quiz.id, question: 0, answer: wrong });
    let answers = a.progress.get(facts.id).answers;
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.correct, false);
    assert.equal(answers[0]!.given, wrong);
    assert.equal(answers[0]!.revealed, false, 'a wrong answer does not reveal the right one');
    assert.equal(answers[0]!.expected, undefined, 'no right answer is sent after a wrong one');
    assert.equal(answers[0]!.explanation, undefined, 'no explanation is sent after a wrong one');
    assert.equal(answers[0]!.firstCorrect, false);
    assert.equal(answers[0]!.attempts, 1);
    assert.deepEqual(a.progress.score(lesson), { answered: 1, correct: 0, solved: 0, total: quizFacts.questions });

    // The retry is right: the latest answer is kept (one per question), now revealed, but the
    // score counts the first attempt (correct stays 0; solved becomes 1).
    await receiver.onMessage({ type: 'answer', quizId: quiz.id, question: 0, answer: right });
    answers = a.progress.get(facts.id).answers;
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.correct, true);
    assert.equal(answers[0]!.revealed, true);
    assert.equal(answers[0]!.expected, right);
    assert.equal(answers[0]!.firstCorrect, false, 'the first attempt was wrong');
    assert.equal(answers[0]!.attempts, 2);
    assert.deepEqual(a.progress.score(lesson), { answered: 1, correct: 0, solved: 1, total: quizFacts.questions });
    assert.equal(a.progress.state(lesson), 'in-progress');
  });

  test('"show answer" after a wrong answer reveals it without raising the score', async () => {
    const a = await api();
    const facts = lessonFacts(path.join(lessonsDir(), FIRST_LESSON));
    await a.progress.reset(facts.id);
    const panel = (await a.panels.open(facts.id)) as unknown as Receiver;
    const lesson = a.catalog.byId(facts.id)!;
    const quiz = lesson.quizzes.find((q) => q.id === facts.quizzes[0]!.id)!;
    const q0 = quiz.questions[0]!;
    assert.equal(q0.type, 'single');
    const right = q0.answer as number;
    const wrong = (right + 1) % (q0.type === 'single' ? q0.choices.length : 2);

    await panel.onMessage({ type: 'answer', quizId: quiz.id, question: 0, answer: wrong });
    await panel.onMessage({ type: 'showAnswer', quizId: quiz.id, question: 0 });
    const answers = a.progress.get(facts.id).answers;
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.revealed, true);
    assert.equal(answers[0]!.expected, right);
    assert.equal(answers[0]!.explanation, q0.explanation);
    assert.equal(answers[0]!.correct, false, 'showing the answer does not make it right');
    assert.equal(answers[0]!.given, wrong, 'what the learner chose is kept');
    const total = facts.quizzes.reduce((n, z) => n + z.questions, 0);
    assert.deepEqual(a.progress.score(lesson), { answered: 1, correct: 0, solved: 0, total });

    // A right first answer to another question counts in the score.
    const next = quiz.questions.findIndex((q, i) => i > 0 && q.type === 'single');
    assert.ok(next > 0, 'the first quiz has a second single-choice question');
    const qn = quiz.questions[next]!;
    assert.equal(qn.type, 'single');
    await panel.onMessage({ type: 'answer', quizId: quiz.id, question: next, answer: qn.answer as number });
    assert.deepEqual(a.progress.score(lesson), { answered: 2, correct: 1, solved: 1, total });
  });

  test('an answer of the wrong shape changes nothing', async () => {
    const a = await api();
    const facts = lessonFacts(path.join(lessonsDir(), FIRST_LESSON));
    const panel = (await a.panels.open(facts.id)) as unknown as Receiver;
    const before = a.progress.get(facts.id).answers;
    await panel.onMessage({ type: 'answer', quizId: facts.quizzes[0]!.id, question: 0, answer: [0, 1] });
    await panel.onMessage({ type: 'answer', quizId: 'no-such-quiz', question: 0, answer: 0 });
    assert.deepEqual(a.progress.get(facts.id).answers, before);
  });
});
