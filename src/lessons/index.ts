/**
 * The lesson file format: parse, validate with exact positions, load the catalog, check `expect`.
 * Imports only `protocol/` (plus yaml, zod and node's fs/path): no vscode, no tfjs.
 */
import type { LessonDiagnostic } from '../protocol/lesson';

export { parseLesson, parseExperimentFile, LessonExperimentSpec } from './parse';
export { loadLessons, builtInLessonsDir, findExperiment } from './catalog';
export { parseExpectation, evaluateExpectations, evaluateExpectation, formatNumber, EXPECT_METRICS, EXPECT_OPS } from './expect';
export type { Expectation, ExpectationResult, ExpectMetric, ExpectOp, MetricRef, Term } from './expect';
export { lessonJsonSchemas } from './schemas';
export { MAX_LESSON_FILE_BYTES, readLessonFileSync } from './textLimits';
export { estimateRunCost } from './costCheck';

/** `file:line:col: message` (warnings say so: `file:line:col: warning: message`). */
export function formatDiagnostic(d: LessonDiagnostic): string {
  return `${d.file}:${d.range.start.line}:${d.range.start.column}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}
