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
/** How long after activation the walkthrough's keys may first turn true (see `update`). */
const WALKTHROUGH_SETTLE_MS = 8000;
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
  let said = '';
  const activatedAt = Date.now();
  let settle: ReturnType<typeof setTimeout> | undefined;
  const update = () => {
    // VS Code registers an extension's walkthrough a few seconds after startup (it waits up to
    // 5 s for an experiment lookup), and a step whose key is already true when it registers never
    // ticks. So the keys stay false until the walkthrough is surely there, then follow the facts.
    const wait = activatedAt + WALKTHROUGH_SETTLE_MS - Date.now();
    if (wait > 0) {
      settle ??= setTimeout(() => update(), wait);
      return;
    }
    const facts = walkthroughFacts(progress, catalog.lessons);
    facts.ran ||= ranThisSession;
    const now = JSON.stringify(facts);
    if (now === said) return;
    said = now;
    log.info(`walkthrough: lesson opened ${facts.opened}, experiment run ${facts.ran}, quiz answered ${facts.answered}`);
    for (const k of ['opened', 'ran', 'answered'] as const) void vscode.commands.executeCommand('setContext', WALKTHROUGH_KEYS[k], facts[k]);
  };
  context.subscriptions.push({ dispose: () => settle && clearTimeout(settle) });
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
