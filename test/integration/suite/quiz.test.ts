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

    await receiver.onMessage({ type: 'answer', quizId: quiz.id, question: 0, answer: wrong });
    let answers = a.progress.get(facts.id).answers;
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.correct, false);
    assert.equal(answers[0]!.given, wrong);
    assert.equal(answers[0]!.expected, right);
    assert.deepEqual(a.progress.score(lesson), { answered: 1, correct: 0, total: quizFacts.questions });

    // Answering again keeps only the latest answer to the question.
    await receiver.onMessage({ type: 'answer', quizId: quiz.id, question: 0, answer: right });
    answers = a.progress.get(facts.id).answers;
    assert.equal(answers.length, 1);
    assert.equal(answers[0]!.correct, true);
    assert.deepEqual(a.progress.score(lesson), { answered: 1, correct: 1, total: quizFacts.questions });
    assert.equal(a.progress.state(lesson), 'in-progress');
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
