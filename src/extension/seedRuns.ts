/**
 * A run of N seeds as the host follows it: the trainer runs the seeds one after the other, each
 * as its own run `<runId>/seed-<seed>`; this keeps each seed's record, says when the whole run is
 * over, and sums it up (each `expect` line met in k of N seeds, the final metrics' mean ± std) and
 * compares a variant with its original (Welch's test, in words). Pure (no `vscode`).
 */
import type { RunEvent, RunRecord } from '../protocol/events';
import { expectationsAcrossSeeds, summarizeSeeds, type SeedStats } from '../protocol/seeds';
import type { SeedExpectation } from '../protocol/webview';
import { compareSeeds } from '../lessons/welch';
import { outcomesOf } from './runRecords';

/** The seed of `runId` when it is one seed of the run `base` (`<base>/seed-<seed>`). */
export function seedOfRun(base: string, runId: string): number | undefined {
  if (!runId.startsWith(`${base}/seed-`)) return undefined;
  const n = Number(runId.slice(base.length + 6));
  return Number.isInteger(n) ? n : undefined;
}

/** What a finished N-seed run keeps in history beside its last seed's record. */
export interface SeedsRecord {
  /** The request's own runId (each seed's is `<runId>/seed-<seed>`). */
  runId: string;
  /** Seeds asked for. */
  n: number;
  /** Each seed's record, in the order they ran. */
  runs: RunRecord[];
  expectations: SeedExpectation[];
  summary: Record<string, SeedStats>;
  /** The variant's difference, when the run was a variant ("activation: sigmoid → relu"). */
  label?: string;
}

export class SeedGroup {
  private readonly runs = new Map<string, RunRecord>();
  /** The whole request failed or was stopped before a seed started. */
  private ended = false;

  constructor(
    readonly runId: string,
    readonly n: number,
    readonly label?: string,
  ) {}

  /** Whether `runId` is one of this run's seeds. */
  owns(runId: string): boolean {
    return seedOfRun(this.runId, runId) !== undefined;
  }

  /** A seed's event (or the request's own end or error). */
  push(e: RunEvent & { runId: string }): void {
    if (e.runId === this.runId) {
      if (e.type === 'end' || e.type === 'error') this.ended = true;
      return;
    }
    if (!this.owns(e.runId)) return;
    let r = this.runs.get(e.runId);
    if (!r) {
      r = { runId: e.runId, experiment: '', epochs: [] };
      this.runs.set(e.runId, r);
    }
    if (e.type === 'start') {
      r.start = e;
      r.experiment = e.experiment;
    } else if (e.type === 'epoch') r.epochs.push(e);
    else if (e.type === 'end') r.end = e;
    else if (e.type === 'error') r.error = e;
  }

  records(): RunRecord[] {
    return [...this.runs.values()];
  }

  /** The seed running now, or the last one. */
  last(): RunRecord | undefined {
    const all = this.records();
    return all[all.length - 1];
  }

  /** Every seed ended; or one was stopped or failed (the trainer then skips the rest). */
  get done(): boolean {
    if (this.ended) return true;
    const all = this.records();
    if (all.some((r) => r.error || r.end?.status === 'cancelled')) return true;
    return all.length >= this.n && all.every((r) => r.end);
  }

  /** The seeds that ran to their end (completed, early-stopped or diverged). */
  finished(): RunRecord[] {
    return this.records().filter((r) => r.end && r.end.status !== 'cancelled' && !r.error);
  }

  summary(expect: readonly string[]): SeedsRecord {
    const runs = this.finished();
    return {
      runId: this.runId,
      n: this.n,
      runs: this.records(),
      expectations: expectationsAcrossSeeds(runs.map((r) => outcomesOf(expect, r))),
      summary: summarizeSeeds(runs.map((r) => ({ final: r.end!.final, test: r.end!.test }))),
      ...(this.label ? { label: this.label } : {}),
    };
  }
}

/**
 * The variant against its original, in words a learner reads: one sentence per compared metric, or
 * what is missing. `variant` and `original` are the summaries of two N-seed runs of the same card.
 */
export function seedsVerdict(variant: SeedsRecord, original: SeedsRecord | undefined, seedsSetting: number): string[] {
  const name = `"${variant.label ?? 'the variant'}"`;
  if (!original) return [`Run the original ×${seedsSetting} seeds too, and ${name} is compared with it here: is the difference beyond noise?`];
  const epochs = (s: SeedsRecord) => s.runs[0]?.start?.epochs;
  const note = epochs(variant) !== epochs(original) ? [`(the original ran ${epochs(original) ?? '?'} epochs, the variant ${epochs(variant) ?? '?'}: not the same training)`] : [];
  const rows = compareSeeds(name, variant.summary, 'the original', original.summary);
  if (!rows.length) return [`${name} and the original report no final metric in common to compare.`];
  return [...rows.map((r) => `${r.text}.`), ...note];
}
