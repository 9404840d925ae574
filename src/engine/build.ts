/**
 * Building an experiment's model: its own layers over, when it reuses another experiment's, the
 * first layers of that experiment's trained model (training it first when there is none), then
 * checking that the output layer fits the task.
 */
import type { EndEvent, RunRequest } from '../protocol/events';
import type { ExperimentSpec } from '../protocol/spec';
import { Cancelled, widthOf, type Emit } from './context';
import type { Prepared } from './data/prepare';
import type { Task } from './losses';
import { Model, SpecError, nextModelPrefix } from './model';
import type { ModelStore } from './modelStore';
import { Rng } from './rng';
import { resolveSpec } from './spec';

/** What identifies a trained model's experiment: everything that changes the training. */
export function fingerprintOf(spec: ExperimentSpec): string {
  const { id: _id, title: _t, explains: _e, expect: _x, full: _f, ...core } = spec;
  return JSON.stringify(core);
}

/** Trains a dependency (an experiment whose layers are reused) to its end, reporting through `emit`. */
export type TrainDependency = (req: RunRequest, emit: Emit) => Promise<EndEvent>;

/** Reuse chains longer than this are refused. */
const MAX_REUSE_DEPTH = 3;

export async function buildModel(
  req: RunRequest,
  spec: ExperimentSpec,
  data: Prepared,
  task: Task,
  emit: Emit,
  store: ModelStore,
  depth: number,
  trainDependency: TrainDependency,
): Promise<Model> {
  const rng = new Rng(spec.training.seed).fork(1);
  const features = widthOf(data.inputShape);
  let inputShape = spec.model.input_shape ?? data.inputShape;
  if (widthOf(inputShape) !== features) {
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
      if (depth > MAX_REUSE_DEPTH) throw new SpecError('model.reuse.from', `reuse chain too deep at "${key}"`);
      emit({ type: 'log', runId: req.runId, level: 'info', message: `training "${key}" first: this experiment reuses its layers` });
      const depReq: RunRequest = { ...req, runId: `${req.runId}:${key}`, experiment: key, spec: depSpec, options: { ...req.options, epochs: undefined, seed: undefined } };
      const relay: Emit = (e) => {
        if (e.type === 'epoch') emit({ type: 'log', runId: req.runId, level: 'info', message: `  ${key} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}${e.val_accuracy !== undefined ? `, val_accuracy ${e.val_accuracy.toFixed(4)}` : ''}` });
        else if (e.type === 'dataset') emit({ ...e, runId: req.runId });
      };
      const end = await trainDependency(depReq, relay);
      if (end.status === 'cancelled') throw new Cancelled();
      if (end.status === 'diverged') throw new SpecError('model.reuse.from', `"${key}", whose layers this experiment reuses, diverged: ${end.divergence?.detail ?? 'its loss stopped being finite'}`);
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
  try {
    checkOutput(model, spec, data, task);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** The output layer must fit the task. */
function checkOutput(model: Model, spec: ExperimentSpec, data: Prepared, task: Task): void {
  const out = model.outputShape;
  const lastAt = `model.layers[${spec.model.layers.length - 1}]`;
  const units = out[out.length - 1];
  const act = model.outputActivation;
  if (task.loss === 'sparse_categorical_crossentropy') {
    if (units !== data.numClasses) throw new SpecError(`${lastAt}.units`, `the output layer has ${units} units but the dataset has ${data.numClasses} classes`);
    if (act !== 'softmax') throw new SpecError(`${lastAt}.activation`, `a classifier's output layer needs activation: softmax (it has ${act})`);
  } else if (task.loss === 'binary_crossentropy') {
    if (units !== 1 || act !== 'sigmoid') throw new SpecError(lastAt, `a binary task needs an output layer of 1 unit with activation: sigmoid`);
  } else if (spec.training.autoencoder && units !== widthOf(data.inputShape)) {
    throw new SpecError(`${lastAt}.units`, `an autoencoder's output must have as many units as its input (${widthOf(data.inputShape)}), not ${units}`);
  }
}
