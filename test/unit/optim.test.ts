import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, nadamMu } from '../../src/engine/optim/optimizers';
import { OptimizerSpec } from '../../src/protocol/spec';

before(async () => {
  await tf.setBackend('cpu');
});

// The last component's gradient is tiny, so that where ε enters the formula shows in the result.
const THETA0 = [1, -2, 0.5, 3, 0];
const G1 = [0.5, -1, 2, 0.001, 1e-6];
const G2 = [-0.25, 0.75, 2, -4, 2e-6];

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 2e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = rtol * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

interface Step {
  g: number[];
  lr?: number;
  momentum?: number;
}

/** Runs the optimizer on a variable starting at THETA0 and returns θ after each step. */
function run(spec: Partial<OptimizerSpec> & { name: OptimizerSpec['name'] }, steps: Step[]): number[][] {
  const opt = createOptimizer(OptimizerSpec.parse(spec));
  const v = tf.tidy(() => tf.variable(tf.tensor1d(THETA0)));
  const out: number[][] = [];
  for (const s of steps) {
    if (s.lr !== undefined) opt.learningRate = s.lr;
    if (s.momentum !== undefined) opt.momentum = s.momentum;
    const g = tf.tensor1d(s.g);
    opt.apply([v], [g]);
    g.dispose();
    out.push(Array.from(v.dataSync()));
  }
  opt.dispose();
  v.dispose();
  return out;
}

// Plain-number references, written from the formulas, element by element.
const zip = (a: number[], b: number[], f: (x: number, y: number) => number) => a.map((x, i) => f(x, b[i]));

test('sgd: θ ← θ − η g, one and two steps, and a new learning rate takes effect', () => {
  const [s1, s2] = run({ name: 'sgd', learning_rate: 0.1 }, [{ g: G1 }, { g: G2, lr: 0.01 }]);
  close(s1, [0.95, -1.9, 0.3, 2.9999, -1e-7], 'step 1'); // by hand: 1 − 0.1·0.5, −2 + 0.1, 0.5 − 0.2, 3 − 0.0001, −1e-7
  close(s2, [0.9525, -1.9075, 0.28, 3.0399, -1.2e-7], 'step 2 (η = 0.01)');
});

test('momentum: m ← βm − ηg; θ ← θ + m, and a momentum changed between steps takes effect', () => {
  const [s1, s2] = run({ name: 'momentum', learning_rate: 0.1, momentum: 0.9 }, [{ g: G1 }, { g: G2 }]);
  // by hand, component 0: m1 = −0.05, θ1 = 0.95; m2 = 0.9·(−0.05) + 0.025 = −0.02, θ2 = 0.93
  assert.ok(Math.abs(s1[0] - 0.95) < 1e-6 && Math.abs(s2[0] - 0.93) < 1e-6, `${s1[0]} ${s2[0]}`);
  const ref = (beta2: number) => {
    const m1 = G1.map((g) => -0.1 * g);
    const t1 = zip(THETA0, m1, (t, m) => t + m);
    const m2 = zip(m1, G2, (m, g) => beta2 * m - 0.1 * g);
    return [t1, zip(t1, m2, (t, m) => t + m)];
  };
  const [r1, r2] = ref(0.9);
  close(s1, r1, 'step 1');
  close(s2, r2, 'step 2');
  const [, c2] = run({ name: 'momentum', learning_rate: 0.1, momentum: 0.9 }, [{ g: G1 }, { g: G2, momentum: 0.5 }]);
  close(c2, ref(0.5)[1], 'step 2 with β = 0.5');
  assert.ok(Math.abs(c2[0] - s2[0]) > 1e-3, 'changing β changed the step');
});

test('sgd with momentum > 0 behaves as momentum', () => {
  const a = run({ name: 'sgd', learning_rate: 0.1, momentum: 0.9 }, [{ g: G1 }, { g: G2 }]);
  const b = run({ name: 'momentum', learning_rate: 0.1, momentum: 0.9 }, [{ g: G1 }, { g: G2 }]);
  close(a[1], b[1], 'two steps');
});

test("nesterov (Keras's SGD(nesterov=True)): m ← βm − ηg; θ ← θ + βm − ηg", () => {
  const [s1, s2] = run({ name: 'nesterov', learning_rate: 0.1, momentum: 0.9 }, [{ g: G1 }, { g: G2 }]);
  // by hand, component 0: m1 = −0.05, θ1 = 1 + 0.9·(−0.05) − 0.05 = 0.905;
  // m2 = −0.045 + 0.025 = −0.02, θ2 = 0.905 + 0.9·(−0.02) + 0.025 = 0.912
  assert.ok(Math.abs(s1[0] - 0.905) < 1e-6 && Math.abs(s2[0] - 0.912) < 1e-6, `${s1[0]} ${s2[0]}`);
  const m1 = G1.map((g) => -0.1 * g);
  const t1 = THETA0.map((t, i) => t + 0.9 * m1[i] - 0.1 * G1[i]);
  const m2 = m1.map((m, i) => 0.9 * m - 0.1 * G2[i]);
  const t2 = t1.map((t, i) => t + 0.9 * m2[i] - 0.1 * G2[i]);
  close(s1, t1, 'step 1');
  close(s2, t2, 'step 2');
});

// AdaGrad: Géron (2nd ed.) equation 11-6, s ← s + ∇⊗∇, θ ← θ − η ∇⊘√(s + ε); Keras 3
// keras/src/optimizers/adagrad.py `update_step` (the same, s starting at initial_accumulator_value 0.1).
test('adagrad: s ← s + g² (s0 = 0.1); θ ← θ − ηg/√(s + ε)', () => {
  const [s1, s2] = run({ name: 'adagrad', learning_rate: 0.1 }, [{ g: G1 }, { g: G2 }]);
  const eps = 1e-7;
  const a1 = G1.map((g) => 0.1 + g * g);
  const t1 = THETA0.map((t, i) => t - (0.1 * G1[i]) / Math.sqrt(a1[i] + eps));
  const a2 = a1.map((a, i) => a + G2[i] ** 2);
  const t2 = t1.map((t, i) => t - (0.1 * G2[i]) / Math.sqrt(a2[i] + eps));
  // component 0 by hand: s1 = 0.35, θ1 = 1 − 0.05/√0.35 = 0.915484…
  assert.ok(Math.abs(s1[0] - (1 - 0.05 / Math.sqrt(0.35))) < 1e-6);
  close(s1, t1, 'step 1');
  close(s2, t2, 'step 2');
});

// RMSProp: Géron equation 11-7, s ← ρs + (1 − ρ)∇⊗∇, θ ← θ − η ∇⊘√(s + ε); Keras 3
// keras/src/optimizers/rmsprop.py `update_step` (denominator = velocity + epsilon, then its square root).
test('rmsprop: s ← ρs + (1−ρ)g²; θ ← θ − ηg/√(s + ε), ρ = 0.9', () => {
  const [s1, s2] = run({ name: 'rmsprop', learning_rate: 0.01 }, [{ g: G1 }, { g: G2 }]);
  const eps = 1e-7;
  const a1 = G1.map((g) => 0.1 * g * g);
  const t1 = THETA0.map((t, i) => t - (0.01 * G1[i]) / Math.sqrt(a1[i] + eps));
  const a2 = a1.map((a, i) => 0.9 * a + 0.1 * G2[i] ** 2);
  const t2 = t1.map((t, i) => t - (0.01 * G2[i]) / Math.sqrt(a2[i] + eps));
  // The vanishing-gradient component (g = 1e-6): ε inside the root makes the first step
  // 0.01·1e-6/√(1e-13 + 1e-7) ≈ 3.2e-5, where √s + ε would give 0.024 (760 times more).
  assert.ok(Math.abs(s1[4] - -(0.01 * 1e-6) / Math.sqrt(1e-13 + 1e-7)) < 1e-9, `${s1[4]}`);
  // first step of RMSProp moves every component by about η/√0.1 = 0.0316 whatever |g| is
  assert.ok(Math.abs(s1[0] - (1 - 0.01 / Math.sqrt(0.1))) < 1e-5, `${s1[0]}`);
  close(s1, t1, 'step 1');
  close(s2, t2, 'step 2');
  const o = createOptimizer(OptimizerSpec.parse({ name: 'rmsprop' }));
  assert.equal(o.hasMomentum, false);
  assert.equal(o.momentum, undefined);
  o.momentum = 0.9;
  assert.equal(o.momentum, undefined, 'setting momentum on an optimizer without one is ignored');
});

// TF 2's ResourceApplyRMSProp kernel (tensorflow/core/kernels/training_ops.cc, as documented for
// tf.raw_ops.ApplyRMSProp): mom ← momentum·mom + lr·grad/√(ms + ε); var ← var − mom. Keras 3 the same.
test('rmsprop with momentum (Keras form): m ← βm + ηg/√(s + ε); θ ← θ − m', () => {
  const [s1, s2] = run({ name: 'rmsprop', learning_rate: 0.01, momentum: 0.5 }, [{ g: G1 }, { g: G2 }]);
  const eps = 1e-7;
  const a1 = G1.map((g) => 0.1 * g * g);
  const m1 = G1.map((g, i) => (0.01 * g) / Math.sqrt(a1[i] + eps));
  const t1 = THETA0.map((t, i) => t - m1[i]);
  const a2 = a1.map((a, i) => 0.9 * a + 0.1 * G2[i] ** 2);
  const m2 = m1.map((m, i) => 0.5 * m + (0.01 * G2[i]) / Math.sqrt(a2[i] + eps));
  close(s1, t1, 'step 1');
  close(s2, t1.map((t, i) => t - m2[i]), 'step 2');
});

function adamRef(lr: number, b1s: number[], b2: number, gs: number[][]): number[][] {
  const eps = 1e-7;
  let th = THETA0.slice();
  let m = THETA0.map(() => 0);
  let v = THETA0.map(() => 0);
  const out: number[][] = [];
  gs.forEach((g, k) => {
    const t = k + 1;
    const b1 = b1s[k];
    m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
    v = v.map((x, i) => b2 * x + (1 - b2) * g[i] ** 2);
    const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    th = th.map((x, i) => x - (lrT * m[i]) / (Math.sqrt(v[i]) + eps));
    out.push(th);
  });
  return out;
}

test('adam (Keras): η_t = η√(1−β2^t)/(1−β1^t); θ ← θ − η_t m/(√v + ε)', () => {
  const [s1, s2] = run({ name: 'adam', learning_rate: 0.001 }, [{ g: G1 }, { g: G2 }]);
  // the first Adam step is about η·sign(g) whatever |g| is (here exactly η|g|/(|g| + ε√(1−β2)))
  close(s1.slice(0, 3), [0.999, -1.999, 0.499], 'step 1 ≈ θ − η·sign(g)', 1e-5);
  const [r1, r2] = adamRef(0.001, [0.9, 0.9], 0.999, [G1, G2]);
  close(s1, r1, 'step 1');
  close(s2, r2, 'step 2');
  // β1 (the settable momentum) and η changed before step 2 take effect
  const [, c2] = run({ name: 'adam', learning_rate: 0.001 }, [{ g: G1 }, { g: G2, momentum: 0.5, lr: 0.01 }]);
  const m = G1.map((g) => 0.1 * g);
  const mm = m.map((x, i) => 0.5 * x + 0.5 * G2[i]);
  const v2 = G1.map((g, i) => 0.999 * 0.001 * g * g + 0.001 * G2[i] ** 2);
  const lrT = (0.01 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.5 ** 2);
  close(c2, r1.map((x, i) => x - (lrT * mm[i]) / (Math.sqrt(v2[i]) + 1e-7)), 'step 2 with β1 = 0.5, η = 0.01');
});

test('adamax (Keras): u ← max(β2u, |g|); θ ← θ − (η/(1−β1^t)) m/(u + ε)', () => {
  const [s1, s2] = run({ name: 'adamax', learning_rate: 0.002 }, [{ g: G1 }, { g: G2 }]);
  const eps = 1e-7;
  const m1 = G1.map((g) => 0.1 * g);
  const u1 = G1.map((g) => Math.abs(g));
  const t1 = THETA0.map((t, i) => t - (0.002 / 0.1) * (m1[i] / (u1[i] + eps)));
  const m2 = m1.map((m, i) => 0.9 * m + 0.1 * G2[i]);
  const u2 = u1.map((u, i) => Math.max(0.999 * u, Math.abs(G2[i])));
  const t2 = t1.map((t, i) => t - (0.002 / (1 - 0.81)) * (m2[i] / (u2[i] + eps)));
  close(s1, t1, 'step 1');
  close(s2, t2, 'step 2');
  // component 2 has the same gradient twice: u2 = max(0.999·2, 2) = 2, m2 = 0.19·2, step 2 = η exactly
  assert.ok(Math.abs(s1[2] - s2[2] - 0.002) < 1e-6, `${s1[2] - s2[2]}`);
});

// Nadam as TF 2's tensorflow/python/keras/optimizer_v2/nadam.py computes it: decay = schedule_decay
// = 0.004; m_t = β1(1 − 0.5·0.96^(decay·t)); g' = g/(1 − Πm); m' = m/(1 − Πm·m_{t+1});
// v' = v/(1 − β2^t); m̄ = (1 − m_t)g' + m_{t+1}m'; θ ← θ − η m̄/(√v' + ε). (Keras 3 uses 0.96^t.)
test("nadam (TF 2's Keras, Dozat's momentum schedule μ_t = β1(1 − 0.5·0.96^(0.004t)))", () => {
  const [s1, s2] = run({ name: 'nadam', learning_rate: 0.002 }, [{ g: G1 }, { g: G2 }]);
  const b1 = 0.9, b2 = 0.999, eps = 1e-7, lr = 0.002;
  const mu = (t: number) => b1 * (1 - 0.5 * Math.pow(0.96, 0.004 * t));
  assert.ok(Math.abs(nadamMu(0.9, 1) - mu(1)) < 1e-15);
  // μ_1 = 0.9·(1 − 0.5·0.96^0.004) ≈ 0.450073
  assert.ok(Math.abs(mu(1) - 0.450073) < 1e-6, `${mu(1)}`);
  let th = THETA0.slice(), m = THETA0.map(() => 0), v = THETA0.map(() => 0), sched = 1;
  const ref: number[][] = [];
  [G1, G2].forEach((g, k) => {
    const t = k + 1;
    const schedNew = sched * mu(t);
    const schedNext = schedNew * mu(t + 1);
    sched = schedNew;
    const gPrime = g.map((x) => x / (1 - schedNew));
    m = m.map((x, i) => b1 * x + (1 - b1) * g[i]);
    const mPrime = m.map((x) => x / (1 - schedNext));
    v = v.map((x, i) => b2 * x + (1 - b2) * g[i] ** 2);
    const vPrime = v.map((x) => x / (1 - b2 ** t));
    const mBar = gPrime.map((x, i) => (1 - mu(t)) * x + mu(t + 1) * mPrime[i]);
    th = th.map((x, i) => x - (lr * mBar[i]) / (Math.sqrt(vPrime[i]) + eps));
    ref.push(th);
  });
  close(s1, ref[0], 'step 1');
  close(s2, ref[1], 'step 2');
  // and it is not Adam: the first step differs
  const [a1] = adamRef(0.002, [0.9], 0.999, [G1]);
  assert.ok(Math.abs(a1[0] - s1[0]) > 1e-5, `nadam ${s1[0]} vs adam ${a1[0]}`);
});

// Keras's defaults (TF 2 tf.keras.optimizers.*, unchanged in Keras 3): SGD 0.01; Adagrad, RMSprop,
// Adam, Adamax and Nadam 0.001. `momentum` and `nesterov` are SGD with momentum 0.9, the book's.
test('every optimizer reports its momentum, and starts at Keras\'s default learning rate', () => {
  const cases: [OptimizerSpec['name'], boolean, number | undefined, number][] = [
    ['sgd', false, undefined, 0.01],
    ['momentum', true, 0.9, 0.01],
    ['nesterov', true, 0.9, 0.01],
    ['adagrad', false, undefined, 0.001],
    ['rmsprop', false, undefined, 0.001],
    ['adam', true, 0.9, 0.001],
    ['adamax', true, 0.9, 0.001],
    ['nadam', true, 0.9, 0.001],
  ];
  for (const [name, has, m, lr] of cases) {
    const o = createOptimizer(OptimizerSpec.parse({ name }));
    assert.equal(o.name, name);
    assert.equal(o.hasMomentum, has, name);
    assert.equal(o.momentum, m, name);
    assert.equal(o.learningRate, lr, name);
    o.dispose();
  }
});

test('the optimizer spec is one schema per name: a field of another optimizer is refused, naming the fields it has', () => {
  const bad = OptimizerSpec.safeParse({ name: 'adam', rho: 0.9, momentum: 0.9, initial_accumulator_value: 0.1 });
  assert.equal(bad.success, false);
  const keys = bad.error!.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  assert.deepEqual(keys.sort(), ['initial_accumulator_value', 'momentum', 'rho']);
  assert.equal(OptimizerSpec.safeParse({ name: 'sgd', beta_1: 0.9 }).success, false);
  assert.equal(OptimizerSpec.safeParse({ name: 'adagrad', rho: 0.9 }).success, false);
  assert.deepEqual(OptimizerSpec.parse({ name: 'rmsprop' }), { name: 'rmsprop', learning_rate: 0.001, rho: 0.9, epsilon: 1e-7 });
  assert.deepEqual(OptimizerSpec.parse({ name: 'adagrad' }), { name: 'adagrad', learning_rate: 0.001, initial_accumulator_value: 0.1, epsilon: 1e-7 });
  assert.deepEqual(OptimizerSpec.parse({ name: 'nadam' }), { name: 'nadam', learning_rate: 0.001, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 });
});

test('a gradient of the wrong shape is refused with both shapes named', () => {
  const o = createOptimizer(OptimizerSpec.parse({ name: 'adam' }));
  const v = tf.tidy(() => tf.variable(tf.zeros([2, 3])));
  const g = tf.zeros([3, 2]);
  assert.throws(() => o.apply([v], [g]), /\[3, 2\].*\[2, 3\]/);
  g.dispose();
  v.dispose();
  o.dispose();
});

test('no tensor leak: the tensor count after 200 steps equals the count after the first, for every optimizer', () => {
  for (const name of ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamax', 'nadam'] as const) {
    const before0 = tf.memory().numTensors;
    const o = createOptimizer(OptimizerSpec.parse({ name, learning_rate: 0.001 }));
    const vars = tf.tidy(() => [tf.variable(tf.ones([4, 3])), tf.variable(tf.zeros([3]))]);
    const step = (k: number) => {
      const grads = vars.map((v) => tf.fill(v.shape, Math.sin(k) + 0.1));
      o.apply(vars, grads);
      tf.dispose(grads);
    };
    step(0);
    const afterFirst = tf.memory().numTensors;
    assert.equal(afterFirst - before0, 2 + o.slotCount, `${name}: 2 variables + ${o.slotCount} slots`);
    for (let k = 1; k < 200; k++) {
      step(k);
      if (k === 100) o.learningRate = 0.0005;
    }
    assert.equal(tf.memory().numTensors, afterFirst, `${name}: tensor count`);
    o.reset();
    assert.equal(o.slotCount, 0);
    assert.equal(tf.memory().numTensors, before0 + 2, `${name}: reset disposes every slot`);
    step(200);
    o.dispose();
    tf.dispose(vars);
    assert.equal(tf.memory().numTensors, before0, `${name}: dispose leaves nothing`);
  }
});
