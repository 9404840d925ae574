/**
 * The catalog: every `*.lesson.md` under some folders (the built-in `lessons/`, a workspace),
 * parsed, checked across lessons (unique ids, `reuse.from: lesson/experiment`, prerequisites)
 * and sorted by `order` then `id`.
 */
import { promises as fs, existsSync } from 'fs';
import * as path from 'path';
import type { ExperimentBlock, Lesson, LessonDiagnostic } from '../protocol/lesson';
import { blockYaml, frontMatterYaml, parseLesson, sortDiagnostics } from './parse';
import { fileSizeDiagnostic } from './textLimits';

const LESSON_SUFFIX = '.lesson.md';

/** Finds lesson files: absolute path → the path as named from the caller's entry (for messages). */
async function findLessonFiles(entry: string, out: Map<string, string>, diagnostics: LessonDiagnostic[]): Promise<void> {
  const add = (p: string) => {
    const abs = path.resolve(p);
    if (!out.has(abs)) out.set(abs, p);
  };
  let st;
  try {
    st = await fs.stat(entry);
  } catch {
    diagnostics.push({ file: entry, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, severity: 'error', message: 'no such file or folder; check the path' });
    return;
  }
  if (st.isFile()) {
    add(entry);
    return;
  }
  if (!st.isDirectory()) return;
  const walk = async (dir: string): Promise<void> => {
    const names = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const d of names) {
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else if (d.isFile() && d.name.endsWith(LESSON_SUFFIX)) add(p);
    }
  };
  await walk(entry);
}

/**
 * Every lesson under the given folders (recursively, skipping `node_modules` and dot-folders) and
 * files, sorted by `order` then `id`. Diagnostics name each file as the caller did (an absolute
 * folder gives absolute paths); a duplicate lesson id is an error on the second file in path order,
 * which is then left out.
 */
export async function loadLessons(dirsOrFiles: string[], opts: { builtIn?: boolean } = {}): Promise<{ lessons: Lesson[]; diagnostics: LessonDiagnostic[] }> {
  const diagnostics: LessonDiagnostic[] = [];
  const files = new Map<string, string>();
  for (const entry of dirsOrFiles) await findLessonFiles(entry, files, diagnostics);
  const byId = new Map<string, Lesson>();
  const parsed: { lesson: Lesson; shown: string }[] = [];
  for (const [abs, shown] of [...files].sort((a, b) => a[0].localeCompare(b[0]))) {
    // Each file is parsed synchronously: let the event loop (the editor's extension host) breathe between files.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let text: string;
    try {
      const tooLarge = fileSizeDiagnostic(shown, (await fs.stat(abs)).size);
      if (tooLarge) {
        diagnostics.push(tooLarge);
        continue;
      }
      text = await fs.readFile(abs, 'utf8');
    } catch (e) {
      diagnostics.push({ file: shown, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, severity: 'error', message: `cannot read the file: ${(e as Error).message}` });
      continue;
    }
    const r = parseLesson(text, shown, opts);
    diagnostics.push(...r.diagnostics);
    if (!r.lesson) continue;
    const prev = byId.get(r.lesson.meta.id);
    if (prev) {
      diagnostics.push({
        file: shown,
        range: frontMatterYaml(text, shown).rangeOf(['id']),
        severity: 'error',
        message: `id: duplicate lesson id "${r.lesson.meta.id}": ${files.get(prev.file) ?? prev.file} already uses it; give this lesson another id`,
        field: 'id',
      });
      continue;
    }
    byId.set(r.lesson.meta.id, r.lesson);
    parsed.push({ lesson: r.lesson, shown });
  }
  // Cross-lesson checks.
  for (const { lesson, shown } of parsed) {
    const text = await fs.readFile(lesson.file, 'utf8').catch(() => '');
    for (const exp of lesson.experiments) {
      const from = exp.spec.model.reuse?.from;
      if (!from || !from.includes('/')) continue;
      const [lid, eid] = [from.slice(0, from.indexOf('/')), from.slice(from.indexOf('/') + 1)];
      const other = byId.get(lid);
      if (other && other.experiments.some((e) => e.id === eid)) continue;
      diagnostics.push({
        file: shown,
        range: blockYaml(text, shown, exp.range).rangeOf(['model', 'reuse', 'from']),
        severity: 'error',
        message: other
          ? `model.reuse.from: lesson "${lid}" has no experiment "${eid}"; expected one of ${other.experiments.map((e) => e.id).join(', ') || '(none)'}`
          : `model.reuse.from: no lesson "${lid}" among the loaded lessons; write "lesson-id/experiment-id" of an existing lesson`,
        field: 'model.reuse.from',
      });
    }
    for (const pre of lesson.meta.prerequisites) {
      if (byId.has(pre)) continue;
      diagnostics.push({
        file: shown,
        range: frontMatterYaml(text, shown).rangeOf(['prerequisites', lesson.meta.prerequisites.indexOf(pre)]),
        severity: 'warning',
        message: `prerequisites: no lesson "${pre}" among the loaded lessons; check the id`,
        field: 'prerequisites',
      });
    }
  }
  sortDiagnostics(diagnostics);
  const lessons = parsed.map((p) => p.lesson).sort((a, b) => a.meta.order - b.meta.order || a.meta.id.localeCompare(b.meta.id));
  return { lessons, diagnostics };
}

/**
 * The repository's `lessons/` folder: the nearest folder above this module that holds a
 * `package.json` (dist/ in the bundles, src/lessons/ under tsx), plus `lessons`.
 */
export function builtInLessonsDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'lessons');
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return path.join(__dirname, '..', 'lessons');
}

/** `lesson-id/experiment-id` → the lesson and its experiment. */
export function findExperiment(lessons: Lesson[], ref: string): { lesson: Lesson; experiment: ExperimentBlock } | undefined {
  const slash = ref.indexOf('/');
  if (slash < 0) return undefined;
  const lesson = lessons.find((l) => l.meta.id === ref.slice(0, slash));
  const experiment = lesson?.experiments.find((e) => e.id === ref.slice(slash + 1));
  return lesson && experiment ? { lesson, experiment } : undefined;
}
