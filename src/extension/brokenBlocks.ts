/**
 * A block with errors keeps its place in the panel and the tree: the lesson's markdown segment that
 * the parser left for a broken `experiment` (or `quiz`) block becomes an error card listing the
 * errors (line, field, what to do), and an experiment that parsed before keeps its last good
 * version (its card, its runs) marked with those errors until the block is fixed. Pure (no `vscode`).
 */
import type { ExperimentBlock, Lesson, LessonDiagnostic, LessonSegment, MarkdownSegment } from '../protocol/lesson';
import type { BlockError } from '../protocol/webview';

/** What a fenced block that failed to parse says about itself: its kind, id and title, if readable. */
export function brokenBlockOf(seg: MarkdownSegment): { kind: 'experiment' | 'quiz'; id?: string; title?: string } | undefined {
  const m = /^\s*(`{3,}|~{3,})\s*(experiment|quiz)\s*$/m.exec(seg.text.split('\n')[0] ?? '');
  if (!m) return undefined;
  const field = (name: string) => new RegExp(`^${name}:\\s*["']?([^"'\\n#]+?)["']?\\s*(?:#.*)?$`, 'm').exec(seg.text)?.[1];
  return { kind: m[2] as 'experiment' | 'quiz', id: field('id'), title: field('title') };
}

export function errorsWithin(diagnostics: readonly LessonDiagnostic[], file: string, seg: { range: MarkdownSegment['range'] }): BlockError[] {
  return diagnostics
    .filter((d) => d.file === file && d.severity === 'error' && d.range.start.line >= seg.range.start.line && d.range.start.line <= seg.range.end.line)
    .map((d) => ({ line: d.range.start.line, column: d.range.start.column, ...(d.field ? { field: d.field } : {}), message: d.message }));
}

/**
 * The lessons with each broken experiment block replaced by its last good version from
 * `previous` (same lesson id and experiment id), carrying the block's errors. Those stay out of
 * `experiments` (nothing runs a block with errors).
 */
export function keepLastGood(previous: readonly Lesson[], next: readonly Lesson[], diagnostics: readonly LessonDiagnostic[]): Lesson[] {
  return next.map((lesson) => {
    const old = previous.find((l) => l.meta.id === lesson.meta.id);
    if (!old) return lesson;
    let changed = false;
    const segments = lesson.segments.map((seg): LessonSegment => {
      if (seg.kind !== 'markdown') return seg;
      const b = brokenBlockOf(seg);
      const good = b?.kind === 'experiment' && b.id ? (old.experiments.find((e) => e.id === b.id) ?? lastGoodOf(old, b.id)) : undefined;
      if (!good) return seg;
      changed = true;
      const kept: ExperimentBlock = { ...good, range: seg.range, errors: errorsWithin(diagnostics, lesson.file, seg) };
      return kept;
    });
    return changed ? { ...lesson, segments } : lesson;
  });
}

/** An experiment already kept from an earlier version (broken twice in a row). */
function lastGoodOf(old: Lesson, id: string): ExperimentBlock | undefined {
  return old.segments.find((s): s is ExperimentBlock => s.kind === 'experiment' && s.id === id);
}
