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

/**
 * Grades one answer. Throws `AnswerShapeError` when the answer does not fit the question (a
 * choice index out of range, a list for a single-choice question, a non-finite number), since
 * that can only come from a broken or tampered page.
 */
export function gradeAnswer(quizId: string, index: number, q: QuizQuestion, given: unknown): QuizAnswerResult {
  const base = { quizId, question: index, explanation: q.explanation };
  switch (q.type) {
    case 'predict':
    case 'single': {
      if (typeof given !== 'number' || !Number.isInteger(given) || given < 0 || given >= q.choices.length) {
        throw new AnswerShapeError(`question ${index + 1} of quiz "${quizId}" takes one choice from 0 to ${q.choices.length - 1}`);
      }
      // A prediction waits for its experiment's run (gradePrediction).
      if (q.type === 'predict') return { ...base, correct: false, pending: true, expected: given, given };
      return { ...base, correct: given === q.answer, expected: q.answer, given };
    }
    case 'multiple': {
      if (!Array.isArray(given) || given.some((g) => typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g >= q.choices.length)) {
        throw new AnswerShapeError(`question ${index + 1} of quiz "${quizId}" takes a list of choices from 0 to ${q.choices.length - 1}`);
      }
      const chosen = [...new Set(given as number[])].sort((a, b) => a - b);
      const right = [...new Set(q.answer)].sort((a, b) => a - b);
      const correct = chosen.length === right.length && chosen.every((c, i) => c === right[i]);
      return { ...base, correct, expected: right, given: chosen };
    }
    case 'numeric': {
      const value = typeof given === 'string' ? Number(given.trim()) : given;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new AnswerShapeError(`question ${index + 1} of quiz "${quizId}" takes a number`);
      }
      const tolerance = q.tolerance ?? 0;
      // A relative epsilon so that 0.1 + 0.2 counts as 0.3 when the tolerance is 0.
      const slack = tolerance + 1e-9 * Math.max(1, Math.abs(q.answer));
      return { ...base, correct: Math.abs(value - q.answer) <= slack, expected: q.answer, given: value };
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

/** Score over a lesson's quizzes, from the latest result per question. */
export function scoreQuizzes(quizzes: readonly QuizBlock[], results: readonly QuizAnswerResult[]): QuizScore {
  const latest = new Map<string, boolean>();
  for (const r of results) if (!r.pending) latest.set(`${r.quizId}#${r.question}`, r.correct);
  let total = 0;
  let answered = 0;
  let correct = 0;
  for (const quiz of quizzes) {
    quiz.questions.forEach((_, i) => {
      total += 1;
      const r = latest.get(`${quiz.id}#${i}`);
      if (r !== undefined) {
        answered += 1;
        if (r) correct += 1;
      }
    });
  }
  return { answered, correct, total };
}
