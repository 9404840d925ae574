/**
 * Another run drawn on a run card's loss and accuracy charts, dashed: the original under its
 * variant, or a run picked from the card's history. The legend names both: the card's own series
 * by the variant's difference ("activation: sigmoid → relu: validation"), the overlay's by its
 * label ("original: validation"). A run of seeds is drawn as the mean over its seeds. Pure (no DOM).
 */
import type { OverlayRun } from '../protocol/webview';
import { applyEvents, emptyChartData, type Point, type RunChartData } from './chartData';
import { SeedRuns, type BandSeriesSpec } from './seedBands';

export class Overlay {
  private run?: { label: string; data?: RunChartData; seeds?: SeedRuns };

  set(o: OverlayRun | undefined): void {
    if (!o) {
      this.run = undefined;
      return;
    }
    if (o.seeds && o.seeds > 1) {
      const seeds = new SeedRuns(o.runId, o.seeds);
      for (const e of o.events) seeds.push(e);
      this.run = { label: o.label, seeds };
      return;
    }
    const data = emptyChartData();
    applyEvents(data, o.events, 1000);
    this.run = { label: o.label, data };
  }

  get label(): string | undefined {
    return this.run?.label;
  }

  /**
   * The card's own loss or accuracy series, named by what makes them differ (`own`, the variant's
   * difference, or "this run"), followed by the overlay's, dashed, in `colors` (train, validation).
   */
  series<S extends BandSeriesSpec & { dashed?: boolean }>(id: 'loss' | 'accuracy', base: S[], own: string | undefined, colors: [string, string]): (S | BandSeriesSpec & { dashed?: boolean })[] {
    const r = this.run;
    const name = own ?? (r ? 'this run' : undefined);
    const mine = name ? base.map((s) => (s.legend === false || !s.label ? s : { ...s, label: `${name}: ${s.label}` })) : base;
    if (!r) return mine;
    const [train, val] = id === 'loss' ? (['loss', 'val_loss'] as const) : (['accuracy', 'val_accuracy'] as const);
    const line = (label: string, data: Point[], color: string, points: boolean) => ({ label: `${r.label}: ${label}`, data, color, dashed: true, width: points ? 1.75 : 1, points });
    if (r.seeds) {
      const mean = (m: typeof train | typeof val) => r.seeds!.band(m).map((p) => ({ x: p.x, y: p.mean }));
      return [...mine, line(`train (mean of ${r.seeds.seeds.length} seeds)`, mean(train), colors[0], true), line(`validation (mean of ${r.seeds.seeds.length} seeds)`, mean(val), colors[1], true)];
    }
    const d = r.data!;
    return [...mine, line('train (batches)', id === 'loss' ? d.lossTrain : d.accTrain, colors[0], false), line('validation (epochs)', id === 'loss' ? d.lossVal : d.accVal, colors[1], true)];
  }
}
