// The fuzzing stays in the suite: seeded mutations of every built-in lesson (and targeted abuse),
// and of real IDX files. Each input must be handled (no exception), quickly, and every lesson
// diagnostic must point inside the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseLesson } from '../../src/lessons';
import { IdxError, parseIdx } from '../../src/engine/data/idx';
import { assertInside, mutate, rng } from '../helpers/fuzz';

const lessonsDir = join(__dirname, '..', '..', 'lessons');
/**
 * The inputs' bases: every built-in lesson cut into one lesson per fenced block (its front matter,
 * the block, the prose just before it), so that 2,000 inputs cover every block of every lesson
 * within the time limit.
 */
const bases = readdirSync(lessonsDir)
  .filter((f) => f.endsWith('.lesson.md'))
  .sort()
  .flatMap((name) => {
    const text = readFileSync(join(lessonsDir, name), 'utf8');
    const close = text.indexOf('\n---', 3) + 4;
    const front = text.slice(0, close);
    const out: { name: string; text: string }[] = [];
    for (let at = text.indexOf('\n```', close); at >= 0; ) {
      const end = text.indexOf('\n```\n', at + 4);
      if (end < 0) break;
      out.push({ name, text: `${front}\n${text.slice(Math.max(close, at - 300), end + 5)}` });
      at = text.indexOf('\n```', end + 5);
    }
    return out;
  });

/** Abuse aimed at the known weak spots: aliases, nesting, sizes, line endings, huge numbers, math. */
const TARGETED: ((text: string, next: () => number) => string)[] = [
  (t) => t.replace('```experiment\n', `\`\`\`experiment\nx: &a [1]\ny: [${new Array(300).fill('*a').join(', ')}]\n`),
  (t) => t.replace('```experiment\n', `\`\`\`experiment\nx: ${'['.repeat(2000)}${']'.repeat(2000)}\n`),
  (t) => t.replace(/units: \d+/, 'units: 100000000'),
  (t) => t.replace(/epochs: \d+/, 'epochs: 1e9'),
  (t) => t.replace(/\n/g, '\r'),
  (t) => t.replace(/\n/g, '\r\n'),
  (t) => `\ufeff${t}`,
  (t, next) => t.slice(0, Math.floor(next() * t.length)),
  (t) => t.replace('$$', `$$${'\\frac{1}{'.repeat(500)}`),
  (t) => t.replace(/learning_rate: [\d.e-]+/, 'learning_rate: .inf'),
  (t) => t.replace('```quiz\n', '```quiz\n? [a, b]\n: c\n'),
  (t) => t + '\n```experiment\n' + 'k: v\n'.repeat(20),
];

test('2,000 mutated built-in lesson blocks: no exception, none slower than 1 s, every diagnostic inside the file', () => {
  const next = rng(20_261_130);
  // Warm up (module loading, schema compilation, JIT) before anything is timed.
  for (const { name, text } of bases) parseLesson(text, name);
  const started = Date.now();
  let inputs = 0;
  let withErrors = 0;
  let slowest = 0;
  for (let round = 0; inputs < 2000; round++) {
    for (const { name, text: base } of bases) {
      let text = base;
      const k = next();
      if (k < 0.15) text = TARGETED[Math.floor(next() * TARGETED.length)](text, next);
      const n = 1 + Math.floor(next() * 4);
      for (let m = 0; m < n; m++) text = mutate(text, next);
      const t = performance.now();
      const r = parseLesson(text, name);
      const ms = performance.now() - t;
      slowest = Math.max(slowest, ms);
      assert.ok(ms < 1000, `${name}, round ${round}: ${ms.toFixed(0)} ms`);
      assertInside(text, r.diagnostics, `${name}, round ${round}`);
      for (const d of r.diagnostics) assert.ok(d.range.start.line >= 1 && d.range.start.column >= 1);
      if (r.diagnostics.some((d) => d.severity === 'error')) withErrors++;
      else assert.ok(r.lesson, `${name}, round ${round}: no error but no lesson`);
      inputs++;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  assert.ok(inputs >= 2000, `${inputs} inputs`);
  assert.ok(withErrors > inputs / 10, `${withErrors} of ${inputs} mutants had errors: the mutations must break things`);
  assert.ok(seconds < 60, `${seconds} s`);
  console.log(`fuzz: ${inputs} lesson inputs in ${seconds.toFixed(1)} s, ${withErrors} with errors, slowest ${slowest.toFixed(0)} ms`);
});

const DATA_DIR = process.env.DEEP_LESSONS_DATA_DIR;

test('2,000 mutated IDX files: each is decoded or refused with an IdxError naming the file, never anything else', () => {
  assert.ok(DATA_DIR, 'DEEP_LESSONS_DATA_DIR is not set: point it at the real datasets folder');
  const labels = gunzipSync(readFileSync(join(DATA_DIR, 'fashion-mnist', 't10k-labels-idx1-ubyte.gz')));
  // The first 200 test images (a real header, the count patched to match).
  const imagesFull = gunzipSync(readFileSync(join(DATA_DIR, 'fashion-mnist', 't10k-images-idx3-ubyte.gz')));
  const images = Uint8Array.from(imagesFull.subarray(0, 16 + 200 * 784));
  new DataView(images.buffer).setUint32(4, 200);
  const next = rng(7);
  let refused = 0;
  let decoded = 0;
  for (let i = 0; i < 2000; i++) {
    const base = i % 2 ? labels : images;
    const bytes = Uint8Array.from(base);
    const r = next();
    let buf: Uint8Array = bytes;
    if (r < 0.3) {
      // Flip 1 to 4 bytes of the header.
      for (let k = 0, n = 1 + Math.floor(next() * 4); k < n; k++) bytes[Math.floor(next() * 16)] = Math.floor(next() * 256);
    } else if (r < 0.5) buf = bytes.subarray(0, Math.floor(next() * bytes.length));
    else if (r < 0.6) buf = Uint8Array.from([...bytes.subarray(0, 64), ...new Uint8Array(Math.floor(next() * 100))]);
    else if (r < 0.7) new DataView(bytes.buffer).setUint32(4 + 4 * Math.floor(next() * 3), Math.floor(next() * 2 ** 32));
    else for (let k = 0; k < 20; k++) bytes[16 + Math.floor(next() * (bytes.length - 16))] = Math.floor(next() * 256);
    const kind = next() < 0.7 ? (i % 2 ? 'labels' : 'images') : undefined;
    const t = performance.now();
    try {
      const a = parseIdx(buf, `f${i}.idx`, kind);
      assert.equal(a.data.length, a.dims.reduce((x, y) => x * y, 1), `input ${i}`);
      decoded++;
    } catch (e) {
      assert.ok(e instanceof IdxError, `input ${i}: ${String(e)}`);
      assert.ok(e.message.startsWith(`f${i}.idx: `), e.message);
      refused++;
    }
    assert.ok(performance.now() - t < 1000, `input ${i}`);
  }
  assert.ok(refused > 500 && decoded > 200, `${refused} refused, ${decoded} decoded`);
});
