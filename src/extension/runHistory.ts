/**
 * Run summaries on disk (the extension's global storage): the last few runs of each experiment,
 * each a RunRecord plus a decimated trace of its batch points, so that a reopened panel can
 * replay a run and two runs can be overlaid. Pure Node (no `vscode`): give it a folder.
 */
import { mkdir, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchEvent, RunRecord } from '../protocol/events';
import type { Outcome } from '../protocol/webview';
import type { KnobValue } from '../protocol/knobs';
import { decimate } from './runStream';
import type { SeedsRecord } from './seedRuns';

export interface StoredRun extends RunRecord {
  /** ISO time the run ended. */
  savedAt: string;
  full: boolean;
  /** Batch points, decimated to at most `maxBatchPoints`. */
  batches: BatchEvent[];
  outcomes: Outcome[];
  /** A run of N seeds: every seed's record and their summary (the fields above are its last seed's). */
  seeds?: SeedsRecord;
  /** A variant and its original both run with seeds: whether they differ beyond noise, in words. */
  verdict?: string[];
  /** A variant: its knobs that differ from the experiment's, by knob id. */
  values?: Record<string, KnobValue>;
}

export interface RunHistoryOptions {
  /** Runs kept per experiment (default 20), or a function that reads it (a setting) at each save. */
  keep?: number | (() => number);
  /** Batch points kept per run (default 600). */
  maxBatchPoints?: number;
}

/** `lesson-id/experiment-id` becomes `lesson-id__experiment-id.json`; anything else is made safe. */
export function historyFileName(experiment: string): string {
  return `${experiment.replace(/\//g, '__').replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
}

export class RunHistory {
  private readonly keep: () => number;
  private readonly maxBatchPoints: number;
  /** Serializes writes per file. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly folder: string,
    options: RunHistoryOptions = {},
  ) {
    const keep = options.keep ?? 20;
    this.keep = typeof keep === 'function' ? keep : () => keep;
    this.maxBatchPoints = options.maxBatchPoints ?? 600;
  }

  private file(experiment: string): string {
    return join(this.folder, historyFileName(experiment));
  }

  /** Newest first. A missing or unreadable file is an empty history. */
  async list(experiment: string): Promise<StoredRun[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file(experiment), 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as StoredRun[]) : [];
    } catch {
      return [];
    }
  }

  async last(experiment: string): Promise<StoredRun | undefined> {
    return (await this.list(experiment))[0];
  }

  async save(run: StoredRun): Promise<StoredRun> {
    const stored: StoredRun = { ...run, batches: decimate(run.batches, this.maxBatchPoints) };
    await this.update(run.experiment, (runs) => [stored, ...runs.filter((r) => r.runId !== run.runId)]);
    return stored;
  }

  /** Deletes one run; true when it was there. */
  async delete(experiment: string, runId: string): Promise<boolean> {
    let found = false;
    await this.update(experiment, (runs) => {
      found = runs.some((r) => r.runId === runId);
      return runs.filter((r) => r.runId !== runId);
    });
    return found;
  }

  /** Rewrites an experiment's runs (one write at a time, atomically), keeping the newest `keep`. */
  private async update(experiment: string, change: (runs: StoredRun[]) => StoredRun[]): Promise<void> {
    const task = this.chain.then(async () => {
      const runs = change(await this.list(experiment)).slice(0, Math.max(1, this.keep()));
      await mkdir(this.folder, { recursive: true });
      const target = this.file(experiment);
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(runs));
      await rename(tmp, target);
    });
    this.chain = task.catch(() => undefined);
    await task;
  }

  /** Every experiment with a stored run. */
  async experiments(): Promise<string[]> {
    try {
      const names = await readdir(this.folder);
      const out: string[] = [];
      for (const n of names.filter((n) => n.endsWith('.json'))) {
        const runs = await this.list(n.slice(0, -5).replace(/__/g, '/'));
        if (runs[0]) out.push(runs[0].experiment);
      }
      return out.sort();
    } catch {
      return [];
    }
  }

  async clear(): Promise<void> {
    await this.chain;
    await rm(this.folder, { recursive: true, force: true });
  }
}
