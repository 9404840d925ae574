/**
 * Looking inside the network at a recorded step: the block outputs on the probe batch and the
 * kernel gradients of the step, appended to the step's one read (`inspectionParts`), then turned
 * into per-layer histograms and health in JS (`readInspection`).
 */
import * as tf from '@tensorflow/tfjs';
import type { ActivationStats, LayerInside } from '../protocol/events';
import { statsOfValues } from './activations';
import { blockActivations, layerHealth } from './health';
import { activationRange, linearHistogram, logHistogram } from './histograms';
import type { Model } from './model';

/** Where each layer's values sit in the read: block outputs, then the gradients of unfrozen kernels. */
export interface InspectionLayout {
  /** Per instrumented layer: [offset, length, units] of its block outputs. */
  outputs: [number, number, number][];
  /** Per instrumented layer: [offset, length] of its kernel gradient, or undefined when frozen. */
  gradients: ([number, number] | undefined)[];
  activations: string[];
  /** Values appended in all. */
  length: number;
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
    parts.push(tf.reshape(g, [-1]));
    gradients.push([at, g.size]);
    at += g.size;
  }
  return { parts, layout: { outputs, gradients, activations: blockActivations(model), length: at - offset } };
}

/** The histograms and health of each instrumented layer, from the step's read. */
export function readInspection(values: Float32Array, layout: InspectionLayout): LayerInside[] {
  return layout.outputs.map(([off, len, units], i) => {
    const out = values.subarray(off, off + len);
    const activation = layout.activations[i] ?? 'linear';
    const [lo, hi] = activationRange(activation);
    const inside: LayerInside = { activations: linearHistogram(out, lo, hi), health: layerHealth(out, units, activation) };
    const g = layout.gradients[i];
    if (g) inside.gradients = logHistogram(values.subarray(g[0], g[0] + g[1]));
    return inside;
  });
}

/** Each instrumented layer's activation statistics (as `activationStats` gives them), from the step's read. */
export function statsFromInspection(values: Float32Array, layout: InspectionLayout): ActivationStats[] {
  return layout.outputs.map(([off, len], i) => statsOfValues(values.subarray(off, off + len), layout.activations[i]));
}
