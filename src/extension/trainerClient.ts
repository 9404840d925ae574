/**
 * The host's side of the trainer process (dist/trainer.js): forked on first use and reused,
 * messages queued until it says "ready", restarted on the next run if it dies, killed on dispose,
 * and killed when a stop is not honoured in time. No `vscode` here: the extension wires its
 * output to a LogOutputChannel, and tests fork a fake trainer script.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { EndEvent, ErrorEvent, HostToTrainer, RunRequest, TrainerToHost } from '../protocol/events';

export type LogLevel = 'info' | 'warn' | 'error' | 'trace';

export interface TrainerClientOptions {
  /** Path of the trainer script. */
  trainerPath: string;
  /** The Node executable to run it with (default: this process's, with ELECTRON_RUN_AS_NODE). */
  runtime?: () => string | undefined;
  log?: (level: LogLevel, message: string) => void;
  /** How long a stop may take before the process is killed (default 3000 ms). */
  stopTimeoutMs?: number;
  /** Extra environment for the child, read each time a process is forked. */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Lines of stderr kept to explain an unexpected exit (default 20). */
  stderrLines?: number;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the host asked for it (dispose, shutdown, stop timeout). */
  expected: boolean;
  stderrTail: string[];
}

type Listener<T> = (value: T) => void;

interface ActiveRun {
  request: RunRequest;
  startedAt: number;
  epochsRun: number;
  stopTimer?: ReturnType<typeof setTimeout>;
  /** A run of N seeds: the seeds yet to end (each ends as `<runId>/seed-<seed>`). */
  seedsLeft?: number;
}

export class TrainerClient {
  private child?: ChildProcess;
  private ready = false;
  private queue: HostToTrainer[] = [];
  private readonly active = new Map<string, ActiveRun>();
  private readonly eventListeners = new Set<Listener<TrainerToHost>>();
  private readonly exitListeners = new Set<Listener<TrainerExit>>();
  private stderrTail: string[] = [];
  private expectingExit = false;
  private disposed = false;
  private readyInfo?: Extract<TrainerToHost, { type: 'ready' }>;

  constructor(private readonly options: TrainerClientOptions) {}

  /** Every message from the trainer, plus the synthetic `error`/`end` the client makes when the process dies or is killed. */
  onMessage(listener: Listener<TrainerToHost>): { dispose(): void } {
    this.eventListeners.add(listener);
    return { dispose: () => this.eventListeners.delete(listener) };
  }

  onExit(listener: Listener<TrainerExit>): { dispose(): void } {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get versions(): Record<string, string> | undefined {
    return this.readyInfo?.versions;
  }

  activeRuns(): string[] {
    return [...this.active.keys()];
  }

  private log(level: LogLevel, message: string): void {
    this.options.log?.(level, message);
  }

  private emit(msg: TrainerToHost): void {
    for (const l of this.eventListeners) {
      try {
        l(msg);
      } catch (e) {
        this.log('error', `listener failed: ${String(e)}`);
      }
    }
  }

  private start(): ChildProcess {
    if (this.disposed) throw new Error('the trainer client is disposed');
    const { trainerPath } = this.options;
    if (!existsSync(trainerPath)) {
      throw new Error(`the trainer script is missing: ${trainerPath} (run "npm run build")`);
    }
    const runtime = this.options.runtime?.();
    const extra = typeof this.options.env === 'function' ? this.options.env() : this.options.env;
    const env: Record<string, string | undefined> = { ...process.env, ...extra };
    if (!runtime) env.ELECTRON_RUN_AS_NODE = '1';
    this.ready = false;
    this.stderrTail = [];
    this.expectingExit = false;
    const child = fork(trainerPath, [], {
      execPath: runtime || process.execPath,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Not the host's flags (inspector ports, loaders): the trainer is a plain Node program.
      execArgv: [],
      env,
    });
    this.child = child;
    this.log('info', `trainer starting: ${runtime || process.execPath} ${trainerPath} (pid ${child.pid ?? '?'})`);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      for (const line of d.split(/\r?\n/)) if (line) this.log('info', `[trainer] ${line}`);
    });
    child.stderr?.on('data', (d: string) => {
      for (const line of d.split(/\r?\n/)) {
        if (!line) continue;
        this.log('warn', `[trainer stderr] ${line}`);
        this.stderrTail.push(line);
      }
      const keep = this.options.stderrLines ?? 20;
      if (this.stderrTail.length > keep) this.stderrTail.splice(0, this.stderrTail.length - keep);
    });
    child.on('message', (m: unknown) => this.onChildMessage(child, m as TrainerToHost));
    child.on('error', (e) => this.log('error', `trainer process error: ${e.message}`));
    child.on('exit', (code, signal) => this.onChildExit(child, code, signal));
    return child;
  }

  private onChildMessage(child: ChildProcess, msg: TrainerToHost): void {
    if (child !== this.child) return;
    if (msg.type === 'ready') {
      this.ready = true;
      this.readyInfo = msg;
      this.log('info', `trainer ready (pid ${msg.pid}; ${Object.entries(msg.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')})`);
      const queued = this.queue;
      this.queue = [];
      for (const m of queued) this.send(m);
    } else if (msg.type === 'end' || msg.type === 'error') {
      const run = this.active.get(msg.runId);
      if (run?.stopTimer) clearTimeout(run.stopTimer);
      this.active.delete(msg.runId);
      this.seedEnded(msg);
    } else if (msg.type === 'epoch') {
      const run = this.active.get(msg.runId);
      if (run) run.epochsRun = msg.epoch;
    }
    this.emit(msg);
  }

  private onChildExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.ready = false;
    const expected = this.expectingExit || this.disposed;
    const exit: TrainerExit = { code, signal, expected, stderrTail: [...this.stderrTail] };
    const how = signal ? `signal ${signal}` : `code ${code}`;
    this.log(expected && !code ? 'info' : 'error', `trainer exited with ${how}${expected ? '' : ' (unexpected)'}`);
    // Runs still in flight end now: cancelled if a stop was pending, failed otherwise.
    for (const [runId, run] of this.active) {
      if (run.stopTimer) {
        clearTimeout(run.stopTimer);
        this.emit(this.cancelledEnd(runId, run));
      } else {
        const tail = exit.stderrTail.slice(-5).join('\n');
        const err: ErrorEvent = {
          type: 'error',
          runId,
          message: `the trainer process exited with ${how} during the run${tail ? `; its last output:\n${tail}` : ''}`,
          where: 'trainer',
        };
        this.emit(err);
      }
    }
    this.active.clear();
    // Stops and runs that never reached the old process go to the next one.
    const pendingRuns = this.queue.filter((m) => m.type === 'run');
    this.queue = [];
    for (const l of this.exitListeners) l(exit);
    for (const m of pendingRuns) {
      const err: ErrorEvent = { type: 'error', runId: m.runId, message: `the trainer process exited with ${how} before the run started`, where: 'trainer' };
      this.emit(err);
    }
  }

  private cancelledEnd(runId: string, run: ActiveRun): EndEvent {
    return {
      type: 'end',
      runId,
      status: 'cancelled',
      epochsRun: run.epochsRun,
      final: {},
      seconds: (Date.now() - run.startedAt) / 1000,
      samplesPerSecond: 0,
      tensorsBefore: 0,
      tensorsAfter: 0,
    };
  }

  private send(msg: HostToTrainer): void {
    const child = this.child ?? this.start();
    if (!this.ready) {
      this.queue.push(msg);
      return;
    }
    child.send(msg, (err) => {
      if (err) this.log('error', `could not send ${msg.type} to the trainer: ${err.message}`);
    });
  }

  /** Starts the trainer if needed and sends the run. Events arrive through `onMessage`. */
  /**
   * A seed of a run of seeds ended: the run has answered (a stop was obeyed), and it is over when
   * it was the last seed, was stopped or failed (the trainer skips the rest).
   */
  private seedEnded(msg: Extract<TrainerToHost, { type: 'end' | 'error' }>): void {
    const cut = msg.runId.lastIndexOf('/seed-');
    const base = cut > 0 ? msg.runId.slice(0, cut) : undefined;
    const run = base === undefined ? undefined : this.active.get(base);
    if (!run || base === undefined) return;
    if (run.stopTimer) clearTimeout(run.stopTimer);
    run.stopTimer = undefined;
    run.seedsLeft = (run.seedsLeft ?? 1) - 1;
    if (run.seedsLeft <= 0 || msg.type === 'error' || msg.status === 'cancelled') this.active.delete(base);
  }

  run(request: RunRequest): void {
    this.active.set(request.runId, { request, startedAt: Date.now(), epochsRun: 0, ...(request.seeds && request.seeds > 1 ? { seedsLeft: request.seeds } : {}) });
    try {
      this.send(request);
    } catch (e) {
      this.active.delete(request.runId);
      this.emit({ type: 'error', runId: request.runId, message: e instanceof Error ? e.message : String(e), where: 'trainer' });
    }
  }

  /** Pause a run between two batches, resume it, or train one more epoch and pause. */
  control(type: 'pause' | 'resume' | 'step', runId: string): void {
    if (this.ready && this.active.has(runId)) this.send({ type, runId });
  }

  /**
   * Asks the trainer to stop a run (or every run). If it has not ended within the stop timeout,
   * the process is killed, the run ends as cancelled, and the next run starts a fresh trainer.
   */
  stop(runId?: string): void {
    const ids = runId ? [runId] : [...this.active.keys()];
    if (!this.child) return;
    // A run still queued behind "ready" is simply dropped.
    if (!this.ready) {
      for (const id of ids) {
        const run = this.active.get(id);
        if (!run) continue;
        this.queue = this.queue.filter((m) => !(m.type === 'run' && m.runId === id));
        this.active.delete(id);
        this.emit(this.cancelledEnd(id, run));
      }
      return;
    }
    this.send(runId ? { type: 'stop', runId } : { type: 'stop' });
    const timeout = this.options.stopTimeoutMs ?? 3000;
    for (const id of ids) {
      const run = this.active.get(id);
      if (!run || run.stopTimer) continue;
      run.stopTimer = setTimeout(() => {
        if (!this.active.has(id) || !this.child) return;
        this.log('warn', `the trainer did not stop run ${id} within ${timeout} ms: killing it`);
        this.kill();
      }, timeout);
    }
  }

  /** Kills the process now; in-flight runs end as cancelled (if stopping) or failed. */
  kill(): void {
    if (!this.child) return;
    this.expectingExit = true;
    this.child.kill('SIGKILL');
  }

  /** Asks the trainer to exit, and kills it if it has not within the stop timeout. */
  async shutdown(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (this.ready && child.connected) child.send({ type: 'shutdown' } satisfies HostToTrainer);
    else child.kill('SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 3000);
    await exited;
    clearTimeout(timer);
  }

  dispose(): void {
    this.disposed = true;
    for (const run of this.active.values()) if (run.stopTimer) clearTimeout(run.stopTimer);
    if (this.child) {
      this.expectingExit = true;
      this.child.kill('SIGKILL');
    }
    this.eventListeners.clear();
    this.exitListeners.clear();
  }
}
