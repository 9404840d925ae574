/**
 * An experiment as a runnable tf.keras script, written the way Géron's book writes it: the data
 * loaded and split as the book does, `keras.models.Sequential([...])` with
 * `keras.layers.Dense(300, activation="elu", kernel_initializer="he_normal")`, the optimizer with
 * its clipping, the schedule as the book's callback or schedule object, `model.fit`, the test
 * evaluation, MC dropout, and the model saved for experiments that reuse it. Pure: spec → text
 * (used by the extension's "Export as Keras Script" and by `deep-lessons export`).
 */
import type { ActivationSpec, ExperimentSpec, InitializerSpec, LayerSpec, OptimizerSpec, RegularizerSpec, ScheduleSpec } from '../protocol/spec';
import { ExperimentSpec as ExperimentSchema } from '../protocol/spec';
import { deepMerge } from '../protocol/merge';

export interface KerasExportOptions {
  /** `lesson-id/experiment-id` (or a file name): names the script's model file and resolves `reuse.from`. */
  key: string;
  /** Apply the experiment's `full` overrides (the book's sizes). */
  full?: boolean;
}

/** A Python literal for a number, string, boolean or list of them. */
export function py(v: unknown): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return Number.isInteger(v) ? String(v) : String(v).replace(/^(-?)\./, '$10.');
  }
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  if (v === undefined || v === null) return 'None';
  throw new Error(`no Python literal for ${JSON.stringify(v)}`);
}

/** A float literal (`1.` style where the book writes one, e.g. `max_norm(1.)`). */
const pyFloat = (v: number) => (Number.isInteger(v) ? `${v}.` : py(v));

/** `name=value` pairs, leaving out undefined values. */
function kwargs(pairs: [string, string | undefined][]): string {
  return pairs.filter((p): p is [string, string] => p[1] !== undefined).map(([k, v]) => `${k}=${v}`).join(', ');
}

/** The model file a script saves (and a reusing script loads): `lesson-id/experiment-id` → `lesson-id_experiment-id.h5`. */
export function modelFileName(key: string): string {
  return `${key.replace(/\.[A-Za-z]+$/, '').replace(/[^A-Za-z0-9_-]+/g, '_')}.h5`;
}

function activationName(a: ActivationSpec | undefined): { name: string; alpha?: number } | undefined {
  if (a === undefined) return undefined;
  return typeof a === 'string' ? { name: a } : { name: a.name, alpha: a.alpha };
}

/** An activation as a layer of its own, where Keras has one (leaky ReLU, PReLU, ELU with α), else undefined. */
function activationLayer(a: { name: string; alpha?: number }): string | undefined {
  if (a.name === 'leaky_relu') return `keras.layers.LeakyReLU(${a.alpha !== undefined ? `alpha=${py(a.alpha)}` : ''})`;
  if (a.name === 'prelu') return 'keras.layers.PReLU()';
  if (a.name === 'elu' && a.alpha !== undefined && a.alpha !== 1) return `keras.layers.ELU(alpha=${py(a.alpha)})`;
  return undefined;
}

function initializer(i: InitializerSpec | undefined): string | undefined {
  if (i === undefined) return undefined;
  if (typeof i === 'string') return py(i);
  if (i.name === 'random_normal') return `keras.initializers.RandomNormal(mean=${py(i.mean)}, stddev=${py(i.stddev)})`;
  if (i.name === 'random_uniform') return `keras.initializers.RandomUniform(minval=${py(i.minval)}, maxval=${py(i.maxval)})`;
  return `keras.initializers.VarianceScaling(scale=${pyFloat(i.scale)}, mode=${py(i.mode)}, distribution=${py(i.distribution)})`;
}

function regularizer(r: RegularizerSpec | undefined): string | undefined {
  if (r === undefined) return undefined;
  const l1 = 'l1' in r ? r.l1 : undefined;
  const l2 = 'l2' in r ? r.l2 : undefined;
  if (l1 !== undefined && l2 !== undefined) return `keras.regularizers.l1_l2(l1=${py(l1)}, l2=${py(l2)})`;
  return l1 !== undefined ? `keras.regularizers.l1(${py(l1)})` : `keras.regularizers.l2(${py(l2)})`;
}

/** One spec layer as the Keras layers it becomes (a Dense with a leaky ReLU is two, as in the book). */
export function kerasLayers(l: LayerSpec, inputShape?: number[]): string[] {
  const common: [string, string | undefined][] = [
    ['trainable', l.trainable === false ? 'False' : undefined],
    ['name', l.name !== undefined ? py(l.name) : undefined],
  ];
  const shape: [string, string | undefined] = ['input_shape', inputShape ? py(inputShape) : undefined];
  switch (l.type) {
    case 'Flatten':
      return [`keras.layers.Flatten(${kwargs([shape, ...common])})`];
    case 'Dense': {
      const act = activationName(l.activation);
      const separate = act ? activationLayer(act) : undefined;
      const dense = `keras.layers.Dense(${[
        String(l.units),
        kwargs([
          ['activation', act && !separate && act.name !== 'linear' ? py(act.name) : undefined],
          ['kernel_initializer', initializer(l.kernel_initializer)],
          ['use_bias', l.use_bias === false ? 'False' : undefined],
          ['kernel_regularizer', regularizer(l.kernel_regularizer)],
          ['kernel_constraint', l.kernel_constraint ? `keras.constraints.max_norm(${pyFloat(l.kernel_constraint.max_norm)}${l.kernel_constraint.axis !== 0 ? `, axis=${l.kernel_constraint.axis}` : ''})` : undefined],
          shape,
          ...common,
        ]),
      ]
        .filter(Boolean)
        .join(', ')})`;
      return separate ? [dense, separate] : [dense];
    }
    case 'BatchNormalization':
      return [`keras.layers.BatchNormalization(${kwargs([['momentum', l.momentum !== undefined ? py(l.momentum) : undefined], ['epsilon', l.epsilon !== undefined ? py(l.epsilon) : undefined], shape, ...common])})`];
    case 'Activation': {
      const act = activationName(l.activation)!;
      const layer = activationLayer(act);
      if (layer && !inputShape && l.name === undefined) return [layer];
      return [layer ?? `keras.layers.Activation(${[py(act.name), kwargs([shape, ...common])].filter(Boolean).join(', ')})`];
    }
    case 'Dropout':
      return [`keras.layers.Dropout(${[`rate=${py(l.rate)}`, kwargs([shape, ...common])].filter(Boolean).join(', ')})`];
    case 'AlphaDropout':
      return [`keras.layers.AlphaDropout(${[`rate=${py(l.rate)}`, kwargs([shape, ...common])].filter(Boolean).join(', ')})`];
  }
}

const OPTIMIZER_CLASS: Record<OptimizerSpec['name'], string> = {
  sgd: 'SGD',
  momentum: 'SGD',
  nesterov: 'SGD',
  adagrad: 'Adagrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
  adamax: 'Adamax',
  nadam: 'Nadam',
};

/** `keras.optimizers.X(...)` with the rate (a number or a schedule's name) and the gradient clipping. */
export function kerasOptimizer(o: OptimizerSpec, training: ExperimentSpec['training'], learningRate: string): string {
  const momentum = o.name === 'momentum' || o.name === 'nesterov' ? (o.momentum ?? 0.9) : o.name === 'sgd' && o.momentum ? o.momentum : undefined;
  const args = kwargs([
    ['learning_rate', learningRate],
    ['momentum', momentum !== undefined ? py(momentum) : undefined],
    ['nesterov', o.name === 'nesterov' ? 'True' : undefined],
    ['rho', o.name === 'rmsprop' ? py(o.rho ?? 0.9) : undefined],
    ['beta_1', ['adam', 'adamax', 'nadam'].includes(o.name) && o.beta_1 !== undefined ? py(o.beta_1) : undefined],
    ['beta_2', ['adam', 'adamax', 'nadam'].includes(o.name) && o.beta_2 !== undefined ? py(o.beta_2) : undefined],
    ['initial_accumulator_value', o.name === 'adagrad' ? py(o.initial_accumulator_value ?? 0.1) : undefined],
    ['epsilon', o.epsilon !== undefined ? py(o.epsilon) : undefined],
    ['clipvalue', training.clipvalue !== undefined ? pyFloat(training.clipvalue) : undefined],
    ['clipnorm', training.clipnorm !== undefined ? pyFloat(training.clipnorm) : undefined],
    ['global_clipnorm', training.global_clipnorm !== undefined ? pyFloat(training.global_clipnorm) : undefined],
  ]);
  return `keras.optimizers.${OPTIMIZER_CLASS[o.name]}(${args})`;
}

const DATASET_SHAPES: Record<string, (d: ExperimentSpec['dataset']) => number[]> = {
  'fashion-mnist': () => [28, 28],
  mnist: () => [28, 28],
  shapes: () => [28, 28],
  spirals: () => [2],
  moons: () => [2],
  blobs: (d) => [d.features ?? 2],
};

const BOOK_CALLBACKS = {
  power: `class PowerScheduling(keras.callbacks.Callback):
    """Power scheduling per iteration: lr = lr0 / (1 + t / s)**c."""
    def __init__(self, lr0, s, c):
        self.lr0, self.s, self.c, self.iteration = lr0, s, c, 0
    def on_batch_begin(self, batch, logs=None):
        keras.backend.set_value(self.model.optimizer.learning_rate, self.lr0 / (1 + self.iteration / self.s) ** self.c)
        self.iteration += 1
`,
  oneCycle: `class OneCycleScheduler(keras.callbacks.Callback):
    """1cycle: the rate rises linearly from start_rate to max_rate over about half the iterations,
    falls back to start_rate, then falls to last_rate over the last iterations; the momentum, where
    the optimizer has one, runs the opposite way (max_momentum -> min_momentum -> max_momentum)."""
    def __init__(self, iterations, max_rate, start_rate, last_rate, last_iterations, max_momentum, min_momentum):
        self.iterations, self.max_rate, self.start_rate, self.last_rate = iterations, max_rate, start_rate, last_rate
        self.last_iterations = last_iterations
        self.half_iteration = (iterations - last_iterations) // 2
        self.max_momentum, self.min_momentum = max_momentum, min_momentum
        self.iteration = 0
    def _interpolate(self, iter1, iter2, value1, value2):
        return (value2 - value1) * (self.iteration - iter1) / (iter2 - iter1) + value1
    def on_batch_begin(self, batch, logs=None):
        if self.iteration < self.half_iteration:
            rate = self._interpolate(0, self.half_iteration, self.start_rate, self.max_rate)
            momentum = self._interpolate(0, self.half_iteration, self.max_momentum, self.min_momentum)
        elif self.iteration < 2 * self.half_iteration:
            rate = self._interpolate(self.half_iteration, 2 * self.half_iteration, self.max_rate, self.start_rate)
            momentum = self._interpolate(self.half_iteration, 2 * self.half_iteration, self.min_momentum, self.max_momentum)
        else:
            rate = self._interpolate(2 * self.half_iteration, self.iterations, self.start_rate, self.last_rate)
            momentum = self.max_momentum
        self.iteration += 1
        keras.backend.set_value(self.model.optimizer.learning_rate, rate)
        if hasattr(self.model.optimizer, "momentum") and not callable(self.model.optimizer.momentum):
            try:
                keras.backend.set_value(self.model.optimizer.momentum, momentum)
            except (AttributeError, ValueError, TypeError):
                pass  # an optimizer whose momentum is a plain number keeps it
`,
  lrFinder: `class ExponentialLearningRate(keras.callbacks.Callback):
    """The learning-rate finder: the rate grows by \`factor\` at every iteration; the loss is recorded;
    training stops once the loss exceeds stop_factor times the best loss seen."""
    def __init__(self, factor, stop_factor):
        self.factor, self.stop_factor = factor, stop_factor
        self.rates, self.losses, self.best = [], [], float("inf")
    def on_batch_end(self, batch, logs=None):
        lr = float(keras.backend.get_value(self.model.optimizer.learning_rate))
        self.rates.append(lr)
        self.losses.append(logs["loss"])
        self.best = min(self.best, logs["loss"])
        if logs["loss"] > self.stop_factor * self.best:
            self.model.stop_training = True
        keras.backend.set_value(self.model.optimizer.learning_rate, lr * self.factor)
`,
};

/** The schedule: either a schedule object for the optimizer (per iteration) or a callback, plus any class it needs. */
function schedule(s: ScheduleSpec | undefined, lr0: number, iterations: string): { rate?: string; lines: string[]; callback?: string; classes: string[] } {
  if (!s) return { lines: [], classes: [] };
  switch (s.name) {
    case 'power':
      if (s.per === 'batch' && s.power === 1) {
        return { rate: 'lr_schedule', lines: [`lr_schedule = keras.optimizers.schedules.InverseTimeDecay(${py(lr0)}, decay_steps=${py(s.steps)}, decay_rate=1.)  # lr0 / (1 + t / s)`], classes: [] };
      }
      if (s.per === 'batch') return { lines: [`power_scheduling = PowerScheduling(lr0=${py(lr0)}, s=${py(s.steps)}, c=${py(s.power)})`], callback: 'power_scheduling', classes: ['power'] };
      return {
        lines: ['def power_decay_fn(epoch):', `    return ${py(lr0)} / (1 + epoch / ${py(s.steps)}) ** ${py(s.power)}`, '', 'lr_scheduler = keras.callbacks.LearningRateScheduler(power_decay_fn)'],
        callback: 'lr_scheduler',
        classes: [],
      };
    case 'exponential':
      if (s.per === 'batch') return { rate: 'lr_schedule', lines: [`lr_schedule = keras.optimizers.schedules.ExponentialDecay(${py(lr0)}, decay_steps=${py(s.steps)}, decay_rate=0.1)  # lr0 * 0.1**(t / s)`], classes: [] };
      return {
        lines: ['def exponential_decay_fn(epoch):', `    return ${py(lr0)} * 0.1**(epoch / ${py(s.steps)})`, '', 'lr_scheduler = keras.callbacks.LearningRateScheduler(exponential_decay_fn)'],
        callback: 'lr_scheduler',
        classes: [],
      };
    case 'piecewise_constant': {
      if (s.per === 'batch') return { rate: 'lr_schedule', lines: [`lr_schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=${py(s.boundaries)}, values=${py(s.values)})`], classes: [] };
      const body = s.boundaries.map((b, i) => `    ${i === 0 ? 'if' : 'elif'} epoch < ${py(b)}:\n        return ${py(s.values[i] ?? s.values.at(-1))}`);
      return {
        lines: ['def piecewise_constant_fn(epoch):', ...body, '    else:', `        return ${py(s.values[s.boundaries.length] ?? s.values.at(-1))}`, '', 'lr_scheduler = keras.callbacks.LearningRateScheduler(piecewise_constant_fn)'],
        callback: 'lr_scheduler',
        classes: [],
      };
    }
    case 'performance':
      return { lines: [`lr_scheduler = keras.callbacks.ReduceLROnPlateau(${kwargs([['monitor', py(s.monitor)], ['factor', py(s.factor)], ['patience', py(s.patience)], ['min_lr', s.min_lr ? py(s.min_lr) : undefined]])})`], callback: 'lr_scheduler', classes: [] };
    case 'one_cycle': {
      const start = s.max_lr / s.start_div;
      return {
        lines: [
          `onecycle = OneCycleScheduler(${iterations}, max_rate=${py(s.max_lr)}, start_rate=${py(start)}, last_rate=${py(start / s.end_div)},`,
          `                             last_iterations=int(${py(s.last_fraction)} * ${iterations}), max_momentum=${py(s.max_momentum)}, min_momentum=${py(s.min_momentum)})`,
        ],
        callback: 'onecycle',
        classes: ['oneCycle'],
      };
    }
  }
}

function dataLines(d: ExperimentSpec['dataset'], seed: number, reshape: number[] | undefined, autoencoder: boolean): string[] {
  const out: string[] = [];
  const dseed = d.seed ?? seed;
  if (d.name === 'fashion-mnist' || d.name === 'mnist') {
    const mod = d.name === 'fashion-mnist' ? 'fashion_mnist' : 'mnist';
    const val = d.val_size ?? 5000;
    out.push(`${mod} = keras.datasets.${mod}`, `(X_train_full, y_train_full), (X_test, y_test) = ${mod}.load_data()`);
    if (d.preprocess === 'scale' || d.preprocess === 'standardize') out.push('X_train_full = X_train_full / 255.', 'X_test = X_test / 255.');
    else out.push('X_train_full = X_train_full.astype(np.float32)', 'X_test = X_test.astype(np.float32)');
    out.push(`X_valid, X_train = X_train_full[:${val}], X_train_full[${val}:]`, `y_valid, y_train = y_train_full[:${val}], y_train_full[${val}:]`);
  } else if (d.name === 'shapes') {
    out.push(
      'raise SystemExit("The \\"shapes\\" dataset (drawn shapes) exists only in Deep Learning Lessons: export an experiment on fashion-mnist or mnist, or load your own images here.")',
    );
    return out;
  } else {
    const defaults = { spirals: 3000, moons: 3000, blobs: 3000 } as Record<string, number>;
    const n = d.samples ?? defaults[d.name]!;
    const k = d.name === 'moons' ? 2 : (d.num_classes ?? (d.name === 'blobs' ? 3 : 2));
    const val = d.val_size ?? Math.round(0.15 * n);
    const test = d.test_size ?? Math.round(0.15 * n);
    out.push(`# The ${d.name} set is generated as Deep Learning Lessons generates it (other random draws, the same distribution).`, `rng = np.random.default_rng(${dseed})`, `y_all = rng.permutation(np.arange(${n}) % ${k})`);
    if (d.name === 'spirals') {
      out.push(`t = rng.random(${n})`, `angle = 2 * np.pi * y_all / ${k} + 3 * np.pi * t`, `X_all = np.c_[t * np.cos(angle), t * np.sin(angle)] + ${py(d.noise ?? 0.05)} * rng.standard_normal((${n}, 2))`);
    } else if (d.name === 'moons') {
      out.push(
        `theta = np.pi * rng.random(${n})`,
        'X_all = np.where(y_all[:, None] == 0, np.c_[np.cos(theta), np.sin(theta)], np.c_[1 - np.cos(theta), 0.5 - np.sin(theta)])',
        `X_all = X_all - [0.5, 0.25] + ${py(d.noise ?? 0.1)} * rng.standard_normal((${n}, 2))`,
      );
    } else {
      out.push(`centers = rng.uniform(-5, 5, size=(${k}, ${d.features ?? 2}))`, `X_all = centers[y_all] + ${py(d.noise ?? 1)} * rng.standard_normal((${n}, ${d.features ?? 2}))`);
    }
    out.push(
      `X_valid, X_test, X_train = X_all[:${val}], X_all[${val}:${val + test}], X_all[${val + test}:]`,
      `y_valid, y_test, y_train = y_all[:${val}], y_all[${val}:${val + test}], y_all[${val + test}:]`,
    );
  }
  const classes = d.classes;
  if (classes || d.exclude_classes) {
    out.push(
      '',
      'def keep_classes(X, y, classes):',
      '    """Keeps the examples of these classes, relabelled 0..k-1 in the order given."""',
      '    mask = np.isin(y, classes)',
      '    relabel = {c: i for i, c in enumerate(classes)}',
      '    return X[mask], np.array([relabel[c] for c in y[mask]])',
      '',
      classes ? `classes = ${py(classes)}` : `classes = [c for c in range(int(max(y_train.max(), y_test.max())) + 1) if c not in ${py(d.exclude_classes)}]  # every class but ${d.exclude_classes!.join(', ')}`,
      'X_train, y_train = keep_classes(X_train, y_train, classes)',
      'X_valid, y_valid = keep_classes(X_valid, y_valid, classes)',
      'X_test, y_test = keep_classes(X_test, y_test, classes)',
    );
  }
  if (d.binary) out.push('y_train, y_valid, y_test = [(y == 1).astype(np.float32) for y in (y_train, y_valid, y_test)]  # 1 for the second class');
  if (d.train_size !== undefined) out.push(`X_train, y_train = X_train[:${d.train_size}], y_train[:${d.train_size}]`);
  if (d.test_size !== undefined && (d.name === 'fashion-mnist' || d.name === 'mnist')) {
    out.push(
      `keep = np.sort(np.random.default_rng(${dseed}).choice(len(X_test), ${d.test_size}, replace=False))  # a random subset (not the same examples as the lesson's)`,
      'X_test, y_test = X_test[keep], y_test[keep]',
    );
  }
  if (d.preprocess === 'standardize') {
    out.push(
      'pixel_means = X_train.mean(axis=0, keepdims=True)',
      'pixel_stds = X_train.std(axis=0, keepdims=True)',
      'pixel_stds = np.where(pixel_stds > 0, pixel_stds + 1e-7, 1.)  # constant pixels stay as they are',
      'X_train = (X_train - pixel_means) / pixel_stds',
      'X_valid = (X_valid - pixel_means) / pixel_stds',
      'X_test = (X_test - pixel_means) / pixel_stds',
    );
  }
  if (reshape) out.push(`X_train, X_valid, X_test = [X.reshape(-1, ${reshape.join(', ')}) for X in (X_train, X_valid, X_test)]`);
  if (autoencoder) out.push('# An autoencoder: the target is the input itself, flattened as the output layer gives it.', 'Y_train, Y_valid, Y_test = [X.reshape(len(X), -1) for X in (X_train, X_valid, X_test)]');
  return out;
}

/** Prose as `# ` comment lines of at most about 100 characters. */
function commentLines(text: string): string[] {
  const out: string[] = [];
  let line = '#';
  for (const word of text.trim().split(/\s+/)) {
    if (line.length + word.length > 98 && line !== '#') {
      out.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  if (line !== '#') out.push(line);
  return out;
}

/** The experiment a `reuse.from` names, as a key: `id` in the same lesson, or `lesson/id`. */
function reuseKey(from: string, key: string): string {
  return from.includes('/') ? from : `${key.includes('/') ? key.split('/')[0] : 'experiment'}/${from}`;
}

/** The script. Throws (with the field) when the merged `full` spec is not valid. */
export function kerasScript(spec: ExperimentSpec, o: KerasExportOptions): string {
  let s = spec;
  if (o.full && spec.full) {
    const { full, ...rest } = spec;
    s = ExperimentSchema.parse(deepMerge(rest, full));
  }
  const t = s.training;
  const d = s.dataset;
  const reuse = s.model.reuse;
  const datasetShape = DATASET_SHAPES[d.name]!(d);
  const inputShape = s.model.input_shape ?? datasetShape;
  const reshape = s.model.input_shape && s.model.input_shape.join() !== datasetShape.join() ? s.model.input_shape : undefined;
  const hasVal = (d.val_size ?? 1) > 0;
  const autoencoder = t.autoencoder === true;
  const target = (split: string) => (autoencoder ? `Y_${split}` : `y_${split}`);
  const loss = t.loss ?? (autoencoder ? 'mse' : d.binary ? 'binary_crossentropy' : 'sparse_categorical_crossentropy');
  const metrics = loss === 'mse' ? '' : ', metrics=["accuracy"]';
  const iterations = `(len(X_train) + ${t.batch_size} - 1) // ${t.batch_size} * ${t.epochs}`;
  const sched = t.lr_finder ? { lines: [] as string[], classes: [] as string[] } : schedule(t.schedule, t.optimizer.learning_rate, 'iterations');
  const classes = new Set<keyof typeof BOOK_CALLBACKS>(sched.classes as (keyof typeof BOOK_CALLBACKS)[]);
  if (t.lr_finder) classes.add('lrFinder');

  const lines: string[] = [];
  const title = s.title ?? o.key;
  lines.push(
    '#!/usr/bin/env python3',
    `# ${title}: exported from Deep Learning Lessons (${o.key}${o.full ? ', full size' : ''}) as a tf.keras script.`,
    ...(s.explains ? commentLines(s.explains) : []),
    '# Needs TensorFlow 2 (pip install tensorflow). Run it as it is, on a GPU machine or in a notebook.',
    '# Random draws differ from the lesson\'s (TensorFlow\'s generators, not ours): expect close, not equal, numbers.',
    '',
    'import numpy as np',
    'import tensorflow as tf',
    'from tensorflow import keras',
    '',
    `np.random.seed(${t.seed})`,
    `tf.random.set_seed(${t.seed})`,
    '',
  );
  for (const c of classes) lines.push(BOOK_CALLBACKS[c], '');
  lines.push(...dataLines(d, t.seed, reshape, autoencoder), '');

  // The model.
  const newLayers = s.model.layers.flatMap((l, i) => kerasLayers(l, i === 0 && !reuse ? inputShape : undefined));
  let reusedCount = '';
  if (reuse) {
    const srcKey = reuseKey(reuse.from, o.key);
    const slice = reuse.take_first !== undefined ? `[:${reuse.take_first}]` : (reuse.drop_last ?? 1) > 0 ? `[:-${reuse.drop_last ?? 1}]` : '';
    lines.push(
      `# Reuse the trained layers of "${srcKey}": export and run that experiment first; it saves ${modelFileName(srcKey)}.`,
      `model_A = keras.models.load_model(${py(modelFileName(srcKey))})`,
      'model_A_clone = keras.models.clone_model(model_A)  # a copy, so that model_A is left untouched',
      'model_A_clone.set_weights(model_A.get_weights())',
      `reused_layers = model_A_clone.layers${slice}`,
      'model = keras.models.Sequential(reused_layers + [',
      ...newLayers.map((l) => `    ${l},`),
      '])',
    );
    reusedCount = 'len(reused_layers)';
  } else {
    lines.push('model = keras.models.Sequential([', ...newLayers.map((l) => `    ${l},`), '])');
  }
  lines.push('model.summary()', '');

  // Optimizer, schedule, callbacks.
  lines.push(...sched.lines);
  if (sched.lines.length) lines.push('');
  const lr = t.lr_finder ? py(t.lr_finder.min_lr) : (sched.rate ?? py(t.optimizer.learning_rate));
  const freeze = reuse?.freeze_epochs && reuse.freeze_epochs > 0 ? Math.min(reuse.freeze_epochs, t.epochs) : 0;
  if (freeze) lines.push(`for layer in model.layers[:${reusedCount}]:`, '    layer.trainable = False', '');
  lines.push(`optimizer = ${kerasOptimizer(t.optimizer, t, lr)}`, `model.compile(loss=${py(loss)}, optimizer=optimizer${metrics})`, '');
  const callbacks: string[] = [];
  if (sched.callback) callbacks.push(sched.callback);
  if (t.early_stopping) {
    const e = t.early_stopping;
    lines.push(`early_stopping_cb = keras.callbacks.EarlyStopping(${kwargs([['monitor', py(e.monitor)], ['patience', py(e.patience)], ['min_delta', e.min_delta ? py(e.min_delta) : undefined], ['restore_best_weights', py(e.restore_best_weights)]])})`);
    callbacks.push('early_stopping_cb');
  }
  const fitArgs = (epochs: string, extra: string[] = []) =>
    [`X_train, ${target('train')}`, `epochs=${epochs}`, `batch_size=${t.batch_size}`, ...(t.shuffle ? [] : ['shuffle=False']), ...(hasVal ? [`validation_data=(X_valid, ${target('valid')})`] : []), ...extra].join(', ');
  const cbArg = (cbs: string[]) => (cbs.length ? [`callbacks=[${cbs.join(', ')}]`] : []);

  if (t.lr_finder) {
    const f = t.lr_finder;
    const its = f.iterations !== undefined ? String(f.iterations) : `(len(X_train) + ${t.batch_size} - 1) // ${t.batch_size}`;
    lines.push(
      '# The learning-rate finder: one epoch with an exponentially growing rate, instead of training.',
      `iterations = ${its}`,
      `expon_lr = ExponentialLearningRate(factor=np.exp(np.log(${py(f.max_lr)} / ${py(f.min_lr)}) / iterations), stop_factor=${py(f.stop_factor)})`,
      `history = model.fit(${fitArgs('1', ['callbacks=[expon_lr]'])})`,
      'best = int(np.argmin(expon_lr.losses))',
      'print(f"lowest loss {expon_lr.losses[best]:.4f} at learning rate {expon_lr.rates[best]:.3g}; a good rate is about a tenth of it")',
    );
  } else {
    if (sched.classes.includes('oneCycle')) lines.splice(lines.findIndex((l) => l.startsWith('onecycle = ')), 0, `iterations = ${iterations}`);
    if (freeze) {
      lines.push(
        `history = model.fit(${fitArgs(String(freeze), cbArg(callbacks))})`,
        '',
        `# Unfreeze the reused layers${reuse?.unfreeze_learning_rate !== undefined ? ' and go on at a lower learning rate' : ''}: compile again after changing trainable.`,
        `for layer in model.layers[:${reusedCount}]:`,
        '    layer.trainable = True',
        `optimizer = ${kerasOptimizer(t.optimizer, t, reuse?.unfreeze_learning_rate !== undefined ? py(reuse.unfreeze_learning_rate) : lr)}`,
        `model.compile(loss=${py(loss)}, optimizer=optimizer${metrics})`,
      );
      if (t.epochs > freeze) lines.push(`history = model.fit(${fitArgs(String(t.epochs - freeze), cbArg(callbacks))})`);
    } else {
      lines.push(`history = model.fit(${fitArgs(String(t.epochs), cbArg(callbacks))})`);
    }
    if (s.evaluate.test && (d.test_size ?? 1) > 0) lines.push(`model.evaluate(X_test, ${target('test')})`);
    if (s.evaluate.mc_dropout) {
      lines.push(
        '',
        '# MC dropout: average the predictions of many passes with dropout active (training=True).',
        `y_probas = np.stack([model(X_test, training=True) for sample in range(${s.evaluate.mc_dropout.samples})])`,
        'y_proba = y_probas.mean(axis=0)',
        d.binary ? 'mc_accuracy = np.mean((y_proba[:, 0] > 0.5) == y_test)' : 'mc_accuracy = np.mean(np.argmax(y_proba, axis=1) == y_test)',
        'print(f"MC dropout accuracy on the test set: {mc_accuracy:.4f}")',
      );
    }
    lines.push('', `model.save(${py(modelFileName(o.key))})`);
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}
