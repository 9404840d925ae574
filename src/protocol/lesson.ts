/**
 * The lesson model: what a `*.lesson.md` file becomes once parsed. The zod schemas are the one
 * source of the front matter and quiz formats (validator, TypeScript types and JSON Schema).
 */
import { z } from 'zod';
import type { ExperimentSpec } from './spec';

export const LessonFrontMatter = z.strictObject({
  /** Lower-case slug, unique across all lessons: `vanishing-gradients`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an id is lower-case letters, digits and dashes'),
  title: z.string().min(1),
  /** The topic the lesson sits under in the sidebar tree. */
  topic: z.string().min(1),
  /** Position in the curriculum (1, 2, ...). */
  order: z.number().int().min(0),
  /** About how long the lesson takes, runs included. */
  minutes: z.number().int().positive(),
  /** Lesson ids worth reading first. */
  prerequisites: z.array(z.string()).default([]),
  /** One or two sentences for the launcher and the tree. */
  summary: z.string().min(1),
});
export type LessonFrontMatter = z.infer<typeof LessonFrontMatter>;

const QuestionCommon = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an id is lower-case letters, digits and dashes').optional(),
  /** The question, in Markdown (math allowed). */
  prompt: z.string().min(1),
  /** Shown after answering, right or wrong. */
  explanation: z.string().min(1),
};

/** Optional: one line per choice, shown when the learner picks it (why that distractor is wrong, or why it is right). */
const ChoiceFeedback = z.array(z.string().min(1)).min(2).optional().describe('One line per choice, in order, shown when the learner picks that choice: why it is wrong (or right).');

export const SingleChoiceQuestion = z.strictObject({
  type: z.literal('single'),
  choices: z.array(z.string().min(1)).min(2),
  feedback: ChoiceFeedback,
  /** Index of the right choice, from 0. */
  answer: z.number().int().min(0),
  ...QuestionCommon,
});
export const MultipleChoiceQuestion = z.strictObject({
  type: z.literal('multiple'),
  choices: z.array(z.string().min(1)).min(2),
  feedback: ChoiceFeedback,
  /** Indices of every right choice, from 0. */
  answer: z.array(z.number().int().min(0)).min(1),
  ...QuestionCommon,
});
export const NumericQuestion = z.strictObject({
  type: z.literal('numeric'),
  answer: z.number(),
  /** Absolute tolerance: an answer within ±tolerance is right (default 0: exact). */
  tolerance: z.number().min(0).default(0),
  /** Optional: a hint shown after a wrong answer, before the learner asks for the answer. */
  hint: z.string().min(1).optional().describe('A hint shown after a wrong answer, before the learner asks for the answer.'),
  ...QuestionCommon,
});
/**
 * Predict, then run: the learner commits to a choice before running `experiment` (an experiment of
 * the same lesson); its run grades the prediction. `outcomes[i]` is an `expect` line that holds on
 * the run exactly when choice i is right.
 */
export const PredictQuestion = z.strictObject({
  type: z.literal('predict'),
  experiment: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an experiment id is lower-case letters, digits and dashes'),
  choices: z.array(z.string().min(1)).min(2),
  outcomes: z.array(z.string().min(1)).min(2),
  ...QuestionCommon,
});
export const QuizQuestion = z.discriminatedUnion('type', [SingleChoiceQuestion, MultipleChoiceQuestion, NumericQuestion, PredictQuestion]);
export type QuizQuestion = z.infer<typeof QuizQuestion>;

export const QuizBlockSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an id is lower-case letters, digits and dashes'),
  title: z.string().optional(),
  questions: z.array(QuizQuestion).min(1),
});
export type QuizBlockSpec = z.infer<typeof QuizBlockSpec>;

/** 1-based line and column, as editors and `file:line:col` messages count them. */
export interface SourcePos {
  line: number;
  column: number;
}
export interface SourceRange {
  start: SourcePos;
  end: SourcePos;
}

export interface LessonDiagnostic {
  file: string;
  range: SourceRange;
  severity: 'error' | 'warning';
  message: string;
  /** The field the message is about, as a path: `training.optimizer.learning_rate`. */
  field?: string;
}

export interface ExperimentBlock {
  kind: 'experiment';
  id: string;
  title: string;
  explains?: string;
  expect: string[];
  spec: ExperimentSpec;
  /** From the opening fence to the closing fence. */
  range: SourceRange;
  /**
   * Set on the last good version of a block that has errors now (kept by the editor so that its
   * card and runs stay): what is wrong with the block as it is.
   */
  errors?: { line: number; column: number; field?: string; message: string }[];
}

export interface QuizBlock {
  kind: 'quiz';
  id: string;
  title?: string;
  questions: QuizQuestion[];
  range: SourceRange;
}

export interface MarkdownSegment {
  kind: 'markdown';
  text: string;
  range: SourceRange;
}

export type LessonSegment = MarkdownSegment | ExperimentBlock | QuizBlock;

export interface Lesson {
  /** Absolute path of the lesson file. */
  file: string;
  meta: LessonFrontMatter;
  /** The body in order: prose, experiments and quizzes. */
  segments: LessonSegment[];
  experiments: ExperimentBlock[];
  quizzes: QuizBlock[];
  /** Whether the lesson ships with the extension. */
  builtIn: boolean;
}
