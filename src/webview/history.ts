/**
 * A run card's history: the runs kept for the experiment (the setting deepLessons.historySize),
 * newest first, each with its date, seed, size, epochs and time, whether it was a variant or a run
 * of seeds; any of them can be drawn on the card's charts or deleted.
 */
import type { HistoryItem } from '../protocol/webview';
import { post } from './api';
import { formatNumber } from './axis';
import { button, h, setDisabled, type ButtonEl } from './ui';

export class HistoryStrip {
  readonly el: HTMLElement;
  private readonly select = document.createElement('select');
  private readonly summary = h('summary', {}, 'History');
  private readonly overlayBtn: ButtonEl;
  private readonly clearBtn: ButtonEl;
  private readonly deleteBtn: ButtonEl;

  constructor(
    private readonly key: string,
    private readonly onClear: () => void,
  ) {
    this.select.setAttribute('aria-label', 'A kept run');
    this.select.classList.add('history-select');
    this.overlayBtn = button('Overlay', { appearance: 'secondary', title: "Draw this run on the card's loss and accuracy charts (dashed)", onClick: () => this.selected() && post({ type: 'overlayRun', key: this.key, runId: this.selected()! }) });
    this.clearBtn = button('Clear overlay', { appearance: 'secondary', title: 'Take the overlaid run off the charts', onClick: () => this.onClear() });
    this.deleteBtn = button('Delete', { appearance: 'secondary', title: 'Delete this run from the history (the lesson file is not touched)', onClick: () => this.selected() && post({ type: 'deleteRun', key: this.key, runId: this.selected()! }) });
    this.el = h('details', { class: 'history' }, this.summary, h('div', { class: 'history-row' }, this.select, this.overlayBtn, this.clearBtn, this.deleteBtn));
    this.set([]);
    this.setOverlay(false);
  }

  private selected(): string | undefined {
    return this.select.value || undefined;
  }

  set(runs: readonly HistoryItem[]): void {
    const keep = this.select.value;
    this.select.replaceChildren(...runs.map((r) => h('option', { value: r.runId }, historyLine(r))));
    if (runs.some((r) => r.runId === keep)) this.select.value = keep;
    this.summary.textContent = `History (${runs.length} run${runs.length === 1 ? '' : 's'} kept)`;
    this.el.hidden = runs.length === 0;
    setDisabled(this.overlayBtn, runs.length === 0);
    setDisabled(this.deleteBtn, runs.length === 0);
  }

  setOverlay(on: boolean): void {
    setDisabled(this.clearBtn, !on);
  }
}

/** "30 Nov 2026, 10:51 · seed 42 · quick · 2 epochs in 5 s · val 0.8412 · variant: lr 0.01 → 0.1 · ×3 seeds". */
export function historyLine(r: HistoryItem): string {
  return [r.detail, r.accuracy !== undefined ? `val ${formatNumber(r.accuracy, 4)}` : '', r.variant ? `variant: ${r.variant}` : '', r.seeds ? `×${r.seeds} seeds` : ''].filter(Boolean).join(' · ');
}
