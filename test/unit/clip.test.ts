import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { clipGradients, gradNorms, needsClipping } from '../../src/engine/optim/clip';

before(async () => {
  await tf.setBackend('cpu');
});

const G = [0.9, 100.0];
const NORM = Math.hypot(0.9, 100); // 100.00405
const cosine = (a: number[], b: number[]) =>
  a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));

function clip1(g: number[], opts: Parameters<typeof clipGradients>[1]): number[] {
  const t = tf.tensor1d(g);
  const [c] = clipGradients([t], opts);
  const out = Array.from(c.dataSync());
  tf.dispose([t, c]);
  return out;
}

test('clipvalue 1 on g = [0.9, 100] gives [0.9, 1.0]: the direction changes', () => {
  const c = clip1(G, { clipvalue: 1 });
  assert.ok(Math.abs(c[0] - 0.9) < 1e-6 && c[1] === 1, `${c}`);
  const cos = cosine(c, G);
  // by hand: (0.81 + 100) / (√1.81 · 100.004) = 0.7493
  assert.ok(cos < 0.999, `cosine ${cos}`);
  assert.ok(Math.abs(cos - 100.81 / (Math.sqrt(1.81) * NORM)) < 1e-6, `cosine ${cos}`);
});

test('clipnorm 1 on g = [0.9, 100] gives g/‖g‖: same direction, norm 1', () => {
  const c = clip1(G, { clipnorm: 1 });
  assert.ok(Math.abs(c[0] - 0.9 / NORM) < 1e-7 && Math.abs(c[1] - 100 / NORM) < 1e-6, `${c}`);
  assert.ok(Math.abs(Math.hypot(...c) - 1) < 1e-6, `norm ${Math.hypot(...c)}`);
  assert.ok(cosine(c, G) > 1 - 1e-6);
  // a gradient already within the norm is left alone
  const small = clip1([0.3, -0.4], { clipnorm: 1 });
  assert.ok(Math.abs(small[0] - 0.3) < 1e-7 && Math.abs(small[1] + 0.4) < 1e-7, `${small}`);
});

test('clipnorm acts on EACH tensor; global_clipnorm on all of them together', () => {
  // ‖a‖ = 5, ‖b‖ = 12 (joint norm 13)
  const a = tf.tensor2d([[3, 0], [0, 4]]);
  const b = tf.tensor1d([0, 12, 0]);
  const each = clipGradients([a, b], { clipnorm: 6 }).map((t) => { const d = Array.from(t.dataSync()); t.dispose(); return d; });
  assert.deepEqual(each[0], [3, 0, 0, 4], 'norm 5 ≤ 6: unchanged');
  assert.ok(Math.abs(each[1][1] - 6) < 1e-6, 'norm 12 → 6');
  const joint = clipGradients([a, b], { global_clipnorm: 6.5 });
  assert.deepEqual(joint.map((t) => t.shape), [[2, 2], [3]]);
  const [ja, jb] = joint.map((t) => Array.from(t.dataSync()));
  tf.dispose(joint);
  // both scaled by 6.5 / 13 = 0.5
  assert.ok(Math.abs(ja[0] - 1.5) < 1e-6 && Math.abs(ja[3] - 2) < 1e-6 && Math.abs(jb[1] - 6) < 1e-6, `${ja} ${jb}`);
  const jointNorm = Math.hypot(...ja, ...jb);
  assert.ok(Math.abs(jointNorm - 6.5) < 1e-5, `joint norm ${jointNorm}`);
  // a joint norm within the bound leaves both alone
  const loose = clipGradients([a, b], { global_clipnorm: 20 });
  assert.deepEqual(Array.from(loose[1].dataSync()), [0, 12, 0]);
  tf.dispose([...loose, a, b]);
});

test('no options: copies of the inputs, which stay alive; nothing leaks', () => {
  const before0 = tf.memory().numTensors;
  const g = tf.tensor1d([1, 2]);
  assert.equal(needsClipping({}), false);
  assert.equal(needsClipping({ clipnorm: 1 }), true);
  const [c] = clipGradients([g], {});
  assert.notEqual(c, g);
  c.dispose();
  assert.deepEqual(Array.from(g.dataSync()), [1, 2]);
  for (let i = 0; i < 20; i++) tf.dispose(clipGradients([g], { clipnorm: 1, clipvalue: 0.5 }));
  for (let i = 0; i < 20; i++) tf.dispose(clipGradients([g], { global_clipnorm: 2, clipvalue: 0.5 }));
  g.dispose();
  assert.equal(tf.memory().numTensors, before0);
});

test('a non-positive bound is refused naming the field', () => {
  const g = tf.tensor1d([1]);
  assert.throws(() => clipGradients([g], { clipnorm: 0 }), /training\.clipnorm/);
  assert.throws(() => clipGradients([g], { clipvalue: -1 }), /training\.clipvalue/);
  g.dispose();
});

test('gradNorms equals tf.norm for every tensor, in one 1-D tensor', () => {
  const gs = [tf.tensor2d([[3, -4], [12, 0]]), tf.tensor1d([0.9, 100]), tf.randomNormal([7, 5], 0, 1, 'float32', 1)];
  const norms = gradNorms(gs);
  assert.deepEqual(norms.shape, [3]);
  const got = Array.from(norms.dataSync());
  const want = gs.map((g) => tf.tidy(() => tf.norm(g).dataSync()[0]));
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) <= 1e-5 * want[i], `norm ${i}: ${x} vs ${want[i]}`));
  assert.ok(Math.abs(got[0] - 13) < 1e-5, 'by hand: √(9 + 16 + 144) = 13');
  const none = gradNorms([]);
  assert.deepEqual(none.shape, [0]);
  tf.dispose([...gs, norms, none]);
});

// Keras (TF 2 optimizer_v2 `_transform_gradients`; Keras 3 `Optimizer._clip_gradients` after
// `clipvalue`): clipvalue first, then clipnorm; both norms at once are refused in `__init__`.
test('clipvalue applies before clipnorm, as in Keras; clipnorm with global_clipnorm is refused', () => {
  // g = [0.9, 100]: clipvalue 1 → [0.9, 1], norm √1.81 = 1.34536; clipnorm 1 → [0.9, 1]/1.34536.
  const c = clip1(G, { clipvalue: 1, clipnorm: 1 });
  const n = Math.sqrt(0.81 + 1);
  assert.ok(Math.abs(c[0] - 0.9 / n) < 1e-6 && Math.abs(c[1] - 1 / n) < 1e-6, `${c}`);
  // the other order would give [0.9/100.004, 100/100.004] clipped to 1: [0.009, 0.99996]
  assert.ok(c[0] > 0.6, 'clipvalue came first');
  const g = tf.tensor1d([1]);
  assert.throws(() => clipGradients([g], { clipnorm: 1, global_clipnorm: 1 }), /training\.global_clipnorm: give either clipnorm or global_clipnorm/);
  g.dispose();
});
