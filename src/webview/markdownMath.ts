/**
 * The limits and options of typesetting (no DOM, so it is unit-tested in Node). A lesson is
 * untrusted: one huge formula once took KaTeX 26 s, so a formula over MAX_TEX_CHARS, and every
 * formula after a page has spent TYPESET_BUDGET_MS, is shown as its source with a note. KaTeX's
 * own error rendering colours the text with an inline style, which the panel's CSP blocks; errors
 * are thrown instead and shown by the `math-error` class.
 */
import type { KatexOptions } from 'katex';

/** The longest formula typeset (the longest in the built-in lessons is under 140 characters). */
export const MAX_TEX_CHARS = 2000;
/** Typesetting time one page (one `typeset` call) may spend before the rest is shown as source. */
export const TYPESET_BUDGET_MS = 1000;

/** Why a formula is not typeset at all (undefined: typeset it). */
export function texTooLong(tex: string): string | undefined {
  if (tex.length <= MAX_TEX_CHARS) return undefined;
  return `not typeset: the formula has ${tex.length.toLocaleString('en-US')} characters, more than ${MAX_TEX_CHARS.toLocaleString('en-US')}`;
}

export function katexOptions(displayMode: boolean): KatexOptions {
  // maxExpand bounds macro expansion (a `\def` bomb); maxSize bounds sizes given in the TeX.
  return { displayMode, throwOnError: true, output: 'htmlAndMathml', strict: 'ignore', maxExpand: 500, maxSize: 20, trust: false };
}

/** The note shown after a formula KaTeX could not read. */
export function katexErrorNote(e: unknown): string {
  const m = e instanceof Error ? e.message.replace(/^KaTeX parse error: /, '') : String(e);
  return `cannot typeset: ${m.length > 200 ? `${m.slice(0, 200)}…` : m}`;
}

/** The source as written, with its dollars. */
export function texSource(tex: string, displayMode: boolean): string {
  return displayMode ? `$$${tex}$$` : `$${tex}$`;
}
