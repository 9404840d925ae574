import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divergenceVariants } from '../../src/webview/divergenceVariants';
import type { EndEvent } from '../../src/protocol/events';
import type { Knob } from '../../src/protocol/knobs';

const end = (status: EndEvent['status']): EndEvent => ({ type: 'end', runId: 'r', status, epochsRun: 1, final: {}, seconds: 1, samplesPerSecond: 1, tensorsBefore: 0, tensorsAfter: 0 });
const knobs: Knob[] = [
  { id: 'lr', label: 'learning rate', kind: 'number', value: 100000, min: 0, step: 'any' },
  { id: 'clipnorm', label: 'clipnorm (0: off)', kind: 'number', value: 0, min: 0, step: 'any' },
];

test('a diverged run offers learning rate ÷ 10 and clipnorm 1.0 as variants of its own knobs', () => {
  const v = divergenceVariants(knobs, end('diverged'));
  assert.deepEqual(v.map((x) => x.values), [{ lr: 10000 }, { clipnorm: 1 }]);
  assert.match(v[0]!.label, /÷ 10 \(10000\)/);
});

test('nothing for a run that did not diverge, and only the knobs the experiment has', () => {
  assert.deepEqual(divergenceVariants(knobs, end('completed')), []);
  assert.deepEqual(divergenceVariants([knobs[0]!], end('diverged')).map((x) => x.values), [{ lr: 10000 }]);
  assert.deepEqual(divergenceVariants(undefined, end('diverged')), []);
  // Already clipped at 1.0: that variant would change nothing.
  assert.deepEqual(divergenceVariants([{ ...knobs[1]!, value: 1 }], end('diverged')), []);
});

test("a diverged variant's reruns start from the variant: ÷ 10 divides the rate that diverged, its other changes kept", () => {
  // The experiment's own rate is 0.01; the variant that diverged ran at 1e5 with ReLU.
  const own: Knob[] = [
    { id: 'lr', label: 'learning rate', kind: 'number', value: 0.01, min: 0, step: 'any' },
    { id: 'clipnorm', label: 'clipnorm (0: off)', kind: 'number', value: 0, min: 0, step: 'any' },
  ];
  const v = divergenceVariants(own, end('diverged'), { lr: 1e5, 'activation@1': 'relu' });
  assert.deepEqual(v.map((x) => x.values), [
    { lr: 1e4, 'activation@1': 'relu' },
    { lr: 1e5, 'activation@1': 'relu', clipnorm: 1 },
  ]);
  assert.match(v[0]!.label, /÷ 10 \(10000\)/);
  assert.match(v[0]!.title, /^The same variant with learning_rate 10000/);
  // The experiment itself diverging: its own rate ÷ 10.
  assert.deepEqual(divergenceVariants(own, end('diverged'))[0]!.values, { lr: 0.001 });
  // A variant already clipped at 1.0 is not offered clipping again.
  assert.deepEqual(divergenceVariants(own, end('diverged'), { clipnorm: 1 }).map((x) => x.values), [{ clipnorm: 1, lr: 0.001 }]);
});
