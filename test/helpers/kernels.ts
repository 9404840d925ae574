/** Shared helpers for the tests of our wasm kernels. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/engine/rng';
import { Model } from '../../src/engine/model';
import type { LayerSpec } from '../../src/protocol/spec';

/** Every element of `got` within `tol` of `want`, relative to 1 + |want|. */
export function close(name: string, got: tf.Tensor, want: Float64Array, tol: number): void {
  const g = got.dataSync();
  assert.equal(g.length, want.length, name);
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${name}[${i}]: ${g[i]} vs ${want[i]}`);
}

export interface StepNumbers {
  loss: number;
  /** Per trainable variable, its gradient. */
  grads: number[][];
  /** The batch-norm moving statistics after the step, in the order the layers gave them. */
  moving: number[][];
}

/**
 * A model on `width` inputs with a fixed batch of 16 examples (features uniform in [0, 1), 5
 * classes): `step()` gives the loss, the gradients and the moving statistics of one training
 * forward and backward pass, without updating anything (so it can be called again with a kernel
 * switched off). `dispose()` frees the model and the batch.
 */
export function modelStep(width: number, layers: LayerSpec[], dropout = false): { vars: tf.Variable[]; step: () => StepNumbers; dispose: () => void } {
  const model = Model.build([width], layers, new Rng(9));
  const r = new Rng(10);
  const x = tf.tensor2d(Float32Array.from({ length: 16 * width }, () => r.next()), [16, width]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, () => r.int(5)), 'int32'), 5);
  const vars = model.trainableVariables();
  const step = (): StepNumbers => {
    const updates: [tf.Variable, tf.Tensor][] = [];
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true, dropout, seed: 3, updates }, true)) as tf.Scalar, vars);
    const out = { loss: value.dataSync()[0], grads: vars.map((v) => Array.from(grads[v.name].dataSync())), moving: updates.map((u) => Array.from(u[1].dataSync())) };
    tf.dispose([value, ...Object.values(grads), ...updates.map((u) => u[1])]);
    return out;
  };
  return { vars, step, dispose: () => (tf.dispose([x, y]), model.dispose()) };
}
