/**
 * `npm run reference -- <lesson-id/experiment-id | file> [--full] [--epochs N] [--seed S]`: one
 * experiment trained by the engine and by the PyTorch reference (reference.py, Debian's
 * python3-torch), one after the other, with their learning curves printed side by side and the
 * differences of the validation accuracy. See docs/reference.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveSpec, runExperiment } from '../../src/engine';
import { builtInLessonsDir, findExperiment, loadLessons, parseExperimentFile } from '../../src/lessons';
import type { EndEvent, EpochEvent } from '../../src/protocol/events';
import type { ExperimentSpec } from '../../src/protocol/spec';

/** Debian's interpreter, where python3-torch is installed (a pyenv `python3` on PATH may not have it). */
const PYTHON = process.env.DEEP_LESSONS_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

interface Curve {
  epochs: Partial<Record<'loss' | 'accuracy' | 'val_loss' | 'val_accuracy', number>>[];
  test?: number;
  seconds?: number;
}

/** The experiment, and the experiments of its lesson by `lesson-id/experiment-id` (what `model.reuse.from` names). */
async function specOf(target: string): Promise<{ spec: ExperimentSpec; dependencies: Record<string, ExperimentSpec> }> {
  if (existsSync(target)) {
    const { spec, diagnostics } = parseExperimentFile(readFileSync(target, 'utf8'), resolve(target));
    if (!spec) throw new Error(diagnostics.map((d) => `${target}:${d.range.start.line}:${d.range.start.column}: ${d.message}`).join('\n'));
    return { spec, dependencies: {} };
  }
  const { lessons } = await loadLessons([builtInLessonsDir()], { builtIn: true });
  const found = findExperiment(lessons, target);
  if (!found) throw new Error(`no experiment "${target}": give lesson-id/experiment-id (deep-lessons list shows them) or an experiment file`);
  const dependencies = Object.fromEntries(found.lesson.experiments.map((e) => [`${found.lesson.meta.id}/${e.id}`, e.spec]));
  return { spec: found.experiment.spec, dependencies };
}

async function ours(target: string, found: Awaited<ReturnType<typeof specOf>>, full: boolean, epochs: number | undefined, seed: number | undefined): Promise<Curve> {
  const curve: Curve = { epochs: [] };
  const { spec, dependencies } = found;
  const r = await runExperiment({ type: 'run', runId: 'ours', experiment: target, spec, dependencies, options: { backend: 'auto', dataDir: process.env.DEEP_LESSONS_DATA_DIR, full, epochs, seed } }, (e) => {
    if (e.type === 'epoch') {
      const ep = e as EpochEvent;
      curve.epochs.push({ loss: ep.loss, accuracy: ep.accuracy, val_loss: ep.val_loss, val_accuracy: ep.val_accuracy });
      process.stderr.write(`  ours, epoch ${ep.epoch}: val_accuracy ${ep.val_accuracy?.toFixed(4) ?? '–'}\n`);
    }
  }, new AbortController().signal);
  if (r.error) throw new Error(`the engine: ${r.error.message}`);
  const end = r.end as EndEvent;
  return { ...curve, test: end.test?.accuracy, seconds: end.seconds };
}

function reference(specFile: string, seed: number | undefined, sourceFile?: string): Promise<Curve> {
  return new Promise((done, fail) => {
    const args = [join(__dirname, 'reference.py'), specFile, ...(seed !== undefined ? ['--seed', String(seed)] : []), ...(sourceFile ? ['--source', sourceFile] : [])];
    const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    const curve: Curve = { epochs: [] };
    let buffer = '';
    let problem: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const e = JSON.parse(line) as { type: string; message?: string; epoch?: number; val_accuracy?: number; test?: { accuracy: number }; seconds?: number } & Curve['epochs'][number];
        if (e.type === 'epoch') {
          curve.epochs.push({ loss: e.loss, accuracy: e.accuracy, val_loss: e.val_loss, val_accuracy: e.val_accuracy });
          process.stderr.write(`  PyTorch, epoch ${e.epoch}: val_accuracy ${e.val_accuracy?.toFixed(4) ?? '–'}\n`);
        } else if (e.type === 'end') {
          curve.test = e.test?.accuracy;
          curve.seconds = e.seconds;
        } else if (e.type === 'missing' || e.type === 'unsupported') problem = e.message;
      }
    });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(curve) : fail(new Error(`the PyTorch reference (${PYTHON}) ended with status ${code}${problem ? `: ${problem}` : ''}`))));
  });
}

const f = (x: number | undefined) => (x === undefined ? '     –' : x.toFixed(4));
const d = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '      ' : `${a - b >= 0 ? '+' : '−'}${Math.abs(a - b).toFixed(4)}`);

/** The two curves side by side, one line per epoch, then the test accuracies. */
export function sideBySide(a: Curve, b: Curve): string {
  const cols = ['loss', 'acc', 'v_loss', 'v_acc'].map((c) => c.padStart(6)).join(' ');
  const lines = [`      │ ${'ours'.padEnd(27)}  │ ${'PyTorch'.padEnd(27)}   │`, `epoch │ ${cols}  │ ${cols}   │ Δ v_acc`];
  for (let i = 0; i < Math.max(a.epochs.length, b.epochs.length); i++) {
    const x = a.epochs[i] ?? {};
    const y = b.epochs[i] ?? {};
    lines.push(`${String(i + 1).padStart(5)} │ ${f(x.loss)} ${f(x.accuracy)} ${f(x.val_loss)} ${f(x.val_accuracy)}  │ ${f(y.loss)} ${f(y.accuracy)} ${f(y.val_loss)} ${f(y.val_accuracy)}   │ ${d(x.val_accuracy, y.val_accuracy)}`);
  }
  lines.push(`test accuracy: ours ${f(a.test)}, PyTorch ${f(b.test)} (${d(a.test, b.test).trim() || '–'}); time: ours ${a.seconds?.toFixed(0) ?? '–'} s, PyTorch ${b.seconds?.toFixed(0) ?? '–'} s`);
  return lines.map((l) => l.trimEnd()).join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { full: { type: 'boolean' }, epochs: { type: 'string' }, seed: { type: 'string' } } });
  const target = positionals[0];
  if (!target) throw new Error('usage: npm run reference -- <lesson-id/experiment-id | file> [--full] [--epochs N] [--seed S]');
  const epochs = values.epochs !== undefined ? Number(values.epochs) : undefined;
  const seed = values.seed !== undefined ? Number(values.seed) : undefined;
  const found = await specOf(target);
  const full = Boolean(values.full);
  const resolved = resolveSpec(found.spec, { full, epochs, seed });
  const dir = mkdtempSync(join(tmpdir(), 'deep-lessons-reference-'));
  try {
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify(resolved));
    // Transfer learning: the reference trains the reused experiment too, as the engine does (its own seed and epochs).
    let sourceFile: string | undefined;
    const from = resolved.model.reuse?.from;
    if (from) {
      const source = found.dependencies[from.includes('/') ? from : `${target.split('/')[0]}/${from}`];
      if (!source) throw new Error(`"${target}" reuses "${from}", which is not in its lesson`);
      sourceFile = join(dir, 'source.json');
      writeFileSync(sourceFile, JSON.stringify(resolveSpec(source, { full })));
    }
    process.stderr.write(`${target}${full ? ' (full)' : ''}: ${resolved.training.epochs} epochs, seed ${resolved.training.seed}\n`);
    const b = await reference(file, seed, sourceFile);
    const a = await ours(target, found, full, epochs, seed);
    process.stdout.write(`${sideBySide(a, b)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`reference: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
