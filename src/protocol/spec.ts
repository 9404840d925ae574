/**
 * The experiment spec: the one source of truth for what an experiment may say.
 *
 * The zod schemas below are data definitions, not behaviour: the TypeScript types are inferred
 * from them, the validators in `engine/` and `lessons/` run them, and the JSON Schema that editors
 * use is generated from them (`z.toJSONSchema`). Names follow Keras so that a lesson reads like
 * the book: `Dense`, `kernel_initializer`, `he_normal`, `clipnorm`.
 */
import { z } from 'zod';

const positive = () => z.number().positive();
const positiveInt = () => z.number().int().positive();
const nonNegativeInt = () => z.number().int().min(0);

// ---------------------------------------------------------------- dataset

export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'spirals', 'moons', 'blobs', 'shapes'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const DatasetSpec = z
  .strictObject({
    /** Which dataset. `fashion-mnist` and `mnist` are the real IDX files; the others are synthetic and seeded. */
    name: z.enum(DATASET_NAMES).describe("Which dataset. `fashion-mnist` and `mnist` are the real IDX files; the others are synthetic and seeded."),
    /** Training examples kept: the first N after the validation split and the class filter (as the book's task B). Default: all. */
    train_size: positiveInt().optional().describe("Training examples kept: the first N after the validation split and the class filter (as the book's task B). Default: all."),
    /** Validation examples, taken from the front of the training set as the book does (5,000). */
    val_size: nonNegativeInt().optional().describe("Validation examples, taken from the front of the training set as the book does (5,000)."),
    /** Test examples (a seeded subset of the test set). Default: all. */
    test_size: nonNegativeInt().optional().describe("Test examples (a seeded subset of the test set). Default: all."),
    /** `scale`: pixels to [0, 1]; `standardize`: per-feature mean 0, std 1 using the training set's statistics. */
    preprocess: z.enum(['none', 'scale', 'standardize']).default('scale').describe("`scale`: pixels to [0, 1]; `standardize`: per-feature mean 0, std 1 using the training set's statistics."),
    /** Keep only these classes, relabelled 0..k-1 in the order given. */
    classes: z.array(nonNegativeInt()).min(2).optional().describe("Keep only these classes, relabelled 0..k-1 in the order given."),
    /** Keep every class except these, relabelled 0..k-1 in ascending order (the book's task A). */
    exclude_classes: z.array(nonNegativeInt()).min(1).optional().describe("Keep every class except these, relabelled 0..k-1 in ascending order (the book's task A)."),
    /** Labels become targets for a binary output (1 for the second class): task B, sandal vs shirt. */
    binary: z.boolean().optional().describe("Labels become targets for a binary output (1 for the second class): task B, sandal vs shirt."),
    /** Synthetic sets: how many examples to generate in all (split into train, validation and test). */
    samples: positiveInt().optional().describe("Synthetic sets: how many examples to generate in all (split into train, validation and test)."),
    /** Synthetic sets: noise level (spirals, moons) or cluster spread (blobs). */
    noise: z.number().min(0).optional().describe("Synthetic sets: noise level (spirals, moons) or cluster spread (blobs)."),
    /** Synthetic blobs: number of input features. */
    features: positiveInt().optional().describe("Synthetic blobs: number of input features."),
    /** Synthetic blobs and shapes: number of classes. */
    num_classes: positiveInt().optional().describe("Synthetic blobs and shapes: number of classes."),
    /** Seed for the subset, the split and synthetic generation. Default: the training seed. */
    seed: z.number().int().optional().describe("Seed for the subset, the split and synthetic generation. Default: the training seed."),
  })
  .refine((d) => !(d.classes && d.exclude_classes), {
    message: 'give either `classes` or `exclude_classes`, not both',
    path: ['classes'],
  });
export type DatasetSpec = z.infer<typeof DatasetSpec>;

// ---------------------------------------------------------------- layers

export const ACTIVATIONS = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leaky_relu',
  'elu',
  'selu',
  'gelu',
  'swish',
  'softmax',
  'prelu',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** An activation by name, or with a parameter: `{ name: leaky_relu, alpha: 0.2 }`. */
export const ActivationSpec = z.union([
  z.enum(ACTIVATIONS),
  z.strictObject({
    name: z.enum(ACTIVATIONS),
    /** leaky_relu's slope for z < 0 (default 0.2: the book's, and Keras 3's `activation="leaky_relu"`), or elu's α (default 1). */
    alpha: z.number().optional().describe("leaky_relu's slope for z < 0 (default 0.2: the book's, and Keras 3's `activation=\"leaky_relu\"`), or elu's α (default 1)."),
  }),
]);
export type ActivationSpec = z.infer<typeof ActivationSpec>;

export const INITIALIZER_NAMES = [
  'glorot_uniform',
  'glorot_normal',
  'he_normal',
  'he_uniform',
  'lecun_normal',
  'lecun_uniform',
  'zeros',
  'ones',
] as const;

export const InitializerSpec = z.union([
  z.enum(INITIALIZER_NAMES),
  z.strictObject({
    name: z.literal('random_normal'),
    mean: z.number().default(0),
    stddev: positive().default(0.05),
  }),
  z.strictObject({
    name: z.literal('random_uniform'),
    minval: z.number().default(-0.05),
    maxval: z.number().default(0.05),
  }),
  z.strictObject({
    name: z.literal('variance_scaling'),
    scale: positive().default(1),
    mode: z.enum(['fan_in', 'fan_out', 'fan_avg']).default('fan_in'),
    distribution: z.enum(['truncated_normal', 'untruncated_normal', 'normal', 'uniform']).default('truncated_normal'),
  }),
]);
export type InitializerSpec = z.infer<typeof InitializerSpec>;

export const RegularizerSpec = z.union([
  z.strictObject({ l1: z.number().min(0) }),
  z.strictObject({ l2: z.number().min(0) }),
  z.strictObject({ l1: z.number().min(0), l2: z.number().min(0) }),
]);
export type RegularizerSpec = z.infer<typeof RegularizerSpec>;

export const ConstraintSpec = z.strictObject({
  /** Keras's max_norm: after every step, each unit's incoming weight vector is rescaled to ℓ2 norm ≤ max_value. */
  max_norm: positive().describe("Keras's max_norm: after every step, each unit's incoming weight vector is rescaled to ℓ2 norm ≤ max_value."),
  /** The axis along which norms are taken (0: per output unit for a Dense kernel, as Keras does). */
  axis: z.number().int().default(0).describe("The axis along which norms are taken (0: per output unit for a Dense kernel, as Keras does)."),
});
export type ConstraintSpec = z.infer<typeof ConstraintSpec>;

const LayerCommon = {
  /** Layer name shown in summaries and charts. Default: Keras-like (`dense_1`). */
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'a name is letters, digits, _ . and -').optional().describe("Layer name shown in summaries and charts. Default: Keras-like (`dense_1`)."),
  /** Trainable from the start (default true). */
  trainable: z.boolean().optional().describe("Trainable from the start (default true)."),
};

export const DenseLayer = z.strictObject({
  type: z.literal('Dense'),
  units: positiveInt(),
  activation: ActivationSpec.optional(),
  kernel_initializer: InitializerSpec.optional(),
  use_bias: z.boolean().optional(),
  kernel_regularizer: RegularizerSpec.optional(),
  kernel_constraint: ConstraintSpec.optional(),
  ...LayerCommon,
});
export const FlattenLayer = z.strictObject({ type: z.literal('Flatten'), ...LayerCommon });
export const BatchNormalizationLayer = z.strictObject({
  type: z.literal('BatchNormalization'),
  momentum: z.number().gt(0).lt(1).optional(),
  epsilon: positive().optional(),
  ...LayerCommon,
});
export const ActivationLayer = z.strictObject({
  type: z.literal('Activation'),
  activation: ActivationSpec,
  ...LayerCommon,
});
export const DropoutLayer = z.strictObject({
  type: z.literal('Dropout'),
  rate: z.number().min(0).lt(1),
  ...LayerCommon,
});
export const AlphaDropoutLayer = z.strictObject({
  type: z.literal('AlphaDropout'),
  rate: z.number().min(0).lt(1),
  ...LayerCommon,
});

export const LayerSpec = z.discriminatedUnion('type', [
  DenseLayer,
  FlattenLayer,
  BatchNormalizationLayer,
  ActivationLayer,
  DropoutLayer,
  AlphaDropoutLayer,
]);
export type LayerSpec = z.infer<typeof LayerSpec>;
export const LAYER_TYPES = ['Dense', 'Flatten', 'BatchNormalization', 'Activation', 'Dropout', 'AlphaDropout'] as const;

/**
 * Reuse the layers of an earlier experiment's trained model. Weights are copied, never shared,
 * so the source model is untouched. Exactly one of `drop_last` and `take_first` says which.
 */
export const ReuseSpec = z
  .strictObject({
    /** The experiment whose model to reuse: `id` within the same lesson, or `lesson-id/experiment-id`. */
    from: z.string().min(1).describe("The experiment whose model to reuse: `id` within the same lesson, or `lesson-id/experiment-id`."),
    /** Reuse every layer except the last N (default 1: all but the output layer). */
    drop_last: nonNegativeInt().optional().describe("Reuse every layer except the last N (default 1: all but the output layer)."),
    /** Reuse only the first N layers (an autoencoder's encoder). */
    take_first: positiveInt().optional().describe("Reuse only the first N layers (an autoencoder's encoder)."),
    /** Keep the reused layers frozen for this many epochs, then unfreeze them. Omit to keep them trainable. */
    freeze_epochs: nonNegativeInt().optional().describe("Keep the reused layers frozen for this many epochs, then unfreeze them. Omit to keep them trainable."),
    /** After unfreezing, train on at this learning rate (the book lowers it to 1e-4). */
    unfreeze_learning_rate: positive().optional().describe("After unfreezing, train on at this learning rate (the book lowers it to 1e-4)."),
  })
  .refine((r) => !(r.drop_last !== undefined && r.take_first !== undefined), {
    message: 'give either `drop_last` or `take_first`, not both',
    path: ['take_first'],
  });
export type ReuseSpec = z.infer<typeof ReuseSpec>;

export const ModelSpec = z.strictObject({
  /** Shape of one example, without the batch dimension. Default: the dataset's. */
  input_shape: z.array(positiveInt()).min(1).optional().describe("Shape of one example, without the batch dimension. Default: the dataset's."),
  /** Layers stacked on top of the reused ones (if any), in order. */
  layers: z.array(LayerSpec).min(1).describe("Layers stacked on top of the reused ones (if any), in order."),
  reuse: ReuseSpec.optional(),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

// ---------------------------------------------------------------- optimizers and schedules

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamax', 'nadam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/**
 * One schema per optimizer, keyed on `name`: each has its own fields with Keras's defaults
 * (TF 2 `tf.keras.optimizers.*`), so a field that belongs to another optimizer is an error.
 */
const learningRate = (keras: number) => positive().default(keras).describe(`Learning rate η (default ${keras}, as Keras).`);
const epsilon = () => positive().default(1e-7).describe('ε, for numerical stability (default 1e-7, as Keras).');
const beta1 = () => z.number().gt(0).lt(1).default(0.9).describe('β1, the decay of the first moment (default 0.9); 1cycle sets it as the momentum.');
const beta2 = () => z.number().gt(0).lt(1).default(0.999).describe('β2, the decay of the second moment (default 0.999).');
const momentumBeta = (description: string) => z.number().min(0).lt(1).describe(description);

export const SgdOptimizer = z.strictObject({
  name: z.literal('sgd'),
  learning_rate: learningRate(0.01),
  /** Keras's SGD(momentum=β): with β > 0 it behaves as `momentum`. Default 0. */
  momentum: momentumBeta('Keras\'s SGD(momentum=β): with β > 0 it behaves as `momentum`. Default 0.').optional(),
});
export const MomentumOptimizer = z.strictObject({
  name: z.literal('momentum'),
  learning_rate: learningRate(0.01),
  momentum: momentumBeta('β, the momentum (default 0.9, the book\'s value).').default(0.9),
});
export const NesterovOptimizer = z.strictObject({
  name: z.literal('nesterov'),
  learning_rate: learningRate(0.01),
  momentum: momentumBeta('β, the momentum (default 0.9, the book\'s value).').default(0.9),
});
export const AdagradOptimizer = z.strictObject({
  name: z.literal('adagrad'),
  learning_rate: learningRate(0.001),
  /** The accumulator s starts at this value (default 0.1, as Keras). */
  initial_accumulator_value: z.number().min(0).default(0.1).describe('The accumulator s starts at this value (default 0.1, as Keras).'),
  epsilon: epsilon(),
});
export const RmspropOptimizer = z.strictObject({
  name: z.literal('rmsprop'),
  learning_rate: learningRate(0.001),
  /** ρ, the decay of the running mean of g² (default 0.9). */
  rho: z.number().gt(0).lt(1).default(0.9).describe('ρ, the decay of the running mean of g² (default 0.9).'),
  /** Keras's RMSprop(momentum=β): a momentum on the scaled steps. Default: none. */
  momentum: momentumBeta("Keras's RMSprop(momentum=β): a momentum on the scaled steps. Default: none.").optional(),
  epsilon: epsilon(),
});
const adamFields = {
  learning_rate: learningRate(0.001),
  beta_1: beta1(),
  beta_2: beta2(),
  epsilon: epsilon(),
};
export const AdamOptimizer = z.strictObject({ name: z.literal('adam'), ...adamFields });
export const AdamaxOptimizer = z.strictObject({ name: z.literal('adamax'), ...adamFields });
export const NadamOptimizer = z.strictObject({ name: z.literal('nadam'), ...adamFields });

export const OptimizerSpec = z.discriminatedUnion('name', [
  SgdOptimizer,
  MomentumOptimizer,
  NesterovOptimizer,
  AdagradOptimizer,
  RmspropOptimizer,
  AdamOptimizer,
  AdamaxOptimizer,
  NadamOptimizer,
]);
export type OptimizerSpec = z.infer<typeof OptimizerSpec>;

/** When a schedule steps: per `batch` (iteration) or per `epoch`. Its `t` counts these. */
const StepUnit = z.enum(['batch', 'epoch']);

export const ScheduleSpec = z.discriminatedUnion('name', [
  z.strictObject({
    /** η(t) = η0 / (1 + t/s)^c */
    name: z.literal('power').describe("η(t) = η0 / (1 + t/s)^c"),
    steps: positive(),
    power: positive().default(1),
    per: StepUnit.default('batch'),
  }),
  z.strictObject({
    /** η(t) = η0 · 0.1^(t/s) */
    name: z.literal('exponential').describe("η(t) = η0 · 0.1^(t/s)"),
    steps: positive(),
    per: StepUnit.default('epoch'),
  }),
  z.strictObject({
    /** η = values[i] while t < boundaries[i]; the last value after the last boundary. */
    name: z.literal('piecewise_constant').describe("η = values[i] while t < boundaries[i]; the last value after the last boundary."),
    boundaries: z.array(nonNegativeInt()).min(1),
    values: z.array(positive()).min(2),
    per: StepUnit.default('epoch'),
  }),
  z.strictObject({
    /** Reduce on plateau: multiply η by `factor` when `monitor` has not improved for `patience` epochs. */
    name: z.literal('performance').describe("Reduce on plateau: multiply η by `factor` when `monitor` has not improved for `patience` epochs."),
    monitor: z.enum(['val_loss', 'val_accuracy', 'loss', 'accuracy']).default('val_loss'),
    factor: z.number().gt(0).lt(1).default(0.5),
    patience: nonNegativeInt().default(5),
    min_lr: z.number().min(0).default(0),
    /** A change of `monitor` smaller than this is no improvement (default 1e-4, as Keras's ReduceLROnPlateau). */
    min_delta: z.number().min(0).default(1e-4).describe("A change of `monitor` smaller than this is no improvement (default 1e-4, as Keras's ReduceLROnPlateau)."),
  }),
  z.strictObject({
    /** 1cycle: η from max/div up to max over about half the iterations, back down, then a final fall. */
    name: z.literal('one_cycle').describe("1cycle: η from max/div up to max over about half the iterations, back down, then a final fall."),
    max_lr: positive(),
    /** η0 = max_lr / start_div (default 10). */
    start_div: positive().default(10).describe("η0 = max_lr / start_div (default 10)."),
    /** The last iterations fall to η0 / end_div (default 1000). */
    end_div: positive().default(1000).describe("The last iterations fall to η0 / end_div (default 1000)."),
    /** Fraction of the iterations for the final fall (default 0.1). */
    last_fraction: z.number().gt(0).lt(1).default(0.1).describe("Fraction of the iterations for the final fall (default 0.1)."),
    /** Momentum's opposite cycle, where the optimizer has one: max → min → max. */
    max_momentum: z.number().min(0).lt(1).default(0.95).describe("Momentum's opposite cycle, where the optimizer has one: max → min → max."),
    min_momentum: z.number().min(0).lt(1).default(0.85),
  }),
]);
export type ScheduleSpec = z.infer<typeof ScheduleSpec>;

export const EarlyStoppingSpec = z.strictObject({
  monitor: z.enum(['val_loss', 'val_accuracy', 'loss', 'accuracy']).default('val_loss'),
  patience: nonNegativeInt().default(5),
  min_delta: z.number().min(0).default(0),
  restore_best_weights: z.boolean().default(true),
});
export type EarlyStoppingSpec = z.infer<typeof EarlyStoppingSpec>;

export const LrFinderSpec = z.strictObject({
  /** The rate grows exponentially from min_lr to max_lr over one epoch (or `iterations`). */
  min_lr: positive().default(1e-5).describe("The rate grows exponentially from min_lr to max_lr over one epoch (or `iterations`)."),
  max_lr: positive().default(10),
  iterations: positiveInt().optional(),
  /** Stop once the (smoothed) loss exceeds this many times the best loss seen. */
  stop_factor: positive().default(4).describe("Stop once the (smoothed) loss exceeds this many times the best loss seen."),
});
export type LrFinderSpec = z.infer<typeof LrFinderSpec>;

export const LOSSES = ['sparse_categorical_crossentropy', 'binary_crossentropy', 'mse'] as const;

export const TrainingSpec = z.strictObject({
  epochs: positiveInt().default(5),
  batch_size: positiveInt().default(32),
  optimizer: OptimizerSpec.prefault({ name: 'sgd' }),
  /** Default: sparse categorical cross-entropy for classes, binary for `binary: true`, mse for autoencoders. */
  loss: z.enum(LOSSES).optional().describe("Default: sparse categorical cross-entropy for classes, binary for `binary: true`, mse for autoencoders."),
  /** Every component of every gradient clipped into [−v, v] (may change the gradient's direction). */
  clipvalue: positive().optional().describe("Every component of every gradient clipped into [−v, v] (may change the gradient's direction)."),
  /** Each variable's gradient rescaled so that its ℓ2 norm is at most c (keeps its direction). */
  clipnorm: positive().optional().describe("Each variable's gradient rescaled so that its ℓ2 norm is at most c (keeps its direction)."),
  /** All gradients rescaled together so that their joint ℓ2 norm is at most c. Not with `clipnorm` (Keras refuses both); `clipvalue` applies first. */
  global_clipnorm: positive().optional().describe("All gradients rescaled together so that their joint ℓ2 norm is at most c. Not with `clipnorm` (Keras refuses both); `clipvalue` applies first."),
  schedule: ScheduleSpec.optional(),
  early_stopping: EarlyStoppingSpec.optional(),
  /** Run the learning-rate finder instead of training: one epoch, exponentially growing rate. */
  lr_finder: LrFinderSpec.optional().describe("Run the learning-rate finder instead of training: one epoch, exponentially growing rate."),
  /** Train an autoencoder: the target is the input itself (labels are not used). */
  autoencoder: z.boolean().optional().describe("Train an autoencoder: the target is the input itself (labels are not used)."),
  /** Shuffle the training set every epoch (default true). */
  shuffle: z.boolean().default(true).describe("Shuffle the training set every epoch (default true)."),
  /** Seed for initial weights, shuffles, dropout masks and subsets. */
  seed: z.number().int().default(42).describe("Seed for initial weights, shuffles, dropout masks and subsets."),
}).refine((t) => t.clipnorm === undefined || t.global_clipnorm === undefined, {
  message: 'give either `clipnorm` (each gradient) or `global_clipnorm` (all together), not both: Keras refuses both',
  path: ['global_clipnorm'],
});
export type TrainingSpec = z.infer<typeof TrainingSpec>;

export const RecordSpec = z.strictObject({
  /** Record a batch point every N batches (loss, accuracy, learning rate, momentum). */
  every: positiveInt().default(10).describe("Record a batch point every N batches (loss, accuracy, learning rate, momentum)."),
  /** Per-layer gradient ℓ2 norms (cheap: computed at every recorded batch). */
  gradients: z.boolean().default(true).describe("Per-layer gradient ℓ2 norms (cheap: computed at every recorded batch)."),
  /** Per-layer activation mean and standard deviation, sampled every `activations_every` recorded batches and at each epoch's end. */
  activations: z.boolean().default(true).describe("Per-layer activation mean and standard deviation, sampled every `activations_every` recorded batches and at each epoch's end."),
  activations_every: positiveInt().default(5),
  /** Where the activation statistics are measured: a fixed probe batch of this many training examples. */
  probe_size: positiveInt().default(256).describe("Where the activation statistics are measured: a fixed probe batch of this many training examples."),
});
export type RecordSpec = z.infer<typeof RecordSpec>;

export const EvaluateSpec = z.strictObject({
  /** Evaluate on the test set at the end (default true). */
  test: z.boolean().default(true).describe("Evaluate on the test set at the end (default true)."),
  /** Monte Carlo dropout: K stochastic forward passes with dropout active on the test set. */
  mc_dropout: z.strictObject({ samples: positiveInt().default(50) }).optional().describe("Monte Carlo dropout: K stochastic forward passes with dropout active on the test set."),
});
export type EvaluateSpec = z.infer<typeof EvaluateSpec>;

/** The part of an experiment that the engine runs. */
export const ExperimentCore = z.strictObject({
  dataset: DatasetSpec,
  model: ModelSpec,
  training: TrainingSpec.default(TrainingSpec.parse({})),
  record: RecordSpec.default(RecordSpec.parse({})),
  evaluate: EvaluateSpec.default(EvaluateSpec.parse({})),
});

/**
 * A complete experiment: the runnable core, plus what a lesson says about it, plus `full`: the
 * overrides that give the book's sizes (deep-merged over the default when "Run full" is chosen).
 */
export const ExperimentSpec = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'an id is lower-case letters, digits and dashes').optional(),
  title: z.string().optional(),
  /** What the run is expected to show, in a sentence or two (shown beside the charts). */
  explains: z.string().optional().describe("What the run is expected to show, in a sentence or two (shown beside the charts)."),
  /** Machine-checkable outcomes, e.g. `val_accuracy >= 0.8` (see docs/lesson-format.md). */
  expect: z.array(z.string().min(1)).optional().describe("Machine-checkable outcomes, e.g. `val_accuracy >= 0.8` (see docs/lesson-format.md)."),
  ...ExperimentCore.shape,
  full: z
    .strictObject({
      dataset: z.record(z.string(), z.unknown()).optional(),
      /** e.g. `model: { reuse: { unfreeze_learning_rate: 0.0001 } }`; a `layers` list replaces the whole list. */
      model: z.record(z.string(), z.unknown()).optional().describe("e.g. `model: { reuse: { unfreeze_learning_rate: 0.0001 } }`; a `layers` list replaces the whole list."),
      training: z.record(z.string(), z.unknown()).optional(),
      record: z.record(z.string(), z.unknown()).optional(),
      evaluate: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
/** As written (defaults not yet applied). */
export type ExperimentInput = z.input<typeof ExperimentSpec>;
/** After validation (defaults applied). */
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;
