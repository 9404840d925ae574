/** The "DL Lessons" sidebar: topics → lessons → experiments and quizzes, with state icons. */
import * as vscode from 'vscode';
import type { ExperimentBlock, Lesson, QuizBlock } from '../protocol/lesson';
import type { LessonCatalog } from './lessonCatalog';
import { TREE_VIEW_ID } from './commandIds';
import { Disposable } from './lifecycle';
import type { ProgressStore } from './progressStore';
import type { RunManager } from './runManager';

export type LessonNode =
  | { kind: 'topic'; topic: string; lessons: Lesson[] }
  | { kind: 'lesson'; lesson: Lesson }
  | { kind: 'experiment'; lesson: Lesson; experiment: ExperimentBlock; key: string }
  | { kind: 'quiz'; lesson: Lesson; quiz: QuizBlock };

export { TREE_VIEW_ID };

export class LessonTreeProvider extends Disposable implements vscode.TreeDataProvider<LessonNode> {
  private readonly changed = this._register(new vscode.EventEmitter<LessonNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly catalog: LessonCatalog,
    private readonly progress: ProgressStore,
    private readonly runs: RunManager,
  ) {
    super();
    this._register(catalog.onDidChange(() => this.refresh()));
    this._register(progress.onDidChange(() => this.refresh()));
    this._register(runs.onDidChangeState(() => this.refresh()));
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: LessonNode): LessonNode[] {
    if (!node) {
      if (!this.catalog.loaded) {
        void this.catalog.ready();
        return [];
      }
      return this.catalog.topics().map(({ topic, lessons }) => ({ kind: 'topic', topic, lessons }));
    }
    switch (node.kind) {
      case 'topic':
        return node.lessons.map((lesson) => ({ kind: 'lesson', lesson }));
      case 'lesson':
        return node.lesson.segments.flatMap((s): LessonNode[] => {
          if (s.kind === 'experiment') return [{ kind: 'experiment', lesson: node.lesson, experiment: s, key: `${node.lesson.meta.id}/${s.id}` }];
          if (s.kind === 'quiz') return [{ kind: 'quiz', lesson: node.lesson, quiz: s }];
          return [];
        });
      case 'experiment':
      case 'quiz':
        return [];
    }
  }

  getTreeItem(node: LessonNode): vscode.TreeItem {
    switch (node.kind) {
      case 'topic': {
        const item = new vscode.TreeItem(node.topic, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `topic:${node.topic}`;
        item.contextValue = 'topic';
        return item;
      }
      case 'lesson': {
        const { lesson } = node;
        const item = new vscode.TreeItem(lesson.meta.title, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `lesson:${lesson.meta.id}`;
        const state = this.progress.state(lesson);
        const score = this.progress.score(lesson);
        const running = lesson.experiments.some((e) => this.runs.active(`${lesson.meta.id}/${e.id}`));
        // Not started: an empty circle; in progress: a half-filled one; done: a green check.
        item.iconPath = running
          ? new vscode.ThemeIcon('sync~spin')
          : state === 'done'
            ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
            : state === 'in-progress'
              ? new vscode.ThemeIcon('circle-large', new vscode.ThemeColor('charts.blue'))
              : new vscode.ThemeIcon('circle-large-outline');
        const stateText = running ? 'running' : state === 'done' ? '✓ done' : state === 'in-progress' ? 'in progress' : '';
        // Short descriptions leave the titles room at the sidebar's default width.
        item.description = [stateText, score.answered ? `quiz ${score.correct}/${score.total}` : ''].filter(Boolean).join(' · ');
        item.tooltip = new vscode.MarkdownString(`**${lesson.meta.title}** (${lesson.meta.minutes} min)\n\n${lesson.meta.summary}\n\n${lesson.builtIn ? 'Built-in lesson' : lesson.file}`);
        item.accessibilityInformation = { label: [lesson.meta.title, stateText, score.answered ? `quiz ${score.correct} of ${score.total}` : '', `${lesson.meta.minutes} minutes`].filter(Boolean).join(', ') };
        item.contextValue = lesson.builtIn ? 'lesson' : 'lesson.workspace';
        item.command = { command: 'deepLessons.openLessonById', title: 'Open Lesson', arguments: [lesson.meta.id] };
        return item;
      }
      case 'experiment': {
        const { experiment, key, lesson } = node;
        const phase = this.runs.phase(key);
        const ran = this.progress.get(lesson.meta.id).experimentsRun.includes(experiment.id);
        const item = new vscode.TreeItem(experiment.title, vscode.TreeItemCollapsibleState.None);
        item.id = `experiment:${key}`;
        const stopped = phase === 'idle' && this.runs.latest(key)?.stream.record.end?.status === 'cancelled';
        const diverged = phase === 'idle' && this.runs.lastStatus(key) === 'diverged';
        const status = experiment.errors?.length ? 'has errors' : phase !== 'idle' ? phase : diverged ? 'diverged' : stopped ? 'stopped' : ran ? 'run' : 'not run yet';
        item.iconPath = experiment.errors?.length
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
          : phase === 'queued'
            ? new vscode.ThemeIcon('watch')
            : phase === 'paused'
              ? new vscode.ThemeIcon('debug-pause')
            : phase !== 'idle'
              ? new vscode.ThemeIcon('sync~spin')
              : diverged
                ? new vscode.ThemeIcon('warning')
                : stopped
                ? new vscode.ThemeIcon('debug-stop')
                : ran
                  ? new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'))
                  : new vscode.ThemeIcon('circle-outline');
        item.description = status === 'not run yet' ? '' : status;
        item.tooltip = experiment.errors?.length
          ? `${experiment.title}: fix the block first:\n${experiment.errors.map((e) => `line ${e.line}: ${e.message}`).join('\n')}`
          : (experiment.explains ?? experiment.title);
        item.accessibilityInformation = { label: `${experiment.title}, experiment, ${status}` };
        item.contextValue = phase === 'idle' ? 'experiment' : phase === 'paused' ? 'experiment.paused' : 'experiment.running';
        item.command = { command: 'deepLessons.openLessonById', title: 'Open Lesson', arguments: [lesson.meta.id, experiment.id] };
        return item;
      }
      case 'quiz': {
        const { quiz, lesson } = node;
        const answers = this.progress.get(lesson.meta.id).answers.filter((a) => a.quizId === quiz.id);
        const right = answers.filter((a) => a.correct).length;
        const item = new vscode.TreeItem(quiz.title ?? `Quiz: ${quiz.id}`, vscode.TreeItemCollapsibleState.None);
        item.id = `quiz:${lesson.meta.id}/${quiz.id}`;
        const total = quiz.questions.length;
        item.iconPath = new vscode.ThemeIcon(right === total ? 'pass' : answers.length ? 'question' : 'comment-discussion');
        item.description = answers.length ? `${right}/${total}` : `${total} questions`;
        item.accessibilityInformation = { label: `${quiz.title ?? `Quiz ${quiz.id}`}, quiz, ${answers.length ? `${right} of ${total} right` : `${total} questions`}` };
        item.contextValue = 'quiz';
        item.command = { command: 'deepLessons.openLessonById', title: 'Take Quiz', arguments: [lesson.meta.id, quiz.id] };
        return item;
      }
    }
  }
}

export function registerLessonTree(context: vscode.ExtensionContext, deps: { catalog: LessonCatalog; progress: ProgressStore; runs: RunManager }): LessonTreeProvider {
  const provider = new LessonTreeProvider(deps.catalog, deps.progress, deps.runs);
  context.subscriptions.push(provider);
  const view = vscode.window.createTreeView(TREE_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(view);
  const setHas = () => void vscode.commands.executeCommand('setContext', 'deepLessons.hasLessons', deps.catalog.lessons.length > 0);
  context.subscriptions.push(deps.catalog.onDidChange(setHas));
  return provider;
}
