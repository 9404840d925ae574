import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseLesson } from '../../src/lessons/index';
import { suggestionOf, wordFix } from '../../src/extension/didYouMean';

const FIXTURE = join(__dirname, '..', 'fixtures', 'lessons', '01-tiny.lesson.md');

/** The validator's own diagnostics for a typo'd copy of the fixture, and the fix applied to the text. */
function fixFirst(src: string): { message: string; fixed?: string } {
  const { diagnostics } = parseLesson(src, FIXTURE, { builtIn: false });
  const d = diagnostics.find((x) => /did you mean/.test(x.message));
  assert.ok(d, `a "did you mean" diagnostic among: ${diagnostics.map((x) => x.message).join(' | ')}`);
  const lines = src.split('\n');
  const fix = wordFix(lines, { startLine: d.range.start.line - 1, startColumn: d.range.start.column - 1, endLine: d.range.end.line - 1, endColumn: d.range.end.column - 1 }, d.message);
  if (!fix) return { message: d.message };
  const line = lines[fix.line]!;
  lines[fix.line] = line.slice(0, fix.start) + fix.replacement + line.slice(fix.end);
  return { message: d.message, fixed: lines.join('\n') };
}

const original = readFileSync(FIXTURE, 'utf8');

test('a misspelt activation ("sigmoidd") is fixed to the suggestion, and the lesson then parses clean', () => {
  const typo = original.replace('activation: sigmoid,', 'activation: sigmoidd,');
  const { message, fixed } = fixFirst(typo);
  assert.match(message, /did you mean "sigmoid"/);
  assert.equal(fixed, original);
  assert.deepEqual(parseLesson(fixed, FIXTURE, { builtIn: false }).diagnostics.filter((d) => d.severity === 'error'), []);
});

test('a misspelt field name ("activaton") is fixed too', () => {
  const typo = original.replace('      activation: softmax', '      activaton: softmax');
  const { message, fixed } = fixFirst(typo);
  assert.match(message, /unknown field/);
  assert.equal(fixed, original);
});

test('suggestionOf reads both message shapes; nothing without a suggestion', () => {
  assert.deepEqual(suggestionOf('model.layers[1].activation: unknown activation "reluu"; expected relu, elu (did you mean "relu"?)'), { wrong: 'reluu', right: 'relu' });
  assert.deepEqual(suggestionOf('model.layers[1].activaton: unknown field; expected type, units (did you mean "activation"?)'), { wrong: 'activaton', right: 'activation' });
  assert.equal(suggestionOf('training.epochs: must be a positive integer'), undefined);
});
