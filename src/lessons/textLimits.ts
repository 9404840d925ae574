/**
 * Checks on a lesson or experiment file's text made before any parsing: its size (a lesson is
 * untrusted data and parsing runs on the editor's extension host, so a file too large to parse in
 * a moment is refused) and its line endings.
 */
import { readFileSync, statSync } from 'fs';
import type { LessonDiagnostic } from '../protocol/lesson';

/** The largest lesson or experiment file read: 128 KiB (the largest built-in lesson is under 20 KiB; the densest 128 KiB of YAML parses in about half a second). */
export const MAX_LESSON_FILE_BYTES = 128 * 1024;

const AT_START = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };

/** An error when a file of `bytes` bytes is over the limit (checked before reading it, from its size on disk). */
export function fileSizeDiagnostic(file: string, bytes: number): LessonDiagnostic | undefined {
  if (bytes <= MAX_LESSON_FILE_BYTES) return undefined;
  return {
    file,
    range: AT_START,
    severity: 'error',
    message: `file too large: ${Math.ceil(bytes / 1024)} KiB, and a lesson or experiment file may be at most ${MAX_LESSON_FILE_BYTES / 1024} KiB; split it into several lessons (it was not read)`,
  };
}

/** The same check on text already in memory (an open editor's document); counts UTF-16 units, close to bytes for lesson text. */
export function textSizeDiagnostic(file: string, text: string): LessonDiagnostic | undefined {
  return fileSizeDiagnostic(file, text.length);
}

/**
 * A warning when the text has line breaks that are a lone CR (classic Mac OS). They are read as
 * line breaks, as the editor does, but other tools (git diffs, Markdown previews) may not.
 */
export function lineEndingDiagnostic(file: string, text: string): LessonDiagnostic | undefined {
  const at = text.search(/\r(?!\n)/);
  if (at < 0) return undefined;
  let line = 1;
  let column = 1;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || (c === 10 && text.charCodeAt(i - 1) !== 13)) {
      line++;
      column = 1;
    } else if (c !== 10) column++;
  }
  if (text.charCodeAt(0) === 0xfeff && line === 1) column--;
  return {
    file,
    range: { start: { line, column }, end: { line, column } },
    severity: 'warning',
    message: 'line endings: this file ends lines with a lone CR (classic Mac OS); save it with LF (or CRLF) line endings',
  };
}

/** Reads a lesson or experiment file unless its size on disk is over the limit (then the error says so). */
export function readLessonFileSync(file: string, shown = file): { text: string } | { diagnostic: LessonDiagnostic } {
  const tooLarge = fileSizeDiagnostic(shown, statSync(file).size);
  return tooLarge ? { diagnostic: tooLarge } : { text: readFileSync(file, 'utf8') };
}
