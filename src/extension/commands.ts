/** Every command's handler. The list of ids and titles is in `commandIds.ts` (checked against package.json). */
import * as vscode from 'vscode';
import { ExperimentSpec } from '../protocol/spec';
import type { BackendChoice } from '../protocol/events';
import { CATEGORY, type CommandId } from './commandIds';
import type { LessonCatalog } from './lessonCatalog';
import type { LessonNode } from './lessonTree';
import type { NativeBackend } from './nativeBackend';
import { openKerasScript } from './kerasExport';
import { exportMetrics, type PanelManager } from './lessonPanel';
import type { ProgressStore } from './progressStore';
import type { RunHistory } from './runHistory';
import { storedEvents, type RunManager } from './runManager';
import { finishedRunDetail } from './runRecords';
import { lessonFileName, lessonScaffold, slugify } from './scaffold';
import { readSettings, setBackend } from './settings';

export interface CommandDeps {
  catalog: LessonCatalog;
  progress: ProgressStore;
  history: RunHistory;
  runs: RunManager;
  panels: PanelManager;
  log: vscode.LogOutputChannel;
  native: NativeBackend;
}

type Handler = (...args: unknown[]) => unknown;

function isNode(x: unknown): x is LessonNode {
  return typeof x === 'object' && x !== null && 'kind' in x && typeof (x as { kind: unknown }).kind === 'string';
}

/** An experiment key from a command argument: a key string, a tree node, or nothing (then ask). */
async function experimentKey(deps: CommandDeps, arg: unknown, placeHolder: string): Promise<string | undefined> {
  if (typeof arg === 'string' && arg.includes('/')) return arg;
  if (isNode(arg) && arg.kind === 'experiment') return arg.key;
  await deps.catalog.ready();
  const lessonId = isNode(arg) && arg.kind === 'lesson' ? arg.lesson.meta.id : typeof arg === 'string' ? arg : undefined;
  const items = deps.catalog.lessons
    .filter((l) => !lessonId || l.meta.id === lessonId)
    .flatMap((l) =>
      l.experiments.map((e) => ({
        label: `${deps.runs.active(`${l.meta.id}/${e.id}`) ? '$(sync~spin) ' : ''}${e.title}`,
        description: l.meta.title,
        detail: e.explains,
        key: `${l.meta.id}/${e.id}`,
      })),
    );
  const pick = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return pick?.key;
}

export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): void {
  const { catalog, progress, history, runs, panels, log } = deps;

  const openLessonById: Handler = async (id?: unknown, reveal?: unknown) => {
    // From the editor title of a lesson file, the argument is the file's Uri.
    const fromUri = id instanceof vscode.Uri ? (await catalog.ready(), catalog.byFile(id.fsPath)?.meta.id) : undefined;
    if (id instanceof vscode.Uri && !fromUri) {
      void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(id)} is not a lesson the catalog knows (does it parse? see the Problems view).`);
      return undefined;
    }
    const lessonId = fromUri ?? (isNode(id) && id.kind !== 'topic' ? id.lesson.meta.id : typeof id === 'string' ? id : undefined);
    if (!lessonId) return vscode.commands.executeCommand('deepLessons.openLesson');
    const revealId = typeof reveal === 'string' ? reveal : isNode(id) && id.kind === 'experiment' ? id.experiment.id : isNode(id) && id.kind === 'quiz' ? id.quiz.id : undefined;
    await panels.open(lessonId, revealId);
    return lessonId;
  };

  /** Before a run from the editor, the tree or the palette: the panel shows, scrolled to the card (focus stays). */
  const revealCard = async (key: string) => {
    const [lessonId, experimentId] = key.split('/');
    await panels.open(lessonId!, experimentId, true);
  };

  const compareKeys = async (keys: string[]) => {
    if (keys.length >= 2) return panels.compare(keys);
    await catalog.ready();
    // Only experiments whose last run finished: the picker says when, with which seed, size and time.
    const items: (vscode.QuickPickItem & { key: string })[] = [];
    for (const l of catalog.lessons) {
      for (const e of l.experiments) {
        const key = `${l.meta.id}/${e.id}`;
        const last = await history.last(key);
        if (!last?.end || last.end.status === 'cancelled') continue;
        items.push({ label: e.title, description: l.meta.title, detail: finishedRunDetail(last), key, picked: keys.includes(key) });
      }
    }
    if (items.length < 2) {
      void vscode.window.showInformationMessage(`Compare needs two experiments that have each finished a run; ${items.length === 1 ? `only "${items[0]!.label}" has` : 'none has'} yet. Run another one first.`);
      return;
    }
    const picks = await vscode.window.showQuickPick(items, { canPickMany: true, matchOnDescription: true, placeHolder: 'Choose two or more finished runs to overlay (each experiment’s last run)' });
    if (!picks) return;
    if (picks.length < 2) {
      void vscode.window.showInformationMessage('Choose at least two experiments to compare.');
      return;
    }
    return panels.compare(picks.map((p) => p.key));
  };

  const handlers: Record<CommandId, Handler> = {
    'deepLessons.openLesson': async () => {
      await catalog.ready();
      type Item = vscode.QuickPickItem & { id?: string };
      const items: Item[] = [];
      for (const { topic, lessons } of catalog.topics()) {
        items.push({ label: topic, kind: vscode.QuickPickItemKind.Separator });
        for (const l of lessons) {
          const state = progress.state(l);
          const score = progress.score(l);
          const mark = state === 'done' ? '$(pass-filled) ' : state === 'in-progress' ? '$(circle-large-filled) ' : '$(circle-large-outline) ';
          items.push({
            id: l.meta.id,
            label: `${mark}${l.meta.title}`,
            description: [`${l.meta.minutes} min`, state === 'done' ? '✓ done' : '', score.answered ? `quiz ${score.correct}/${score.total}` : '', l.builtIn ? '' : 'workspace'].filter(Boolean).join(' · '),
            detail: l.meta.summary,
          });
        }
      }
      if (!items.length) {
        void vscode.window.showWarningMessage('No lessons found. The built-in lessons are missing; see the "DL Lessons" log.');
        return;
      }
      const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Open a lesson', matchOnDescription: true, matchOnDetail: true });
      if (pick?.id) await panels.open(pick.id);
      return pick?.id;
    },
    'deepLessons.openLessonById': openLessonById,
    'deepLessons.runExperiment': async (arg?: unknown) => {
      const key = await experimentKey(deps, arg, 'Run which experiment?');
      if (!key) return;
      await revealCard(key);
      return (await runs.run(key, false))?.runId;
    },
    'deepLessons.runExperimentFull': async (arg?: unknown) => {
      const key = await experimentKey(deps, arg, "Run which experiment, with the book's sizes?");
      if (!key) return;
      await revealCard(key);
      return (await runs.run(key, true))?.runId;
    },
    'deepLessons.stopTraining': (arg?: unknown) => {
      const key = typeof arg === 'string' ? arg : isNode(arg) && arg.kind === 'experiment' ? arg.key : undefined;
      const current = runs.current();
      if (!key && !current) {
        void vscode.window.showInformationMessage('Nothing is training.');
        return;
      }
      runs.stop(key);
    },
    // From the tree (an experiment training or paused): Playground's pause, play and step.
    'deepLessons.pauseTraining': (arg?: unknown) => isNode(arg) && arg.kind === 'experiment' && runs.control(arg.key, 'pause'),
    'deepLessons.resumeTraining': (arg?: unknown) => isNode(arg) && arg.kind === 'experiment' && runs.control(arg.key, 'resume'),
    'deepLessons.stepEpoch': (arg?: unknown) => isNode(arg) && arg.kind === 'experiment' && runs.control(arg.key, 'step'),
    'deepLessons.compareRuns': async (...args: unknown[]) => compareKeys(args.filter((a): a is string => typeof a === 'string')),
    'deepLessons.compareWithLast': async (arg?: unknown) => {
      const key = await experimentKey(deps, arg, 'Compare which experiment with its previous run?');
      if (!key) return;
      const found = catalog.experiment(key);
      const list = await history.list(key);
      if (!found || list.length < 2) {
        const choice = await vscode.window.showInformationMessage(
          list.length === 0 ? `"${found?.experiment.title ?? key}" has not been run yet.` : `"${found?.experiment.title ?? key}" has run once: there is no earlier run to compare with.`,
          'Compare with Another Experiment…',
        );
        if (choice) await compareKeys([key]);
        return;
      }
      const [a, b] = [list[1]!, list[0]!];
      const label = (r: typeof a) => `${found.experiment.title} (${new Date(r.savedAt).toLocaleString()}${r.full ? ', full' : ''})`;
      const differences = a.start && b.start && a.start.epochs !== b.start.epochs ? [`epochs: ${a.start.epochs} → ${b.start.epochs}`] : [];
      await panels.compareSeries(key.split('/')[0]!, [
        { key, title: label(a), runId: a.runId, events: storedEvents(a) },
        { key, title: label(b), runId: b.runId, events: storedEvents(b) },
      ], [{ lines: differences.length ? differences : ['the same experiment, run twice (an edit of the block, or another seed, shows here)'] }]);
    },
    'deepLessons.resetProgress': async (arg?: unknown) => {
      const lessonId = isNode(arg) && arg.kind === 'lesson' ? arg.lesson.meta.id : typeof arg === 'string' ? arg : undefined;
      const what = lessonId ? `progress in "${catalog.byId(lessonId)?.meta.title ?? lessonId}"` : 'all lesson progress (quiz answers, experiments run) and the run history';
      const ok = await vscode.window.showWarningMessage(`Reset ${what}?`, { modal: true }, 'Reset');
      if (ok !== 'Reset') return false;
      await progress.reset(lessonId);
      if (!lessonId) await history.clear();
      panels.postAll({ type: 'quizReset' });
      log.info(`progress reset${lessonId ? ` for ${lessonId}` : ''}`);
      return true;
    },
    'deepLessons.selectBackend': async (arg?: unknown) => {
      const current = readSettings().backend;
      const items: (vscode.QuickPickItem & { value: BackendChoice })[] = [
        { value: 'auto', label: 'auto', description: 'tensorflow if installed, else wasm, else cpu' },
        { value: 'tensorflow', label: 'tensorflow', description: 'native TensorFlow through tfjs-node: fastest, needs its native install' },
        { value: 'wasm', label: 'wasm', description: 'WebAssembly: works offline everywhere' },
        { value: 'cpu', label: 'cpu', description: 'pure JavaScript: slowest, always there' },
      ].map((i) => ({ ...i, label: i.value === current ? `$(check) ${i.label}` : i.label })) as (vscode.QuickPickItem & { value: BackendChoice })[];
      const value = typeof arg === 'string' && ['auto', 'tensorflow', 'wasm', 'cpu'].includes(arg) ? (arg as BackendChoice) : (await vscode.window.showQuickPick(items, { placeHolder: `Training backend (now: ${current})` }))?.value;
      if (!value) return;
      await setBackend(value);
      return value;
    },
    'deepLessons.downloadDatasets': async () => {
      const picks = await vscode.window.showQuickPick(
        [
          { label: 'fashion-mnist', description: 'Fashion-MNIST: 70,000 28×28 clothing images (about 30 MB)', picked: true },
          { label: 'mnist', description: 'MNIST: 70,000 28×28 handwritten digits (about 11 MB)', picked: true },
        ],
        { canPickMany: true, placeHolder: 'Download which datasets into the cache? (synthetic ones need no download)' },
      );
      for (const p of picks ?? []) {
        // The trainer resolves (downloads, verifies, caches) the dataset and trains nothing.
        const spec = ExperimentSpec.parse({ dataset: { name: p.label }, model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 10, activation: 'softmax' }] } });
        runs.start(`datasets/${p.label}`, '', p.label, spec, false, {}, true);
      }
    },
    'deepLessons.newLesson': async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (!folder) {
        void vscode.window.showWarningMessage('Open a folder first: a new lesson is a file in your workspace.');
        return;
      }
      const title = await vscode.window.showInputBox({ prompt: 'Title of the new lesson', placeHolder: 'Dropout on a small net', validateInput: (v) => (v.trim() ? undefined : 'A lesson needs a title') });
      if (!title) return;
      const dir = vscode.Uri.joinPath(folder.uri, 'lessons');
      let existing: string[] = [];
      try {
        existing = (await vscode.workspace.fs.readDirectory(dir)).map(([n]) => n);
      } catch {
        await vscode.workspace.fs.createDirectory(dir);
      }
      const name = lessonFileName(slugify(title), existing);
      const uri = vscode.Uri.joinPath(dir, name);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(lessonScaffold(title.trim(), Number(name.slice(0, 2)) + 100)));
      await vscode.window.showTextDocument(uri);
      catalog.scheduleRefresh(100);
      return uri.fsPath;
    },
    'deepLessons.showLog': () => log.show(),
    'deepLessons.exportMetrics': async (arg?: unknown) => {
      const key = await experimentKey(deps, arg, 'Export the last run of which experiment?');
      if (!key) return;
      const format = await vscode.window.showQuickPick(['csv', 'json'], { placeHolder: 'Format' });
      if (format === 'csv' || format === 'json') await exportMetrics(runs, key, format);
    },
    'deepLessons.refreshLessons': () => catalog.refresh(),
    'deepLessons.installNativeBackend': () => deps.native.install(),
    'deepLessons.exportKeras': async (arg?: unknown) => {
      const key = await experimentKey(deps, arg, 'Export which experiment as a tf.keras script?');
      return key ? (await openKerasScript(catalog, key))?.uri.toString() : undefined;
    },
    'deepLessons.openLessonFile': async (arg?: unknown) => {
      const lesson = isNode(arg) && arg.kind !== 'topic' ? arg.lesson : typeof arg === 'string' ? catalog.byId(arg) : undefined;
      if (lesson) await vscode.window.showTextDocument(vscode.Uri.file(lesson.file));
    },
  };

  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (e) {
          log.error(`${id} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          void vscode.window.showErrorMessage(`${CATEGORY}: ${e instanceof Error ? e.message : String(e)}`, 'Show Log').then((c) => c && log.show());
          return undefined;
        }
      }),
    );
  }
}
