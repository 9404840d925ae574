/**
 * Looking inside the network at a recorded step: the block outputs on the probe batch after the
 * update and the kernel gradients of the step, read where they lie (`readViews`) and turned into
 * per-layer histograms, health and activation statistics in JS (`inspectStep`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationStats, LayerInside } from '../protocol/events';
import { blockActivations, summarizeBlock } from './health';
import { logHistogram } from './histograms';
import type { BlockOutput, Model } from './model';
import { readViews } from './readViews';

/** Kernel gradients with more weights than this are histogrammed on a fixed strided sample of about this many (enough for 40 bins on a log colour scale). */
export const GRADIENT_SAMPLE = 4_096;

function gcd(a: number, b: number): number {
  return b ? gcd(b, a % b) : a;
}

/**
 * The stride of a kernel gradient's sample (1: every weight). Coprime with the number of output
 * units, so that the sample walks through every unit's column rather than a few of them.
 */
export function sampleStride(size: number, units: number): number {
  if (size <= GRADIENT_SAMPLE) return 1;
  let s = Math.ceil(size / GRADIENT_SAMPLE);
  while (gcd(s, units) !== 1) s++;
  return s;
}

/**
 * Inside a `tf.tidy`, after the step's update: the probe's forward pass, then the histograms and
 * health of each instrumented layer and its activation statistics. `kernelGrads[i]` is layer i's
 * kernel gradient, or undefined (frozen, or gradients not recorded); a gradient of more than
 * `GRADIENT_SAMPLE` weights is histogrammed on its strided sample (`sampleStride`).
 */
export function inspectStep(model: Model, probe: tf.Tensor, kernelGrads: readonly (tf.Tensor | undefined)[]): { inside: LayerInside[]; stats: ActivationStats[] } {
  const blocks: BlockOutput[] = [];
  model.forward(probe, { training: false, dropout: false, seed: 0, blockOutputs: blocks });
  const activations = blockActivations(model);
  // Each tensor read once (a stacked run's blocks share one), then every summary from the views,
  // with no tfjs operation in between (see readViews).
  const tensors = [...new Set([...blocks.map((b) => b.tensor), ...blocks.map((_, i) => kernelGrads[i]).filter((g): g is tf.Tensor => g !== undefined)])];
  const read = readViews(tensors);
  const views = new Map(tensors.map((t, i) => [t, read[i]]));
  const viewOf = (t: tf.Tensor) => views.get(t)!;
  const stats: ActivationStats[] = [];
  const inside = blocks.map((b, i) => {
    const block = summarizeBlock(viewOf(b.tensor).subarray(b.offset, b.offset + b.size), b.units, activations[i] ?? 'linear');
    const layer: LayerInside = { activations: block.histogram, health: block.health };
    stats.push(block.stats);
    const g = kernelGrads[i];
    if (g) {
      const stride = sampleStride(g.size, g.shape[g.shape.length - 1] ?? 1);
      layer.gradients = logHistogram(viewOf(g), undefined, undefined, stride);
      if (stride > 1) layer.gradients.sampledFrom = g.size;
    }
    return layer;
  });
  return { inside, stats };
}
