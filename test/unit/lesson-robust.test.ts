import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentFile, parseLesson } from '../../src/lessons';
import { assertInside, mutate, rng } from '../helpers/fuzz';

test('mutated lessons never throw, and every diagnostic lies inside the file', () => {
  const base = readFileSync(join(__dirname, '..', 'fixtures', 'lessons', '01-tiny.lesson.md'), 'utf8');
  const next = rng(1234);
  let withErrors = 0;
  for (let i = 0; i < 400; i++) {
    let text = base;
    const n = 1 + Math.floor(next() * 3);
    for (let k = 0; k < n; k++) text = mutate(text, next);
    const r = parseLesson(text, 'm.lesson.md');
    assertInside(text, r.diagnostics, `mutation ${i}`);
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    if (errs.length) withErrors++;
    // No error at all: then the lesson comes back.
    if (errs.length === 0) assert.ok(r.lesson, `mutation ${i}: no error but no lesson`);
  }
  // The mutations do break things (the test is not vacuous).
  assert.ok(withErrors > 100, `${withErrors} of 400 mutations gave errors`);
});

test('mutated standalone experiments never throw, and every diagnostic lies inside the file', () => {
  const text0 = 'id: e\ndataset:\n  name: mnist\n  train_size: 100\nmodel:\n  layers:\n    - { type: Dense, units: 2, activation: relu }\ntraining: { epochs: 2, optimizer: { name: adam } }\nexpect:\n  - loss < 1\n';
  const next = rng(99);
  for (let i = 0; i < 200; i++) {
    const text = mutate(mutate(text0, next), next);
    const r = parseExperimentFile(text, 'm.yaml');
    assertInside(text, r.diagnostics, `mutation ${i}`);
    assert.equal(r.spec === undefined, r.diagnostics.some((d) => d.severity === 'error'), `mutation ${i}`);
  }
});
