/**
 * The learner's progress, kept in `globalState` (any Memento-like store): lessons opened,
 * experiments run, quiz answers. Pure (no `vscode`), so it is unit-tested with a Map.
 */
import type { Lesson } from '../protocol/lesson';
import type { QuizAnswerResult, QuizScore } from '../protocol/webview';
import { scoreQuizzes } from './quizGrader';

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface LessonProgress {
  opened?: string;
  /** Experiment ids with at least one completed run. */
  experimentsRun: string[];
  answers: QuizAnswerResult[];
}

export type LessonState = 'not-started' | 'in-progress' | 'done';

const KEY = 'deepLessons.progress.v1';

type ProgressMap = Record<string, LessonProgress>;

export class ProgressStore {
  private readonly listeners = new Set<(lessonId: string | undefined) => void>();

  constructor(private readonly store: KeyValueStore) {}

  private all(): ProgressMap {
    return this.store.get<ProgressMap>(KEY) ?? {};
  }

  get(lessonId: string): LessonProgress {
    const p = this.all()[lessonId];
    return { opened: p?.opened, experimentsRun: [...(p?.experimentsRun ?? [])], answers: [...(p?.answers ?? [])] };
  }

  onDidChange(listener: (lessonId: string | undefined) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private async write(lessonId: string, p: LessonProgress): Promise<void> {
    await this.store.update(KEY, { ...this.all(), [lessonId]: p });
    for (const l of this.listeners) l(lessonId);
  }

  async markOpened(lessonId: string, now = new Date()): Promise<void> {
    const p = this.get(lessonId);
    if (p.opened) return;
    await this.write(lessonId, { ...p, opened: now.toISOString() });
  }

  async markExperimentRun(lessonId: string, experimentId: string): Promise<void> {
    const p = this.get(lessonId);
    if (p.experimentsRun.includes(experimentId)) return;
    await this.write(lessonId, { ...p, experimentsRun: [...p.experimentsRun, experimentId] });
  }

  /** Keeps the latest answer per question. */
  async recordAnswer(lessonId: string, result: QuizAnswerResult): Promise<void> {
    const p = this.get(lessonId);
    const answers = p.answers.filter((a) => !(a.quizId === result.quizId && a.question === result.question));
    await this.write(lessonId, { ...p, opened: p.opened ?? new Date().toISOString(), answers: [...answers, result] });
  }

  score(lesson: Lesson): QuizScore {
    return scoreQuizzes(lesson.quizzes, this.get(lesson.meta.id).answers);
  }

  /**
   * Done: every experiment run once and every question answered right. In progress: an
   * experiment run or a question answered (opening a lesson is not progress yet). Otherwise not
   * started.
   */
  state(lesson: Lesson): LessonState {
    const p = this.get(lesson.meta.id);
    const score = this.score(lesson);
    const allRun = lesson.experiments.every((e) => p.experimentsRun.includes(e.id));
    if (allRun && (score.solved ?? score.correct) === score.total) return 'done';
    if (p.experimentsRun.length > 0 || score.answered > 0) return 'in-progress';
    return 'not-started';
  }

  async reset(lessonId?: string): Promise<void> {
    if (lessonId === undefined) {
      await this.store.update(KEY, {});
    } else {
      const all = this.all();
      delete all[lessonId];
      await this.store.update(KEY, all);
    }
    for (const l of this.listeners) l(lessonId);
  }
}

/** What the walkthrough's steps check: has any lesson been opened, any experiment run, any question answered. */
export function walkthroughFacts(progress: ProgressStore, lessons: readonly Lesson[]): { opened: boolean; ran: boolean; answered: boolean } {
  const all = lessons.map((l) => progress.get(l.meta.id));
  return { opened: all.some((p) => !!p.opened), ran: all.some((p) => p.experimentsRun.length > 0), answered: all.some((p) => p.answers.length > 0) };
}

/** The lesson to show on startup: the first in progress, else the first opened and not done, else the first not done, else the first. */
export function lessonToContinue(progress: ProgressStore, lessons: readonly Lesson[]): Lesson | undefined {
  const state = (l: Lesson) => progress.state(l);
  return lessons.find((l) => state(l) === 'in-progress') ?? lessons.find((l) => state(l) !== 'done' && progress.get(l.meta.id).opened) ?? lessons.find((l) => state(l) !== 'done') ?? lessons[0];
}
