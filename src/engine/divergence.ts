/**
 * Divergence: a training loss or a recorded gradient norm that is no longer finite (NaN or ±∞)
 * ends a run as `diverged`. The report names where: the epoch, the step, and the lowest layer
 * affected, found from the gradient norms (non-finite, or grown past ten times the largest recorded
 * before), else from the weights (the lowest layer whose kernel is no longer finite).
 */
import type { Divergence } from '../protocol/events';

/** How far past its largest recorded gradient norm a layer's norm must grow to count as having left its range. */
const RANGE_FACTOR = 10;

const fmt = (v: number) => (Number.isNaN(v) ? 'NaN' : !Number.isFinite(v) ? (v > 0 ? '∞' : '−∞') : v.toPrecision(3));

export class DivergenceWatch {
  /** Per layer, the largest finite gradient norm recorded so far. */
  private readonly max: number[];
  /** Layers whose norm, at the latest recorded batch, left their range: index → [previous largest, new norm]. */
  private left = new Map<number, [number, number]>();

  constructor(private readonly layers: readonly string[]) {
    this.max = layers.map(() => 0);
  }

  /**
   * Called after every step with its loss and (on recorded steps) its per-layer gradient norms.
   * `kernelsFinite` is asked only when a divergence must be explained.
   */
  check(loss: number, norms: number[] | undefined, at: { epoch: number; batch: number; step: number }, kernelsFinite: () => boolean[]): Divergence | undefined {
    const badNorm = norms ? norms.findIndex((v) => !Number.isFinite(v)) : -1;
    if (Number.isFinite(loss) && badNorm < 0) {
      if (norms) this.record(norms);
      return undefined;
    }
    let layer: number | undefined;
    let how = '';
    if (badNorm >= 0 && norms) {
      layer = badNorm;
      how = `its gradient norm is ${fmt(norms[badNorm])}`;
    } else if (this.left.size) {
      layer = Math.min(...this.left.keys());
      const [from, to] = this.left.get(layer)!;
      how = `its gradient norm grew from at most ${fmt(from)} to ${fmt(to)} just before`;
    } else {
      const finite = kernelsFinite();
      const i = finite.findIndex((f) => !f);
      if (i >= 0) {
        layer = i;
        how = 'its weights are no longer finite';
      }
    }
    const what = Number.isFinite(loss) && norms ? `a gradient norm became ${fmt(norms[badNorm])}` : `the loss became ${fmt(loss)}`;
    const where = layer !== undefined ? `; lowest layer affected: ${this.layers[layer]} (${how})` : '';
    return {
      ...at,
      ...(layer !== undefined ? { layer: this.layers[layer] } : {}),
      detail: `${what} at epoch ${at.epoch}, step ${at.step}${where}. Lower the learning rate, or clip the gradients (clipnorm).`,
    };
  }

  private record(norms: number[]): void {
    this.left = new Map();
    norms.forEach((v, i) => {
      if (this.max[i] > 0 && v > RANGE_FACTOR * this.max[i]) this.left.set(i, [this.max[i], v]);
      this.max[i] = Math.max(this.max[i], v);
    });
  }
}
