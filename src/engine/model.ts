/**
 * The model: a stack of Keras-named layers over our own variables, so that the training loop can
 * see inside (per-layer gradients and activations), initial weights and dropout masks are seeded,
 * layers can be copied into a new model for transfer learning, and the summary counts parameters
 * exactly as Keras does.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSummary, ModelSummary } from '../protocol/events';
import type { ActivationName, ActivationSpec, ConstraintSpec, InitializerSpec, LayerSpec, RegularizerSpec } from '../protocol/spec';
import { initKernel } from './init';
import { batchNormTraining } from './kernels';
import { denseFused } from './denseFused';
import { denseStack, denseStackOutputs, type StackLayer } from './denseStack';
import { batchNormFused } from './batchNormFused';
import { fastMatMulOptions } from './kernels';
import { FUSED_ACTIVATIONS, type FusedActivation } from './wasm/smallmm';
import { Rng } from './rng';

/** Where an error in the spec is: `model.layers[2].units`. */
export class SpecError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
  }
}

export interface Param {
  name: string;
  variable: tf.Variable;
  trainable: boolean;
}

export interface ForwardContext {
  training: boolean;
  /** Dropout active (training, or MC dropout at inference). */
  dropout: boolean;
  /** Seed for this forward pass's dropout masks. */
  seed: number;
  /** Batch-norm moving averages to assign after the step: [variable, new value]. */
  updates?: [tf.Variable, tf.Tensor][];
  /** When set, collects the output of each instrumented block (a Dense layer and what follows it up to the next Dense). */
  blockOutputs?: BlockOutput[];
  /**
   * Set by `Model.forward` for each layer in training: whether its input depends on a variable the
   * optimizer updates (else the fused Dense kernel skips the input's gradient). Unset: assume it does.
   */
  inputGrad?: boolean;
}

/**
 * One instrumented block's output on a forward pass: `size` values (`units` per example) of
 * `tensor` from element `offset`. A run of Dense layers done as one operation writes the outputs
 * of all but its last layer one after the other into one tensor (`denseStackOutputs`).
 */
export interface BlockOutput {
  tensor: tf.Tensor;
  offset: number;
  size: number;
  units: number;
}

/** A whole tensor as a block output. */
export function wholeBlock(t: tf.Tensor): BlockOutput {
  return { tensor: t, offset: 0, size: t.size, units: t.shape[t.shape.length - 1] ?? 1 };
}

let modelCounter = 0;

/** leaky_relu's slope for z < 0 when the spec gives none. */
export const LEAKY_RELU_ALPHA = 0.2;

function activationName(a: ActivationSpec | undefined): ActivationName {
  if (a === undefined) return 'linear';
  return typeof a === 'string' ? a : a.name;
}

function activationAlpha(a: ActivationSpec | undefined): number | undefined {
  return typeof a === 'object' ? a.alpha : undefined;
}

/** Apply an activation. `prelu` needs its learned slopes. */
export function activate(x: tf.Tensor, name: ActivationName, alpha?: number, preluAlpha?: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
    case 'leaky_relu':
      // 0.2: the book's slope (LeakyReLU(alpha=0.2)) and Keras 3's `leaky_relu` default (Keras 2's layer had 0.3).
      return tf.leakyRelu(x, alpha ?? LEAKY_RELU_ALPHA);
    case 'elu':
      return alpha === undefined || alpha === 1 ? tf.elu(x) : tf.where(tf.greater(x, 0), x, tf.mul(alpha, tf.sub(tf.exp(x), 1)));
    case 'selu':
      return tf.selu(x);
    case 'gelu':
      // Exact GELU, as Keras's default: x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'softmax':
      return tf.softmax(x);
    case 'prelu':
      if (!preluAlpha) throw new Error('prelu needs its slopes');
      return tf.prelu(x, preluAlpha);
  }
}

export abstract class Layer {
  reused = false;
  /** Whether the optimizer updates this layer's trainable parameters (transfer learning freezes layers). */
  frozen = false;
  readonly params: Param[] = [];
  constructor(
    readonly name: string,
    readonly type: string,
    readonly inputShape: number[],
    readonly outputShape: number[],
  ) {}
  abstract apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;
  /** The spec that builds this layer again (with its name), for saving a model. */
  abstract toSpec(): LayerSpec;
  /** A fresh copy with the same weights (new variables): the source model is never touched. */
  abstract clone(prefix: string): Layer;
  /** Penalty added to the loss (ℓ1/ℓ2), or undefined. */
  regularization(): tf.Scalar | undefined {
    return undefined;
  }
  /** After each optimizer step (max-norm). */
  constrain(): void {}
  protected addParam(prefix: string, param: string, value: tf.Tensor, trainable: boolean): tf.Variable {
    const variable = tf.variable(value, trainable, `${prefix}/${this.name}/${param}`);
    value.dispose();
    this.params.push({ name: param, variable, trainable });
    return variable;
  }
  protected copyParamsFrom(src: Layer, prefix: string): void {
    for (const p of src.params) this.addParam(prefix, p.name, p.variable.clone(), p.trainable);
    this.reused = true;
  }
  paramCount(): number {
    return this.params.reduce((s, p) => s + p.variable.size, 0);
  }
  /** Parameters the optimizer updates now: none while the layer is frozen (Keras counts them as non-trainable). */
  trainableCount(): number {
    if (this.frozen) return 0;
    return this.params.filter((p) => p.trainable).reduce((s, p) => s + p.variable.size, 0);
  }
  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }
}

const features = (shape: number[]): number => shape[shape.length - 1];

export class Dense extends Layer {
  kernel!: tf.Variable;
  bias?: tf.Variable;
  alpha?: tf.Variable;
  readonly activation: ActivationName;
  readonly leak?: number;
  constructor(
    name: string,
    inputShape: number[],
    readonly spec: Extract<LayerSpec, { type: 'Dense' }>,
    prefix: string,
    rng: Rng | undefined,
  ) {
    super(name, 'Dense', inputShape, [...inputShape.slice(0, -1), spec.units]);
    this.activation = activationName(spec.activation);
    this.leak = activationAlpha(spec.activation);
    if (!rng) return; // a clone fills its parameters itself
    const fanIn = features(inputShape);
    const init: InitializerSpec = spec.kernel_initializer ?? 'glorot_uniform';
    this.kernel = this.addParam(prefix, 'kernel', tf.tensor2d(initKernel(init, fanIn, spec.units, rng), [fanIn, spec.units]), true);
    if (spec.use_bias !== false) this.bias = this.addParam(prefix, 'bias', tf.zeros([spec.units]), true);
    if (this.activation === 'prelu') this.alpha = this.addParam(prefix, 'alpha', tf.zeros([spec.units]), true);
  }
  /**
   * The activation the fused kernels would compute for this layer ('linear' for the logits), or
   * undefined when they cannot take it (frozen, or an activation or slope they do not compute).
   */
  fusedActivation(asLogits: boolean): FusedActivation | undefined {
    if (this.frozen) return undefined;
    if (asLogits) return 'linear';
    const fusable = this.leak === undefined || (this.activation === 'elu' && this.leak === 1);
    return fusable && this.activation in FUSED_ACTIVATIONS ? (this.activation as FusedActivation) : undefined;
  }
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const fusable = !this.frozen && (this.leak === undefined || (this.activation === 'elu' && this.leak === 1));
    const fused = fusable ? denseFused(x, this.kernel, this.bias, this.activation, ctx.inputGrad ?? true) : undefined;
    if (fused) return fused;
    let y = this.linear(x, ctx);
    y = activate(y, this.activation, this.leak, this.alpha);
    return y;
  }
  toSpec(): LayerSpec {
    return { ...this.spec, name: this.name };
  }
  /** x·W + b, before the activation. */
  linear(x: tf.Tensor, ctx?: ForwardContext): tf.Tensor {
    const fused = this.frozen ? undefined : denseFused(x, this.kernel, this.bias, 'linear', ctx?.inputGrad ?? true);
    if (fused) return fused;
    const y = x.rank === 2 ? tf.matMul(x as tf.Tensor2D, this.kernel as tf.Variable<tf.Rank.R2>) : tf.dot(x, this.kernel);
    return this.bias ? tf.add(y, this.bias) : y;
  }
  clone(prefix: string): Layer {
    const c = new Dense(this.name, this.inputShape, this.spec, prefix, undefined);
    c.copyParamsFrom(this, prefix);
    c.kernel = c.params.find((p) => p.name === 'kernel')!.variable;
    c.bias = c.params.find((p) => p.name === 'bias')?.variable;
    c.alpha = c.params.find((p) => p.name === 'alpha')?.variable;
    return c;
  }
  regularization(): tf.Scalar | undefined {
    const r: RegularizerSpec | undefined = this.spec.kernel_regularizer;
    if (!r) return undefined;
    const l1 = 'l1' in r ? r.l1 : 0;
    const l2 = 'l2' in r ? r.l2 : 0;
    let penalty: tf.Scalar = tf.scalar(0);
    if (l1 > 0) penalty = tf.add(penalty, tf.mul(l1, tf.sum(tf.abs(this.kernel)))) as tf.Scalar;
    if (l2 > 0) penalty = tf.add(penalty, tf.mul(l2, tf.sum(tf.square(this.kernel)))) as tf.Scalar;
    return penalty;
  }
  constrain(): void {
    const c: ConstraintSpec | undefined = this.spec.kernel_constraint;
    if (!c || this.frozen) return;
    tf.tidy(() => {
      const norms = tf.sqrt(tf.sum(tf.square(this.kernel), c.axis, true));
      const desired = tf.clipByValue(norms, 0, c.max_norm);
      this.kernel.assign(tf.mul(this.kernel, tf.div(desired, tf.add(norms, 1e-7))));
    });
  }
}

export class BatchNormalization extends Layer {
  gamma!: tf.Variable;
  beta!: tf.Variable;
  movingMean!: tf.Variable;
  movingVariance!: tf.Variable;
  readonly momentum: number;
  readonly epsilon: number;
  constructor(name: string, inputShape: number[], readonly spec: Extract<LayerSpec, { type: 'BatchNormalization' }>, prefix: string, fresh: boolean) {
    super(name, 'BatchNormalization', inputShape, inputShape);
    this.momentum = spec.momentum ?? 0.99;
    this.epsilon = spec.epsilon ?? 1e-3;
    if (!fresh) return;
    const n = features(inputShape);
    this.gamma = this.addParam(prefix, 'gamma', tf.ones([n]), true);
    this.beta = this.addParam(prefix, 'beta', tf.zeros([n]), true);
    this.movingMean = this.addParam(prefix, 'moving_mean', tf.zeros([n]), false);
    this.movingVariance = this.addParam(prefix, 'moving_variance', tf.ones([n]), false);
  }
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    // A frozen batch-norm layer runs in inference mode, as in Keras (TF 2).
    if (ctx.training && !this.frozen) {
      // On flat inputs on wasm, one kernel each way (batchNormFused.ts), moving statistics included.
      const fused = batchNormFused(x, this.gamma, this.beta, this.movingMean, this.movingVariance, this.epsilon, this.momentum);
      if (fused) {
        if (ctx.updates) ctx.updates.push([this.movingMean, fused.movingMean], [this.movingVariance, fused.movingVariance]);
        else tf.dispose([fused.movingMean, fused.movingVariance]);
        return fused.y;
      }
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      if (ctx.updates) {
        const m = this.momentum;
        ctx.updates.push([this.movingMean, tf.keep(tf.add(tf.mul(this.movingMean, m), tf.mul(mean, 1 - m)))]);
        ctx.updates.push([this.movingVariance, tf.keep(tf.add(tf.mul(this.movingVariance, m), tf.mul(variance, 1 - m)))]);
      }
      // On flat inputs, batch norm with its gradient written out (fewer kernels than autodiff; same numbers).
      if (x.rank === 2) return batchNormTraining(x as tf.Tensor2D, mean, variance, this.gamma as tf.Tensor as tf.Tensor1D, this.beta as tf.Tensor as tf.Tensor1D, this.epsilon);
      return tf.batchNorm(x, mean, variance, this.beta, this.gamma, this.epsilon);
    }
    return tf.batchNorm(x, this.movingMean, this.movingVariance, this.beta, this.gamma, this.epsilon);
  }
  toSpec(): LayerSpec {
    return { ...this.spec, name: this.name };
  }
  clone(prefix: string): Layer {
    const c = new BatchNormalization(this.name, this.inputShape, this.spec, prefix, false);
    c.copyParamsFrom(this, prefix);
    const get = (n: string) => c.params.find((p) => p.name === n)!.variable;
    c.gamma = get('gamma');
    c.beta = get('beta');
    c.movingMean = get('moving_mean');
    c.movingVariance = get('moving_variance');
    return c;
  }
}

export class Flatten extends Layer {
  constructor(name: string, inputShape: number[]) {
    super(name, 'Flatten', inputShape, [inputShape.reduce((a, b) => a * b, 1)]);
  }
  apply(x: tf.Tensor): tf.Tensor {
    return x.rank === 2 ? x : tf.reshape(x, [x.shape[0], this.outputShape[0]]);
  }
  toSpec(): LayerSpec {
    return { type: 'Flatten', name: this.name };
  }
  clone(): Layer {
    const c = new Flatten(this.name, this.inputShape);
    c.reused = true;
    return c;
  }
}

export class Activation extends Layer {
  alpha?: tf.Variable;
  readonly activation: ActivationName;
  readonly leak?: number;
  constructor(name: string, inputShape: number[], readonly spec: Extract<LayerSpec, { type: 'Activation' }>, prefix: string, fresh: boolean) {
    super(name, 'Activation', inputShape, inputShape);
    this.activation = activationName(spec.activation);
    this.leak = activationAlpha(spec.activation);
    if (fresh && this.activation === 'prelu') this.alpha = this.addParam(prefix, 'alpha', tf.zeros([features(inputShape)]), true);
  }
  apply(x: tf.Tensor): tf.Tensor {
    return activate(x, this.activation, this.leak, this.alpha);
  }
  toSpec(): LayerSpec {
    return { ...this.spec, name: this.name };
  }
  clone(prefix: string): Layer {
    const c = new Activation(this.name, this.inputShape, this.spec, prefix, false);
    c.copyParamsFrom(this, prefix);
    c.alpha = c.params.find((p) => p.name === 'alpha')?.variable;
    return c;
  }
}

/** Seeded dropout: each forward pass's masks come from (ctx.seed, layer index), so runs repeat exactly. */
export class Dropout extends Layer {
  constructor(
    name: string,
    inputShape: number[],
    readonly rate: number,
    readonly alphaDropout: boolean,
    /** Where the masks come from: the layer's position, or its twin parent's (so both draw the same masks). */
    public index: number,
  ) {
    super(name, alphaDropout ? 'AlphaDropout' : 'Dropout', inputShape, inputShape);
  }
  apply(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (!ctx.dropout || this.rate === 0) return x;
    const keep = 1 - this.rate;
    const seed = (ctx.seed * 7919 + this.index * 104729) % 2147483647;
    const mask = tf.cast(tf.less(tf.randomUniform(x.shape, 0, 1, 'float32', seed), keep), 'float32');
    if (!this.alphaDropout) return tf.mul(tf.mul(x, mask), 1 / keep);
    // Alpha dropout (Klambauer et al. 2017): dropped units are set to SELU's negative saturation
    // value α' = −λα, then an affine map a·x + b restores mean 0 and variance 1.
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = 1 / Math.sqrt(keep * (1 + this.rate * alphaP * alphaP));
    const b = -a * alphaP * this.rate;
    const kept = tf.add(tf.mul(x, mask), tf.mul(alphaP, tf.sub(1, mask)));
    return tf.add(tf.mul(kept, a), b);
  }
  toSpec(): LayerSpec {
    return { type: this.alphaDropout ? 'AlphaDropout' : 'Dropout', rate: this.rate, name: this.name };
  }
  clone(): Layer {
    const c = new Dropout(this.name, this.inputShape, this.rate, this.alphaDropout, this.index);
    c.reused = true;
    return c;
  }
}

const KERAS_NAMES: Record<string, string> = {
  Dense: 'dense',
  Flatten: 'flatten',
  BatchNormalization: 'batch_normalization',
  Activation: 'activation',
  Dropout: 'dropout',
  AlphaDropout: 'alpha_dropout',
};

export class Model {
  readonly id: number;
  readonly prefix: string;
  constructor(
    readonly inputShape: number[],
    readonly layers: Layer[],
  ) {
    this.id = ++modelCounter;
    this.prefix = `m${this.id}`;
  }

  /**
   * Build from layer specs, on top of `base` layers (already cloned for this model, if reusing).
   * `rng` draws every initial weight.
   */
  static build(inputShape: number[], specs: LayerSpec[], rng: Rng, base: Layer[] = [], where = 'model.layers'): Model {
    const id = modelCounter + 1;
    const prefix = `m${id}`;
    const layers: Layer[] = [...base];
    const used = new Set(base.map((l) => l.name));
    const counts: Record<string, number> = {};
    for (const l of base) counts[l.type] = (counts[l.type] ?? 0) + 1;
    let shape = base.length ? base[base.length - 1].outputShape : inputShape;
    specs.forEach((spec, i) => {
      const at = `${where}[${i}]`;
      const keras = KERAS_NAMES[spec.type];
      let name = spec.name;
      if (!name) {
        do {
          const k = counts[spec.type] ?? 0;
          counts[spec.type] = k + 1;
          name = k === 0 ? keras : `${keras}_${k}`;
        } while (used.has(name));
      }
      if (used.has(name)) throw new SpecError(`${at}.name`, `the layer name "${name}" is used twice; give each layer its own name`);
      used.add(name);
      if (spec.type === 'Dense' && shape.length !== 1) {
        throw new SpecError(at, `a Dense layer needs flat input, but its input has shape [${shape.join(', ')}]; put { type: Flatten } before it`);
      }
      let layer: Layer;
      switch (spec.type) {
        case 'Dense':
          layer = new Dense(name, shape, spec, prefix, rng.fork(i + 1));
          break;
        case 'Flatten':
          layer = new Flatten(name, shape);
          break;
        case 'BatchNormalization':
          layer = new BatchNormalization(name, shape, spec, prefix, true);
          break;
        case 'Activation':
          layer = new Activation(name, shape, spec, prefix, true);
          break;
        case 'Dropout':
        case 'AlphaDropout':
          layer = new Dropout(name, shape, spec.rate, spec.type === 'AlphaDropout', layers.length);
          break;
      }
      if (spec.trainable === false) layer.frozen = true;
      layers.push(layer);
      shape = layer.outputShape;
    });
    const m = new Model(inputShape, layers);
    if (m.prefix !== prefix) throw new Error('model ids out of step');
    return m;
  }

  get outputShape(): number[] {
    return this.layers[this.layers.length - 1].outputShape;
  }

  /** The layers whose gradients and activations the lessons chart: the Dense layers, bottom to top. */
  get denseLayers(): Dense[] {
    return this.layers.filter((l): l is Dense => l instanceof Dense);
  }

  /** The output activation, when the last layer (Dense or Activation) has one that a loss can fuse. */
  get outputActivation(): ActivationName {
    const last = this.layers[this.layers.length - 1];
    if (last instanceof Dense || last instanceof Activation) return last.activation;
    return 'linear';
  }

  /**
   * Forward pass. With `logits`, the final softmax or sigmoid is left out so that the loss can be
   * computed stably from the logits.
   */
  forward(x: tf.Tensor, ctx: ForwardContext, logits = false): tf.Tensor {
    let y = x;
    const n = this.layers.length;
    const blocks = ctx.blockOutputs;
    let inBlock = false;
    let upstreamTrainable = false;
    for (let i = 0; i < n; i++) {
      const layer = this.layers[i];
      if (ctx.training) ctx.inputGrad = upstreamTrainable;
      if (!layer.frozen && layer.params.some((p) => p.trainable)) upstreamTrainable = true;
      if (layer instanceof Dense) {
        if (blocks && inBlock) blocks.push(wholeBlock(y));
        inBlock = true;
      }
      // Consecutive Dense layers as one operation (denseStack.ts); when the block outputs are
      // collected (inference only), the one kernel's hidden outputs are those of its layers.
      const stack = !fastMatMulOptions.denseStack || (blocks && (ctx.training || !fastMatMulOptions.probeStack)) ? [] : this.denseRun(i, logits);
      const stacked = stack.length < 2 ? undefined : blocks ? denseStackOutputs(y, stack) : { y: denseStack(y, stack, ctx.inputGrad ?? true) };
      if (stacked?.y) {
        if (blocks && 'hidden' in stacked) {
          const rows = y.shape[0];
          // Every layer but the last is followed by a Dense layer: its block ends there.
          for (let k = 0; k < stack.length - 1; k++) blocks.push({ tensor: stacked.hidden, offset: stacked.offsets[k], size: rows * stacked.units[k], units: stacked.units[k] });
        }
        y = stacked.y;
        upstreamTrainable = true;
        i += stack.length - 1;
        continue;
      }
      const last = i === n - 1;
      if (last && logits && this.logitsOnly) {
        y = layer instanceof Dense ? layer.linear(y, ctx) : y;
      } else {
        y = layer.apply(y, ctx);
      }
    }
    if (blocks && inBlock) blocks.push(wholeBlock(y));
    return y;
  }

  /** Whether a forward pass for logits leaves out the last layer's activation. */
  private get logitsOnly(): boolean {
    return this.outputActivation === 'softmax' || this.outputActivation === 'sigmoid';
  }

  /** The Dense layers from `from` on that the fused kernels can take one after the other (the run ends at the first that they cannot). */
  private denseRun(from: number, logits: boolean): StackLayer[] {
    const run: StackLayer[] = [];
    for (let i = from; i < this.layers.length; i++) {
      const layer = this.layers[i];
      const activation = layer instanceof Dense ? layer.fusedActivation(logits && i === this.layers.length - 1 && this.logitsOnly) : undefined;
      if (!activation) break;
      run.push({ w: (layer as Dense).kernel, b: (layer as Dense).bias, activation });
    }
    return run;
  }

  allParams(): Param[] {
    return this.layers.flatMap((l) => l.params);
  }

  /** Variables the optimizer updates now: trainable parameters of layers that are not frozen. */
  trainableVariables(): tf.Variable[] {
    return this.layers.filter((l) => !l.frozen).flatMap((l) => l.params.filter((p) => p.trainable).map((p) => p.variable));
  }

  /** Every variable, for snapshots (early stopping, the LR finder). */
  allVariables(): tf.Variable[] {
    return this.allParams().map((p) => p.variable);
  }

  /** Kernels of the Dense layers, in order (their gradients are the per-layer norms). */
  denseKernels(): tf.Variable[] {
    return this.denseLayers.map((d) => d.kernel);
  }

  regularization(): tf.Scalar | undefined {
    let total: tf.Scalar | undefined;
    for (const l of this.layers) {
      const r = l.regularization();
      if (r) total = total ? (tf.add(total, r) as tf.Scalar) : r;
    }
    return total;
  }

  constrain(): void {
    for (const l of this.layers) l.constrain();
  }

  summary(): ModelSummary {
    const layers: LayerSummary[] = this.layers.map((l) => ({
      name: l.name,
      type: l.type,
      outputShape: [null, ...l.outputShape],
      params: l.paramCount(),
      trainableParams: l.trainableCount(),
      ...(l.reused ? { reused: true } : {}),
    }));
    const totalParams = layers.reduce((s, l) => s + l.params, 0);
    const trainableParams = layers.reduce((s, l) => s + l.trainableParams, 0);
    return { layers, totalParams, trainableParams, nonTrainableParams: totalParams - trainableParams };
  }

  /** Copies of the first `count` layers (weights copied into new variables), for a new model to build on. */
  cloneLayers(count: number, prefix: string): Layer[] {
    return this.layers.slice(0, count).map((l) => l.clone(prefix));
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

/** The prefix the next model built will use (reused layers must be cloned under it). */
export function nextModelPrefix(): string {
  return `m${modelCounter + 1}`;
}

/** Keras's text summary, for terminals. */
export function formatSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [`${l.name} (${l.type})${l.reused ? ' [reused]' : ''}`, `(${l.outputShape.map((d) => (d === null ? 'None' : d)).join(', ')})`, l.params.toLocaleString('en-US')]);
  const w = [34, 22, 12];
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join('').trimEnd();
  return [
    line(['Layer (type)', 'Output Shape', 'Param #']),
    '='.repeat(68),
    ...rows.map(line),
    '='.repeat(68),
    `Total params: ${s.totalParams.toLocaleString('en-US')}`,
    `Trainable params: ${s.trainableParams.toLocaleString('en-US')}`,
    `Non-trainable params: ${s.nonTrainableParams.toLocaleString('en-US')}`,
  ].join('\n');
}

