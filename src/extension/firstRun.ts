/**
 * The learner's first screen and the walkthrough's ticks. On activation (the first ever, or every
 * start when `deepLessons.openOnStartup` is `always`, as `npm start` sets it) the DL Lessons view
 * is revealed and the lesson to continue opens in its panel, unless a panel was restored. The
 * walkthrough's steps complete from context keys set by real events: a lesson's panel showed it,
 * an experiment was run, a quiz question was answered.
 */
import * as vscode from 'vscode';
import type { LessonCatalog } from './lessonCatalog';
import type { PanelManager } from './lessonPanel';
import { lessonToContinue, walkthroughFacts, type ProgressStore } from './progressStore';
import type { RunManager } from './runManager';
import { VIEW_CONTAINER_ID } from './commandIds';
import { readSettings } from './settings';

const WELCOMED = 'deepLessons.welcomed.v1';
/** Context keys named by the walkthrough's `completionEvents` (`onContext:…`) in package.json. */
export const WALKTHROUGH_KEYS = { opened: 'deepLessons.walkthrough.lessonOpened', ran: 'deepLessons.walkthrough.experimentRun', answered: 'deepLessons.walkthrough.quizAnswered' } as const;
const WALKTHROUGH_ID = 'deepLessons.start';
/** The walkthrough's step ids in package.json. */
const WALKTHROUGH_STEPS = { opened: 'openLesson', ran: 'runExperiment', answered: 'answerQuiz' } as const;
/** How long restored panels get to come back before the first lesson opens in their place. */
const RESTORE_GRACE_MS = 1500;

export interface FirstRunDeps {
  catalog: LessonCatalog;
  progress: ProgressStore;
  runs: RunManager;
  panels: PanelManager;
  log: vscode.LogOutputChannel;
}

export function registerFirstRun(context: vscode.ExtensionContext, deps: FirstRunDeps): void {
  const { catalog, progress, runs, panels, log } = deps;
  let ranThisSession = false;
  const ticked = new Set<string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  context.subscriptions.push({ dispose: () => timers.forEach((t) => clearTimeout(t)) });
  /**
   * Ticks a step. The context key is what `completionEvents` names; but VS Code creates its
   * walkthrough service lazily and ignores a key that is already true when it registers the
   * walkthrough, so the step is also marked complete through the service's own command (retried
   * while the walkthrough is not registered yet).
   */
  const tick = (step: keyof typeof WALKTHROUGH_KEYS, attempt = 0) => {
    if (attempt === 0 && ticked.has(step)) return;
    ticked.add(step);
    void vscode.commands.executeCommand('setContext', WALKTHROUGH_KEYS[step], true);
    const id = `${context.extension.id}#${WALKTHROUGH_ID}#${WALKTHROUGH_STEPS[step]}`;
    vscode.commands.executeCommand('welcome.markStepComplete', id).then(undefined, () => {
      if (attempt >= 10) return log.warn(`walkthrough: could not tick "${id}"`);
      const t = setTimeout(() => (timers.delete(t), tick(step, attempt + 1)), 3000);
      timers.add(t);
    });
  };
  const update = () => {
    const facts = walkthroughFacts(progress, catalog.lessons);
    facts.ran ||= ranThisSession;
    for (const k of ['opened', 'ran', 'answered'] as const) if (facts[k] && !ticked.has(k)) {
      log.info(`walkthrough: ${k === 'opened' ? 'a lesson opened' : k === 'ran' ? 'an experiment run' : 'a quiz answered'}`);
      tick(k);
    }
  };
  context.subscriptions.push(
    progress.onDidChange(update),
    catalog.onDidChange(update),
    runs.onDidChangeState((r) => {
      if (r && !r.prepareOnly && r.phase !== 'idle' && !ranThisSession) {
        ranThisSession = true;
        update();
      }
    }),
  );
  void catalog.ready().then(async () => {
    update();
    const mode = readSettings().openOnStartup;
    const first = !context.globalState.get<boolean>(WELCOMED);
    if (mode === 'never' || (mode === 'firstTime' && !first)) return;
    await new Promise((r) => setTimeout(r, RESTORE_GRACE_MS));
    await context.globalState.update(WELCOMED, true);
    if (panels.count() > 0) return;
    const lesson = lessonToContinue(progress, catalog.lessons);
    if (!lesson) return;
    log.info(`opening "${lesson.meta.id}" on startup (${first ? 'first start' : 'deepLessons.openOnStartup: always'})`);
    await vscode.commands.executeCommand(`workbench.view.extension.${VIEW_CONTAINER_ID}`);
    await panels.open(lesson.meta.id);
  });
}
