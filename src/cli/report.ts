/** How `deep-lessons run` shows a run: progress bars on a terminal, or JSON lines. */
import { SingleBar, Presets } from 'cli-progress';
import type { RunEvent } from '../protocol/events';
import type { ExpectationResult } from '../lessons';
import { formatSummary } from '../engine';


export interface Reporter {
  event(e: RunEvent, experiment: string): void;
  /** An N-seed run's expectations say which seed (and its run) they are about. */
  expectations(results: ExpectationResult[], seed?: { runId: string; seed?: number }): void;
  close(): void;
}

const fmt = (x: number | undefined, digits = 4): string => (x === undefined ? '–' : Number.isFinite(x) ? x.toFixed(digits) : String(x));
const sci = (x: number): string => (x === 0 ? '0' : Math.abs(x) >= 0.01 && Math.abs(x) < 1000 ? x.toPrecision(3) : x.toExponential(1));

export class TerminalReporter implements Reporter {
  private bar: SingleBar | undefined;
  private epochs = 0;
  private batches = 0;

  constructor(private readonly tty: boolean) {}

  private out(line: string): void {
    process.stdout.write(line + '\n');
  }

  event(e: RunEvent): void {
    switch (e.type) {
      case 'start':
        this.epochs = e.epochs;
        this.batches = e.batchesPerEpoch;
        this.out(`\n▶ ${e.experiment}`);
        this.out(`backend: ${e.backend} (${e.backendReason})`);
        this.out(`data: ${e.trainSize} train, ${e.valSize} validation, ${e.testSize} test; seed ${e.seed}`);
        if (e.twin) this.out(`twin of ${e.twin.parent}${e.twin.label ? ` (${e.twin.label})` : ''}: initial weights shared by ${e.twin.shared.join(', ') || 'no layer'}; fresh: ${e.twin.fresh.join(', ') || 'none'}`);
        this.out(formatSummary(e.summary));
        break;
      case 'batch':
        if (!this.tty) break;
        if (!this.bar) {
          this.bar = new SingleBar({ format: `epoch {epoch}/${this.epochs} [{bar}] {value}/{total} batches | loss {loss} | acc {acc} | {eta}s left`, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
          this.bar.start(this.batches, 0, { epoch: e.epoch, loss: '–', acc: '–' });
        }
        this.bar.update(e.batch + 1, { epoch: e.epoch, loss: fmt(e.loss), acc: fmt(e.accuracy) });
        break;
      case 'epoch': {
        this.bar?.stop();
        this.bar = undefined;
        const parts = [`epoch ${e.epoch}/${this.epochs}`, `loss ${fmt(e.loss)}`];
        if (e.accuracy !== undefined) parts.push(`accuracy ${fmt(e.accuracy)}`);
        if (e.val_loss !== undefined) parts.push(`val_loss ${fmt(e.val_loss)}`);
        if (e.val_accuracy !== undefined) parts.push(`val_accuracy ${fmt(e.val_accuracy)}`);
        parts.push(`lr ${sci(e.lr)}`);
        if (e.momentum !== undefined) parts.push(`momentum ${e.momentum.toFixed(3)}`);
        parts.push(`${e.seconds.toFixed(1)}s`);
        this.out(parts.join(' | '));
        if (e.gradNorms) this.out(`  gradient norms by layer: ${e.gradNorms.map(sci).join('  ')}`);
        if (e.frozen) this.out(`  frozen: ${e.frozen.join(', ')}`);
        for (const n of e.notes ?? []) this.out(`  ${n}`);
        break;
      }
      case 'end': {
        this.bar?.stop();
        this.bar = undefined;
        const f = e.final;
        const parts = [`${e.status} after ${e.epochsRun} epoch${e.epochsRun === 1 ? '' : 's'} in ${e.seconds.toFixed(1)}s (${Math.round(e.samplesPerSecond)} samples/s)`];
        if (f.val_accuracy !== undefined) parts.push(`val_accuracy ${fmt(f.val_accuracy)}`);
        if (e.test) parts.push(`test_loss ${fmt(e.test.loss)}${e.test.accuracy !== undefined ? `, test_accuracy ${fmt(e.test.accuracy)}` : ''}`);
        this.out(`■ ${parts.join(' | ')}`);
        if (e.divergence) process.stderr.write(`diverged: ${e.divergence.detail}\n`);
        if (e.restoredEpoch !== undefined) this.out(`  early stopping restored the weights of epoch ${e.restoredEpoch + 1}`);
        if (e.mcDropout) this.out(`  MC dropout (${e.mcDropout.samples} samples): accuracy ${fmt(e.mcDropout.accuracy)} vs ${fmt(e.mcDropout.deterministicAccuracy)} without; mean std ${fmt(e.mcDropout.meanStd)}`);
        if (e.lrFinder) {
          this.out(`  LR finder: loss lowest at lr ${sci(e.lrFinder.bestLr)}; suggested lr ${sci(e.lrFinder.suggestedLr)}`);
          for (const s of e.lrFinder.suggestions) this.out(`    ${s.kind.padEnd(8)} ${sci(s.lr)}: ${s.reason}`);
        }
        break;
      }
      case 'error':
        this.bar?.stop();
        this.bar = undefined;
        process.stderr.write(`error: ${e.message}\n`);
        break;
      case 'dataset':
        if (e.phase === 'download' && e.totalBytes && this.tty) process.stderr.write(`\rdownloading ${e.file}: ${Math.round((100 * (e.loadedBytes ?? 0)) / e.totalBytes)}%`);
        else if (e.phase === 'done' && this.tty) process.stderr.write('\n');
        break;
      case 'log':
        this.out(`  ${e.message}`);
        break;
    }
  }

  expectations(results: ExpectationResult[], seed?: { runId: string; seed?: number }): void {
    if (seed?.seed !== undefined) this.out(`  seed ${seed.seed}:`);
    for (const r of results) this.out(`  ${r.met ? '✓' : '✗'} ${r.text}   (${r.actual})`);
  }

  close(): void {
    this.bar?.stop();
  }
}

export class JsonReporter implements Reporter {
  constructor(private readonly batches: boolean) {}

  event(e: RunEvent, experiment: string): void {
    if (e.type === 'batch' && !this.batches) return;
    const line: Record<string, unknown> = { ...e, experiment };
    if (e.type === 'end') line.samples_per_second = e.samplesPerSecond;
    process.stdout.write(JSON.stringify(line) + '\n');
  }

  expectations(results: ExpectationResult[], seed?: { runId: string; seed?: number }): void {
    process.stdout.write(JSON.stringify({ type: 'expectations', ...(seed ? { runId: seed.runId, ...(seed.seed !== undefined ? { seed: seed.seed } : {}) } : {}), results }) + '\n');
  }

  close(): void {}
}
