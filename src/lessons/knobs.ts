/**
 * The "Try it" knobs of an experiment: generated from its spec, only those that make sense for it
 * (no momentum for Adam, no dropout rate without a dropout layer), each turning a value into the
 * changes (`SetChange`s) that `deriveVariant` applies and validates.
 */
import { ACTIVATIONS, INITIALIZER_NAMES, LIMITS, OPTIMIZER_NAMES } from '../protocol/spec';
import type { ExperimentSpec, LayerSpec } from '../protocol/spec';
import type { Knob, KnobValue } from '../protocol/knobs';
import type { SetChange } from './setPath';
import { OPTIMIZER_FIELDS } from './variant';

export type { Knob, KnobValue };

/** Activations a hidden layer may take (softmax is for outputs; prelu has learned slopes, Activation layers only). */
const HIDDEN_ACTIVATIONS = ACTIVATIONS.filter((a) => a !== 'softmax' && a !== 'prelu');
const SCHEDULES = ['none', 'power', 'exponential', 'performance', 'one_cycle'] as const;

const activationName = (a: unknown): string => (a === undefined ? 'linear' : typeof a === 'string' ? a : String((a as { name: string }).name));
const initName = (i: unknown): string => (i === undefined ? 'glorot_uniform' : typeof i === 'string' ? i : String((i as { name: string }).name));

/** Hidden layers carrying an activation (every Dense but the last, and Activation layers), grouped by their activation. */
function activationGroups(layers: readonly LayerSpec[]): Map<string, number[]> {
  const lastDense = layers.map((l) => l.type).lastIndexOf('Dense');
  const groups = new Map<string, number[]>();
  layers.forEach((l, i) => {
    if (!((l.type === 'Dense' && i !== lastDense) || (l.type === 'Activation' && i < lastDense))) return;
    const name = activationName(l.activation);
    if (name === 'prelu') return;
    groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  return groups;
}

function initGroups(layers: readonly LayerSpec[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  layers.forEach((l, i) => {
    if (l.type !== 'Dense') return;
    const name = initName(l.kernel_initializer);
    groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  return groups;
}

const layersText = (idx: number[]) => (idx.length === 1 ? `layer ${idx[0]}` : `layers ${idx.join(', ')}`);

/** The knobs of an experiment, in the order the strip shows them. */
export function knobsFor(spec: ExperimentSpec): Knob[] {
  const knobs: Knob[] = [];
  const layers = spec.model.layers;
  const groups = [...activationGroups(layers)];
  for (const [name, idx] of groups) {
    knobs.push({ id: `activation:${idx.join(',')}`, label: groups.length > 1 ? `activation (${layersText(idx)})` : 'activation', kind: 'choice', value: name, options: HIDDEN_ACTIVATIONS });
  }
  const inits = [...initGroups(layers)];
  for (const [name, idx] of inits) {
    knobs.push({ id: `init:${idx.join(',')}`, label: inits.length > 1 ? `initializer (${layersText(idx)})` : 'initializer', kind: 'choice', value: name, options: (INITIALIZER_NAMES as readonly string[]).includes(name) ? INITIALIZER_NAMES : [name, ...INITIALIZER_NAMES] });
  }
  const t = spec.training;
  const finder = t.lr_finder !== undefined;
  knobs.push({ id: 'optimizer', label: 'optimizer', kind: 'choice', value: t.optimizer.name, options: OPTIMIZER_NAMES });
  if (!finder) knobs.push({ id: 'lr', label: 'learning rate', kind: 'number', value: t.optimizer.learning_rate, min: 0, step: 'any' });
  if (OPTIMIZER_FIELDS[t.optimizer.name].includes('momentum') && t.optimizer.name !== 'rmsprop') {
    knobs.push({ id: 'momentum', label: 'momentum', kind: 'number', value: ('momentum' in t.optimizer ? t.optimizer.momentum : undefined) ?? (t.optimizer.name === 'sgd' ? 0 : 0.9), min: 0, max: 0.999, step: 'any' });
  }
  const hasDense = layers.filter((l) => l.type === 'Dense').length > 1;
  if (hasDense && !spec.model.reuse) knobs.push({ id: 'batchnorm', label: 'batch normalization', kind: 'toggle', value: layers.some((l) => l.type === 'BatchNormalization') });
  const dropouts = layers.filter((l) => l.type === 'Dropout' || l.type === 'AlphaDropout');
  if (dropouts.length) knobs.push({ id: 'dropout', label: 'dropout rate', kind: 'number', value: dropouts[0].rate, min: 0, max: 0.95, step: 0.05 });
  if (!finder) {
    knobs.push({ id: 'clipnorm', label: 'clipnorm (0: off)', kind: 'number', value: t.clipnorm ?? 0, min: 0, step: 'any' });
    knobs.push({ id: 'schedule', label: 'schedule', kind: 'choice', value: t.schedule?.name ?? 'none', options: SCHEDULES });
    if (t.schedule?.name === 'one_cycle') knobs.push({ id: 'max_lr', label: '1cycle max_lr', kind: 'number', value: t.schedule.max_lr, min: 0, step: 'any' });
    knobs.push({ id: 'epochs', label: 'epochs', kind: 'number', value: t.epochs, min: 1, max: LIMITS.epochs, step: 1 });
  }
  knobs.push({ id: 'batch_size', label: 'batch size', kind: 'number', value: t.batch_size, min: 1, max: LIMITS.batchSize, step: 1 });
  knobs.push({ id: 'seed', label: 'seed', kind: 'number', value: t.seed, step: 1 });
  return knobs;
}

/**
 * The changes that set knob `id` to `value` on `spec` (nothing when the value is the current one).
 * Throws for an unknown knob; invalid values are left to the validator, which names the field.
 */
export function knobChanges(spec: ExperimentSpec, id: string, value: KnobValue): SetChange[] {
  const knob = knobsFor(spec).find((k) => k.id === id);
  if (!knob) throw new Error(`this experiment has no knob "${id}"`);
  if (knob.value === value) return [];
  const text = `the knob "${knob.label}"`;
  const set = (path: (string | number)[], v: unknown): SetChange => ({ text, path, value: v });
  const [kind, list] = id.split(':');
  const indexes = list ? list.split(',').map(Number) : [];
  switch (kind) {
    case 'activation':
      return indexes.map((i) => set(['model', 'layers', i, 'activation'], value));
    case 'init':
      return indexes.map((i) => set(['model', 'layers', i, 'kernel_initializer'], value));
    case 'optimizer':
      return [set(['training', 'optimizer', 'name'], value)];
    case 'lr':
      return [set(['training', 'optimizer', 'learning_rate'], value)];
    case 'momentum':
      return [set(['training', 'optimizer', 'momentum'], value)];
    case 'batchnorm':
      return [set(['model', 'layers'], value ? withBatchNorm(spec.model.layers) : spec.model.layers.filter((l) => l.type !== 'BatchNormalization'))];
    case 'dropout':
      return spec.model.layers.flatMap((l, i) => (l.type === 'Dropout' || l.type === 'AlphaDropout' ? [set(['model', 'layers', i, 'rate'], value)] : []));
    case 'clipnorm':
      return [set(['training', 'clipnorm'], value === 0 ? undefined : value)];
    case 'max_lr':
      return [set(['training', 'schedule', 'max_lr'], value)];
    case 'schedule':
      return [set(['training', 'schedule'], scheduleFor(spec, String(value)))];
    case 'epochs':
    case 'batch_size':
    case 'seed':
      return [set(['training', kind], value)];
    default:
      throw new Error(`this experiment has no knob "${id}"`);
  }
}

/** Every knob value applied: the changes for `deriveVariant`, in knob order. */
export function knobsToChanges(spec: ExperimentSpec, values: Record<string, KnobValue>): SetChange[] {
  return Object.entries(values).flatMap(([id, v]) => knobChanges(spec, id, v));
}

/** A BatchNormalization layer after each hidden Dense layer, as the book's first BN model does. */
function withBatchNorm(layers: readonly LayerSpec[]): LayerSpec[] {
  const lastDense = layers.map((l) => l.type).lastIndexOf('Dense');
  return layers.flatMap((l, i) => (l.type === 'Dense' && i !== lastDense ? [l, { type: 'BatchNormalization' } as LayerSpec] : [l]));
}

/** A schedule with the book's usual settings for this experiment. */
function scheduleFor(spec: ExperimentSpec, name: string): unknown {
  const lr = spec.training.optimizer.learning_rate;
  switch (name) {
    case 'none':
      return undefined;
    case 'power':
      return { name, steps: 1000 };
    case 'exponential':
      return { name, steps: Math.max(1, spec.training.epochs), per: 'epoch' };
    case 'performance':
      return { name, patience: 2 };
    case 'one_cycle':
      return { name, max_lr: lr * 10 };
    default:
      return { name };
  }
}
