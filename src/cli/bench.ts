/**
 * `deep-lessons bench`: how fast the engine trains, measured on the very loop the lessons use.
 *
 *   - Throughput: the 784-300-100-10 ELU MLP at batch 32 and 256, the book's batch-norm MLP, a
 *     20×100 ELU net on 3,072 inputs and the notebook's 100-layer SELU net, each `plain` (no instrumentation) and `instrumented` (the
 *     lessons' defaults: gradient norms every 10th batch, activation statistics every 5th recorded
 *     batch and at each epoch's end). Random data drawn with our seeded Rng is handed to
 *     `runExperiment` (its `dataset` hook), so the timing is the product's loop, batch building
 *     included. One run per model: epoch 1 is the warm-up, the median of the later epochs is
 *     reported (samples per second = training examples / epoch seconds).
 *   - Memory: tensors alive before and after each run (the model disposed), peak process RSS and
 *     the wasm heap.
 *   - The trainer process (`dist/trainer.js`, forked as the extension does): from a run request to
 *     the first epoch event, cold (fork + backend + data) and warm; stop latency; RSS and tensors
 *     over consecutive runs in one process.
 * A table on a terminal, JSON lines with `--json` (for `npm run bench:compare`).
 */
import * as tf from '@tensorflow/tfjs';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ModelStore, initBackend, runExperiment } from '../engine';
import { Rng } from '../engine/rng';
import { wasmHeapBytes } from '../engine/kernels';
import type { RunHooks } from '../engine/run';
import type { BackendChoice, EndEvent, RunEvent, RunRequest, TrainerToHost } from '../protocol/events';
import type { ExperimentInput, LayerSpec, OptimizerSpec } from '../protocol/spec';

// ---------------------------------------------------------------- the workloads

export interface Workload {
  name: string;
  description: string;
  inputs: number;
  classes: number;
  batch: number;
  layers: LayerSpec[];
  /** SGD's rate: small enough that random data never diverges (a NaN loss ends an epoch early). */
  lr: number;
  /** Another optimizer than SGD at `lr` (for `bench/ab.ts … optim`); the workloads themselves use SGD. */
  optimizer?: OptimizerSpec;
}

const elu = (units: number): LayerSpec => ({ type: 'Dense', units, activation: 'elu', kernel_initializer: 'he_normal' });
const softmax = (units: number): LayerSpec => ({ type: 'Dense', units, activation: 'softmax' });
const selu = (units: number): LayerSpec => ({ type: 'Dense', units, activation: 'selu', kernel_initializer: 'lecun_normal' });

/** The models of issue 6, named as `bench/pytorch_reference.py` names them. */
export const WORKLOADS: readonly Workload[] = [
  { name: 'mlp-32', description: '784-300-100-10 ELU MLP, batch 32', inputs: 784, classes: 10, batch: 32, lr: 0.01, layers: [elu(300), elu(100), softmax(10)] },
  { name: 'mlp-256', description: '784-300-100-10 ELU MLP, batch 256', inputs: 784, classes: 10, batch: 256, lr: 0.01, layers: [elu(300), elu(100), softmax(10)] },
  {
    name: 'bn-32',
    description: "the book's batch-norm MLP (BN before each Dense), batch 32",
    inputs: 784,
    classes: 10,
    batch: 32,
    lr: 0.01,
    layers: [{ type: 'BatchNormalization' }, elu(300), { type: 'BatchNormalization' }, elu(100), { type: 'BatchNormalization' }, softmax(10)],
  },
  { name: 'deep-32', description: '20×100 ELU net on 3,072 inputs, batch 32', inputs: 3072, classes: 10, batch: 32, lr: 0.001, layers: [...Array.from({ length: 20 }, () => elu(100)), softmax(10)] },
  // The notebook's self-normalizing net (chapter 11): Dense 300, then 99 × Dense 100, SELU, LeCun normal, SGD 1e-3.
  { name: 'deep100', description: '100-layer SELU net (300, then 99 × 100), batch 32', inputs: 784, classes: 10, batch: 32, lr: 0.001, layers: [selu(300), ...Array.from({ length: 99 }, () => selu(100)), softmax(10)] },
];

export type Mode = 'plain' | 'instrumented';

/** No instrumentation at all: no gradient norms, no activation statistics, one batch point per epoch. */
export const PLAIN_RECORD = { every: 1_000_000, gradients: false, activations: false, histograms: false };

/** The experiment a workload runs: SGD, no validation, no test, the lessons' record defaults when instrumented. */
export function benchSpec(w: Workload, mode: Mode, epochs: number): ExperimentInput {
  return {
    dataset: { name: 'blobs', val_size: 0, test_size: 0 }, // replaced by the random data (hook)
    model: { input_shape: [w.inputs], layers: w.layers },
    training: { epochs, batch_size: w.batch, optimizer: w.optimizer ?? { name: 'sgd', learning_rate: w.lr }, seed: 42 },
    ...(mode === 'plain' ? { record: PLAIN_RECORD } : {}),
    evaluate: { test: false },
  };
}

/** `n` examples with features uniform in [0, 1) (like scaled pixels) and uniform labels, from our Rng. */
export function randomData(n: number, inputs: number, classes: number, seed = 1): NonNullable<RunHooks['dataset']> {
  const rng = new Rng(seed);
  const x = new Float32Array(n * inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.next();
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(classes);
  const empty = { x: new Float32Array(0), y: new Int32Array(0), n: 0 };
  return { name: 'random', inputShape: [inputs], numClasses: classes, classNames: Array.from({ length: classes }, (_, c) => `class ${c}`), train: { x, y, n }, val: empty, test: empty, binary: false };
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface ThroughputResult {
  kind: 'throughput';
  engine: 'tfjs';
  backend: string;
  name: string;
  description: string;
  batch: number;
  mode: Mode;
  samples: number;
  /** Median over the epochs after the warm-up, wall clock. */
  samplesPerSecond: number;
  /** Each measured epoch's samples/s. */
  epochsPerSecond: number[];
  /**
   * Samples per second of this process's CPU time (user + system), median: what one free core
   * would give a one-threaded backend, and far less sensitive than wall time to other work
   * sharing the machine.
   */
  samplesPerCpuSecond: number;
  finalLoss: number;
  tensorsBefore: number;
  tensorsAfter: number;
  peakRssMB: number;
  wasmHeapMB?: number;
}

/** One workload in one mode: one run of 1 + `repeats` epochs in this process. */
export async function measureThroughput(w: Workload, mode: Mode, opts: { samples: number; repeats: number; backend: BackendChoice; data?: RunHooks['dataset'] }): Promise<ThroughputResult> {
  const backend = await initBackend(opts.backend);
  const data = opts.data ?? randomData(opts.samples, w.inputs, w.classes);
  const store = new ModelStore();
  const before = tf.memory().numTensors;
  let peakRss = process.memoryUsage.rss();
  const perSecond: number[] = [];
  const perCpuSecond: number[] = [];
  let mark: { wall: number; cpu: NodeJS.CpuUsage } | undefined;
  let end: EndEvent | undefined;
  let error: string | undefined;
  let lastLoss = NaN;
  const emit = (e: RunEvent) => {
    if (e.type === 'epoch') {
      // Event to event: the epoch's batches, its end-of-epoch statistics and the emit itself.
      const now = { wall: performance.now(), cpu: process.cpuUsage() };
      if (mark) {
        const cpu = process.cpuUsage(mark.cpu);
        perSecond.push(data.train.n / Math.max(1e-6, (now.wall - mark.wall) / 1000));
        perCpuSecond.push(data.train.n / Math.max(1e-6, (cpu.user + cpu.system) / 1e6));
      }
      mark = now;
      lastLoss = e.loss;
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    } else if (e.type === 'batch') peakRss = Math.max(peakRss, process.memoryUsage.rss());
    else if (e.type === 'end') end = e;
    else if (e.type === 'error') error = e.message;
  };
  const req: RunRequest = { type: 'run', runId: `bench-${w.name}-${mode}`, experiment: `bench/${w.name}`, spec: benchSpec(w, mode, 1 + opts.repeats) as RunRequest['spec'], options: { backend: opts.backend } };
  await runExperiment(req, emit, new AbortController().signal, store, { dataset: data });
  store.clear();
  if (error || !end) throw new Error(`bench ${w.name} (${mode}): ${error ?? 'no end event'}`);
  if (!Number.isFinite(lastLoss) || perSecond.length < opts.repeats) throw new Error(`bench ${w.name} (${mode}): the loss diverged (${lastLoss}); the timing would be of shortened epochs`);
  const heap = wasmHeapBytes();
  return {
    kind: 'throughput',
    engine: 'tfjs',
    backend: backend.name,
    name: w.name,
    description: w.description,
    batch: w.batch,
    mode,
    samples: data.train.n,
    samplesPerSecond: median(perSecond),
    epochsPerSecond: perSecond.map((x) => Math.round(x)),
    samplesPerCpuSecond: median(perCpuSecond),
    finalLoss: lastLoss,
    tensorsBefore: before,
    tensorsAfter: tf.memory().numTensors,
    peakRssMB: peakRss / 2 ** 20,
    ...(heap !== undefined ? { wasmHeapMB: heap / 2 ** 20 } : {}),
  };
}

// ---------------------------------------------------------------- the trainer process

/** A small real experiment, as a lesson's quick run: Fashion-MNIST (or the offline `shapes` set). */
export function quickSpec(dataset: 'fashion-mnist' | 'shapes', epochs: number, trainSize = 2000): ExperimentInput {
  return {
    dataset: dataset === 'fashion-mnist' ? { name: 'fashion-mnist', train_size: trainSize, val_size: 500, test_size: 500 } : { name: 'shapes', samples: trainSize + 1000, val_size: 500, test_size: 500 },
    model: { input_shape: [28, 28], layers: [{ type: 'Flatten' }, elu(300), elu(100), softmax(10)] },
    training: { epochs, batch_size: 32, optimizer: { name: 'sgd', learning_rate: 0.01 } },
  };
}

class TrainerProcess {
  readonly child: ChildProcess;
  private readonly listeners = new Set<(m: TrainerToHost) => void>();
  readonly forkedAt = performance.now();
  readyAt?: number;
  readonly ready: Promise<void>;
  private exited = false;

  constructor(trainerPath: string, env: NodeJS.ProcessEnv) {
    this.child = fork(trainerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (m: TrainerToHost) => {
        if (m.type === 'ready') {
          this.readyAt = performance.now();
          resolve();
        }
        for (const l of this.listeners) l(m);
      });
      this.child.on('exit', (code) => {
        this.exited = true;
        reject(new Error(`the trainer exited (code ${code}) ${stderr.trim()}`));
      });
    });
  }

  /** Sends `req` and resolves at the first message that `until` accepts (with the time it came). */
  waitFor<T extends TrainerToHost>(until: (m: TrainerToHost) => m is T, timeoutMs = 120_000): Promise<{ msg: T; at: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(l);
        reject(new Error(`no answer from the trainer within ${timeoutMs} ms`));
      }, timeoutMs);
      const l = (m: TrainerToHost) => {
        if (m.type === 'error') {
          clearTimeout(timer);
          this.listeners.delete(l);
          reject(new Error(`trainer: ${m.message}`));
        } else if (until(m)) {
          clearTimeout(timer);
          this.listeners.delete(l);
          resolve({ msg: m, at: performance.now() });
        }
      };
      this.listeners.add(l);
    });
  }

  send(m: unknown): void {
    this.child.send(m as object);
  }

  /** Resident memory of the trainer process in MB (Linux /proc), or undefined elsewhere. */
  rssMB(): number | undefined {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.ready.catch(() => undefined);
    this.send({ type: 'shutdown' });
    const t = setTimeout(() => this.child.kill(), 5000);
    await gone;
    clearTimeout(t);
  }
}

const isEpoch = (runId: string) => (m: TrainerToHost): m is Extract<TrainerToHost, { type: 'epoch' }> => m.type === 'epoch' && m.runId === runId;
const isEnd = (runId: string) => (m: TrainerToHost): m is EndEvent => m.type === 'end' && m.runId === runId;
const isStart = (runId: string) => (m: TrainerToHost): m is Extract<TrainerToHost, { type: 'start' }> => m.type === 'start' && m.runId === runId;

export interface ProcessResult {
  kind: 'process';
  dataset: string;
  trainSize: number;
  /** Fork to `ready` (Node start + bundle load), ms. */
  readyMs: number[];
  /** Fork to the first epoch event, the request sent at `ready` (as the extension does), ms. */
  coldFirstEpochMs: number[];
  /** Request to the first epoch event in a process that has run before, ms. */
  warmFirstEpochMs: number[];
  /** `stop` to the `end` cancelled, ms. */
  stopMs: number[];
  /** After each of the consecutive runs in one process. */
  rssMB: number[];
  tensorsAfter: number[];
}

let seq = 0;

function runRequest(spec: ExperimentInput, backend: BackendChoice, dataDir: string | undefined): RunRequest {
  return { type: 'run', runId: `bench-${++seq}`, experiment: 'bench/quick', spec: spec as RunRequest['spec'], options: { backend, dataDir, maxBatchEventsPerSecond: 20 } };
}

export function trainerPath(): string {
  const candidates = [join(__dirname, 'trainer.js'), join(__dirname, '..', '..', 'dist', 'trainer.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`dist/trainer.js not found (looked in ${candidates.join(', ')}): build it first with npm run build`);
  return found;
}

export async function measureProcess(opts: { backend: BackendChoice; dataDir?: string; colds: number; stops: number; runs: number; log: (s: string) => void }): Promise<ProcessResult> {
  const path = trainerPath();
  const dataset = opts.dataDir ? 'fashion-mnist' : 'shapes';
  const quick = quickSpec(dataset, 1);
  const env = { ...process.env };
  const result: ProcessResult = { kind: 'process', dataset, trainSize: 2000, readyMs: [], coldFirstEpochMs: [], warmFirstEpochMs: [], stopMs: [], rssMB: [], tensorsAfter: [] };
  let proc: TrainerProcess | undefined;
  for (let i = 0; i < opts.colds; i++) {
    await proc?.close();
    proc = new TrainerProcess(path, env);
    await proc.ready;
    result.readyMs.push(proc.readyAt! - proc.forkedAt);
    const req = runRequest(quick, opts.backend, opts.dataDir);
    const first = proc.waitFor(isEpoch(req.runId));
    const done = proc.waitFor(isEnd(req.runId));
    proc.send(req);
    result.coldFirstEpochMs.push((await first).at - proc.forkedAt);
    await done;
    // Warm: the same process, the next request.
    const again = runRequest(quick, opts.backend, opts.dataDir);
    const sentAt = performance.now();
    const firstAgain = proc.waitFor(isEpoch(again.runId));
    const doneAgain = proc.waitFor(isEnd(again.runId));
    proc.send(again);
    result.warmFirstEpochMs.push((await firstAgain).at - sentAt);
    await doneAgain;
    opts.log(`  cold ${i + 1}: ready ${result.readyMs[i].toFixed(0)} ms, first epoch ${result.coldFirstEpochMs[i].toFixed(0)} ms cold, ${result.warmFirstEpochMs[i].toFixed(0)} ms warm`);
  }
  if (!proc) throw new Error('no trainer process');
  // Stop latency: a long run, stopped a moment after it starts.
  for (let i = 0; i < opts.stops; i++) {
    const req = runRequest(quickSpec(dataset, 50), opts.backend, opts.dataDir);
    const started = proc.waitFor(isStart(req.runId));
    const ended = proc.waitFor(isEnd(req.runId));
    proc.send(req);
    await started;
    await new Promise((r) => setTimeout(r, 300 + 97 * i));
    const stopAt = performance.now();
    proc.send({ type: 'stop', runId: req.runId });
    const { msg, at } = await ended;
    if (msg.status !== 'cancelled') throw new Error(`stop: the run ended ${msg.status}, not cancelled`);
    result.stopMs.push(at - stopAt);
  }
  opts.log(`  stop: ${result.stopMs.map((x) => x.toFixed(0)).join(', ')} ms`);
  // Memory over consecutive runs in the same process.
  for (let i = 0; i < opts.runs; i++) {
    const req = runRequest(quick, opts.backend, opts.dataDir);
    const ended = proc.waitFor(isEnd(req.runId));
    proc.send(req);
    const { msg } = await ended;
    result.tensorsAfter.push(msg.tensorsAfter);
    result.rssMB.push(proc.rssMB() ?? NaN);
  }
  opts.log(`  ${opts.runs} runs: RSS ${result.rssMB.map((x) => x.toFixed(0)).join(' ')} MB; tensors after ${result.tensorsAfter.join(' ')}`);
  await proc.close();
  return result;
}

// ---------------------------------------------------------------- the command

export interface MachineInfo {
  kind: 'machine';
  date: string;
  cpu: string;
  cores: number;
  loadavg: number[];
  node: string;
  tfjs: string;
  backend: string;
  backendReason: string;
}

function machine(backend: { name: string; reason: string }): MachineInfo {
  return {
    kind: 'machine',
    date: new Date().toISOString(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.versions.node,
    tfjs: tf.version.tfjs,
    backend: backend.name,
    backendReason: backend.reason,
  };
}

const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (xs: number[]) => (xs.length ? `${fmt(median(xs))} ms (${xs.map(fmt).join(', ')})` : '–');

interface BenchOptions {
  backend: BackendChoice;
  json?: boolean;
  quick?: boolean;
  only?: string;
  process: boolean;
  dataDir?: string;
}

/** Where the command writes (tests pass their own). */
export interface BenchOutput {
  stdout(s: string): void;
  stderr(s: string): void;
}

const processOutput: BenchOutput = { stdout: (s) => void process.stdout.write(s), stderr: (s) => void process.stderr.write(s) };

export function registerBench(program: Command, io: BenchOutput = processOutput): void {
  program
    .command('bench')
    .description('measure training speed (samples/s, plain and instrumented), memory, and the trainer process: first-epoch latency, stop latency, memory over runs')
    .addOption(new Option('--backend <name>', 'the backend to measure').choices(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'))
    .option('--json', 'one JSON object per line (machine, throughput, process)')
    .option('--quick', 'fewer samples and repeats (about a minute)')
    .option('--only <names>', `comma-separated workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`)
    .option('--no-process', 'skip the trainer-process measurements')
    .option('--data-dir <dir>', 'Fashion-MNIST IDX files for the trainer-process runs (default: $DEEP_LESSONS_DATA_DIR; without it the synthetic shapes set)')
    .action(async (opts: BenchOptions) => {
      const out = (o: object) => io.stdout(JSON.stringify(o) + '\n');
      const say = (s: string) => (opts.json ? io.stderr(s + '\n') : io.stdout(s + '\n'));
      const only = opts.only?.split(',').map((s) => s.trim());
      const unknown = only?.filter((n) => !WORKLOADS.some((w) => w.name === n));
      if (unknown?.length) throw new Error(`--only: no workload ${unknown.join(', ')}; there are ${WORKLOADS.map((w) => w.name).join(', ')}`);
      const chosen = WORKLOADS.filter((w) => !only || only.includes(w.name));
      const backend = await initBackend(opts.backend);
      const info = machine(backend);
      if (opts.json) out(info);
      else say(`deep-lessons bench: ${info.cpu}, ${info.cores} cores, load ${info.loadavg.join(' ')}; node ${info.node}, tfjs ${info.tfjs}\nbackend: ${backend.reason}\n`);

      const samples = opts.quick ? 2048 : 8192;
      const repeats = opts.quick ? 2 : 4;
      const rows: ThroughputResult[] = [];
      for (const w of chosen) {
        const data = randomData(samples, w.inputs, w.classes);
        for (const mode of ['plain', 'instrumented'] as const) {
          const r = await measureThroughput(w, mode, { samples, repeats, backend: opts.backend, data });
          rows.push(r);
          if (opts.json) out(r);
          else io.stderr(`  ${w.name} ${mode}: ${fmt(r.samplesPerSecond)} samples/s (${r.epochsPerSecond.map(fmt).join(', ')}), ${fmt(r.samplesPerCpuSecond)} per CPU-second\n`);
        }
      }
      if (!opts.json) {
        say(`Training throughput: samples/s (wall clock) and samples per CPU-second, medians of ${repeats} epochs of ${samples.toLocaleString('en-US')} random examples after a warm-up epoch; SGD. Instrumentation cost from the CPU figures.`);
        const head = ['workload', 'plain', 'instrumented', 'plain /CPU-s', 'instr. /CPU-s', 'instr. cost', 'tensors before→after', 'peak RSS', 'wasm heap'];
        const body = chosen.map((w) => {
          const p = rows.find((r) => r.name === w.name && r.mode === 'plain')!;
          const i = rows.find((r) => r.name === w.name && r.mode === 'instrumented')!;
          const cost = `${(100 * (1 - i.samplesPerCpuSecond / p.samplesPerCpuSecond)).toFixed(0)}%`;
          const peak = Math.max(p.peakRssMB, i.peakRssMB);
          const heap = i.wasmHeapMB !== undefined ? `${i.wasmHeapMB.toFixed(0)} MB` : '–';
          return [w.description, fmt(p.samplesPerSecond), fmt(i.samplesPerSecond), fmt(p.samplesPerCpuSecond), fmt(i.samplesPerCpuSecond), cost, `${p.tensorsBefore}→${p.tensorsAfter}, ${i.tensorsBefore}→${i.tensorsAfter}`, `${peak.toFixed(0)} MB`, heap];
        });
        say(table(head, body));
      }

      if (opts.process) {
        const dataDir = opts.dataDir ?? process.env.DEEP_LESSONS_DATA_DIR;
        say(`\nTrainer process (${trainerPath()}), ${dataDir ? 'Fashion-MNIST' : 'the synthetic shapes set'}, 2,000 examples, 1 epoch:`);
        const p = await measureProcess({ backend: opts.backend, dataDir, colds: opts.quick ? 1 : 3, stops: opts.quick ? 3 : 5, runs: opts.quick ? 5 : 20, log: (s) => io.stderr(s + '\n') });
        if (opts.json) out(p);
        else {
          const first = p.rssMB[0];
          const last = p.rssMB[p.rssMB.length - 1];
          say(
            table(
              ['measure', 'median (each)'],
              [
                ['fork to ready', ms(p.readyMs)],
                ['cold request to first epoch (from fork)', ms(p.coldFirstEpochMs)],
                ['warm request to first epoch', ms(p.warmFirstEpochMs)],
                ['stop to end (cancelled)', ms(p.stopMs)],
                [`RSS over ${p.rssMB.length} runs`, `${first?.toFixed(0)} → ${last?.toFixed(0)} MB (max ${Math.max(...p.rssMB).toFixed(0)})`],
                ['tensors at each end beyond its model (the previous model is kept for reuse)', p.tensorsAfter.join(' ')],
              ],
            ),
          );
        }
      }
      if (!opts.json) say(`\nload average now: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other work on the machine lowers these numbers)`);
    });
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  return [line(head), '| ' + w.map((n, i) => (i === 0 ? '-'.repeat(n) : '-'.repeat(n - 1) + ':')).join(' | ') + ' |', ...rows.map(line)].join('\n');
}
