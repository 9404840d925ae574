import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExperimentFile, parseLesson } from '../../src/lessons';
import type { LessonDiagnostic } from '../../src/protocol/lesson';

/** mulberry32, so that every run tries the same mutations. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARS = [':', '[', ']', '{', '}', '-', ' ', '\n', '`', '"', "'", '#', '&', '*', '\t', 'x', '1', '---'];

function mutate(text: string, next: () => number): string {
  const lines = text.split('\n');
  const r = next();
  const li = Math.floor(next() * lines.length);
  if (r < 0.25) lines.splice(li, 1);
  else if (r < 0.4) lines.splice(li, 0, lines[Math.floor(next() * lines.length)]);
  else {
    const line = lines[li];
    const at = Math.floor(next() * (line.length + 1));
    const ch = CHARS[Math.floor(next() * CHARS.length)];
    lines[li] = r < 0.7 ? line.slice(0, at) + ch + line.slice(at) : line.slice(0, at) + line.slice(at + 1);
  }
  return lines.join('\n');
}

/** Every diagnostic sits inside the text (what the editor needs to underline it). */
function assertInside(text: string, ds: LessonDiagnostic[], label: string): void {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  for (const d of ds) {
    const { start, end } = d.range;
    const where = `${label}: ${start.line}:${start.column}-${end.line}:${end.column} ${d.message}`;
    assert.ok(d.message.length > 0, where);
    assert.ok(start.line >= 1 && start.line <= lines.length, where);
    assert.ok(end.line >= start.line && end.line <= lines.length, where);
    assert.ok(start.column >= 1 && start.column <= lines[start.line - 1].length + 1, where);
    assert.ok(end.column >= 1 && end.column <= lines[end.line - 1].length + 1, where);
    if (end.line === start.line) assert.ok(end.column >= start.column, where);
  }
}

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
