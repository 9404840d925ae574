/**
 * Quiz grading, in the extension host: the page sends what the learner chose, the host decides.
 * Pure (no `vscode`), so it is unit-tested directly.
 */
import type { RunRecord } from '../protocol/events';
import type { QuizBlock, QuizQuestion } from '../protocol/lesson';
import { evaluateExpectations } from '../lessons/expect';
import type { PublicQuestion, QuizAnswerResult, QuizScore } from '../protocol/webview';

/** The question without its answer and explanation: what the page may see. */
export function publicQuestion(q: QuizQuestion): PublicQuestion {
  switch (q.type) {
    case 'single':
      return { type: 'single', prompt: q.prompt, choices: [...q.choices] };
    case 'multiple':
      return { type: 'multiple', prompt: q.prompt, choices: [...q.choices] };
    case 'numeric':
      return { type: 'numeric', prompt: q.prompt };
    case 'predict':
      return { type: 'predict', prompt: q.prompt, choices: [...q.choices], experiment: q.experiment };
  }
}

export class AnswerShapeError extends Error {}

/** The first-attempt facts carried from the previous answer to the same question. */
function carried(previous: QuizAnswerResult | undefined, correct: boolean): Pick<QuizAnswerResult, 'firstCorrect' | 'attempts'> {
  return {
    firstCorrect: previous ? (previous.firstCorrect ?? previous.correct) : correct,
    attempts: (previous ? (previous.attempts ?? 1) : 0) + 1,
  };
}

/** What the page may see of a graded answer: the explanation and the right answer only once revealed. */
function shaped(q: QuizQuestion, base: { quizId: string; question: number }, correct: boolean, expected: number | number[], given: number | number[], feedback: string[], previous?: QuizAnswerResult): QuizAnswerResult {
  const revealed = correct || previous?.revealed === true;
  return {
    ...base,
    correct,
    ...carried(previous, correct),
    revealed,
    given,
    ...(revealed ? { explanation: q.explanation, expected } : {}),
    ...(feedback.length ? { feedback } : {}),
  };
}

/**
 * Grades one answer. A wrong answer gets the lesson's feedback on the chosen choices (or the
 * numeric hint) but not the right answer: the learner may try again, or ask to be shown it. The
 * first attempt's verdict is kept (`firstCorrect`) for the score. Throws `AnswerShapeError` when
 * the answer does not fit the question (a choice index out of range, a list for a single-choice
 * question, a non-finite number), since that can only come from a broken or tampered page.
 */
export function gradeAnswer(quizId: string, index: number, q: QuizQuestion, given: unknown, previous?: QuizAnswerResult): QuizAnswerResult {
  const base = { quizId, question: index };
  switch (q.type) {
    case 'predict':
    case 'single': {
      if (typeof given !== 'number' || !Number.isInteger(given) || given < 0 || given >= q.choices.length) {
        throw new AnswerShapeError(`question ${index + 1} of quiz "${quizId}" takes one choice from 0 to ${q.choices.length - 1}`);
      }
      // A prediction waits for its experiment's run (gradePrediction).
      if (q.type === 'predict') return { ...base, correct: false, pending: true, given };
      const fb = q.feedback?.[given];
      return shaped(q, base, given === q.answer, q.answer, given, fb ? [fb] : [], previous);
    }
    case 'multiple': {
      if (!Array.isArray(given) || given.some((g) => typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g >= q.choices.length)) {
        throw new AnswerShapeError(`question ${index + 1} of quiz "${quizId}" takes a list of choices from 0 to ${q.choices.length - 1}`);
      }
      const chosen = [...new Set(given as number[])].sort((a, b) => a - b);
      const right = [...new Set(q.answer)].sort((a, b) => a - b);
      const correct = chosen.length === right.length && chosen.every((c, i) => c === right[i]);
      const fb = chosen.flatMap((c) => (q.feedback?.[c] ? [q.feedback[c]] : []));
      return shaped(q, base, correct, right, chosen, fb, previous);
    }
    case 'numeric': {
      const value = typeof given === 'string' ? Number(given.trim()) : given;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new AnswerShapeError(`question ${index + 1} of quiz "${quizId}" takes a number`);
      }
      const tolerance = q.tolerance ?? 0;
      // A relative epsilon so that 0.1 + 0.2 counts as 0.3 when the tolerance is 0.
      const slack = tolerance + 1e-9 * Math.max(1, Math.abs(q.answer));
      const correct = Math.abs(value - q.answer) <= slack;
      return shaped(q, base, correct, q.answer, value, !correct && q.hint ? [q.hint] : [], previous);
    }
  }
}

/**
 * Grades a committed prediction with its experiment's finished run: the right choice is the one
 * whose outcome line holds on the run (the first, if a lesson's lines overlap); the prediction is
 * right when the chosen choice's line holds.
 */
export function gradePrediction(pending: QuizAnswerResult, q: Extract<QuizQuestion, { type: 'predict' }>, run: RunRecord): QuizAnswerResult {
  const results = evaluateExpectations(q.outcomes, run);
  const met = results.map((r) => r.met);
  const right = met.indexOf(true);
  const given = pending.given as number;
  return {
    quizId: pending.quizId,
    question: pending.question,
    explanation: q.explanation,
    correct: met[given] === true,
    firstCorrect: met[given] === true,
    attempts: 1,
    revealed: true,
    expected: right,
    given,
    measured: results.map((r, i) => `${q.choices[i]}: ${r.text} (${r.actual})`),
  };
}

/** The predictions waiting for a run of `experimentId`, graded by that run. */
export function gradePendingPredictions(quizzes: readonly QuizBlock[], experimentId: string, answers: readonly QuizAnswerResult[], run: RunRecord): QuizAnswerResult[] {
  const out: QuizAnswerResult[] = [];
  for (const a of answers) {
    if (!a.pending) continue;
    const q = quizzes.find((z) => z.id === a.quizId)?.questions[a.question];
    if (q?.type === 'predict' && q.experiment === experimentId) out.push(gradePrediction(a, q, run));
  }
  return out;
}

/** "Show answer": the right answer and the explanation, keeping what was answered so far. */
export function revealAnswer(quizId: string, index: number, q: QuizQuestion, previous?: QuizAnswerResult): QuizAnswerResult {
  return {
    quizId,
    question: index,
    correct: previous?.correct ?? false,
    firstCorrect: previous ? (previous.firstCorrect ?? previous.correct) : false,
    attempts: previous?.attempts ?? (previous ? 1 : 0),
    revealed: true,
    explanation: q.explanation,
    // A prediction's right answer is known only once its experiment has run.
    ...(q.type === 'predict' ? {} : { expected: q.answer }),
    ...(previous?.given !== undefined ? { given: previous.given } : {}),
    ...(previous?.feedback ? { feedback: previous.feedback } : {}),
  };
}

/**
 * Score over a lesson's quizzes: `correct` counts questions answered right at the first attempt
 * (a retry or a shown answer does not raise it); `solved`, those whose latest answer is right.
 */
export function scoreQuizzes(quizzes: readonly QuizBlock[], results: readonly QuizAnswerResult[]): QuizScore {
  const latest = new Map<string, QuizAnswerResult>();
  for (const r of results) if (!r.pending) latest.set(`${r.quizId}#${r.question}`, r);
  let total = 0;
  let answered = 0;
  let correct = 0;
  let solved = 0;
  for (const quiz of quizzes) {
    quiz.questions.forEach((_, i) => {
      total += 1;
      const r = latest.get(`${quiz.id}#${i}`);
      if (r && (r.given !== undefined || r.attempts)) {
        answered += 1;
        if (r.firstCorrect ?? r.correct) correct += 1;
        if (r.correct) solved += 1;
      }
    });
  }
  return { answered, correct, solved, total };
}
