/**
 * Messages between the extension host and the lesson panel (webview). Types only.
 *
 * The host never sends quiz answers or explanations before the learner has answered: the page
 * gets the questions, the host grades (answers are not trusted from the page).
 */
import type { BackendChoice, RunEvent } from './events';
import type { ExperimentSpec } from './spec';
import type { Knob, KnobValue } from './knobs';
import type { SeedStats } from './seeds';

/** One `expect` line over the seeds of a run: met in `met` of `n`, with what each seed measured. */
export interface SeedExpectation {
  text: string;
  met: number;
  n: number;
  actual: string[];
}

/** A question as the page sees it: no answer, no explanation. */
export type PublicQuestion =
  | { type: 'single'; prompt: string; choices: string[] }
  | { type: 'multiple'; prompt: string; choices: string[] }
  | { type: 'numeric'; prompt: string }
  /** Predict, then run: graded by the next run of `experiment` (an experiment id of this lesson). */
  | { type: 'predict'; prompt: string; choices: string[]; experiment: string };

/** An error in a lesson block, as the panel lists it. */
export interface BlockError {
  line: number;
  column: number;
  field?: string;
  message: string;
}

export interface ExperimentView {
  kind: 'experiment';
  /** `lesson-id/experiment-id`. */
  key: string;
  id: string;
  title: string;
  explains?: string;
  expect: string[];
  /** A short line about the setup: dataset, layers, optimizer, epochs. */
  setup: string;
  /** The estimated cost of a run and of a full run: "266,610 parameters · about 287 MiB · work 483 G". */
  cost?: string;
  fullCost?: string;
  /** Whether the experiment has `full` overrides (shows "Run full"). */
  hasFull: boolean;
  spec: ExperimentSpec;
  line: number;
  /** The block has errors now: this is its last good version (Run is off until they are fixed). */
  errors?: BlockError[];
  /** The "Try it" knobs that fit this experiment. */
  knobs?: Knob[];
}

/**
 * What differs in a comparison: one group per compared experiment against the first, named once
 * by its title (left out when two are compared: the legend says which), its lines `path: a → b`.
 */
export interface DifferenceGroup {
  title?: string;
  lines: string[];
}

export interface QuizView {
  kind: 'quiz';
  id: string;
  title?: string;
  questions: PublicQuestion[];
  line: number;
}

/** A fenced experiment or quiz block that does not parse, shown as a card with its errors. */
export interface BrokenBlockView {
  blockKind: 'experiment' | 'quiz';
  id?: string;
  title?: string;
  errors: BlockError[];
}

export type SegmentView = { kind: 'markdown'; text: string; line: number; broken?: BrokenBlockView } | ExperimentView | QuizView;

export interface LessonView {
  id: string;
  title: string;
  topic: string;
  summary: string;
  minutes: number;
  file: string;
  builtIn: boolean;
  segments: SegmentView[];
}

/** One graded answer, as stored in progress and sent back to the page. */
export interface QuizAnswerResult {
  quizId: string;
  question: number;
  /** Whether this (the latest) answer is right. */
  correct: boolean;
  /** Whether the first answer to this question was right: the score counts first attempts. */
  firstCorrect?: boolean;
  /** Answers given so far to this question. */
  attempts?: number;
  /** The explanation and the right answer are shown: answered right, or "show answer" asked. */
  revealed?: boolean;
  /** The lesson's explanation (only once revealed). */
  explanation?: string;
  /** The right answer, once revealed: a choice index, indices, or a number. */
  expected?: number | number[];
  /** What the learner answered (absent when the answer was shown without one). */
  given?: number | number[];
  /** The lesson's feedback on the chosen choices (or the numeric hint after a wrong answer). */
  feedback?: string[];
  /** A prediction committed and waiting for its experiment's run (then `correct` means nothing yet). */
  pending?: boolean;
  /** For a graded prediction: what the run measured, per choice's outcome line. */
  measured?: string[];
}

export interface QuizScore {
  answered: number;
  /** Right at the first attempt. */
  correct: number;
  /** Right now (after retries). */
  solved?: number;
  total: number;
}

export interface Outcome {
  text: string;
  met: boolean;
  actual?: string;
  /** Set when the run could not check it (it diverged before the values compared): why. */
  notChecked?: string;
}

/** A finished run kept in history, as a card lists it. */
export interface HistoryItem {
  runId: string;
  /** "30 Nov 2026, 10:51 · seed 42 · quick · 2 epochs in 5 s". */
  detail: string;
  /** A variant's difference ("lr 0.01 → 0.1"). */
  variant?: string;
  /** A run of N seeds. */
  seeds?: number;
  /** Final val_accuracy (or accuracy), for the list. */
  accuracy?: number;
  /** A run that ended completed or early-stopped: how long one run took (a run of seeds: one seed, on average). */
  seconds?: number;
  /** Run at the book's sizes ("Run full"). */
  full?: boolean;
}

/** Another run drawn on a card's loss and accuracy charts (dashed), named in the legend by `label`. */
export interface OverlayRun {
  runId: string;
  label: string;
  events: RunEvent[];
  /** A run of N seeds: drawn as the mean over its seeds. */
  seeds?: number;
}

/** `paused`: waiting between two batches, the model held in the trainer; `stepping`: one more epoch, then paused. */
export type RunPhase = 'idle' | 'queued' | 'running' | 'paused' | 'stepping' | 'stopping';

/** Where a run's events come from in a `runEvents` message. */
export type RunEventsMode = 'live' | 'replay';

export interface CompareSeries {
  key: string;
  title: string;
  runId: string;
  events: RunEvent[];
}

export type HostToWebview =
  | {
      type: 'init';
      lesson: LessonView;
      answers: QuizAnswerResult[];
      backend: BackendChoice;
      /** Chart points posted per second at most. */
      chartUpdateRate: number;
      /** Scroll to this experiment or quiz id after rendering. */
      reveal?: string;
      /** Seeds a "Run ×N seeds" runs (the setting deepLessons.seeds). */
      seeds?: number;
    }
  /** Events of one run; `reset` clears the run card first (a new run, or a replay). */
  | {
      type: 'runEvents';
      key: string;
      runId: string;
      mode: RunEventsMode;
      reset: boolean;
      full: boolean;
      events: RunEvent[];
      /** Replays of a run still going: seconds since it started (for the time-left estimate). */
      elapsed?: number;
      /** A run of N seeds: its events carry the runIds `<runId>/seed-<seed>`. */
      seeds?: number;
      /** A variant: its knobs that differ from the experiment's, by knob id (what a rerun starts from). */
      values?: Record<string, KnobValue>;
    }
  /** `waitingFor`: the title of the experiment whose layers this one reuses, training first on its own card. */
  | { type: 'runPhase'; key: string; phase: RunPhase; runId?: string; position?: number; waitingFor?: string }
  | { type: 'outcomes'; key: string; runId: string; outcomes: Outcome[] }
  /** How an N-seed run ended: each `expect` line met in k of N seeds, the final metrics' summary, and a variant against its original in words. */
  | { type: 'seedOutcomes'; key: string; runId: string; expectations: SeedExpectation[]; summary: Record<string, SeedStats>; verdict: string[] }
  | { type: 'quizResult'; result: QuizAnswerResult; score: QuizScore }
  | { type: 'quizReset' }
  | { type: 'compare'; series: CompareSeries[]; differences: DifferenceGroup[] }
  /** The runs kept for an experiment, newest first. */
  | { type: 'history'; key: string; runs: HistoryItem[] }
  /** Draw another run on the card (the original of a variant, a run from history); none clears. */
  | { type: 'overlay'; key: string; overlay?: OverlayRun }
  | { type: 'backend'; backend: BackendChoice }
  | { type: 'reveal'; id: string }
  | { type: 'notice'; level: 'info' | 'warn' | 'error'; message: string; key?: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'run'; key: string; full: boolean }
  | { type: 'stop'; key: string }
  /** Pause between two batches, resume, or train one more epoch and pause. */
  | { type: 'pause' | 'resume' | 'step'; key: string }
  | { type: 'answer'; quizId: string; question: number; answer: number | number[] }
  /** "Show answer": reveal the right answer and the explanation (the score keeps the first attempt). */
  | { type: 'showAnswer'; quizId: string; question: number }
  | { type: 'compare'; keys: string[] }
  | { type: 'exportMetrics'; key: string; format: 'csv' | 'json' }
  | { type: 'exportPng'; name: string; dataUrl: string }
  | { type: 'openSource'; line: number }
  /** A link in the lesson's prose: a web address, or a path relative to the lesson file (another lesson, a file). */
  | { type: 'openLink'; href: string }
  | { type: 'selectBackend' }
  /** Run a variant: the knobs that differ from the experiment, by knob id; `seeds`: ×N seeds (the setting deepLessons.seeds). */
  | { type: 'runVariant'; key: string; values: Record<string, KnobValue>; seeds?: boolean }
  /** Run the experiment with N seeds (the setting deepLessons.seeds). */
  | { type: 'runSeeds'; key: string }
  /** Draw a run from the experiment's history on its card. */
  | { type: 'overlayRun'; key: string; runId: string }
  /** Delete a run from the experiment's history. */
  | { type: 'deleteRun'; key: string; runId: string }
  /** Write the variant into the lesson as a new experiment block (or a new experiment file for a built-in lesson). */
  | { type: 'saveVariant'; key: string; values: Record<string, KnobValue> };

/** What the page keeps with `setState`, so that the host can restore it after a reload. */
export interface PanelState {
  lessonId: string;
  file?: string;
  scrollY?: number;
  /** The block at the top of the view (its index in the lesson) and its offset in px. */
  anchor?: { index: number; offset: number };
}
