/**
 * Looking inside the network at a recorded step: the block outputs on the probe batch and the
 * kernel gradients of the step, appended to the step's one read (`inspectionParts`), then turned
 * into per-layer histograms and health in JS (`readInspection`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationStats, LayerInside } from '../protocol/events';
import { blockActivations, summarizeBlock } from './health';
import { logHistogram } from './histograms';
import type { Model } from './model';

/** Where each layer's values sit in the read: block outputs, then the gradients of unfrozen kernels. */
export interface InspectionLayout {
  /** Per instrumented layer: [offset, length, units] of its block outputs. */
  outputs: [number, number, number][];
  /** Per instrumented layer: [offset, length, size] of its kernel gradient (`length` < `size` when sampled), or undefined when frozen. */
  gradients: ([number, number, number] | undefined)[];
  activations: string[];
  /** Values appended in all. */
  length: number;
}

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
 * Inside a `tf.tidy`: the tensors to append to the step's read (flattened) and where they sit,
 * starting at `offset`. `kernelGrads[i]` is layer i's kernel gradient, or undefined (frozen, or
 * gradients not recorded).
 */
export function inspectionParts(model: Model, probe: tf.Tensor, kernelGrads: (tf.Tensor | undefined)[], offset: number): { parts: tf.Tensor[]; layout: InspectionLayout } {
  const blocks: tf.Tensor[] = [];
  model.forward(probe, { training: false, dropout: false, seed: 0, blockOutputs: blocks });
  const parts: tf.Tensor[] = [];
  const outputs: InspectionLayout['outputs'] = [];
  const gradients: InspectionLayout['gradients'] = [];
  let at = offset;
  for (const b of blocks) {
    const units = b.shape[b.shape.length - 1] ?? 1;
    parts.push(tf.reshape(b, [-1]));
    outputs.push([at, b.size, units]);
    at += b.size;
  }
  for (let i = 0; i < blocks.length; i++) {
    const g = kernelGrads[i];
    if (!g) {
      gradients.push(undefined);
      continue;
    }
    const stride = sampleStride(g.size, g.shape[g.shape.length - 1] ?? 1);
    const flat = tf.reshape(g, [-1]);
    const part = stride > 1 ? tf.stridedSlice(flat, [0], [g.size], [stride]) : flat;
    parts.push(part);
    gradients.push([at, part.size, g.size]);
    at += part.size;
  }
  return { parts, layout: { outputs, gradients, activations: blockActivations(model), length: at - offset } };
}

/** The histograms and health of each instrumented layer, and its activation statistics, from the step's read. */
export function readInspection(values: Float32Array, layout: InspectionLayout): { inside: LayerInside[]; stats: ActivationStats[] } {
  const stats: ActivationStats[] = [];
  const inside = layout.outputs.map(([off, len, units], i) => {
    const block = summarizeBlock(values.subarray(off, off + len), units, layout.activations[i] ?? 'linear');
    const layer: LayerInside = { activations: block.histogram, health: block.health };
    stats.push(block.stats);
    const g = layout.gradients[i];
    if (g) {
      layer.gradients = logHistogram(values.subarray(g[0], g[0] + g[1]));
      if (g[1] < g[2]) layer.gradients.sampledFrom = g[2];
    }
    return layer;
  });
  return { inside, stats };
}
