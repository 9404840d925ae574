/**
 * The training loop: epochs of steps with the schedule, the learning-rate finder, transfer
 * learning's unfreezing, the per-batch and per-epoch events with their instrumentation, early
 * stopping, then the final evaluations. Stops between two steps when `signal` is aborted.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchEvent, EndEvent, EpochEvent, LrFinderResult, RunRequest, StartEvent } from '../protocol/events';
import type { ExperimentSpec } from '../protocol/spec';
import { activationStats } from './activations';
import { Cancelled, Stopper, widthOf, type Emit } from './context';
import { DivergenceWatch } from './divergence';
import type { Prepared } from './data/prepare';
import { evaluate, mcDropout } from './evaluate';
import type { Task } from './losses';
import { SpecError, type Model } from './model';
import { EarlyStopping, LrFinder } from './optim/callbacks';
import { createOptimizer } from './optim/optimizers';
import { createSchedule } from './optim/schedules';
import { Rng } from './rng';
import { Batch, trainStep, type StepSetup, type StepVariables } from './step';
import type { PauseGate } from './pause';

function meanOf(rows: number[][]): number[] | undefined {
  if (rows.length === 0) return undefined;
  const out = new Array<number>(rows[0].length).fill(0);
  for (const r of rows) for (let i = 0; i < r.length; i++) out[i] += r[i] / rows.length;
  return out;
}

export interface TrainContext {
  req: RunRequest;
  spec: ExperimentSpec;
  data: Prepared;
  task: Task;
  model: Model;
  emit: Emit;
  signal: AbortSignal;
  backend: StartEvent['backend'];
  backendReason: string;
  tensorsBefore: number;
  /** Pause between batches, step one epoch. */
  pause?: PauseGate;
}

export async function train(c: TrainContext): Promise<EndEvent> {
  const { req, spec, data, task, model, emit, signal } = c;
  const { runId } = req;
  const t = spec.training;
  const rec = spec.record;
  const width = widthOf(data.inputShape);
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
  const stop = new Stopper(signal, 25, c.pause);
  const watch = new DivergenceWatch(model.denseLayers.map((d) => d.name));
  const dense = model.denseLayers;
  const setup: StepSetup = {
    model,
    task,
    numClasses: data.numClasses,
    optimizer,
    clip: { clipvalue: t.clipvalue, clipnorm: t.clipnorm, global_clipnorm: t.global_clipnorm },
    autoencoder: !!t.autoencoder,
    seed: t.seed,
  };

  const start: StartEvent = {
    type: 'start',
    runId,
    experiment: req.experiment,
    backend: c.backend,
    backendReason: c.backendReason,
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
  const batch = new Batch(batchSize, width);

  let status: EndEvent['status'] = 'completed';
  let divergence: EndEvent['divergence'];
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
      const stepVars: StepVariables = { vars, kernelIdx: dense.map((d) => vars.indexOf(d.kernel)) };
      const epochStart = Date.now();
      const order = t.shuffle ? rng.permutation(train.n) : Int32Array.from({ length: train.n }, (_, i) => i);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      const normRows: number[][] = [];
      let recorded = 0;
      let lastInside: BatchEvent['inside'];
      let lastStats: EpochEvent['activations'];
      let insideStep = -1;
      const stepsThisEpoch = lrFinder ? totalSteps : batchesPerEpoch;
      for (let b = 0; b < stepsThisEpoch; b++) {
        if (await stop.stopped()) {
          status = 'cancelled';
          break epochLoop;
        }
        const from = (b % batchesPerEpoch) * batchSize;
        batch.fill(train, order, from, Math.min(train.n, from + batchSize));
        const n = batch.n;
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
        // Histograms and health: every `histograms_every` recorded batches, and at the epoch's last batch (its end).
        const inspect = record && rec.histograms && dense.length > 0 && (recorded % rec.histograms_every === 0 || b === stepsThisEpoch - 1);
        const { loss, norms, correct: batchCorrect, inside, stats } = trainStep(setup, batch, stepVars, step, withNorms, inspect ? probe : undefined);
        // Divergence: a non-finite loss or gradient norm ends the run; the charts keep the last finite values.
        if (!finder) {
          const found = watch.check(loss, norms, { epoch: epoch + 1, batch: b, step }, () => model.denseLayers.map((d) => finiteTensor(d.kernel)));
          if (found) {
            divergence = found;
            status = 'diverged';
            break;
          }
        }
        if (inside) {
          lastInside = inside;
          lastStats = stats;
          insideStep = step;
        }
        lossSum += loss * n;
        if (norms) normRows.push(norms);
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
            ...(inside ? { inside } : {}),
          };
          if (rec.activations && recorded % rec.activations_every === 0) ev.activations = stats ?? activationStats(model, probe);
          recorded++;
          emit(ev);
        }
        step++;
        if (finder && finder.record(optimizer.learningRate, loss)) break;
      }
      if (status === 'diverged' && seen === 0) break; // nothing finite to report for this epoch
      epochsRun = epoch + 1;
      // After a divergence the weights are not finite: the epoch reports what was trained before it, without validation.
      const val = lrFinder || status === 'diverged' ? undefined : await evaluate(model, data.val, data, task, spec, stop);
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
        // The epoch's last step was inspected (it always is when histograms are on): its statistics are the end's.
        ...(rec.activations && dense.length && status !== 'diverged' ? { activations: lastStats && insideStep === step - 1 ? lastStats : activationStats(model, probe) } : {}),
        ...(frozen.length ? { frozen } : {}),
        ...(lastInside ? { inside: lastInside } : {}),
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
      c.pause?.epochEnded();
      last = ev;
      if (status === 'early_stopped' || status === 'diverged') break;
    }
    if (early && status !== 'cancelled') restoredEpoch = early.restore(model.allVariables());
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    status = 'cancelled';
  } finally {
    probe.dispose();
    early?.dispose();
  }

  let lrResult: LrFinderResult | undefined;
  if (snapshot) {
    const vars = model.allVariables();
    vars.forEach((v, i) => v.assign(snapshot[i]));
    tf.dispose(snapshot);
    lrResult = finder?.result();
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
    tensorsBefore: c.tensorsBefore,
    tensorsAfter: 0,
  };
  if (divergence) end.divergence = divergence;
  if (lrResult) end.lrFinder = lrResult;
  try {
    if (restoredEpoch !== undefined) {
      end.restoredEpoch = restoredEpoch;
      // After restoring, the final validation metrics are those of the restored weights.
      const val = await evaluate(model, data.val, data, task, spec, stop);
      if (val) {
        end.final.val_loss = val.loss;
        if (val.accuracy !== undefined) end.final.val_accuracy = val.accuracy;
      }
    }
    if (status !== 'cancelled' && status !== 'diverged' && !lrFinder) {
      if (spec.evaluate.test) {
        const test = await evaluate(model, data.test, data, task, spec, stop);
        if (test) end.test = test;
      }
      if (spec.evaluate.mc_dropout && data.test.n > 0 && task.classify) {
        end.mcDropout = await mcDropout(model, data, spec.evaluate.mc_dropout.samples, t.seed, end.test?.accuracy, stop);
      }
    }
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    // Stopped during the final evaluations: the run ends cancelled, with what it had.
    end.status = 'cancelled';
    delete end.mcDropout;
  }
  optimizer.dispose();
  end.seconds = (Date.now() - startTime) / 1000;
  // The trained model stays alive (kept for reuse); count what is left beyond it.
  end.tensorsAfter = tf.memory().numTensors - model.allVariables().length;
  emit(end);
  return end;
}

/** Whether every value of a tensor is finite (read once, only when a divergence is being diagnosed). */
function finiteTensor(x: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(x)).dataSync()[0] === 1);
}
