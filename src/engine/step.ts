/**
 * One training step: a batch copied out of the training split in the epoch's order, the forward
 * pass on the tape, the gradients, clipping, the optimizer's update, max-norm constraints and
 * batch norm's moving statistics; one read of the results back to JS (then, at a step that looks
 * inside, the probe pass and its summaries: `inspect.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Split } from './data/prepare';
import { inspectStep } from './inspect';
import { countCorrect, lossFrom, type Task } from './losses';
import type { Model } from './model';
import { clipGradients, gradNorms, l2Norms, needsClipping, type ClipOptions } from './optim/clip';
import { readViews, readsInPlace } from './readViews';
import type { Optimizer } from './optim/optimizers';
import type { ActivationStats, LayerInside } from '../protocol/events';

/** The reusable buffers of one batch (allocated once per run). */
export class Batch {
  readonly x: Float32Array;
  readonly y: Int32Array;
  /** Rows filled by the last `fill` (the last batch of an epoch may be short). */
  n = 0;

  constructor(
    readonly size: number,
    readonly width: number,
  ) {
    this.x = new Float32Array(size * width);
    this.y = new Int32Array(size);
  }

  /** Rows `order[from..to)` of the split. */
  fill(split: Split, order: Int32Array, from: number, to: number): void {
    const w = this.width;
    for (let i = from; i < to; i++) {
      const r = order[i];
      this.x.set(split.x.subarray(r * w, (r + 1) * w), (i - from) * w);
      this.y[i - from] = split.y[r];
    }
    this.n = to - from;
  }
}

/** What stays the same across the steps of a run. */
export interface StepSetup {
  model: Model;
  task: Task;
  numClasses: number;
  optimizer: Optimizer;
  clip: ClipOptions;
  /** Reconstruct the input (autoencoders): the targets are the inputs. */
  autoencoder: boolean;
  /** The run's seed: each step's dropout masks derive from it and the step number. */
  seed: number;
}

/** What changes between epochs: the variables trained (unfreezing adds some) and where the kernels are among them. */
export interface StepVariables {
  vars: tf.Variable[];
  /** Per instrumented Dense layer, the index of its kernel in `vars` (−1 when frozen). */
  kernelIdx: number[];
}

export interface StepResult {
  /** The batch's loss including the regularization term, before the update. */
  loss: number;
  /** Per instrumented layer, its kernel's gradient norm (0 when frozen); when asked for. */
  norms?: number[];
  /** Correct predictions in the batch (0 when the task does not classify). */
  correct: number;
  /** Per instrumented layer, its histograms and health after the update; when a probe was given. */
  inside?: LayerInside[];
  /** The same read's activation statistics (what `activationStats` would measure now). */
  stats?: ActivationStats[];
}

/**
 * `probe`: look inside after the update (block outputs on the probe batch, and the step's kernel
 * gradients when `withNorms`), in the same read.
 */
export function trainStep(s: StepSetup, batch: Batch, v: StepVariables, step: number, withNorms: boolean, probe?: tf.Tensor): StepResult {
  const { model, task, optimizer } = s;
  const { vars, kernelIdx } = v;
  const n = batch.n;
  const width = batch.width;
  const full = n === batch.size;
  let inspection: Pick<StepResult, 'inside' | 'stats'> | undefined;
  // The read leaves the tidy through these variables, not as its result: tidy would walk a returned
  // object's arrays element by element.
  let values: Float32Array = new Float32Array(0);
  let presentNorms: ArrayLike<number> = [];
  let logitsAt = 0;
  let logitsEnd = 0;
  tf.tidy(() => {
    const x = tf.tensor(full ? batch.x : batch.x.subarray(0, n * width), [n, ...model.inputShape]);
    const y = s.autoencoder
      ? tf.tensor2d(full ? batch.x : batch.x.subarray(0, n * width), [n, width])
      : task.loss === 'binary_crossentropy'
        ? tf.tensor1d(Float32Array.from(batch.y.subarray(0, n)))
        : tf.tensor1d(batch.y.subarray(0, n), 'int32');
    const updates: [tf.Variable, tf.Tensor][] = [];
    let logits: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, { training: true, dropout: true, seed: (s.seed * 1000003 + step) >>> 0, updates }, true);
      // The accuracy is counted after the gradient pass, off the tape: nothing recorded or saved for it.
      if (task.classify) logits = tf.keep(out);
      const loss = lossFrom(out, y, task, s.numClasses);
      const reg = model.regularization();
      return reg ? tf.add(loss, reg) : loss;
    }, vars);
    const gradList = vars.map((va) => grads[va.name]);
    // No clipping asked: the gradients go to the optimizer as they are (no copies).
    const clipped = needsClipping(s.clip) ? clipGradients(gradList, s.clip) : gradList;
    optimizer.apply(vars, clipped);
    model.constrain();
    for (const [va, val] of updates) {
      va.assign(val);
      val.dispose();
    }
    // One read per step: [loss, gradient norms…, logits…]; the accuracy is counted from the logits in JS.
    // Then, when looking inside, the probe pass and its summaries (read where the values lie).
    const parts: tf.Tensor[] = [tf.reshape(value, [1])];
    let length = 1;
    const present = withNorms ? kernelIdx.filter((i) => i >= 0).map((i) => gradList[i]) : [];
    // Where the gradients can be read in place (wasm), their norms are summed in JS after the read
    // (one pass over 1.25 M values for the 100-layer net, against three kernels per layer).
    const normsInPlace = readsInPlace();
    if (present.length && !normsInPlace) {
      parts.push(gradNorms(present));
      length += present.length;
    }
    logitsAt = length;
    if (logits) {
      parts.push(tf.reshape(logits, [-1]));
      length += logits.size;
      tf.dispose(logits);
    }
    logitsEnd = length;
    values = tf.concat(parts).dataSync() as Float32Array;
    presentNorms = normsInPlace ? l2Norms(readViews(present)) : values.subarray(1, 1 + present.length);
    if (probe) inspection = inspectStep(model, probe, kernelIdx.map((i) => (withNorms && i >= 0 ? gradList[i] : undefined)));
  });
  let j = 0;
  const norms = withNorms ? kernelIdx.map((i) => (i >= 0 ? presentNorms[j++] : 0)) : undefined;
  const correct = task.classify ? countCorrect(values, logitsAt, n, (logitsEnd - logitsAt) / n, batch.y) : 0;
  return { loss: values[0], ...(norms ? { norms } : {}), correct, ...inspection };
}
