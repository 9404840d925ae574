/**
 * What a training run reports, and the messages between a host (the extension host, the CLI or a
 * test) and the trainer process. Types only.
 */
import type { ExperimentSpec } from './spec';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;

export interface LayerSummary {
  name: string;
  /** Keras class name: Dense, BatchNormalization, ... */
  type: string;
  /** Output shape with `null` for the batch dimension, as Keras prints it. */
  outputShape: (number | null)[];
  params: number;
  trainableParams: number;
  /** Whether the layer came from a reused model. */
  reused?: boolean;
}

export interface ModelSummary {
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
}

/** Statistics of one layer's output on the probe batch. */
export interface ActivationStats {
  mean: number;
  std: number;
  /** Fraction of exactly-zero outputs (dead ReLUs) and of saturated outputs (|sigmoid−0.5| > 0.49, |tanh| > 0.98). */
  zeroFraction?: number;
  saturatedFraction?: number;
}

/**
 * A histogram with fixed bins: `counts[i]` values fell in bin i of `bins` equal steps between `lo`
 * and `hi` (of the value for `linear`, of log10 |value| for `log`). Values beyond the range are
 * counted in the edge bins (for `log`, |value| below 10^lo, zeros included, in the first); NaN
 * and ±Inf in `nonFinite`. So Σ counts + nonFinite = the number of values counted: all of them,
 * or, for a large kernel's gradient, a fixed strided sample of them (`sampledFrom` says of how many).
 */
export interface Histogram {
  scale: 'linear' | 'log';
  lo: number;
  hi: number;
  counts: number[];
  nonFinite: number;
  /** The values counted are a fixed strided sample of this many (large kernels' gradients). */
  sampledFrom?: number;
}

/** One instrumented layer's health on the probe batch. */
export interface LayerHealth {
  /** The block's activation (the Dense layer's, or an Activation layer's after it). */
  activation: string;
  mean: number;
  std: number;
  /** The fraction of outputs exactly 0. */
  zeroFraction?: number;
  /** ReLU-family blocks: the fraction of units that output 0 for every example of the probe batch. */
  deadFraction?: number;
  /** Sigmoid and tanh blocks: the fraction of outputs within 0.01 of the activation's bounds. */
  saturatedFraction?: number;
}

/**
 * What one instrumented layer looks like inside at one recorded step: the histogram of its block's
 * outputs on the probe batch, the histogram of its kernel's gradient (the step's batch; absent
 * when frozen or when gradients are not recorded), and its health.
 */
export interface LayerInside {
  activations: Histogram;
  gradients?: Histogram;
  health: LayerHealth;
}

/**
 * Per-layer instrumentation. `layers` names the layers that have a kernel (Dense), bottom to top;
 * `gradNorms[i]` is the ℓ2 norm of layer i's kernel gradient; `activations[i]` its output statistics.
 */
export interface LayerStats {
  gradNorms?: number[];
  activations?: ActivationStats[];
  /** Histograms and health per instrumented layer, every `histograms_every` recorded batches and at each epoch's end. */
  inside?: LayerInside[];
}

export interface Metrics {
  loss: number;
  accuracy?: number;
}

export interface StartEvent {
  type: 'start';
  runId: string;
  experiment: string;
  backend: BackendName;
  backendReason: string;
  summary: ModelSummary;
  /** Names of the instrumented (Dense) layers, bottom to top: the series of the per-layer charts. */
  instrumentedLayers: string[];
  epochs: number;
  batchesPerEpoch: number;
  trainSize: number;
  valSize: number;
  testSize: number;
  seed: number;
  /** `lr_finder` runs one sweep instead of training. */
  mode: 'train' | 'lr_finder';
  /** A variant started from its parent's initial weights: which layers were shared, which fresh. */
  twin?: TwinReport;
}

export interface TwinReport {
  /** The parent experiment (its key). */
  parent: string;
  /** The difference from the parent ("lr 0.01 → 0.1"). */
  label?: string;
  shared: string[];
  fresh: string[];
}

export interface BatchEvent extends LayerStats {
  type: 'batch';
  runId: string;
  epoch: number;
  /** Batch index within the epoch, from 0. */
  batch: number;
  /** Global iteration, from 0. */
  step: number;
  loss: number;
  accuracy?: number;
  lr: number;
  momentum?: number;
}

export interface EpochEvent extends LayerStats {
  type: 'epoch';
  runId: string;
  /** From 1. */
  epoch: number;
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  lr: number;
  momentum?: number;
  seconds: number;
  /** Layers that were frozen during this epoch. */
  frozen?: string[];
  /** Something the callbacks did this epoch: "lr reduced to 5e-4", "early stop: restored epoch 7". */
  notes?: string[];
}

export interface McDropoutResult {
  samples: number;
  /** Accuracy of the argmax of the mean probabilities over the K passes. */
  accuracy: number;
  /** Accuracy of one ordinary (dropout off) prediction, for comparison. */
  deterministicAccuracy: number;
  /** Mean over test examples of the std of the predicted class's probability across the K passes. */
  meanStd: number;
  /** Test examples that were passed through the network (the images are chosen among them). */
  tested: number;
  /** The dataset's class names, by label (for the images' captions). */
  classNames?: string[];
  /**
   * The `MC_IMAGES_EACH` least and most certain test images (all of them when the test set is
   * smaller than twice that), least certain first: ordered by predictive std, then by index.
   */
  images: McImage[];
}

/** One test image under MC dropout: its K passes and the ordinary (dropout off) prediction. */
export interface McImage {
  /** Position in the run's test split. */
  index: number;
  label: number;
  /** Std across the K passes of the probability of the predicted class (the argmax of `mean`). */
  predictiveStd: number;
  /** Per class: mean and std of the probability over the K passes. */
  mean: number[];
  std: number[];
  /** Per class: the probabilities of one pass with dropout off. */
  deterministic: number[];
  /**
   * The first `MC_PASSES_KEPT` passes' probabilities, `passesKept × classes` row-major, each
   * rounded to a byte (p·255) and base64-encoded.
   */
  passes: string;
  passesKept: number;
  /** Grey levels 0..255 of the image (`width × height`, base64) when the input is an image. */
  pixels?: string;
  width?: number;
  height?: number;
}

/** One of the LR finder's suggestions, with the one-line reason the chart shows beside it. */
export interface LrSuggestion {
  kind: 'valley' | 'steepest' | 'minimum';
  lr: number;
  reason: string;
}

export interface LrFinderResult {
  lrs: number[];
  /** The smoothed loss (bias-corrected moving average) at each rate. */
  losses: number[];
  /** The suggested rate: about ten times below the rate where the loss was lowest. */
  suggestedLr: number;
  /** The rate at which the loss was lowest. */
  bestLr: number;
  /** Valley, steepest descent and minimum ÷ 10, each with its reason. */
  suggestions: LrSuggestion[];
}

export interface EndEvent {
  type: 'end';
  runId: string;
  /** `diverged`: the loss or a gradient norm stopped being finite (see `divergence`). */
  status: 'completed' | 'cancelled' | 'early_stopped' | 'diverged';
  /** Where a diverged run went wrong. */
  divergence?: Divergence;
  epochsRun: number;
  final: Partial<Record<'loss' | 'accuracy' | 'val_loss' | 'val_accuracy', number>>;
  test?: Metrics;
  mcDropout?: McDropoutResult;
  lrFinder?: LrFinderResult;
  /** Epoch whose weights were restored by early stopping. */
  restoredEpoch?: number;
  seconds: number;
  samplesPerSecond: number;
  /** Tensors alive before and after the run (a leak check). */
  tensorsBefore: number;
  tensorsAfter: number;
}

/** Where a run diverged: the first step whose loss or gradient norm was not finite. */
export interface Divergence {
  epoch: number;
  /** Batch within the epoch (from 0) and step of the whole run (from 0). */
  batch: number;
  step: number;
  /** The lowest instrumented layer affected, when one can be named. */
  layer?: string;
  /** One sentence for people: what, where, and what to try. */
  detail: string;
}

export interface ErrorEvent {
  type: 'error';
  runId: string;
  message: string;
  /** Which part of the spec or which step failed, when known: `model.layers[2].units`, `dataset`. */
  where?: string;
}

/** Dataset resolution progress (a download, or reading from the cache). */
export interface DatasetEvent {
  type: 'dataset';
  runId: string;
  dataset: string;
  file: string;
  phase: 'local' | 'cache' | 'download' | 'verify' | 'done';
  loadedBytes?: number;
  totalBytes?: number;
}

export interface LogEvent {
  type: 'log';
  runId?: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export type RunEvent = StartEvent | BatchEvent | EpochEvent | EndEvent | ErrorEvent | DatasetEvent | LogEvent;

// ---------------------------------------------------------------- host <-> trainer

export interface RunOptions {
  backend?: BackendChoice;
  /** A local folder with the IDX files, looked in before the cache. */
  dataDir?: string;
  /** Where downloads are cached. */
  cacheDir?: string;
  /** Where trained models are kept for reuse by later experiments. */
  modelDir?: string;
  epochs?: number;
  seed?: number;
  /** Apply the experiment's `full` overrides. */
  full?: boolean;
  /** Maximum batch events per second (default 20); epoch events are never throttled. */
  maxBatchEventsPerSecond?: number;
}

export interface RunRequest {
  type: 'run';
  runId: string;
  /** `lesson-id/experiment-id` or a file path: used as the key for reuse between experiments. */
  experiment: string;
  spec: ExperimentSpec;
  /** Other experiments this run may need (a reuse source), by key, so the trainer can train them first. */
  dependencies?: Record<string, ExperimentSpec>;
  /** Only resolve the dataset (download, verify, cache): no model, no training; ends with an `end` of 0 epochs. */
  prepareOnly?: boolean;
  options: RunOptions;
  /**
   * Run as a twin of this parent (a variant): start from the parent's initial weights where the
   * layers match and draw its dropout masks. `label` says what differs.
   */
  twin?: { spec: ExperimentSpec; label?: string };
  /** Run this many seeds (the experiment's seed, then the next ones), one after the other; each seed is its own run, `<runId>/seed-<seed>`. */
  seeds?: number;
}

export type HostToTrainer =
  | RunRequest
  | { type: 'stop'; runId?: string }
  /** Pause the run between two batches, go on, or train one more epoch and pause again. */
  | { type: 'pause' | 'resume' | 'step'; runId: string }
  | { type: 'ping'; id: number }
  | { type: 'shutdown' };

export type TrainerToHost =
  | RunEvent
  | { type: 'ready'; pid: number; versions: Record<string, string> }
  | { type: 'queued'; runId: string; position: number }
  /** The run (the request's runId) is paused, running again, or stepping one epoch. */
  | { type: 'pauseState'; runId: string; state: 'running' | 'paused' | 'stepping' }
  | { type: 'pong'; id: number };

/** Exhaustiveness check for `switch` over a discriminated union. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/** Everything one run reported, as kept in history and checked against a lesson's `expect`. */
export interface RunRecord {
  runId: string;
  experiment: string;
  start?: StartEvent;
  epochs: EpochEvent[];
  end?: EndEvent;
  error?: ErrorEvent;
}
