import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_LESSON_FILE_BYTES, parseExperimentFile, parseLesson } from '../../src/lessons';
import { YAML_LIMITS, YamlBlock } from '../../src/lessons/yamlBlock';

const tiny = readFileSync(join(__dirname, '..', 'fixtures', 'lessons', '01-tiny.lesson.md'), 'utf8');
const FRONT = tiny.slice(0, tiny.indexOf('---', 3) + 4);

function ms(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** A YAML text with `n` aliases of one anchor (each a list item). */
function aliases(n: number): string {
  return `a: &a 1\nb:\n${'  - *a\n'.repeat(n)}`;
}

test('a lesson of 100,000 aliases (700 KB) is refused by its size, at once', () => {
  const text = `${FRONT}\n\`\`\`experiment\n${aliases(100_000)}\`\`\`\n`;
  let r: ReturnType<typeof parseLesson> | undefined;
  const took = ms(() => (r = parseLesson(text, 'bomb.lesson.md')));
  assert.ok(took < 1000, `${took} ms`);
  assert.equal(r!.lesson, undefined);
  assert.equal(r!.diagnostics.length, 1);
  const d = r!.diagnostics[0];
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.range.start, { line: 1, column: 1 });
  assert.match(d.message, new RegExp(`file too large: \\d+ KiB, .* at most ${MAX_LESSON_FILE_BYTES / 1024} KiB; split it`));
});

test('a 5 MB YAML experiment file is refused in under a second', () => {
  const text = `dataset: { name: blobs }\nmodel:\n  layers:\n${'    - { type: Dense, units: 1 }\n'.repeat(160_000)}`;
  assert.ok(text.length > 5e6);
  let r: ReturnType<typeof parseExperimentFile> | undefined;
  const took = ms(() => (r = parseExperimentFile(text, 'big.yaml')));
  assert.ok(took < 1000, `${took} ms`);
  assert.equal(r!.spec, undefined);
  assert.match(r!.diagnostics[0].message, /^file too large: \d{4} KiB/);
});

test('alias checking is linear: 8 times the aliases cost far less than 64 times the time', () => {
  // The old check walked the whole document once per alias (quadratic: 8× the aliases, 64× the time).
  // Best of five: on a loaded machine a single timing can be preempted; linear work gives about 8,
  // the old quadratic walk 64 (and at 40,000 aliases it took minutes), so 40 tells them apart.
  const best = (n: number) => Math.min(...[0, 1, 2, 3, 4].map(() => ms(() => new YamlBlock('x.yaml', aliases(n), 1))));
  best(2000); // warm up
  const small = best(5000);
  const large = best(40_000);
  assert.ok(large / small < 40, `5,000 aliases ${small.toFixed(1)} ms, 40,000 aliases ${large.toFixed(1)} ms: ratio ${(large / small).toFixed(1)}`);
});

test('more aliases than the limit: an error at the first one over it, and nothing expanded', () => {
  const b = new YamlBlock('x.yaml', aliases(YAML_LIMITS.aliases + 5), 3);
  assert.equal(b.ok, false);
  assert.equal(b.value, undefined);
  const d = b.diagnostics.find((x) => x.message.includes('aliases'));
  assert.ok(d, JSON.stringify(b.diagnostics));
  // Line 1 "a: &a 1", line 2 "b:", then one alias a line: the 101st alias is on text line 103, file line 105.
  assert.deepEqual(d.range.start, { line: 3 + 2 + YAML_LIMITS.aliases, column: 5 });
  assert.match(d.message, /more than 100 aliases/);
  // Fewer: resolved as before.
  const ok = new YamlBlock('x.yaml', aliases(50), 1);
  assert.equal(ok.ok, true, JSON.stringify(ok.diagnostics));
  assert.deepEqual((ok.value as { b: number[] }).b, new Array(50).fill(1));
});

test('a billion-laughs expansion under the alias-node limit is refused with a clear word', () => {
  let text = 'l0: &l0 [x, x, x, x, x, x, x, x, x]\n';
  for (let k = 1; k < 9; k++) text += `l${k}: &l${k} [${new Array(9).fill(`*l${k - 1}`).join(', ')}]\n`;
  const b = new YamlBlock('x.yaml', text, 1);
  assert.equal(b.ok, false);
  assert.deepEqual(b.diagnostics.map((d) => d.message), ['bad YAML: its aliases (*name) expand to too much data; write the values out instead']);
});

test('an alias before its anchor is still reported where it is', () => {
  const b = new YamlBlock('x.yaml', 'a: *x\nb: &x 1\n', 10);
  assert.equal(b.ok, false);
  assert.deepEqual(b.diagnostics.map((d) => [d.range.start.line, d.range.start.column, d.message.slice(0, 30)]), [[10, 4, 'bad YAML: the alias *x has no ']]);
});

for (const [kind, nest] of [
  ['flow', (n: number) => `x: ${'['.repeat(n)}${']'.repeat(n)}\n`],
  ['block', (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1\n'],
] as const) {
  test(`deep ${kind} nesting: a clear error with its position, quickly`, () => {
    const text = `${FRONT}\n\`\`\`experiment\n${nest(kind === 'flow' ? 1000 : 400)}\`\`\`\n`;
    let r: ReturnType<typeof parseLesson> | undefined;
    const took = ms(() => (r = parseLesson(text, 'deep.lesson.md')));
    assert.ok(took < 1000, `${took} ms`);
    const errors = r!.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0].message, new RegExp(`nested more than ${YAML_LIMITS.depth} levels deep here`));
    assert.doesNotMatch(errors[0].message, /call stack/);
    const fenceLine = text.split('\n').indexOf('```experiment') + 1;
    assert.ok(errors[0].range.start.line > fenceLine, JSON.stringify(errors[0].range));
  });
}

test('a lesson with CR-only line endings is read, with a warning that says what to do', () => {
  const cr = tiny.replace(/\r?\n/g, '\r');
  const lf = parseLesson(tiny, 'tiny.lesson.md');
  const r = parseLesson(cr, 'tiny.lesson.md');
  assert.ok(r.lesson, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.lesson.experiments.map((e) => [e.id, e.range]), lf.lesson!.experiments.map((e) => [e.id, e.range]));
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.range.start.line, d.message]), [
    ['warning', 1, 'line endings: this file ends lines with a lone CR (classic Mac OS); save it with LF (or CRLF) line endings'],
  ]);
  const e = parseExperimentFile('dataset: { name: blobs }\rmodel:\r  layers: [{ type: Dense, units: 2 }]\r', 'cr.yaml');
  assert.ok(e.spec, JSON.stringify(e.diagnostics));
  assert.equal(e.diagnostics[0].severity, 'warning');
});
