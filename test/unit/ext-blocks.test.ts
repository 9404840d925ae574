import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findBlocks } from '../../src/extension/blockFinder';
import { lessonFileName, lessonScaffold, slugify } from '../../src/extension/scaffold';
import { parseLesson } from '../../src/lessons/index';

const text = [
  '---', // 0
  'id: "my-lesson"', // 1
  'title: T', // 2
  '---', // 3
  '# Title', // 4
  '````markdown', // 5: an ordinary block that shows a fence inside it
  '```experiment', // 6
  'id: not-a-block', // 7
  '```', // 8
  '````', // 9
  '```experiment', // 10
  'title: first', // 11
  'id: first-exp   # a comment', // 12
  'model:', // 13
  '  id: nested', // 14 (indented: not the block id)
  '```', // 15
  '', // 16
  '~~~quiz', // 17
  'id: check', // 18
  '~~~', // 19
  '```experiment', // 20 (unclosed)
  'id: last', // 21
].join('\n');

test('finds experiment and quiz blocks with their lines and top-level ids, skipping fences inside other code blocks', () => {
  const found = findBlocks(text);
  assert.equal(found.id, 'my-lesson');
  assert.equal(found.frontMatterEnd, 3);
  assert.deepEqual(found.blocks, [
    { kind: 'experiment', id: 'first-exp', startLine: 10, endLine: 15, closed: true },
    { kind: 'quiz', id: 'check', startLine: 17, endLine: 19, closed: true },
    { kind: 'experiment', id: 'last', startLine: 20, endLine: 21, closed: false },
  ]);
});

test('CRLF files give the same lines; a file without front matter has no id', () => {
  const crlf = findBlocks(text.replace(/\n/g, '\r\n'));
  assert.deepEqual(crlf.blocks.map((b) => b.startLine), [10, 17, 20]);
  const bare = findBlocks('# x\n```quiz\nid: q\n```\n');
  assert.equal(bare.id, undefined);
  assert.equal(bare.frontMatterEnd, -1);
  assert.deepEqual(bare.blocks, [{ kind: 'quiz', id: 'q', startLine: 1, endLine: 3, closed: true }]);
});

test('on every built-in lesson, the finder and the parser agree on each block’s line and id', () => {
  const dir = join(__dirname, '..', '..', 'lessons');
  const files = readdirSync(dir).filter((f) => f.endsWith('.lesson.md'));
  assert.ok(files.length >= 1, 'built-in lessons are missing');
  let blocks = 0;
  for (const f of files) {
    const src = readFileSync(join(dir, f), 'utf8');
    const { lesson } = parseLesson(src, join(dir, f), { builtIn: true });
    assert.ok(lesson, `${f} does not parse`);
    const found = findBlocks(src);
    assert.equal(found.id, lesson.meta.id, f);
    const parsed = lesson.segments.filter((s) => s.kind !== 'markdown').map((s) => [s.kind, s.id, s.range.start.line - 1]);
    assert.deepEqual(found.blocks.map((b) => [b.kind, b.id, b.startLine]), parsed, f);
    blocks += parsed.length;
  }
  assert.ok(blocks >= files.length * 3, `${blocks} blocks in ${files.length} lessons`);
});

test('New Lesson: the scaffold passes the real validator and gets the next number', () => {
  assert.equal(slugify('Dropout on a Small Net!'), 'dropout-on-a-small-net');
  assert.equal(slugify('Élan vital'), 'elan-vital');
  assert.equal(lessonFileName('x', ['01-a.lesson.md', '12-b.lesson.md', 'notes.md']), '13-x.lesson.md');
  assert.equal(lessonFileName('x', []), '01-x.lesson.md');
  const src = lessonScaffold('My "quoted" lesson', 101);
  const { lesson, diagnostics } = parseLesson(src, '/w/lessons/01-my-quoted-lesson.lesson.md', { builtIn: false });
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(lesson?.meta.title, 'My "quoted" lesson');
  assert.equal(lesson?.experiments.length, 1);
  assert.equal(lesson?.quizzes[0]?.questions.length, 1);
  assert.deepEqual(findBlocks(src).blocks.map((b) => [b.kind, b.id]), [['experiment', 'baseline'], ['quiz', 'check']]);
});

test('the finder sees a block only where the parser does: exact info strings, backtick rules', () => {
  const fm = ['---', 'id: l', 'title: L', 'topic: T', 'order: 1', 'minutes: 5', 'summary: S.', '---'];
  const src = [...fm, '```Experiment', 'id: a', '```', '```experiment extra', 'id: b', '```', '``` experiment `x` is inline code, not a fence', '```experiment', 'id: d', '```'].join('\n');
  assert.deepEqual(findBlocks(src).blocks.map((b) => [b.kind, b.id, b.startLine]), [['experiment', 'd', 15]]);
  // The parser owns block d only: its errors (d is not a valid experiment) are all inside it, none elsewhere.
  const { diagnostics } = parseLesson(src, '/w/l.lesson.md');
  const errorLines = diagnostics.filter((d) => d.severity === 'error').map((d) => d.range.start.line - 1);
  assert.ok(errorLines.length > 0 && errorLines.every((l) => l >= 15 && l <= 17), JSON.stringify(diagnostics));
});
