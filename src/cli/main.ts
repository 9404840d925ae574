/**
 * `deep-lessons`: the lessons and the engine from a terminal, with no editor.
 *   run <experiment-file | lesson[/experiment]>   train, with a progress bar per epoch or JSON lines
 *   check <file...>                               validate lesson and experiment files
 *   list                                          the lessons and their experiments
 *   export <lesson/experiment | file>             the experiment as a runnable tf.keras script
 *   reproduce [--only ids] [--json]               the book's table: annotated experiments at full size, ours beside the book's
 */
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunEvent, RunRecord, RunRequest } from '../protocol/events';
import type { Lesson, LessonDiagnostic } from '../protocol/lesson';
import type { ExperimentSpec } from '../protocol/spec';
import { builtInLessonsDir, estimateRunCost, evaluateExpectations, findExperiment, formatDiagnostic, loadLessons, parseExperimentFile, parseLesson, readLessonFileSync } from '../lessons';
import { MAX_SEEDS, runExperiment, runSeeds, seedsOf } from '../engine';
import { parseSet } from '../lessons/setPath';
import { deriveVariant, type VariantResult } from '../lessons/variant';
import { printComparison, printSeeds, type SeedsOutcome } from './seedsReport';
import { TerminalReporter, JsonReporter, type Reporter } from './report';
import { registerBench } from './bench';
import { overBudgetLines } from './budget';
import { timesRuns } from '../protocol/cost';
import { registerExport } from './export';
import { registerReproduce } from './reproduce';
import { intArg, trainingOptions, type TrainingCliOptions } from './options';

const program = new Command();
program
  .name('deep-lessons')
  .description('Deep Learning Lessons: learn to train deep neural networks by training them.')
  .showHelpAfterError();

/** Lessons: the built-in ones plus any `*.lesson.md` under the current folder. */
async function allLessons(extra: string[] = []): Promise<Lesson[]> {
  const dirs = [builtInLessonsDir()];
  const cwd = process.cwd();
  const { lessons, diagnostics } = await loadLessons(dirs, { builtIn: true });
  const local = resolve(cwd) === resolve(builtInLessonsDir(), '..') ? [] : [cwd];
  const mine = local.length || extra.length ? await loadLessons([...local, ...extra], { builtIn: false }) : { lessons: [], diagnostics: [] };
  for (const d of [...diagnostics, ...mine.diagnostics]) if (d.severity === 'error') process.stderr.write(`${formatDiagnostic(d)}\n`);
  const seen = new Set(lessons.map((l) => l.meta.id));
  return [...lessons, ...mine.lessons.filter((l) => !seen.has(l.meta.id))];
}

interface Target {
  key: string;
  spec: ExperimentSpec;
  expect: string[];
  dependencies: Record<string, ExperimentSpec>;
}

function lessonTargets(lesson: Lesson, only?: string): Target[] {
  const dependencies: Record<string, ExperimentSpec> = {};
  for (const e of lesson.experiments) dependencies[`${lesson.meta.id}/${e.id}`] = e.spec;
  const chosen = only ? lesson.experiments.filter((e) => e.id === only) : lesson.experiments;
  return chosen.map((e) => ({ key: `${lesson.meta.id}/${e.id}`, spec: e.spec, expect: e.expect, dependencies }));
}

async function resolveTargets(target: string): Promise<Target[]> {
  if (existsSync(target) && statSync(target).isFile()) {
    const read = readLessonFileSync(target, resolve(target));
    if ('diagnostic' in read) throw new UsageError(formatDiagnostic(read.diagnostic));
    const { text } = read;
    if (target.endsWith('.lesson.md')) {
      const { lesson, diagnostics } = parseLesson(text, resolve(target));
      if (!lesson || diagnostics.some((d) => d.severity === 'error')) throw new UsageError(diagnostics.map(formatDiagnostic).join('\n'));
      return lessonTargets(lesson);
    }
    const { spec, diagnostics } = parseExperimentFile(text, resolve(target));
    if (!spec) throw new UsageError(diagnostics.map(formatDiagnostic).join('\n'));
    return [{ key: resolve(target), spec, expect: spec.expect ?? [], dependencies: {} }];
  }
  const lessons = await allLessons();
  const [lessonId, expId] = target.split('/');
  const lesson = lessons.find((l) => l.meta.id === lessonId);
  if (!lesson) {
    const ids = lessons.map((l) => l.meta.id).join(', ');
    throw new UsageError(`no lesson or file "${target}". Lessons: ${ids || '(none)'}. Run "deep-lessons list" to see their experiments.`);
  }
  if (expId && !findExperiment(lessons, target)) {
    throw new UsageError(`lesson "${lessonId}" has no experiment "${expId}"; it has: ${lesson.experiments.map((e) => e.id).join(', ')}`);
  }
  return lessonTargets(lesson, expId);
}

class UsageError extends Error {}

interface RunCliOptions extends TrainingCliOptions {
  full?: boolean;
  json?: boolean;
  batches?: boolean;
  set?: string[];
  seeds?: number;
  compare?: boolean;
  yes?: boolean;
}

const runCommand = program
  .command('run')
  .description('train an experiment: a lesson id (all its experiments), lesson-id/experiment-id, a *.lesson.md file, or a .yaml/.json experiment file')
  .argument('<target>', 'lesson[/experiment] or a file');
trainingOptions(runCommand)
  .option('--full', "use the experiment's full setting (the book's sizes)")
  .option('--json', 'one JSON object per line: start, epoch, end or error')
  .option('--batches', "with --json, also print batch events (one every `record.every` batches, as the experiment records them)")
  .option('--set <path=value>', 'run a variant: change one field of the experiment, e.g. training.optimizer.name=adam or model.layers[1].activation=relu (repeatable; null removes a field)', (v: string, all: string[] = []) => [...all, v])
  .option('--seeds <n>', `run each experiment with N seeds (its own, then the next ones; at most ${MAX_SEEDS}) and end with their mean ± std`, intArg('--seeds'))
  .option('--compare', 'with --set: run the original experiment too (same seeds) and say whether the variant differs beyond noise')
  .option('--yes', 'run even when the estimated cost is over the budget (see docs/experiment-spec.md, "Limits and cost")')
  .action(async (target: string, opts: RunCliOptions) => {
    const targets = await resolveTargets(target);
    const sets = (opts.set ?? []).map((text) => {
      try {
        return parseSet(text);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
    if (opts.compare && !sets.length) throw new UsageError('--compare compares a variant with its original: give the change with --set');
    if (opts.seeds !== undefined && (opts.seeds < 1 || opts.seeds > MAX_SEEDS)) throw new UsageError(`--seeds must be from 1 to ${MAX_SEEDS}, got ${opts.seeds}`);
    const variants = new Map<Target, Extract<VariantResult, { spec: unknown }>>();
    for (const t of sets.length ? targets : []) {
      const v = deriveVariant(t.spec, sets);
      if ('error' in v) throw new UsageError(`${t.key}: ${v.error}`);
      variants.set(t, v);
    }
    const costs = targets.map((t) => ({
      key: t.key,
      // N seeds run N times; --compare runs the original too.
      cost: timesRuns(estimateRunCost(variants.get(t)?.spec ?? t.spec, { full: opts.full, epochs: opts.epochs, lessonId: t.key.split('/')[0], dependencies: t.dependencies }), (opts.seeds ?? 1) * (opts.compare ? 2 : 1)),
    }));
    const over = overBudgetLines(costs);
    if (over.length && !opts.yes) throw new UsageError(`${over.join('\n')}\nthis would take long or much memory; run again with --yes to start it anyway`);
    const reporter: Reporter = opts.json ? new JsonReporter(Boolean(opts.batches)) : new TerminalReporter(process.stdout.isTTY === true);
    const abort = new AbortController();
    // The first Ctrl-C stops the run between two steps (it ends "cancelled"); a second one leaves at once.
    const onSigint = () => {
      if (abort.signal.aborted) process.exit(130);
      abort.abort();
      process.stderr.write('stopping… (Ctrl-C again to quit at once)\n');
    };
    process.on('SIGINT', onSigint);
    let failed = false;
    let n = 0;
    const runOne = async (t: Target, spec: ExperimentSpec, variant?: { label: string; parent: ExperimentSpec }): Promise<SeedsOutcome> => {
      const req: RunRequest = {
        type: 'run',
        runId: `cli-${++n}`,
        experiment: t.key,
        spec,
        dependencies: t.dependencies,
        options: { backend: opts.backend, dataDir: opts.dataDir, cacheDir: opts.cacheDir, epochs: opts.epochs, seed: opts.seed, full: opts.full },
        ...(variant ? { twin: { spec: variant.parent, label: variant.label } } : {}),
        ...(opts.seeds !== undefined ? { seeds: opts.seeds } : {}),
      };
      const records = new Map<string, RunRecord>();
      const expect = spec.expect ?? t.expect;
      const emit = (e: RunEvent) => {
        const id = e.runId ?? req.runId;
        const record = records.get(id) ?? { runId: id, experiment: t.key, epochs: [] };
        records.set(id, record);
        if (e.type === 'start') record.start = e;
        else if (e.type === 'epoch') record.epochs.push(e);
        else if (e.type === 'end') record.end = e;
        else if (e.type === 'error') record.error = e;
        reporter.event(e, t.key);
        if (e.type === 'end' && e.status !== 'cancelled' && expect.length) {
          const results = evaluateExpectations(expect, record);
          outcome.expectations.push(results);
          reporter.expectations(results, opts.seeds !== undefined ? { runId: id, seed: record.start?.seed } : undefined);
        }
      };
      const outcome: SeedsOutcome = { experiment: t.key, ...(variant ? { label: variant.label } : {}), seeds: seedsOf(req), ends: [], expectations: [] };
      const results = opts.seeds !== undefined ? await runSeeds(req, emit, abort.signal) : [{ ...(await runExperiment(req, emit, abort.signal)), runId: req.runId }];
      for (const r of results) {
        // A diverged run fails the command (its expectations are still shown).
        if (r.error || r.end?.status === 'diverged') failed = true;
        if (!r.end || r.end.status === 'cancelled') continue;
        outcome.ends.push(r.end);
      }
      if (opts.seeds !== undefined && outcome.ends.length) printSeeds(outcome, Boolean(opts.json));
      return outcome;
    };
    for (const t of targets) {
      if (abort.signal.aborted) break;
      if (!sets.length) {
        await runOne(t, t.spec);
        continue;
      }
      const v = variants.get(t)!;
      if (!opts.json) process.stdout.write(`\nvariant of ${t.key}: ${v.label}\n`);
      const parent = opts.compare ? await runOne(t, t.spec) : undefined;
      if (abort.signal.aborted) break;
      const mine = await runOne(t, v.spec, { label: v.label, parent: t.spec });
      if (parent && !abort.signal.aborted) printComparison(parent, mine, Boolean(opts.json));
    }
    process.off('SIGINT', onSigint);
    reporter.close();
    process.exitCode = failed ? 1 : abort.signal.aborted ? 130 : 0;
  });

program
  .command('check')
  .description('validate lesson files (*.lesson.md) and experiment files (.yaml, .yml, .json); errors as file:line:col: message')
  .argument('<files...>')
  .action(async (files: string[]) => {
    let errors = 0;
    let checked = 0;
    const printed = new Set<string>();
    const report = (d: LessonDiagnostic) => {
      const line = formatDiagnostic(d);
      if (printed.has(line)) return;
      printed.add(line);
      process.stderr.write(`${line}\n`);
      if (d.severity === 'error') errors++;
    };
    for (const f of files) {
      if (!existsSync(f)) {
        process.stderr.write(`${f}: no such file\n`);
        errors++;
        continue;
      }
      const read = readLessonFileSync(f);
      const { diagnostics } = 'diagnostic' in read ? { diagnostics: [read.diagnostic] } : f.endsWith('.lesson.md') ? parseLesson(read.text, f) : parseExperimentFile(read.text, f);
      diagnostics.forEach(report);
      checked++;
    }
    // Across files: duplicate ids and reuse references.
    const lessonFiles = files.filter((f) => f.endsWith('.lesson.md') && existsSync(f));
    if (lessonFiles.length > 1) {
      const { diagnostics } = await loadLessons(lessonFiles);
      diagnostics.forEach(report);
    }
    if (errors) {
      process.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${checked} file${checked === 1 ? '' : 's'}\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write(`${checked} file${checked === 1 ? '' : 's'} OK\n`);
    }
  });

program
  .command('list')
  .description('the lessons (built-in and under the current folder) and their experiments')
  .option('--json', 'as JSON')
  .action(async (opts: { json?: boolean }) => {
    const lessons = await allLessons();
    if (opts.json) {
      const rows = lessons.map((l) => ({
        id: l.meta.id,
        title: l.meta.title,
        topic: l.meta.topic,
        order: l.meta.order,
        minutes: l.meta.minutes,
        builtIn: l.builtIn,
        file: l.file,
        experiments: l.experiments.map((e) => ({ id: e.id, title: e.title })),
        quizzes: l.quizzes.map((q) => ({ id: q.id, questions: q.questions.length })),
      }));
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (lessons.length === 0) process.stdout.write('no lessons found\n');
    for (const l of lessons) {
      process.stdout.write(`${String(l.meta.order).padStart(2)}. ${l.meta.id}  ${l.meta.title}  (${l.meta.minutes} min, ${l.meta.topic})\n`);
      for (const e of l.experiments) process.stdout.write(`      ${l.meta.id}/${e.id}  ${e.title}\n`);
    }
  });

registerBench(program);
registerExport(program, resolveTargets, (m) => new UsageError(m));
registerReproduce(program, () => allLessons(), (m) => new UsageError(m));
program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`deep-lessons: ${msg}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
