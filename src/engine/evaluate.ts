/** Evaluating a trained model on a split: loss and accuracy, and Monte Carlo dropout. */
import * as tf from '@tensorflow/tfjs';
import type { McDropoutResult } from '../protocol/events';
import type { ExperimentSpec } from '../protocol/spec';
import { widthOf, type Stopper } from './context';
import type { Prepared, Split } from './data/prepare';
import { correctFrom, lossFrom, type Task } from './losses';
import { MC_PASSES_KEPT, McExtremes, mcImage, type Ranked } from './mcImages';
import type { Model } from './model';

export interface EvalResult {
  loss: number;
  accuracy?: number;
}

const EVAL_BATCH = 1000;

/** Rows per evaluation chunk: 1,000, fewer for a large model so that one chunk stays well under 250 ms (about 5·10⁸ multiply-adds). */
export function evalRows(params: number): number {
  return Math.max(16, Math.min(EVAL_BATCH, Math.floor(5e8 / Math.max(1, params))));
}

function targetsOf(split: Split, task: Task, spec: ExperimentSpec, from: number, to: number, width: number): tf.Tensor {
  if (spec.training.autoencoder) return tf.tensor2d(split.x.subarray(from * width, to * width), [to - from, width]);
  if (task.loss === 'binary_crossentropy') return tf.tensor1d(Float32Array.from(split.y.subarray(from, to)));
  return tf.tensor1d(split.y.subarray(from, to), 'int32');
}

/**
 * Loss (with the regularization term, as Keras reports it) and accuracy over the whole split, in
 * inference mode. Throws `Cancelled` between chunks when the run is stopped.
 */
export async function evaluate(model: Model, split: Split, data: Prepared, task: Task, spec: ExperimentSpec, stop?: Stopper): Promise<EvalResult | undefined> {
  if (split.n === 0) return undefined;
  const width = widthOf(data.inputShape);
  const rows = evalRows(model.summary().totalParams);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.n; from += rows) {
    await stop?.check();
    const to = Math.min(split.n, from + rows);
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor(split.x.subarray(from * width, to * width), [to - from, ...model.inputShape]);
      const y = targetsOf(split, task, spec, from, to, width);
      const out = model.forward(x, { training: false, dropout: false, seed: 0 }, true);
      const loss = lossFrom(out, y, task, data.numClasses);
      const parts = [tf.mul(loss, to - from)];
      if (task.classify) parts.push(correctFrom(out, y, task));
      return tf.stack(parts).dataSync();
    }) as unknown as [number, number];
    lossSum += l;
    correct += c ?? 0;
  }
  const reg = tf.tidy(() => model.regularization()?.dataSync()[0] ?? 0);
  return { loss: lossSum / split.n + reg, ...(task.classify ? { accuracy: correct / split.n } : {}) };
}

/** Class probabilities of one forward pass (a sigmoid output becomes the two classes' probabilities). */
function probabilities(out: tf.Tensor, binary: boolean): tf.Tensor {
  return binary ? tf.concat([tf.sub(1, tf.sigmoid(out)), tf.sigmoid(out)], 1) : tf.softmax(out as tf.Tensor2D);
}

type KeptImage = Ranked & { label: number; mean: Float32Array; spread: Float32Array; passes: Float32Array; passesKept: number };

/**
 * Monte Carlo dropout: K stochastic passes with dropout on, batch norm in inference mode, and the
 * least and most certain test images with their passes (`mcImages.ts`). Throws `Cancelled` between
 * two passes when the run is stopped.
 */
export async function mcDropout(model: Model, data: Prepared, samples: number, seed: number, deterministicAccuracy: number | undefined, stop?: Stopper): Promise<McDropoutResult> {
  const test = data.test;
  const width = widthOf(data.inputShape);
  const k = data.binary ? 2 : data.numClasses;
  const rows = evalRows(model.summary().totalParams);
  const keptPasses = Math.min(samples, MC_PASSES_KEPT);
  const extremes = new McExtremes<KeptImage>();
  let correct = 0;
  let stdSum = 0;
  for (let from = 0; from < test.n; from += rows) {
    const to = Math.min(test.n, from + rows);
    const x = tf.tensor(test.x.subarray(from * width, to * width), [to - from, ...model.inputShape]);
    const passes: tf.Tensor[] = [];
    try {
      for (let s = 0; s < samples; s++) {
        await stop?.check();
        // Each pass in its own scope: only its probabilities are kept (the hidden activations of
        // 100 passes over 1,000 images would not fit in the wasm heap).
        passes.push(tf.tidy(() => probabilities(model.forward(x, { training: false, dropout: true, seed: (seed * 7 + 1_000_000 + s * 131 + from) >>> 0 }, true), data.binary)));
      }
      // Two-pass moments over the K passes: exactly 0 spread when every pass agrees.
      const [meanArr, stdArr] = tf.tidy(() => {
        const { mean, variance } = tf.moments(tf.stack(passes), 0);
        return [mean.dataSync() as Float32Array, tf.sqrt(variance).dataSync() as Float32Array];
      });
      const ranked: Ranked[] = [];
      for (let i = 0; i < to - from; i++) {
        const row = meanArr.subarray(i * k, (i + 1) * k);
        let arg = 0;
        for (let c = 1; c < k; c++) if (row[c] > row[arg]) arg = c;
        if (arg === test.y[from + i]) correct++;
        stdSum += stdArr[i * k + arg];
        ranked.push({ std: stdArr[i * k + arg], index: from + i });
      }
      const chosen = extremes.select(ranked);
      if (chosen.length) {
        const m = chosen.length;
        const local = chosen.map((c) => c.index - from);
        // [kept passes, chosen rows, classes]: only the chosen rows' passes leave the backend.
        const all = tf.tidy(() => tf.gather(tf.stack(passes.slice(0, keptPasses)), local, 1).dataSync() as Float32Array);
        extremes.add(
          chosen.map((c, j) => {
            const own = new Float32Array(keptPasses * k);
            for (let p = 0; p < keptPasses; p++) own.set(all.subarray((p * m + j) * k, (p * m + j + 1) * k), p * k);
            const i = local[j];
            return { ...c, label: test.y[c.index], mean: meanArr.slice(i * k, (i + 1) * k), spread: stdArr.slice(i * k, (i + 1) * k), passes: own, passesKept: keptPasses };
          }),
        );
      }
    } finally {
      tf.dispose([x, ...passes]);
    }
  }
  const kept = extremes.result();
  const det = kept.length
    ? tf.tidy(() => {
        const xs = new Float32Array(kept.length * width);
        kept.forEach((r, j) => xs.set(test.x.subarray(r.index * width, (r.index + 1) * width), j * width));
        const out = model.forward(tf.tensor(xs, [kept.length, ...model.inputShape]), { training: false, dropout: false, seed: 0 }, true);
        return probabilities(out, data.binary).dataSync() as Float32Array;
      })
    : new Float32Array(0);
  const [height, imageWidth] = data.inputShape;
  const isImage = data.pixels && data.inputShape.length >= 2 && height * imageWidth === width;
  const images = kept.map((r, j) => mcImage(r, det.subarray(j * k, (j + 1) * k), isImage ? { pixels: data.pixels!(test.x, r.index), width: imageWidth, height } : undefined));
  return { samples, accuracy: correct / test.n, deterministicAccuracy: deterministicAccuracy ?? NaN, meanStd: stdSum / test.n, tested: test.n, classNames: data.binary ? undefined : data.classNames, images };
}
