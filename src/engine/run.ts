/**
 * Running one experiment: dataset, model, the custom training loop with its instrumentation,
 * callbacks, evaluation. Reports through `emit` only (never calls UI code) and sends only new
 * points. Stops between two batches when `signal` is aborted.
 */
import * as tf from '@tensorflow/tfjs';
import type {
  ActivationStats,
  BatchEvent,
  EndEvent,
  EpochEvent,
  ErrorEvent,
  LrFinderResult,
  McDropoutResult,
  RunEvent,
  RunRequest,
  StartEvent,
} from '../protocol/events';
import type { ExperimentSpec } from '../protocol/spec';
import { initBackend } from './backend';
import { loadDataset, type Prepared, type Split } from './data/prepare';
import { Model, SpecError, nextModelPrefix } from './model';
import { createOptimizer } from './optim/optimizers';
import { clipGradients, gradNorms, needsClipping } from './optim/clip';
import { createSchedule } from './optim/schedules';
import { EarlyStopping, LrFinder } from './optim/callbacks';
import { Rng } from './rng';
import { ModelStore } from './modelStore';

export { ModelStore };
import { resolveSpec } from './spec';

export type Emit = (event: RunEvent) => void;

export const defaultStore = new ModelStore();

class Cancelled extends Error {}

type LossKind = 'sparse_categorical_crossentropy' | 'binary_crossentropy' | 'mse';

interface Task {
  loss: LossKind;
  /** Whether accuracy is meaningful (not for autoencoders). */
  classify: boolean;
}

function fingerprintOf(spec: ExperimentSpec): string {
  const { id: _id, title: _t, explains: _e, expect: _x, full: _f, ...core } = spec;
  return JSON.stringify(core);
}

/** Yields to the event loop at most every `ms`, so that a stop message can be heard mid-epoch. */
function yielder(ms = 25): () => Promise<void> {
  let last = Date.now();
  return async () => {
    const now = Date.now();
    if (now - last < ms) return;
    await new Promise<void>((r) => setImmediate(r));
    last = Date.now();
  };
}

function rowsInto(src: Float32Array, width: number, idx: Int32Array | number[], from: number, to: number, dst: Float32Array): void {
  for (let i = from; i < to; i++) {
    const r = idx[i];
    dst.set(src.subarray(r * width, (r + 1) * width), (i - from) * width);
  }
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
function lossFrom(out: tf.Tensor, y: tf.Tensor, task: Task, numClasses: number): tf.Scalar {
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
function correctFrom(out: tf.Tensor, y: tf.Tensor, task: Task): tf.Scalar {
  if (task.loss === 'binary_crossentropy') return tf.sum(tf.cast(tf.equal(tf.cast(tf.greater(tf.reshape(out, [-1]), 0), 'float32'), y), 'float32'));
  return tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.cast(y, 'int32')), 'float32'));
}

export interface RunResult {
  end?: EndEvent;
  error?: ErrorEvent;
}

/**
 * For the benchmark (`deep-lessons bench`): data given ready-made instead of loaded from the spec's
 * dataset, so that the benchmark times the very loop the lessons use on random data of any shape.
 */
export interface RunHooks {
  dataset?: Prepared;
}

/**
 * Run one experiment to its end. Never throws: failures become an `error` event (also returned).
 */
export async function runExperiment(req: RunRequest, emit: Emit, signal: AbortSignal, store: ModelStore = defaultStore, hooks: RunHooks = {}): Promise<RunResult> {
  try {
    const end = await runInner(req, emit, signal, store, 0, hooks);
    return { end };
  } catch (e) {
    const err = e as Error & { where?: string };
    const error: ErrorEvent = { type: 'error', runId: req.runId, message: err.message, ...(err.where || e instanceof SpecError ? { where: err.where } : {}) };
    emit(error);
    return { error };
  }
}

async function runInner(req: RunRequest, emit: Emit, signal: AbortSignal, store: ModelStore, depth: number, hooks: RunHooks = {}): Promise<EndEvent> {
  const { runId, options } = req;
  const spec = resolveSpec(req.spec, options);
  const backend = await initBackend(options.backend ?? 'auto');
  const seed = spec.training.seed;
  const tensorsBefore = tf.memory().numTensors;

  const data =
    hooks.dataset ??
    (await loadDataset(spec.dataset, {
      dataDir: options.dataDir,
      cacheDir: options.cacheDir,
      seed: spec.dataset.seed ?? seed,
      signal,
      onProgress: (p) => emit({ type: 'dataset', runId, ...p }),
    }));
  if (signal.aborted) throw new Cancelled();
  if (req.prepareOnly) {
    const end: EndEvent = { type: 'end', runId, status: 'completed', epochsRun: 0, final: {}, seconds: 0, samplesPerSecond: 0, tensorsBefore, tensorsAfter: tf.memory().numTensors };
    emit(end);
    return end;
  }

  const task = taskOf(spec, data);
  const model = await buildModel(req, spec, data, task, emit, signal, store, depth);
  let ownsModel = true;
  try {
    const end = await train(req, spec, data, task, model, emit, signal, backend.name, backend.reason, tensorsBefore);
    if (end.status !== 'cancelled') {
      store.set(req.experiment, model, fingerprintOf(spec), options.modelDir);
      ownsModel = false;
    }
    return end;
  } finally {
    if (ownsModel) model.dispose();
  }
}

function taskOf(spec: ExperimentSpec, data: Prepared): Task {
  if (spec.training.autoencoder) return { loss: spec.training.loss ?? 'mse', classify: false };
  if (data.binary) return { loss: spec.training.loss ?? 'binary_crossentropy', classify: true };
  return { loss: spec.training.loss ?? 'sparse_categorical_crossentropy', classify: true };
}

async function buildModel(
  req: RunRequest,
  spec: ExperimentSpec,
  data: Prepared,
  task: Task,
  emit: Emit,
  signal: AbortSignal,
  store: ModelStore,
  depth: number,
): Promise<Model> {
  const rng = new Rng(spec.training.seed).fork(1);
  const features = data.inputShape.reduce((a, b) => a * b, 1);
  let inputShape = spec.model.input_shape ?? data.inputShape;
  if (inputShape.reduce((a, b) => a * b, 1) !== features) {
    throw new SpecError('model.input_shape', `[${inputShape.join(', ')}] does not match the dataset's examples of shape [${data.inputShape.join(', ')}]`);
  }
  let base: ReturnType<Model['cloneLayers']> = [];
  const reuse = spec.model.reuse;
  if (reuse) {
    const key = reuse.from.includes('/') ? reuse.from : `${req.experiment.split('/')[0]}/${reuse.from}`;
    const depSpec = req.dependencies?.[key] ?? req.dependencies?.[reuse.from];
    let source = store.get(key, depSpec ? fingerprintOf(resolveSpec(depSpec, { full: req.options.full })) : undefined, req.options.modelDir);
    if (!source) {
      if (!depSpec) throw new SpecError('model.reuse.from', `no trained model for "${key}" and its experiment was not given; run "${key}" first`);
      if (depth > 3) throw new SpecError('model.reuse.from', `reuse chain too deep at "${key}"`);
      emit({ type: 'log', runId: req.runId, level: 'info', message: `training "${key}" first: this experiment reuses its layers` });
      const depReq: RunRequest = { ...req, runId: `${req.runId}:${key}`, experiment: key, spec: depSpec, options: { ...req.options, epochs: undefined, seed: undefined } };
      const relay: Emit = (e) => {
        if (e.type === 'epoch') emit({ type: 'log', runId: req.runId, level: 'info', message: `  ${key} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}${e.val_accuracy !== undefined ? `, val_accuracy ${e.val_accuracy.toFixed(4)}` : ''}` });
        else if (e.type === 'dataset') emit({ ...e, runId: req.runId });
      };
      const end = await runInner(depReq, relay, signal, store, depth + 1);
      if (end.status === 'cancelled') throw new Cancelled();
      source = store.get(key);
      if (!source) throw new Error(`training "${key}" did not leave a model`);
    }
    const n = source.layers.length;
    const count = reuse.take_first ?? n - (reuse.drop_last ?? 1);
    if (count < 1 || count > n) throw new SpecError('model.reuse', `cannot reuse ${count} of the ${n} layers of "${key}"`);
    inputShape = source.inputShape;
    base = source.cloneLayers(count, nextModelPrefix());
    if (reuse.freeze_epochs && reuse.freeze_epochs > 0) for (const l of base) l.frozen = true;
  }
  const model = Model.build(inputShape, spec.model.layers, rng, base);
  // The output layer must fit the task.
  const out = model.outputShape;
  const lastAt = `model.layers[${spec.model.layers.length - 1}]`;
  const units = out[out.length - 1];
  const act = model.outputActivation;
  try {
    if (task.loss === 'sparse_categorical_crossentropy') {
      if (units !== data.numClasses) throw new SpecError(`${lastAt}.units`, `the output layer has ${units} units but the dataset has ${data.numClasses} classes`);
      if (act !== 'softmax') throw new SpecError(`${lastAt}.activation`, `a classifier's output layer needs activation: softmax (it has ${act})`);
    } else if (task.loss === 'binary_crossentropy') {
      if (units !== 1 || act !== 'sigmoid') throw new SpecError(lastAt, `a binary task needs an output layer of 1 unit with activation: sigmoid`);
    } else if (spec.training.autoencoder && units !== data.inputShape.reduce((a, b) => a * b, 1)) {
      throw new SpecError(`${lastAt}.units`, `an autoencoder's output must have as many units as its input (${data.inputShape.reduce((a, b) => a * b, 1)}), not ${units}`);
    }
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

interface EvalResult {
  loss: number;
  accuracy?: number;
}

const EVAL_BATCH = 1000;

function targetsOf(split: Split, task: Task, spec: ExperimentSpec, from: number, to: number, width: number): tf.Tensor {
  if (spec.training.autoencoder) return tf.tensor2d(split.x.subarray(from * width, to * width), [to - from, width]);
  if (task.loss === 'binary_crossentropy') return tf.tensor1d(Float32Array.from(split.y.subarray(from, to)));
  return tf.tensor1d(split.y.subarray(from, to), 'int32');
}

function evaluate(model: Model, split: Split, data: Prepared, task: Task, spec: ExperimentSpec): EvalResult | undefined {
  if (split.n === 0) return undefined;
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < split.n; from += EVAL_BATCH) {
    const to = Math.min(split.n, from + EVAL_BATCH);
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

function activationStats(model: Model, probe: tf.Tensor): ActivationStats[] {
  const dense = model.denseLayers;
  const stats = tf.tidy(() => {
    const blocks: tf.Tensor[] = [];
    model.forward(probe, { training: false, dropout: false, seed: 0, blockOutputs: blocks });
    const rows = blocks.map((b, i) => {
      const { mean, variance } = tf.moments(b);
      const act = dense[i]?.activation;
      const zero = tf.mean(tf.cast(tf.equal(b, 0), 'float32'));
      const sat =
        act === 'sigmoid' ? tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(b, 0.5)), 0.49), 'float32')) : act === 'tanh' ? tf.mean(tf.cast(tf.greater(tf.abs(b), 0.98), 'float32')) : tf.scalar(-1);
      return tf.stack([mean, tf.sqrt(variance), zero, sat]);
    });
    return tf.stack(rows);
  });
  const v = stats.dataSync();
  const n = stats.shape[0];
  stats.dispose();
  return Array.from({ length: n }, (_, i) => {
    const s: ActivationStats = { mean: v[i * 4], std: v[i * 4 + 1], zeroFraction: v[i * 4 + 2] };
    if (v[i * 4 + 3] >= 0) s.saturatedFraction = v[i * 4 + 3];
    return s;
  });
}

function meanOf(rows: number[][]): number[] | undefined {
  if (rows.length === 0) return undefined;
  const out = new Array<number>(rows[0].length).fill(0);
  for (const r of rows) for (let i = 0; i < r.length; i++) out[i] += r[i] / rows.length;
  return out;
}

async function train(
  req: RunRequest,
  spec: ExperimentSpec,
  data: Prepared,
  task: Task,
  model: Model,
  emit: Emit,
  signal: AbortSignal,
  backend: StartEvent['backend'],
  backendReason: string,
  tensorsBefore: number,
): Promise<EndEvent> {
  const { runId } = req;
  const t = spec.training;
  const rec = spec.record;
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  const train = data.train;
  if (train.n === 0) throw new SpecError('dataset', 'the training set is empty');
  const batchSize = Math.min(t.batch_size, train.n);
  const batchesPerEpoch = Math.ceil(train.n / batchSize);
  const lrFinder = t.lr_finder;
  const epochs = lrFinder ? 1 : t.epochs;
  const totalSteps = lrFinder ? (lrFinder.iterations ?? batchesPerEpoch) : epochs * batchesPerEpoch;
  const optimizer = createOptimizer(t.optimizer);
  const schedule = createSchedule(t.schedule, t.optimizer.learning_rate, totalSteps, batchesPerEpoch);
  const early = t.early_stopping ? new EarlyStopping(t.early_stopping) : undefined;
  const reuse = spec.model.reuse;
  const frozenLayers = () => model.layers.filter((l) => l.frozen && l.params.length > 0).map((l) => l.name);
  const rng = new Rng(t.seed).fork(2);
  const startTime = Date.now();
  const maybeYield = yielder();
  const dense = model.denseLayers;
  const clipOpts = { clipvalue: t.clipvalue, clipnorm: t.clipnorm, global_clipnorm: t.global_clipnorm };
  const clipping = needsClipping(clipOpts);

  const start: StartEvent = {
    type: 'start',
    runId,
    experiment: req.experiment,
    backend,
    backendReason,
    summary: model.summary(),
    instrumentedLayers: dense.map((d) => d.name),
    epochs,
    batchesPerEpoch: lrFinder ? totalSteps : batchesPerEpoch,
    trainSize: train.n,
    valSize: data.val.n,
    testSize: data.test.n,
    seed: t.seed,
    mode: lrFinder ? 'lr_finder' : 'train',
  };
  emit(start);

  // A fixed probe batch for activation statistics.
  const probeN = Math.min(rec.probe_size, train.n);
  const probe = tf.tensor(train.x.slice(0, probeN * width), [probeN, ...model.inputShape]);
  const xBuf = new Float32Array(batchSize * width);
  const yBuf = new Int32Array(batchSize);
  const aeBuf = t.autoencoder ? xBuf : undefined;

  let status: EndEvent['status'] = 'completed';
  let epochsRun = 0;
  let last: EpochEvent | undefined;
  let restoredEpoch: number | undefined;
  let samples = 0;
  let step = 0;
  const finder = lrFinder ? new LrFinder(lrFinder, totalSteps) : undefined;
  const snapshot = finder ? model.allVariables().map((v) => tf.keep(v.clone())) : undefined;

  try {
    epochLoop: for (let epoch = 0; epoch < epochs; epoch++) {
      // Transfer learning: unfreeze after `freeze_epochs`, at the lower learning rate.
      if (reuse?.freeze_epochs && epoch === reuse.freeze_epochs) {
        for (const l of model.layers) if (l.reused) l.frozen = false;
        optimizer.reset();
        if (reuse.unfreeze_learning_rate) schedule.rebase(reuse.unfreeze_learning_rate);
      }
      const frozen = frozenLayers();
      const vars = model.trainableVariables();
      const kernelIdx = dense.map((d) => vars.indexOf(d.kernel));
      const epochStart = Date.now();
      const order = t.shuffle ? rng.permutation(train.n) : Int32Array.from({ length: train.n }, (_, i) => i);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const normRows: number[][] = [];
      let recorded = 0;
      const stepsThisEpoch = lrFinder ? totalSteps : batchesPerEpoch;
      for (let b = 0; b < stepsThisEpoch; b++) {
        await maybeYield();
        if (signal.aborted) {
          status = 'cancelled';
          break epochLoop;
        }
        const from = (b % batchesPerEpoch) * batchSize;
        const to = Math.min(train.n, from + batchSize);
        const n = to - from;
        rowsInto(train.x, width, order, from, to, xBuf);
        for (let i = from; i < to; i++) yBuf[i - from] = train.y[order[i]];
        // Learning rate and momentum for this iteration.
        if (finder) {
          optimizer.learningRate = finder.rate(b);
        } else {
          const s = schedule.atBatch(step, epoch);
          optimizer.learningRate = s.lr;
          if (s.momentum !== undefined && optimizer.hasMomentum) optimizer.momentum = s.momentum;
        }
        const record = b % rec.every === 0 || b === stepsThisEpoch - 1;
        const withNorms = record && rec.gradients && dense.length > 0;
        const values = tf.tidy(() => {
          const x = tf.tensor(n === batchSize ? xBuf : xBuf.subarray(0, n * width), [n, ...model.inputShape]);
          const y = aeBuf
            ? tf.tensor2d(n === batchSize ? aeBuf : aeBuf.subarray(0, n * width), [n, width])
            : task.loss === 'binary_crossentropy'
              ? tf.tensor1d(Float32Array.from(yBuf.subarray(0, n)))
              : tf.tensor1d(yBuf.subarray(0, n), 'int32');
          const updates: [tf.Variable, tf.Tensor][] = [];
          let logits: tf.Tensor | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const out = model.forward(x, { training: true, dropout: true, seed: (t.seed * 1000003 + step) >>> 0, updates }, true);
            // The accuracy is counted after the gradient pass, off the tape: nothing recorded or saved for it.
            if (task.classify) logits = tf.keep(out);
            const loss = lossFrom(out, y, task, data.numClasses);
            const reg = model.regularization();
            return reg ? tf.add(loss, reg) : loss;
          }, vars);
          const gradList = vars.map((v) => grads[v.name]);
          // No clipping asked: the gradients go to the optimizer as they are (no copies).
          const clipped = clipping ? clipGradients(gradList, clipOpts) : gradList;
          optimizer.apply(vars, clipped);
          model.constrain();
          for (const [v, val] of updates) {
            v.assign(val);
            val.dispose();
          }
          // One read per step: [loss, gradient norms…, logits…]; the accuracy is counted from the logits in JS.
          const parts: tf.Tensor[] = [tf.reshape(value, [1])];
          if (withNorms) {
            const present = kernelIdx.filter((i) => i >= 0).map((i) => gradList[i]);
            if (present.length) parts.push(gradNorms(present));
          }
          if (logits) {
            parts.push(tf.reshape(logits, [-1]));
            tf.dispose(logits);
          }
          return tf.concat(parts).dataSync() as Float32Array;
        });
        const loss = values[0];
        lossSum += loss * n;
        let j = 1;
        let norms: number[] | undefined;
        if (withNorms) {
          norms = kernelIdx.map((i) => (i >= 0 ? values[j++] : 0));
          normRows.push(norms);
        }
        const batchCorrect = task.classify ? countCorrect(values, j, n, (values.length - j) / n, yBuf) : 0;
        correct += batchCorrect;
        seen += n;
        samples += n;
        if (record) {
          const ev: BatchEvent = {
            type: 'batch',
            runId,
            epoch: epoch + 1,
            batch: b,
            step,
            loss,
            ...(task.classify ? { accuracy: batchCorrect / n } : {}),
            lr: optimizer.learningRate,
            ...(optimizer.hasMomentum ? { momentum: optimizer.momentum } : {}),
            ...(norms ? { gradNorms: norms } : {}),
          };
          if (rec.activations && recorded % rec.activations_every === 0) ev.activations = activationStats(model, probe);
          recorded++;
          emit(ev);
        }
        step++;
        if (finder) {
          if (finder.record(optimizer.learningRate, loss)) break;
        } else if (!Number.isFinite(loss)) {
          // Diverged: finish the epoch report now; more steps only produce NaN.
          break;
        }
      }
      epochsRun = epoch + 1;
      const val = lrFinder ? undefined : evaluate(model, data.val, data, task, spec);
      const logs = {
        loss: lossSum / Math.max(1, seen),
        ...(task.classify ? { accuracy: correct / Math.max(1, seen) } : {}),
        ...(val ? { val_loss: val.loss, ...(val.accuracy !== undefined ? { val_accuracy: val.accuracy } : {}) } : {}),
      };
      const notes: string[] = [];
      const lrNote = lrFinder ? undefined : schedule.onEpochEnd(epoch, logs);
      if (lrNote) notes.push(lrNote);
      const ev: EpochEvent = {
        type: 'epoch',
        runId,
        epoch: epoch + 1,
        ...logs,
        lr: optimizer.learningRate,
        ...(optimizer.hasMomentum ? { momentum: optimizer.momentum } : {}),
        seconds: (Date.now() - epochStart) / 1000,
        ...(normRows.length ? { gradNorms: meanOf(normRows) } : {}),
        ...(rec.activations && dense.length ? { activations: activationStats(model, probe) } : {}),
        ...(frozen.length ? { frozen } : {}),
      };
      if (early) {
        const r = early.onEpochEnd(epoch, logs, model.allVariables());
        if (r.note) notes.push(r.note);
        if (r.stop) {
          status = 'early_stopped';
        }
      }
      if (notes.length) ev.notes = notes;
      emit(ev);
      last = ev;
      if (!Number.isFinite(logs.loss) && !lrFinder) break;
      if (status === 'early_stopped') break;
    }
    if (early && status !== 'cancelled') restoredEpoch = early.restore(model.allVariables());
  } finally {
    probe.dispose();
    early?.dispose();
  }

  let lrResult: LrFinderResult | undefined;
  if (snapshot) {
    const vars = model.allVariables();
    vars.forEach((v, i) => v.assign(snapshot[i]));
    tf.dispose(snapshot);
    const suggested = finder?.suggest();
    if (finder && suggested !== undefined) lrResult = { lrs: finder.lrs, losses: finder.losses, suggestedLr: suggested, bestLr: suggested * 10 };
  }

  const seconds = (Date.now() - startTime) / 1000;
  const end: EndEvent = {
    type: 'end',
    runId,
    status,
    epochsRun,
    final: last
      ? {
          loss: last.loss,
          ...(last.accuracy !== undefined ? { accuracy: last.accuracy } : {}),
          ...(last.val_loss !== undefined ? { val_loss: last.val_loss } : {}),
          ...(last.val_accuracy !== undefined ? { val_accuracy: last.val_accuracy } : {}),
        }
      : {},
    seconds,
    samplesPerSecond: samples / Math.max(1e-9, seconds),
    tensorsBefore,
    tensorsAfter: 0,
  };
  if (restoredEpoch !== undefined) {
    end.restoredEpoch = restoredEpoch;
    // After restoring, the final validation metrics are those of the restored weights.
    const val = evaluate(model, data.val, data, task, spec);
    if (val) {
      end.final.val_loss = val.loss;
      if (val.accuracy !== undefined) end.final.val_accuracy = val.accuracy;
    }
  }
  if (lrResult) end.lrFinder = lrResult;
  if (status !== 'cancelled' && !lrFinder) {
    if (spec.evaluate.test) {
      const test = evaluate(model, data.test, data, task, spec);
      if (test) end.test = test;
    }
    if (spec.evaluate.mc_dropout && data.test.n > 0 && task.classify) end.mcDropout = mcDropout(model, data, spec.evaluate.mc_dropout.samples, t.seed, end.test?.accuracy);
  }
  optimizer.dispose();
  end.seconds = (Date.now() - startTime) / 1000;
  // The trained model stays alive (kept for reuse); count what is left beyond it.
  end.tensorsAfter = tf.memory().numTensors - model.allVariables().length;
  emit(end);
  return end;
}

/** Monte Carlo dropout: K stochastic passes with dropout on, batch norm in inference mode. */
function mcDropout(model: Model, data: Prepared, samples: number, seed: number, deterministicAccuracy: number | undefined): McDropoutResult {
  const test = data.test;
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  const k = data.binary ? 2 : data.numClasses;
  let correct = 0;
  let stdSum = 0;
  const examples: McDropoutResult['examples'] = [];
  for (let from = 0; from < test.n; from += EVAL_BATCH) {
    const to = Math.min(test.n, from + EVAL_BATCH);
    const [meanArr, stdArr] = tf.tidy(() => {
      const x = tf.tensor(test.x.subarray(from * width, to * width), [to - from, ...model.inputShape]);
      const passes: tf.Tensor[] = [];
      for (let s = 0; s < samples; s++) {
        // Each pass in its own scope: only its probabilities are kept (the hidden activations of
        // 100 passes over 1,000 images would not fit in the wasm heap).
        passes.push(
          tf.tidy(() => {
            const out = model.forward(x, { training: false, dropout: true, seed: (seed * 7 + 1_000_000 + s * 131 + from) >>> 0 }, true);
            return data.binary ? tf.concat([tf.sub(1, tf.sigmoid(out)), tf.sigmoid(out)], 1) : tf.softmax(out as tf.Tensor2D);
          }),
        );
      }
      // Two-pass moments over the K passes: exactly 0 spread when every pass agrees.
      const { mean, variance } = tf.moments(tf.stack(passes), 0);
      const std = tf.sqrt(variance);
      return [mean.dataSync(), std.dataSync()];
    });
    for (let i = 0; i < to - from; i++) {
      const row = meanArr.subarray(i * k, (i + 1) * k);
      let arg = 0;
      for (let c = 1; c < k; c++) if (row[c] > row[arg]) arg = c;
      if (arg === test.y[from + i]) correct++;
      stdSum += stdArr[i * k + arg];
      if (examples.length < 3) examples.push({ label: test.y[from + i], mean: Array.from(row), std: Array.from(stdArr.subarray(i * k, (i + 1) * k)) });
    }
  }
  return { samples, accuracy: correct / test.n, deterministicAccuracy: deterministicAccuracy ?? NaN, meanStd: stdSum / test.n, examples };
}

