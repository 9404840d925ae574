/**
 * The task an experiment trains for (its loss, whether accuracy means anything), the losses from
 * the model's logits, and counting correct predictions.
 */
import * as tf from '@tensorflow/tfjs';
import type { ExperimentSpec } from '../protocol/spec';
import type { Prepared } from './data/prepare';

export type LossKind = 'sparse_categorical_crossentropy' | 'binary_crossentropy' | 'mse';

export interface Task {
  loss: LossKind;
  /** Whether accuracy is meaningful (not for autoencoders). */
  classify: boolean;
}

export function taskOf(spec: ExperimentSpec, data: Prepared): Task {
  if (spec.training.autoencoder) return { loss: spec.training.loss ?? 'mse', classify: false };
  if (data.binary) return { loss: spec.training.loss ?? 'binary_crossentropy', classify: true };
  return { loss: spec.training.loss ?? 'sparse_categorical_crossentropy', classify: true };
}

/**
 * Sparse categorical cross-entropy from logits, −mean_i log softmax(z_i)[y_i], with its gradient
 * written out: ∂L/∂z = (softmax(z) − onehot(y)) / n. The same numbers as differentiating the
 * composed ops, in 3 backward kernels instead of about 15 (and nothing inside is taped).
 */
export function sparseCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  const onehot = tf.oneHot(labels, numClasses);
  const n = logits.shape[0];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const logp = tf.logSoftmax(z);
    save([logp, onehot]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.sub(tf.exp(saved[0]), saved[1]), tf.div(dy, n)),
    };
  });
  return f(logits) as tf.Scalar;
}

/** Loss from the model's logits (softmax and sigmoid are fused into the loss for stability). */
export function lossFrom(out: tf.Tensor, y: tf.Tensor, task: Task, numClasses: number): tf.Scalar {
  switch (task.loss) {
    case 'sparse_categorical_crossentropy': {
      if (out.rank === 2) return sparseCrossEntropy(out as tf.Tensor2D, y as tf.Tensor1D, numClasses);
      const logp = tf.logSoftmax(out as tf.Tensor2D);
      const onehot = tf.oneHot(y as tf.Tensor1D, numClasses);
      return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
    }
    case 'binary_crossentropy': {
      const z = tf.reshape(out, [-1]);
      // max(z, 0) − z·y + log(1 + exp(−|z|))
      return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
    }
    case 'mse':
      return tf.mean(tf.square(tf.sub(tf.reshape(out, y.shape), y))) as tf.Scalar;
  }
}

/**
 * Correct predictions among `n` rows of logits (width `c`) starting at `off` in `v`: the first
 * largest logit, as tf.argMax picks it, against the label; with one column (a sigmoid output),
 * logit > 0 against a 0/1 label. The same counts as `correctFrom`, with no kernel.
 */
export function countCorrect(v: Float32Array, off: number, n: number, c: number, labels: Int32Array): number {
  let k = 0;
  for (let i = 0; i < n; i++) {
    const row = off + i * c;
    if (c === 1) {
      if ((v[row] > 0 ? 1 : 0) === labels[i]) k++;
      continue;
    }
    let arg = 0;
    for (let q = 1; q < c; q++) if (v[row + q] > v[row + arg]) arg = q;
    if (arg === labels[i]) k++;
  }
  return k;
}

/** Number of correct predictions in the batch (a scalar), from logits. */
export function correctFrom(out: tf.Tensor, y: tf.Tensor, task: Task): tf.Scalar {
  if (task.loss === 'binary_crossentropy') return tf.sum(tf.cast(tf.equal(tf.cast(tf.greater(tf.reshape(out, [-1]), 0), 'float32'), y), 'float32'));
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(y, 'int32')), 'float32'));
}
