/**
 * What an experiment will cost, computed from the spec alone (no TensorFlow.js), so that the
 * editor, the CLI and the validator can all ask before a run: the parameter count, an estimate of
 * the peak memory, and the work (examples passed through the model × parameters, one pass being a
 * multiply-add per parameter). Estimates, not measurements: they follow the engine's layout
 * (float32 tensors, one gradient and the optimizer's slots per weight, evaluation in batches of
 * 1,000) and err on the high side (class filters are ignored).
 */
import type { ExperimentSpec, LayerSpec } from './spec';

export interface CostEstimate {
  /** Weights of the model (trainable and not: BatchNormalization's moving statistics included). */
  parameters: number;
  /** Peak memory in bytes: the data in float32, the weights with their gradients and optimizer slots, one batch's activations. */
  memoryBytes: number;
  /** Examples passed through the model (training, validation each epoch, test, MC dropout) × parameters. */
  work: number;
  /** Examples: training set, validation set, test set. */
  examples: { train: number; val: number; test: number };
  /** Set when the estimate leaves out layers it cannot see (reused from another experiment). */
  partial?: string;
}

const REAL = new Set(['fashion-mnist', 'mnist']);
const DEFAULT_SAMPLES: Record<string, number> = { spirals: 3000, moons: 3000, blobs: 3000, shapes: 6000 };
const SLOTS: Record<string, number> = { sgd: 0, momentum: 1, nesterov: 1, adagrad: 1, rmsprop: 1, adam: 2, adamax: 2, nadam: 2 };
const EVAL_BATCH = 1000;
const F32 = 4;

/** One example's shape as the model sees it (before `input_shape` overrides it). */
function datasetShape(d: ExperimentSpec['dataset']): number[] {
  if (REAL.has(d.name) || d.name === 'shapes') return [28, 28];
  if (d.name === 'blobs') return [d.features ?? 2];
  return [2];
}

function examples(spec: ExperimentSpec): CostEstimate['examples'] {
  const d = spec.dataset;
  if (REAL.has(d.name)) {
    const val = d.val_size ?? 5000;
    const train = Math.min(d.train_size ?? Infinity, Math.max(0, 60_000 - val));
    return { train, val: Math.min(val, 60_000), test: Math.min(d.test_size ?? 10_000, 10_000) };
  }
  const n = d.samples ?? DEFAULT_SAMPLES[d.name] ?? 3000;
  const val = Math.min(n, d.val_size ?? Math.round(n * 0.15));
  const test = Math.min(n - val, d.test_size ?? Math.round(n * 0.15));
  return { train: Math.min(d.train_size ?? Infinity, n - val - test), val, test };
}

/** Parameters of the stack and the sum of its layers' output widths (for the activations held per example). */
function walkLayers(layers: readonly LayerSpec[], inputWidth: number): { parameters: number; widths: number; width: number } {
  let width = inputWidth;
  let parameters = 0;
  let widths = width;
  for (const l of layers) {
    if (l.type === 'Dense') {
      parameters += width * l.units + (l.use_bias === false ? 0 : l.units);
      width = l.units;
      const act = typeof l.activation === 'object' ? l.activation.name : l.activation;
      if (act === 'prelu') parameters += width;
    } else if (l.type === 'BatchNormalization') {
      parameters += 4 * width;
    } else if (l.type === 'Activation') {
      const act = typeof l.activation === 'object' ? l.activation.name : l.activation;
      if (act === 'prelu') parameters += width;
    }
    widths += width;
  }
  return { parameters, widths, width };
}

/**
 * The estimate for `spec` as it will run. `source` is the experiment that `model.reuse.from`
 * names, when the caller knows it; without it the reused layers are left out (and `partial` says so).
 */
export function estimateCost(spec: ExperimentSpec, source?: ExperimentSpec): CostEstimate {
  const shape = spec.model.input_shape ?? (source?.model.input_shape ?? datasetShape(spec.dataset));
  const inputWidth = shape.reduce((a, b) => a * b, 1);
  let parameters = 0;
  let widths = 0;
  let width = inputWidth;
  let partial: string | undefined;
  const reuse = spec.model.reuse;
  if (reuse && source) {
    const src = source.model.layers;
    const kept = reuse.take_first !== undefined ? src.slice(0, reuse.take_first) : src.slice(0, Math.max(0, src.length - (reuse.drop_last ?? 1)));
    const r = walkLayers(kept, inputWidth);
    parameters += r.parameters;
    widths += r.widths;
    width = r.width;
  } else if (reuse) {
    partial = `the layers reused from ${reuse.from} are not counted`;
  }
  const own = walkLayers(spec.model.layers, width);
  parameters += own.parameters;
  widths += own.widths;

  const ex = examples(spec);
  const finder = spec.training.lr_finder;
  const epochs = finder ? 1 : spec.training.epochs;
  const trainPasses = finder?.iterations !== undefined ? finder.iterations * spec.training.batch_size : ex.train * epochs;
  const mc = spec.evaluate.mc_dropout?.samples ?? 0;
  const testPasses = spec.evaluate.test || mc ? ex.test * (1 + mc) : 0;
  const work = parameters * (trainPasses + (finder ? 0 : ex.val * epochs) + testPasses);

  const data = (ex.train + ex.val + ex.test) * inputWidth * F32 + (REAL.has(spec.dataset.name) ? 70_000 * 784 : 0);
  const weights = parameters * F32 * (2 + (SLOTS[spec.training.optimizer.name] ?? 2));
  const rows = Math.max(spec.training.batch_size, spec.record.probe_size, EVAL_BATCH);
  const activations = rows * widths * F32 * 3;
  return { parameters, memoryBytes: data + weights + activations, work, examples: ex, ...(partial ? { partial } : {}) };
}

/** A soft budget: above it a run asks before it starts (the panel) or needs `--yes` (the CLI). */
export interface CostBudget {
  /** Work in units of 10⁹ (parameter × example passes). */
  gigaWork: number;
  memoryMiB: number;
}

/** Above every built-in experiment, `full` included (the largest: 590 G of work, about 320 MiB). */
export const DEFAULT_BUDGET: CostBudget = { gigaWork: 1000, memoryMiB: 2048 };

/** What is over the budget, in words ("work 3,100 G (budget 2,000 G)"), or [] when within it. */
export function overBudget(cost: CostEstimate, budget: CostBudget): string[] {
  const out: string[] = [];
  if (cost.work / 1e9 > budget.gigaWork) out.push(`work ${formatGiga(cost.work)} (budget ${budget.gigaWork.toLocaleString('en-US')} G)`);
  if (cost.memoryBytes / 2 ** 20 > budget.memoryMiB) out.push(`memory about ${formatMiB(cost.memoryBytes)} (budget ${budget.memoryMiB.toLocaleString('en-US')} MiB)`);
  return out;
}

export function formatGiga(work: number): string {
  const g = work / 1e9;
  return `${g >= 10 ? Math.round(g).toLocaleString('en-US') : g.toPrecision(2)} G`;
}

export function formatMiB(bytes: number): string {
  const m = bytes / 2 ** 20;
  return `${m >= 10 ? Math.round(m).toLocaleString('en-US') : m.toPrecision(2)} MiB`;
}

/** One line for a run card or a terminal: "266,610 parameters · about 420 MiB · work 440 G". */
export function formatCost(cost: CostEstimate): string {
  return `${cost.parameters.toLocaleString('en-US')} parameters · about ${formatMiB(cost.memoryBytes)} · work ${formatGiga(cost.work)}${cost.partial ? ` (${cost.partial})` : ''}`;
}

/** The cost of `runs` runs one after the other (N seeds, a variant and its original): N times the work, the same peak memory. */
export function timesRuns(cost: CostEstimate, runs: number): CostEstimate {
  return runs > 1 ? { ...cost, work: cost.work * runs, ...(cost.partial ? { partial: cost.partial } : {}) } : cost;
}
