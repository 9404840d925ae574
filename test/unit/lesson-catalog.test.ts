import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { builtInLessonsDir, findExperiment, formatDiagnostic, loadLessons } from '../../src/lessons';

function lessonText(id: string, order: number, body = '', extra = ''): string {
  return `---\nid: ${id}\ntitle: ${id}\ntopic: T\norder: ${order}\nminutes: 5\nsummary: S\n${extra}---\n\n${body}`;
}
const exp = (id: string, reuse?: string) =>
  `\`\`\`experiment\nid: ${id}\ndataset: { name: mnist }\nmodel:\n${reuse ? `  reuse: { from: ${reuse} }\n` : ''}  layers: [{ type: Dense, units: 2 }]\n\`\`\`\n`;

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lessons-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

test('loadLessons: finds *.lesson.md recursively, skips node_modules and dot-folders, sorts by order then id', async () => {
  const root = tree({
    'b.lesson.md': lessonText('bravo', 2),
    'sub/a.lesson.md': lessonText('alpha', 2),
    'sub/deeper/c.lesson.md': lessonText('charlie', 1),
    'notes.md': 'not a lesson',
    'node_modules/x/d.lesson.md': lessonText('delta', 0),
    '.hidden/e.lesson.md': lessonText('echo', 0),
  });
  try {
    const r = await loadLessons([root]);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.lessons.map((l) => l.meta.id), ['charlie', 'alpha', 'bravo']);
    assert.equal(r.lessons[0].file, resolve(root, 'sub/deeper/c.lesson.md'));
    assert.equal(r.lessons[0].builtIn, false);
    // The same file given twice (folder and file) is loaded once.
    const twice = await loadLessons([root, join(root, 'b.lesson.md')], { builtIn: true });
    assert.equal(twice.lessons.length, 3);
    assert.ok(twice.lessons.every((l) => l.builtIn));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadLessons: a duplicate lesson id is an error on the second file, at its id', async () => {
  const root = tree({ '01-a.lesson.md': lessonText('same', 1), '02-b.lesson.md': lessonText('same', 2) });
  try {
    const r = await loadLessons([root]);
    assert.deepEqual(r.lessons.map((l) => [l.meta.id, l.meta.order]), [['same', 1]]);
    assert.equal(r.diagnostics.length, 1);
    const d = r.diagnostics[0];
    // Files are named as the caller named them: absolute in, absolute out; relative in, relative out.
    assert.equal(d.file, join(root, '02-b.lesson.md'));
    const rel = relative(process.cwd(), root);
    const again = await loadLessons([rel]);
    assert.equal(again.diagnostics[0].file, join(rel, '02-b.lesson.md'));
    assert.deepEqual(d.range.start, { line: 2, column: 5 });
    assert.match(d.message, /^id: duplicate lesson id "same": .*01-a\.lesson\.md already uses it; give this lesson another id$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadLessons: reuse.from across lessons is checked at the `from` value', async () => {
  const root = tree({
    '01-a.lesson.md': lessonText('a', 1, exp('base')),
    '02-b.lesson.md': lessonText('b', 2, exp('ok', 'a/base') + '\n' + exp('bad-exp', 'a/nothing') + '\n' + exp('bad-lesson', 'zzz/base')),
  });
  try {
    const r = await loadLessons([root]);
    assert.deepEqual(
      r.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`),
      [
        '22:18 model.reuse.from: lesson "a" has no experiment "nothing"; expected one of base',
        '30:18 model.reuse.from: no lesson "zzz" among the loaded lessons; write "lesson-id/experiment-id" of an existing lesson',
      ],
    );
    const found = findExperiment(r.lessons, 'a/base');
    assert.equal(found?.lesson.meta.id, 'a');
    assert.equal(found?.experiment.id, 'base');
    assert.equal(findExperiment(r.lessons, 'b/ok')?.experiment.spec.model.reuse?.from, 'a/base');
    assert.equal(findExperiment(r.lessons, 'a/none'), undefined);
    assert.equal(findExperiment(r.lessons, 'base'), undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('loadLessons: an unknown prerequisite is a warning; a missing path is an error', async () => {
  const root = tree({ '01-a.lesson.md': lessonText('a', 1, '', 'prerequisites: [nope]\n') });
  try {
    const r = await loadLessons([root, join(root, 'missing')]);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.range.start.line, d.range.start.column, d.message]), [
      ['warning', 8, 17, 'prerequisites: no lesson "nope" among the loaded lessons; check the id'],
      ['error', 1, 1, 'no such file or folder; check the path'],
    ]);
    assert.equal(r.lessons.length, 1);
    assert.match(formatDiagnostic(r.diagnostics[0]), /01-a\.lesson\.md:8:17: warning: prerequisites: no lesson "nope"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('builtInLessonsDir is the repository\'s lessons/ folder', () => {
  assert.equal(builtInLessonsDir(), resolve(__dirname, '..', '..', 'lessons'));
});
