/**
 * An experiment's kept runs as its card shows them: the history list, and a run drawn on the card
 * as an overlay (the original under its variant, or any run picked from the list). Pure (no `vscode`).
 */
import type { HistoryItem, OverlayRun } from '../protocol/webview';
import type { StoredRun } from './runHistory';
import { finishedRunDetail, storedEvents } from './runRecords';

export function historyItems(runs: readonly StoredRun[]): HistoryItem[] {
  return runs.map((r) => {
    const final = r.seeds?.summary.val_accuracy?.mean ?? r.end?.final.val_accuracy ?? r.end?.final.accuracy;
    const variant = r.start?.twin?.label ?? r.seeds?.label;
    const seconds = runSeconds(r);
    return {
      runId: r.runId,
      detail: finishedRunDetail(r),
      ...(variant ? { variant } : {}),
      ...(r.seeds ? { seeds: r.seeds.n } : {}),
      ...(final !== undefined ? { accuracy: final } : {}),
      ...(seconds !== undefined ? { seconds } : {}),
      ...(r.full ? { full: true } : {}),
    };
  });
}

/** How long one run took, when it ran to its end (a run of seeds: its seeds' mean); else undefined. */
export function runSeconds(r: StoredRun): number | undefined {
  const ran = (end: StoredRun['end']) => (end && (end.status === 'completed' || end.status === 'early_stopped') && end.seconds > 0 ? [end.seconds] : []);
  const times = r.seeds ? r.seeds.runs.flatMap((s) => ran(s.end)) : ran(r.end);
  return times.length ? times.reduce((a, b) => a + b, 0) / times.length : undefined;
}

/** Whether a stored run is a variant (a twin of its experiment with some knob changed). */
export function isVariant(r: StoredRun): boolean {
  return !!(r.start?.twin ?? r.seeds?.label);
}

/** A stored run as an overlay on its card. */
export function overlayOf(r: StoredRun, label: string): OverlayRun {
  return { runId: r.seeds?.runId ?? r.runId, label, events: storedEvents(r), ...(r.seeds ? { seeds: r.seeds.n } : {}) };
}

/** The original a variant is drawn over: the newest kept run of the experiment itself. */
export function originalOf(runs: readonly StoredRun[]): StoredRun | undefined {
  return runs.find((r) => !isVariant(r) && r.end && r.end.status !== 'cancelled');
}
