/**
 * The eight optimizers of the chapter, written as Keras formulates them, with a learning rate and
 * a momentum that can be changed before any step (schedules and 1cycle write them).
 *
 * tf.train.* is not used: its hyperparameters are fixed at construction and it has neither
 * Nadam nor Keras's AdaMax. Here every optimizer keeps, per variable, a step count t and its slot
 * variables (created lazily on the variable's first step, all `tf.Variable`s outside any tidy
 * scope, disposed by `reset()` and `dispose()`). Keras keeps one global step count; here each
 * variable counts its own steps, which is the same thing while every variable is updated at every
 * step, and gives a fresh bias correction to variables that join later (after unfreezing).
 *
 * Notation: θ the variable, g its gradient, η the learning rate, ε epsilon (default 1e-7, as Keras).
 * The defaults (learning rates included) are Keras's and live in the spec (`protocol/spec.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerName, OptimizerSpec } from '../../protocol/spec';
import { canOptimStep, optimSteps } from '../optimStep';
import type { OptimKind } from '../wasm/smallmm';

type SpecOf<N extends OptimizerName> = Extract<OptimizerSpec, { name: N }>;

export interface Optimizer {
  readonly name: OptimizerName;
  /** Settable at every step (schedules write it). */
  learningRate: number;
  /**
   * Settable where the optimizer has one (momentum, nesterov: β; adam/adamax/nadam: β1; rmsprop:
   * only when the spec gives `momentum`; sgd: only when the spec gives `momentum` > 0); undefined
   * otherwise, where setting it is ignored.
   */
  momentum: number | undefined;
  readonly hasMomentum: boolean;
  /** One step: vars[i] -= update(grads[i]). Disposes nothing it does not own; leaks no tensors. */
  apply(vars: tf.Variable[], grads: tf.Tensor[]): void;
  /** Drop all slot state (used when variables change, e.g. after unfreezing). */
  reset(): void;
  dispose(): void;
  /** How many slot tensors the optimizer holds now (for leak accounting). */
  readonly slotCount: number;
}

interface VarState {
  /** Steps taken on this variable, counting the current one (1 on the first step). */
  t: number;
  slots: tf.Variable[];
  /** Nadam's momentum cache Π μ_i, a plain number (it is the same for every element). */
  mSchedule: number;
}

abstract class BaseOptimizer implements Optimizer {
  learningRate: number;
  protected readonly epsilon: number;
  private readonly state = new Map<number, VarState>();
  private beta: number | undefined;

  constructor(
    readonly name: OptimizerName,
    spec: OptimizerSpec,
    initialMomentum: number | undefined,
    private readonly slotsPerVar: number,
    private readonly slotInit: number = 0,
  ) {
    this.learningRate = spec.learning_rate;
    this.epsilon = 'epsilon' in spec ? spec.epsilon : 0;
    this.beta = initialMomentum;
  }

  get hasMomentum(): boolean {
    return this.beta !== undefined;
  }

  get momentum(): number | undefined {
    return this.beta;
  }

  set momentum(value: number | undefined) {
    if (this.beta === undefined || value === undefined) return;
    if (!(value >= 0 && value < 1)) throw new Error(`momentum must be in [0, 1), got ${value}`);
    this.beta = value;
  }

  get slotCount(): number {
    let n = 0;
    for (const s of this.state.values()) n += s.slots.length;
    return n;
  }

  apply(vars: tf.Variable[], grads: tf.Tensor[]): void {
    if (vars.length !== grads.length) {
      throw new Error(`optimizer ${this.name}: ${vars.length} variables but ${grads.length} gradients`);
    }
    const lr = this.learningRate;
    if (!Number.isFinite(lr) || lr < 0) throw new Error(`optimizer ${this.name}: learning rate must be a finite number ≥ 0, got ${lr}`);
    for (let i = 0; i < vars.length; i++) {
      const v = vars[i];
      const g = grads[i];
      if (!shapesEqual(v.shape, g.shape)) {
        throw new Error(`optimizer ${this.name}: gradient ${i} has shape [${g.shape.join(', ')}] but variable ${v.name} has [${v.shape.join(', ')}]`);
      }
    }
    if (vars.length === 0) return;
    const states = vars.map((v) => this.stateOf(v));
    for (const st of states) st.t += 1;
    const beta = this.beta ?? 0;
    // Every variable's update in one wasm kernel where it applies (optimStep.ts), else tfjs's ops per variable.
    if (canOptimStep([...vars, ...grads, ...states.flatMap((st) => st.slots)])) {
      // In place: each result is assigned to its variable or slot just below, the old values never read again.
      const steps = optimSteps(
        vars.map((v, i) => ({ v, g: grads[i], slots: states[i].slots, ...this.kernel(states[i], lr, beta) })),
        { inPlace: true },
      )!;
      steps.forEach((r, i) => {
        r.slots.forEach((x, k) => states[i].slots[k].assign(x));
        vars[i].assign(r.value);
      });
      tf.dispose(steps.flatMap((r) => [r.value, ...r.slots]));
      return;
    }
    vars.forEach((v, i) =>
      tf.tidy(() => {
        v.assign(this.update(v, grads[i], states[i], lr, beta));
      }),
    );
  }

  reset(): void {
    for (const s of this.state.values()) for (const slot of s.slots) slot.dispose();
    this.state.clear();
  }

  dispose(): void {
    this.reset();
  }

  /**
   * The same update as `update`, for the wasm kernel: its kind and its hyperparameters in the order
   * `smallmm.c`'s `optim4` reads them. Called once per variable and step, before the kernel runs
   * (and instead of `update`).
   */
  protected abstract kernel(st: VarState, lr: number, beta: number): { kind: OptimKind; params: number[] };

  /** The new value of θ; slots are updated in place with `assign`. Runs inside tf.tidy. */
  protected abstract update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number, beta: number): tf.Tensor;

  private stateOf(v: tf.Variable): VarState {
    let st = this.state.get(v.id);
    if (!st) {
      const slots: tf.Variable[] = [];
      for (let k = 0; k < this.slotsPerVar; k++) {
        slots.push(tf.tidy(() => tf.variable(tf.fill(v.shape, this.slotInit, 'float32'), false)));
      }
      st = { t: 0, slots, mSchedule: 1 };
      this.state.set(v.id, st);
    }
    return st;
  }
}

function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** sgd: θ ← θ − η g. */
class Sgd extends BaseOptimizer {
  constructor(spec: SpecOf<'sgd'>) {
    super(spec.name, spec, undefined, 0);
  }
  protected kernel(_st: VarState, lr: number) {
    return { kind: 'sgd' as const, params: [lr] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, _st: VarState, lr: number): tf.Tensor {
    return tf.sub(v, tf.mul(g, lr));
  }
}

/**
 * momentum (Keras SGD with momentum): m ← β m − η g; θ ← θ + m.
 * nesterov (Keras SGD(nesterov=True)): m ← β m − η g; θ ← θ + β m − η g.
 */
class Momentum extends BaseOptimizer {
  constructor(
    spec: SpecOf<'sgd' | 'momentum' | 'nesterov'>,
    private readonly nesterov: boolean,
  ) {
    super(spec.name, spec, spec.momentum ?? 0.9, 1);
  }
  protected kernel(_st: VarState, lr: number, beta: number) {
    return { kind: this.nesterov ? ('nesterov' as const) : ('momentum' as const), params: [lr, beta] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number, beta: number): tf.Tensor {
    const [m] = st.slots;
    const etaG = tf.mul(g, lr);
    const mNew = tf.sub(tf.mul(m, beta), etaG);
    m.assign(mNew);
    return this.nesterov ? tf.sub(tf.add(v, tf.mul(mNew, beta)), etaG) : tf.add(v, mNew);
  }
}

/**
 * adagrad, the book's equation 11-6 and Keras 3's `Adagrad`:
 *   s ← s + g²;  θ ← θ − η g / √(s + ε);  s starts at `initial_accumulator_value` (0.1).
 * (TF 2's kernel ResourceApplyAdagradV2 divides by √s + ε instead: with s ≥ 0.1 the two differ by
 * less than one part in a million.)
 */
class Adagrad extends BaseOptimizer {
  constructor(spec: SpecOf<'adagrad'>) {
    super(spec.name, spec, undefined, 1, spec.initial_accumulator_value);
  }
  protected kernel(_st: VarState, lr: number) {
    return { kind: 'adagrad' as const, params: [lr, this.epsilon] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number): tf.Tensor {
    const [s] = st.slots;
    const sNew = tf.add(s, tf.square(g));
    s.assign(sNew);
    return tf.sub(v, tf.div(tf.mul(g, lr), tf.sqrt(tf.add(sNew, this.epsilon))));
  }
}

/**
 * rmsprop, the book's equation 11-7 and Keras 3's `RMSprop` (ρ 0.9):
 *   s ← ρ s + (1 − ρ) g²;  θ ← θ − η g / √(s + ε).
 * With `momentum` β (Keras's RMSprop(momentum=β), TF 2's kernel ResourceApplyRMSProp):
 *   m ← β m + η g / √(s + ε);  θ ← θ − m.
 * (TF 2.0–2.10's Python path without momentum divided by √s + ε; where s is far above ε, as in the
 * lessons, the two agree; with vanishing gradients, s ≈ ε, they do not.)
 */
class RmsProp extends BaseOptimizer {
  private readonly rho: number;
  constructor(spec: SpecOf<'rmsprop'>) {
    super(spec.name, spec, spec.momentum, spec.momentum === undefined ? 1 : 2);
    this.rho = spec.rho;
  }
  protected kernel(st: VarState, lr: number, beta: number) {
    return { kind: st.slots.length === 2 ? ('rmsprop_momentum' as const) : ('rmsprop' as const), params: [this.rho, 1 - this.rho, lr, this.epsilon, beta] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number, beta: number): tf.Tensor {
    const [s, m] = st.slots;
    const sNew = tf.add(tf.mul(s, this.rho), tf.mul(tf.square(g), 1 - this.rho));
    s.assign(sNew);
    const step = tf.div(tf.mul(g, lr), tf.sqrt(tf.add(sNew, this.epsilon)));
    if (!m) return tf.sub(v, step);
    const mNew = tf.add(tf.mul(m, beta), step);
    m.assign(mNew);
    return tf.sub(v, mNew);
  }
}

/** The β2 shared by Adam, AdaMax and Nadam (β1 is the optimizer's settable `momentum`). */
abstract class AdamFamily extends BaseOptimizer {
  protected readonly beta2: number;
  constructor(spec: SpecOf<'adam' | 'adamax' | 'nadam'>) {
    super(spec.name, spec, spec.beta_1, 2);
    this.beta2 = spec.beta_2;
  }
}

/**
 * adam (Keras): m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
 * η_t = η √(1 − β2^t) / (1 − β1^t); θ ← θ − η_t m / (√v + ε̂)   (ε applied after the bias correction).
 */
class Adam extends AdamFamily {
  private lrT(st: VarState, lr: number, beta1: number): number {
    return (lr * Math.sqrt(1 - this.beta2 ** st.t)) / (1 - beta1 ** st.t);
  }
  protected kernel(st: VarState, lr: number, beta1: number) {
    return { kind: 'adam' as const, params: [beta1, 1 - beta1, this.beta2, 1 - this.beta2, this.lrT(st, lr, beta1), this.epsilon] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number, beta1: number): tf.Tensor {
    const lrT = this.lrT(st, lr, beta1);
    const [m, s] = st.slots;
    const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const sNew = tf.add(tf.mul(s, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(mNew);
    s.assign(sNew);
    return tf.sub(v, tf.div(tf.mul(mNew, lrT), tf.add(tf.sqrt(sNew), this.epsilon)));
  }
}

/** adamax (Keras): m ← β1 m + (1 − β1) g; u ← max(β2 u, |g|); θ ← θ − (η / (1 − β1^t)) m / (u + ε). */
class AdaMax extends AdamFamily {
  protected kernel(st: VarState, lr: number, beta1: number) {
    return { kind: 'adamax' as const, params: [beta1, 1 - beta1, this.beta2, lr / (1 - beta1 ** st.t), this.epsilon] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number, beta1: number): tf.Tensor {
    const lrT = lr / (1 - beta1 ** st.t);
    const [m, u] = st.slots;
    const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const uNew = tf.maximum(tf.mul(u, this.beta2), tf.abs(g));
    m.assign(mNew);
    u.assign(uNew);
    return tf.sub(v, tf.div(tf.mul(mNew, lrT), tf.add(uNew, this.epsilon)));
  }
}

/**
 * Dozat's momentum schedule as TF 2's Keras Nadam has it (the book's): μ_t = β1 (1 − 0.5 · 0.96^(0.004 t)).
 * Keras 3's Nadam uses 0.96^t instead (μ reaches 0.9 β1 within 50 steps instead of 12,500).
 */
export function nadamMu(beta1: number, t: number): number {
  return beta1 * (1 - 0.5 * 0.96 ** (0.004 * t));
}

/**
 * nadam (Keras 2.x `Nadam`, Dozat 2016), at step t (from 1):
 *   μ_t = β1 (1 − 0.5 · 0.96^(0.004 t)),  μ_{t+1} likewise;
 *   Π_t = Π_{t−1} · μ_t (Π_0 = 1),  Π_{t+1} = Π_t · μ_{t+1};
 *   ĝ = g / (1 − Π_t);
 *   m ← β1 m + (1 − β1) g;   m̂ = m / (1 − Π_{t+1});
 *   v ← β2 v + (1 − β2) g²;  v̂ = v / (1 − β2^t);
 *   m̄ = (1 − μ_t) ĝ + μ_{t+1} m̂;
 *   θ ← θ − η m̄ / (√v̂ + ε).
 * TF 2's `tf.keras.optimizers.Nadam` (optimizer_v2/nadam.py) sets its decay to `schedule_decay`,
 * 0.004, and uses it only in μ_t (its learning rate is not decayed), so this is the optimizer the
 * book ran. Keras 3 changed the exponent to 0.96^t.
 */
class Nadam extends AdamFamily {
  /** This step's μ_t, μ_{t+1}, Π_t and Π_{t+1}; advances the variable's Π (once per step: `kernel` or `update` calls it). */
  private schedule(st: VarState, beta1: number): { muT: number; muNext: number; scheduleNew: number; scheduleNext: number } {
    const muT = nadamMu(beta1, st.t);
    const muNext = nadamMu(beta1, st.t + 1);
    const scheduleNew = st.mSchedule * muT;
    st.mSchedule = scheduleNew;
    return { muT, muNext, scheduleNew, scheduleNext: scheduleNew * muNext };
  }
  protected kernel(st: VarState, lr: number, beta1: number) {
    const { muT, muNext, scheduleNew, scheduleNext } = this.schedule(st, beta1);
    return { kind: 'nadam' as const, params: [beta1, 1 - beta1, this.beta2, 1 - this.beta2, (1 - muT) / (1 - scheduleNew), muNext / (1 - scheduleNext), 1 - this.beta2 ** st.t, lr, this.epsilon] };
  }
  protected update(v: tf.Variable, g: tf.Tensor, st: VarState, lr: number, beta1: number): tf.Tensor {
    const [m, s] = st.slots;
    const t = st.t;
    const { muT, muNext, scheduleNew, scheduleNext } = this.schedule(st, beta1);
    const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const sNew = tf.add(tf.mul(s, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    m.assign(mNew);
    s.assign(sNew);
    // m̄ = g (1 − μ_t)/(1 − Π_t) + m μ_{t+1}/(1 − Π_{t+1})
    const mBar = tf.add(tf.mul(g, (1 - muT) / (1 - scheduleNew)), tf.mul(mNew, muNext / (1 - scheduleNext)));
    const vHatSqrt = tf.sqrt(tf.div(sNew, 1 - this.beta2 ** t));
    return tf.sub(v, tf.div(tf.mul(mBar, lr), tf.add(vHatSqrt, this.epsilon)));
  }
}

/**
 * The optimizer a spec asks for. `sgd` with `momentum` > 0 behaves as `momentum` (as Keras's SGD
 * does) and keeps its name.
 */
export function createOptimizer(spec: OptimizerSpec): Optimizer {
  switch (spec.name) {
    case 'sgd':
      return spec.momentum !== undefined && spec.momentum > 0 ? new Momentum(spec, false) : new Sgd(spec);
    case 'momentum':
      return new Momentum(spec, false);
    case 'nesterov':
      return new Momentum(spec, true);
    case 'adagrad':
      return new Adagrad(spec);
    case 'rmsprop':
      return new RmsProp(spec);
    case 'adam':
      return new Adam(spec);
    case 'adamax':
      return new AdaMax(spec);
    case 'nadam':
      return new Nadam(spec);
    default: {
      const never: never = spec;
      throw new Error(`optimizer: unknown name ${String((never as { name: unknown }).name)}`);
    }
  }
}
