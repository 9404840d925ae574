/**
 * `deep-lessons reproduce [--only ID...] [--json]`: every experiment that carries the book's
 * published figure (`book:`), run at full size (its `full` settings are the notebook's), with one
 * progress bar over all their epochs; then ours beside the book's, the gap in points, and the time.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { RunEvent, RunRequest } from '../protocol/events';
import type { Lesson } from '../protocol/lesson';
import type { ExperimentSpec } from '../protocol/spec';
import { BOOK_TOLERANCE_POINTS, bookFigures, compareWithBook, formatGap, type BookComparison } from '../protocol/book';
import { resolveSpec, runExperiment } from '../engine';
import { trainingOptions, type TrainingCliOptions } from './options';

interface Selected {
  key: string;
  spec: ExperimentSpec;
  dependencies: Record<string, ExperimentSpec>;
  epochs: number;
}

export interface ReproduceRow extends BookComparison {
  experiment: string;
  /** The run's status (`completed`, `diverged`, …) or `error`. */
  status: string;
  error?: string;
  /** Wall-clock seconds of this experiment's run (a reused model's own training included). */
  seconds: number;
}

/** The annotated experiments, in curriculum order, narrowed by `--only` (lesson ids or lesson/experiment keys). */
export function selectAnnotated(lessons: Lesson[], only: string[] | undefined, epochs?: number): Selected[] | { error: string } {
  const all: Selected[] = [];
  for (const l of lessons) {
    const dependencies: Record<string, ExperimentSpec> = {};
    for (const e of l.experiments) dependencies[`${l.meta.id}/${e.id}`] = e.spec;
    for (const e of l.experiments) {
      if (!bookFigures(e.spec).length) continue;
      all.push({ key: `${l.meta.id}/${e.id}`, spec: e.spec, dependencies, epochs: resolveSpec(e.spec, { full: true, epochs }).training.epochs });
    }
  }
  if (!only?.length) return all;
  const wanted = only.flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
  const unknown = wanted.filter((w) => !all.some((s) => s.key === w || s.key.startsWith(`${w}/`)));
  if (unknown.length) return { error: `--only: no annotated experiment matches ${unknown.map((u) => `"${u}"`).join(', ')}; they are: ${all.map((s) => s.key).join(', ')}` };
  return all.filter((s) => wanted.some((w) => s.key === w || s.key.startsWith(`${w}/`)));
}

const duration = (s: number): string => {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : m ? `${m}m ${String(t % 60).padStart(2, '0')}s` : `${t}s`;
};

/** The time of all the runs: each experiment once, however many figures its run gave (MC dropout gives three). */
export function reproduceSeconds(rows: readonly ReproduceRow[]): number {
  return [...new Map(rows.map((r) => [r.experiment, r.seconds])).values()].reduce((s, x) => s + x, 0);
}

/** The table printed at the end: one line per figure, then the total. */
export function formatReproduceTable(rows: ReproduceRow[], totalSeconds: number): string {
  const w = Math.max(10, ...rows.map((r) => r.experiment.length));
  const lines = [`${'experiment'.padEnd(w)}  ${'metric'.padEnd(13)}  book     ours     gap      time`];
  for (const r of rows) {
    const ours = r.ours === undefined ? `– (${r.error ?? r.status})` : r.ours.toFixed(4);
    const gap = r.gap === undefined ? '' : `${formatGap(r.gap).padStart(6)} ${r.within ? '✓' : '✗'}`;
    lines.push(`${r.experiment.padEnd(w)}  ${r.metric.padEnd(13)}  ${r.book.toFixed(4)}   ${ours.padEnd(7)}  ${gap.padEnd(8)} ${duration(r.seconds)}`);
  }
  const measured = rows.filter((r) => r.gap !== undefined);
  const within = measured.filter((r) => r.within).length;
  lines.push(`total ${duration(totalSeconds)}; ${within} of ${rows.length} figures within ±${BOOK_TOLERANCE_POINTS} points of the book's (gap = ours − book, in points)`);
  return lines.join('\n');
}

interface ReproduceOptions extends TrainingCliOptions {
  only?: string[];
  json?: boolean;
}

export function registerReproduce(program: Command, lessons: () => Promise<Lesson[]>, usageError: (message: string) => Error): void {
  const command = program
    .command('reproduce')
    .description("run every experiment annotated with the book's figure at full size (the notebook's settings) and print ours beside the book's, with the gap")
    .option('--only <ids...>', 'only these: lesson ids or lesson-id/experiment-id keys (space- or comma-separated)')
    .option('--json', 'one JSON object at the end: the rows and the total time (no progress bar)');
  trainingOptions(command, "override the epochs (a quick check; the figures are then not the notebook's run)")
    .action(async (opts: ReproduceOptions) => {
      const selected = selectAnnotated(await lessons(), opts.only, opts.epochs);
      if ('error' in selected) throw usageError(selected.error);
      if (!selected.length) throw usageError('no lesson experiment carries a book figure');
      const rows = await reproduce(selected, opts);
      const total = reproduceSeconds(rows);
      if (opts.json) process.stdout.write(JSON.stringify({ type: 'reproduce', rows, seconds: total, tolerance_points: BOOK_TOLERANCE_POINTS }) + '\n');
      else process.stdout.write(`\n${formatReproduceTable(rows, total)}\n`);
      if (rows.some((r) => r.status === 'error' || r.status === 'diverged')) process.exitCode = 1;
    });
}

async function reproduce(selected: Selected[], opts: ReproduceOptions): Promise<ReproduceRow[]> {
  const tty = !opts.json && process.stderr.isTTY === true;
  const bars = tty ? new MultiBar({ format: '{bar} {value}/{total} epochs | {duration_formatted} | {what}', hideCursor: true, stream: process.stderr }, Presets.shades_classic) : undefined;
  const totalEpochs = selected.reduce((s, t) => s + t.epochs, 0);
  const bar: SingleBar | undefined = bars?.create(totalEpochs, 0, { what: '' });
  const abort = new AbortController();
  const onSigint = () => (abort.signal.aborted ? process.exit(130) : abort.abort());
  process.on('SIGINT', onSigint);
  const rows: ReproduceRow[] = [];
  let done = 0;
  try {
    for (const [i, t] of selected.entries()) {
      if (abort.signal.aborted) break;
      const req: RunRequest = {
        type: 'run',
        runId: `reproduce-${i + 1}`,
        experiment: t.key,
        spec: t.spec,
        dependencies: t.dependencies,
        options: { backend: opts.backend, dataDir: opts.dataDir, cacheDir: opts.cacheDir, full: true, epochs: opts.epochs, seed: opts.seed },
      };
      const label = `${i + 1}/${selected.length} ${t.key}`;
      let dependency: string | undefined;
      if (!tty && !opts.json) process.stderr.write(`${label}: ${t.epochs} epochs…\n`);
      const emit = (e: RunEvent) => {
        if (e.runId !== req.runId) {
          // A reused model's own training (task A before task B): say so, without counting its epochs.
          if (e.type === 'start') dependency = e.experiment;
          if (e.type === 'batch' || e.type === 'epoch') bar?.update(done, { what: `${label}: first trains ${dependency ?? 'the model it reuses'}, epoch ${e.epoch}` });
          return;
        }
        if (e.type === 'batch') bar?.update(done + e.epoch - 1, { what: `${label}, epoch ${e.epoch}, batch ${e.batch + 1}` });
        else if (e.type === 'epoch') bar?.update(done + e.epoch, { what: `${label}, epoch ${e.epoch}${e.val_accuracy !== undefined ? `: val_accuracy ${e.val_accuracy.toFixed(4)}` : ''}` });
      };
      const started = Date.now();
      const r = await runExperiment(req, emit, abort.signal);
      const seconds = (Date.now() - started) / 1000;
      done += t.epochs;
      bar?.update(done);
      const status = r.error ? 'error' : (r.end?.status ?? 'error');
      for (const c of compareWithBook(t.spec, r.end)) rows.push({ experiment: t.key, ...c, status, ...(r.error ? { error: r.error.message } : {}), seconds });
      if (!tty && !opts.json) {
        for (const c of rows.filter((row) => row.experiment === t.key)) {
          process.stderr.write(`  ${c.metric}: ours ${c.ours?.toFixed(4) ?? '–'}, book ${c.book.toFixed(4)}${c.gap !== undefined ? ` (${formatGap(c.gap)} points)` : ''}, ${duration(seconds)}\n`);
        }
      }
    }
  } finally {
    bars?.stop();
    process.off('SIGINT', onSigint);
  }
  return rows;
}
