/** Pure helpers of the run manager: ids, reuse keys, expectation outcomes, stored runs as events. */
import { evaluateExpectations, parseExpectation, type Expectation } from '../lessons/index';
import type { RunEvent, RunRecord } from '../protocol/events';
import type { Outcome } from '../protocol/webview';
import type { StoredRun } from './runHistory';

export function newRunId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** `from` is `exp-id` (same lesson) or `lesson-id/exp-id`. */
export function reuseKey(lessonId: string, from: string): string {
  return from.includes('/') ? from : `${lessonId}/${from}`;
}

/** Values a diverged run still has right: what the network is, and how far and how long it ran. */
const SURVIVES_DIVERGENCE = new Set(['params', 'trainable_params', 'non_trainable_params', 'epochs_run', 'seconds']);

/**
 * Why an expectation cannot be checked on a run that diverged: it compares values the run no
 * longer has (the last epoch's, or any at or after the divergence). Checked still: "is finite" /
 * "is nan" (they are about the divergence), values of epochs before it, and the run's size and
 * length. Undefined when it can be checked.
 */
export function divergedReason(e: Expectation, record: RunRecord): string | undefined {
  const d = record.end?.status === 'diverged' ? record.end.divergence : undefined;
  if (!d || e.kind === 'is') return undefined;
  if (e.epoch !== undefined && e.epoch < d.epoch) return undefined;
  const metrics = [e.left.metric, e.right.metric].flatMap((m) => (m ? [m.metric] : []));
  if (metrics.every((m) => SURVIVES_DIVERGENCE.has(m))) return undefined;
  return `not checked: the run diverged in epoch ${d.epoch} (step ${d.step}); its values from there on are not finite`;
}

/**
 * Each expectation checked on a finished run: met or not, with the values used; on a diverged run,
 * those comparing values it no longer has are "not checked" with the reason (`divergedReason`).
 */
export function outcomesOf(expect: readonly string[], record: RunRecord): Outcome[] {
  if (expect.length === 0) return [];
  try {
    return evaluateExpectations([...expect], record).map((o) => {
      const parsed = parseExpectation(o.text);
      const notChecked = parsed.ok ? divergedReason(parsed.expectation, record) : undefined;
      return {
        text: o.text,
        met: notChecked ? false : o.met,
        actual: o.actual === undefined || o.actual === null ? undefined : String(o.actual),
        ...(notChecked ? { notChecked } : {}),
      };
    });
  } catch (e) {
    return expect.map((text) => ({ text, met: false, actual: `could not be checked: ${e instanceof Error ? e.message : String(e)}` }));
  }
}

/** A stored run as the event sequence the page understands. */
export function storedEvents(run: StoredRun): RunEvent[] {
  const out: RunEvent[] = [];
  // An N-seed run: the seeds before the last as their start, epochs and end (no batch points).
  for (const r of run.seeds?.runs.filter((x) => x.runId !== run.runId) ?? []) out.push(...([r.start, ...r.epochs, r.end, r.error].filter((e) => e !== undefined) as RunEvent[]));
  if (run.start) out.push(run.start);
  const bpe = run.start?.batchesPerEpoch ?? 0;
  let bi = 0;
  for (const e of run.epochs) {
    while (bi < run.batches.length && (bpe === 0 || run.batches[bi]!.step < e.epoch * bpe)) out.push(run.batches[bi++]!);
    out.push(e);
  }
  while (bi < run.batches.length) out.push(run.batches[bi++]!);
  if (run.end) out.push(run.end);
  if (run.error) out.push(run.error);
  return out;
}


/** A finished run in one line for a picker: "30 Nov 2026, 10:51 · seed 42 · quick · 4 epochs in 19 s". */
export function finishedRunDetail(run: StoredRun): string {
  const when = new Date(run.savedAt).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  const epochs = run.end?.epochsRun ?? run.epochs.length;
  const secs = run.end?.seconds;
  const took = secs === undefined ? '' : secs < 0.95 ? `${secs.toFixed(1)} s` : secs < 60 ? `${Math.round(secs)} s` : `${Math.floor(secs / 60)} min ${String(Math.round(secs % 60)).padStart(2, '0')} s`;
  return [when, run.start ? `seed ${run.start.seed}` : '', run.full ? 'full size' : 'quick', `${epochs} epoch${epochs === 1 ? '' : 's'}${took ? ` in ${took}` : ''}`].filter(Boolean).join(' · ');
}
