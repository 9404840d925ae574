/**
 * How an N-seed run ended, on its run card: each `expect` line met in k of N seeds, the final
 * metrics as mean ± std over the seeds, and a variant against its original in words (the host
 * computes Welch's test; the page only shows it).
 */
import type { RunEvent } from '../protocol/events';
import type { SeedStats } from '../protocol/seeds';
import type { HistoryItem, SeedExpectation } from '../protocol/webview';
import { lastRunSeconds, seedsCostText, seedsTimeLeft } from '../protocol/eta';
import { post } from './api';
import { formatNumber } from './axis';
import type { Point } from './chartData';
import type { SeriesSpec } from './charts';
import { SeedRuns, bandSeries, type EpochMetric } from './seedBands';
import { button, h, type ButtonEl } from './ui';

/** "met in 2 of 3 seeds" lines, marked ✓ (all), ✗ (none) or ~ (some). */
export function seedOutcomeItems(expectations: readonly SeedExpectation[]): HTMLElement[] {
  return expectations.map((e) => {
    const all = e.met === e.n;
    const none = e.met === 0;
    const li = h('li', { class: all ? 'met' : none ? 'not-met' : 'some-met' });
    li.append(
      h('span', { class: 'mark', 'aria-hidden': 'true' }, all ? '✓' : none ? '✗' : '~'),
      h('code', {}, e.text),
      h('span', { class: 'verdict' }, ` met in ${e.met} of ${e.n} seed${e.n === 1 ? '' : 's'}`),
    );
    const actual = e.actual.filter(Boolean);
    if (actual.length) li.append(h('div', { class: 'actual' }, actual.join(' · ')));
    return li;
  });
}

const ORDER = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'test_loss', 'test_accuracy'];

/** The final metrics over the seeds: "val_accuracy  0.8453 ± 0.0273 (min 0.8140, max 0.8640)". */
export function seedSummaryTable(summary: Record<string, SeedStats>): HTMLElement {
  const keys = Object.keys(summary).sort((a, b) => (ORDER.indexOf(a) + 99 * +!ORDER.includes(a)) - (ORDER.indexOf(b) + 99 * +!ORDER.includes(b)));
  const f = (x: number) => formatNumber(x, 4);
  return h(
    'table',
    { class: 'metrics seeds-summary' },
    h('caption', {}, `Final values over ${Math.max(0, ...Object.values(summary).map((s) => s.n))} seeds: mean ± 1 std`),
    ...keys.map((k) => {
      const s = summary[k]!;
      return h('tr', { title: `per seed: ${s.values.map(f).join(', ')}` }, h('th', { scope: 'row' }, k.replace('_', ' ')), h('td', {}, `${f(s.mean)} ± ${f(s.std)}`), h('td', { class: 'range' }, `${f(s.min)} – ${f(s.max)}`));
    }),
  );
}

/** The comparison with the original (or what to run for one). */
export function verdictBox(verdict: readonly string[]): HTMLElement[] {
  if (!verdict.length) return [];
  return [h('div', { class: 'seeds-verdict', role: 'note' }, h('h4', {}, 'Is the difference real?'), ...verdict.map((v) => h('p', {}, v)))];
}

/**
 * The seeds part of a run card: the "Run ×N seeds" button, the seeds of the run shown (their
 * epoch metrics as mean ± 1 std bands on the loss and accuracy charts), and how they ended.
 */
export class SeedsOnCard {
  readonly button: ButtonEl;
  /** The final metrics over the seeds and the comparison with the original (beside the charts). */
  readonly el = h('div', { class: 'seeds-result' });
  runs?: SeedRuns;
  private starts = 0;

  /** What the N seeds will take, under the card's estimate: "Run ×3 seeds: ≈ 40 s × 3 seeds = 2 min". */
  readonly costEl = h('div', { class: 'cost seeds-cost' });

  constructor(
    key: string,
    private readonly n: number,
  ) {
    this.costEl.textContent = seedsCostText(undefined, n);
    this.button = button(`▶ Run ×${n} seeds`, {
      appearance: 'secondary',
      title: `Run the experiment with ${n} seeds, one after the other: the charts show their mean ± 1 standard deviation, each expectation says in how many seeds it was met (the number is the setting deepLessons.seeds)`,
      onClick: () => post({ type: 'runSeeds', key }),
    });
  }

  /** The experiment's history changed: time the N seeds from its last run. */
  setHistory(history: readonly HistoryItem[]): void {
    this.costEl.textContent = seedsCostText(lastRunSeconds(history), this.n);
  }

  /** Seconds left in the whole run of seeds, from the seed under way's (`left`, after `elapsed`). */
  timeLeft(left: number, elapsed: number): number {
    const r = this.runs;
    if (!r || r.done) return left;
    return seedsTimeLeft({ left, elapsed, finishedSeconds: r.finishedSeconds, after: r.n - Math.max(1, r.seeds.length) });
  }

  /** A new run (or a replay): of `seeds` seeds when more than one. */
  reset(runId: string, seeds?: number): void {
    this.runs = seeds && seeds > 1 ? new SeedRuns(runId, seeds) : undefined;
    this.starts = 0;
    this.el.replaceChildren();
  }

  /** The events split where a new seed starts: the card starts its live charts afresh at each. */
  split(events: readonly RunEvent[]): RunEvent[][] {
    if (!this.runs) return [[...events]];
    const chunks: RunEvent[][] = [[]];
    for (const e of events) {
      if (this.runs.push(e) && e.type === 'start' && this.starts++ > 0) chunks.push([]);
      chunks[chunks.length - 1]!.push(e);
    }
    return chunks;
  }

  /** The loss or accuracy chart's series for a run of seeds: the live seed's batches and the bands. */
  series(id: 'loss' | 'accuracy', colors: [string, string], live: Point[], liveSeed: number | undefined): SeriesSpec[] | undefined {
    const r = this.runs;
    if (!r) return undefined;
    const [train, val]: EpochMetric[] = id === 'loss' ? ['loss', 'val_loss'] : ['accuracy', 'val_accuracy'];
    const n = Math.max(1, r.seeds.length);
    const current: SeriesSpec = { label: r.done ? '' : `seed ${liveSeed ?? '…'} (batches)`, data: r.done ? [] : live, color: colors[0], width: 1, legend: r.done ? false : undefined };
    return [current, ...bandSeries(r.band(train), 'train', colors[0], n), ...bandSeries(r.band(val), 'validation', colors[1], n)];
  }

  /** The status line while seeds remain: "Seed 1 of 3 done (seed 42); seed 43 next." */
  status(): string | undefined {
    const r = this.runs;
    if (!r || r.done) return undefined;
    const seeds = r.seeds;
    return `Seeds done: ${seeds.length} of ${r.n} (${seeds.join(', ')}); the others follow.`;
  }

  /** Where a run of seeds is: "seed 2 of 3 (43)". */
  progress(): string | undefined {
    const r = this.runs;
    if (!r) return undefined;
    const seeds = r.seeds;
    return r.done ? `${r.finished} of ${r.n} seeds` : `seed ${Math.max(1, seeds.length)} of ${r.n}${seeds.length ? ` (${seeds[seeds.length - 1]})` : ''}`;
  }

  /** How the run of seeds ended: outcomes "met in k of N", the summary table and the verdict. */
  show(outcomes: HTMLElement, m: { expectations: SeedExpectation[]; summary: Record<string, SeedStats>; verdict: string[] }): void {
    if (m.expectations.length) outcomes.replaceChildren(...seedOutcomeItems(m.expectations));
    this.el.replaceChildren(...(Object.keys(m.summary).length ? [seedSummaryTable(m.summary)] : []), ...verdictBox(m.verdict));
  }
}
