import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/rng';
import { fastMatMulOptions } from '../../src/engine/kernels';
import { optimStep, optimSteps } from '../../src/engine/optimStep';
import { createOptimizer } from '../../src/engine/optim/optimizers';
import { OptimizerSpec } from '../../src/protocol/spec';
import type { OptimKind } from '../../src/engine/wasm/smallmm';

before(async () => {
  await initBackend('wasm');
});

// float32 arithmetic, one rounding per operation (a float64 result of two float32 operands rounded
// to float32 is the correctly rounded float32 result for +, −, ×, ÷ and √).
const f = Math.fround;
const mul = (a: number, b: number) => f(a * b);
const add = (a: number, b: number) => f(a + b);
const sub = (a: number, b: number) => f(a - b);
const div = (a: number, b: number) => f(a / b);
const sqrt = (a: number) => f(Math.sqrt(a));

/** Each kind's update of one element, written from the formulas in optimizers.ts: [θ, slot a, slot b]. */
function reference(kind: OptimKind, v: number, g: number, a: number, b: number, p: number[]): number[] {
  const q = p.map(f);
  switch (kind) {
    case 'sgd':
      return [sub(v, mul(g, q[0]))];
    case 'momentum':
    case 'nesterov': {
      const etaG = mul(g, q[0]);
      const m = sub(mul(a, q[1]), etaG);
      return [kind === 'momentum' ? add(v, m) : sub(add(v, mul(m, q[1])), etaG), m];
    }
    case 'adagrad': {
      const s = add(a, mul(g, g));
      return [sub(v, div(mul(g, q[0]), sqrt(add(s, q[1])))), s];
    }
    case 'rmsprop':
    case 'rmsprop_momentum': {
      const s = add(mul(a, q[0]), mul(mul(g, g), q[1]));
      const step = div(mul(g, q[2]), sqrt(add(s, q[3])));
      if (kind === 'rmsprop') return [sub(v, step), s];
      const m = add(mul(b, q[4]), step);
      return [sub(v, m), s, m];
    }
    case 'adam':
    case 'nadam': {
      const m = add(mul(a, q[0]), mul(g, q[1]));
      const s = add(mul(b, q[2]), mul(mul(g, g), q[3]));
      if (kind === 'adam') return [sub(v, div(mul(m, q[4]), add(sqrt(s), q[5]))), m, s];
      const mBar = add(mul(g, q[4]), mul(m, q[5]));
      return [sub(v, div(mul(mBar, q[7]), add(sqrt(div(s, q[6])), q[8]))), m, s];
    }
    case 'adamax': {
      const m = add(mul(a, q[0]), mul(g, q[1]));
      const u = Math.max(mul(b, q[2]), Math.abs(g));
      return [sub(v, div(mul(m, q[3]), add(u, q[4]))), m, u];
    }
  }
}

const CASES: [OptimKind, number, number[]][] = [
  ['sgd', 0, [0.0137]],
  ['momentum', 1, [0.01, 0.9]],
  ['nesterov', 1, [0.01, 0.9]],
  ['adagrad', 1, [0.001, 1e-7]],
  ['rmsprop', 1, [0.9, 0.1, 0.001, 1e-7]],
  ['rmsprop_momentum', 2, [0.9, 0.1, 0.001, 1e-7, 0.5]],
  ['adam', 2, [0.9, 0.1, 0.999, 0.001, 0.0031, 1e-7]],
  ['adamax', 2, [0.9, 0.1, 0.999, 0.002, 1e-7]],
  ['nadam', 2, [0.9, 0.1, 0.999, 0.001, 1.13, 0.47, 0.002997, 0.002, 1e-7]],
];

test('the optimizer kernel: every kind equals its formula in float32 arithmetic to the bit, new slots included', () => {
  const r = new Rng(12);
  for (const [kind, nSlots, params] of CASES) {
    for (const n of [1, 3, 4, 7, 301]) {
      const V = Float32Array.from({ length: n }, () => r.normal());
      const G = Float32Array.from({ length: n }, () => r.normal() * (r.next() < 0.2 ? 1e-6 : 3));
      // slots as a few steps would leave them: momenta of either sign, second moments ≥ 0
      const S = [0, 1].map((k) => Float32Array.from({ length: n }, () => (k === 0 && nSlots === 2 && kind !== 'rmsprop_momentum' ? r.normal() : Math.abs(r.normal()) * 0.5)));
      if (kind === 'momentum' || kind === 'nesterov') S[0] = Float32Array.from({ length: n }, () => r.normal());
      const [v, g] = [tf.tensor1d(V), tf.tensor1d(G)];
      const slots = S.slice(0, nSlots).map((x) => tf.tensor1d(x));
      const out = optimStep(kind, v, g, slots, params);
      assert.ok(out, `${kind}: the kernel applies on wasm`);
      assert.equal(out.slots.length, nSlots);
      const got = [out.value, ...out.slots].map((t) => Array.from(t.dataSync()));
      for (let i = 0; i < n; i++) {
        const want = reference(kind, V[i], G[i], S[0][i], S[1][i], params);
        assert.deepEqual(got.map((x) => x[i]), want, `${kind} n=${n} element ${i}`);
      }
      tf.dispose([v, g, ...slots, out.value, ...out.slots]);
    }
  }
});

test('the optimizers through the kernel equal their tfjs ops to the bit, over 5 steps with a changing rate', () => {
  const specs = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'adamax', 'nadam'].map((name) => ({ name, learning_rate: 0.003 }));
  specs.push({ name: 'rmsprop', learning_rate: 0.003, momentum: 0.8 } as (typeof specs)[number]);
  for (const spec of specs) {
    const trajectory = (fusedOn: boolean): number[][] => {
      fastMatMulOptions.fusedOptim = fusedOn;
      const r = new Rng(5);
      const opt = createOptimizer(OptimizerSpec.parse(spec));
      const vars = tf.tidy(() => [tf.variable(tf.tensor2d(Float32Array.from({ length: 7 * 5 }, () => r.normal()), [7, 5])), tf.variable(tf.tensor1d(Float32Array.from({ length: 5 }, () => r.normal())))]);
      for (let step = 0; step < 5; step++) {
        const grads = vars.map((va) => tf.tensor(Float32Array.from({ length: va.size }, () => r.normal() * (step + 1)), va.shape));
        if (step === 3) opt.learningRate = 0.01;
        opt.apply(vars, grads);
        tf.dispose(grads);
      }
      const out = vars.map((va) => Array.from(va.dataSync()));
      opt.dispose();
      tf.dispose(vars);
      fastMatMulOptions.fusedOptim = true;
      return out;
    };
    const before = tf.memory().numTensors;
    const ours = trajectory(true);
    const theirs = trajectory(false);
    assert.deepEqual(ours, theirs, JSON.stringify(spec));
    assert.ok(ours[0].some((x, i) => x !== ours[0][(i + 1) % ours[0].length]), 'the variables moved');
    assert.equal(tf.memory().numTensors, before, `${spec.name}: no tensor left behind`);
  }
});

test('the optimizer kernel steps aside where it does not apply: switched off, or not float32', () => {
  const [v, g] = [tf.tensor1d([1, 2]), tf.tensor1d([3, 4])];
  fastMatMulOptions.fusedOptim = false;
  assert.equal(optimStep('sgd', v, g, [], [0.1]), undefined);
  fastMatMulOptions.fusedOptim = true;
  const gi = tf.tensor1d([3, 4], 'int32');
  assert.equal(optimStep('sgd', v, gi, [], [0.1]), undefined);
  assert.throws(() => optimStep('adam', v, g, [], [0.9]), /adam: 0 slots/);
  assert.throws(() => optimStep('sgd', v, tf.tensor1d([1, 2, 3]), [], [0.9]), /sizes differ/);
  tf.dispose([v, g, gi]);
});

test('several variables of different kinds in one kernel call: each result as if updated alone', () => {
  const r = new Rng(8);
  const items = CASES.map(([kind, nSlots, params], i) => {
    const n = 5 + 3 * i;
    const v = tf.tensor1d(Float32Array.from({ length: n }, () => r.normal()));
    const g = tf.tensor1d(Float32Array.from({ length: n }, () => r.normal()));
    const slots = Array.from({ length: nSlots }, () => tf.tensor1d(Float32Array.from({ length: n }, () => Math.abs(r.normal()))));
    return { kind, v, g, slots, params };
  });
  const together = optimSteps(items)!;
  items.forEach((it, i) => {
    const alone = optimStep(it.kind, it.v, it.g, it.slots, it.params)!;
    assert.deepEqual([together[i].value, ...together[i].slots].map((t) => Array.from(t.dataSync())), [alone.value, ...alone.slots].map((t) => Array.from(t.dataSync())), it.kind);
    tf.dispose([alone.value, ...alone.slots]);
  });
  tf.dispose([...together.flatMap((x) => [x.value, ...x.slots]), ...items.flatMap((it) => [it.v, it.g, ...it.slots])]);
});

test('in place: a buffer only its variable holds takes the new value itself, to the bit; a shared one is left alone', () => {
  const r = new Rng(12);
  const start = Float32Array.from({ length: 37 }, () => r.normal());
  const grad = Float32Array.from({ length: 37 }, () => r.normal());
  const [m0, s0] = [Float32Array.from({ length: 37 }, () => r.normal()), Float32Array.from({ length: 37 }, () => Math.abs(r.normal()))];
  const params = [0.9, 0.999, 1e-7, 0.01, 1 - 0.9 ** 3, 1 - 0.999 ** 3];
  // The fresh-buffer result, the reference for the in-place one.
  const [v0, g0, a0, b0] = [start, grad, m0, s0].map((x) => tf.tensor1d(x));
  const fresh = optimSteps([{ kind: 'adam', v: v0, g: g0, slots: [a0, b0], params }])![0];
  const want = [fresh.value, ...fresh.slots].map((t) => Array.from(t.dataSync()));
  assert.deepEqual(Array.from(v0.dataSync()), Array.from(start), 'without inPlace the inputs keep their values');

  // A variable made from a tensor shares its buffer until that tensor is disposed.
  const [v, a, b] = [start, m0, s0].map((x) => tf.tidy(() => tf.variable(tf.tensor1d(x))));
  const g = tf.tensor1d(grad);
  const ids = [v, a, b].map((x) => x.dataId);
  const steps = optimSteps([{ kind: 'adam', v, g, slots: [a, b], params }], { inPlace: true })![0];
  assert.deepEqual([steps.value, ...steps.slots].map((t) => t.dataId), ids, 'the results share the variables’ buffers');
  v.assign(steps.value as tf.Tensor1D);
  a.assign(steps.slots[0] as tf.Tensor1D);
  b.assign(steps.slots[1] as tf.Tensor1D);
  tf.dispose([steps.value, ...steps.slots]);
  assert.deepEqual([v, a, b].map((t) => Array.from(t.dataSync())), want);

  // A clone shares the variable's buffer (zero-copy Identity): the update must not write into it.
  const before = Array.from(v.dataSync());
  const kept = tf.clone(v);
  const again = optimSteps([{ kind: 'sgd', v, g, slots: [], params: [0.5] }], { inPlace: true })![0];
  assert.notEqual(again.value.dataId, v.dataId);
  assert.deepEqual(Array.from(kept.dataSync()), before, 'the clone keeps the old value');
  tf.dispose([v0, g0, a0, b0, fresh.value, ...fresh.slots, v, a, b, g, again.value, kept]);
});
