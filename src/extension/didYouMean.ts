/**
 * The edit behind a "did you mean" quick fix (pure, no `vscode`): from a diagnostic's message,
 * the misspelt word (an unknown value `"reluu"` or an unknown field `…model.layers[1].activaton`)
 * and the suggestion; the word is looked for in the diagnostic's range, then on its first line.
 */

export interface WordFix {
  /** 0-based line and columns of the word to replace. */
  line: number;
  start: number;
  end: number;
  replacement: string;
}

/** The wrong word and the suggestion a message names, or undefined. */
export function suggestionOf(message: string): { wrong: string; right: string } | undefined {
  const right = /\(did you mean "([^"]+)"\?\)/.exec(message)?.[1];
  if (!right) return undefined;
  const field = /(?:^|\s)([\w.[\]-]+): unknown field/.exec(message);
  if (field) return { wrong: field[1]!.replace(/^.*[.\]]/, ''), right };
  const value = /unknown [\w\s-]*?"([^"]+)"/.exec(message);
  if (value) return { wrong: value[1]!, right };
  return undefined;
}

function findWord(text: string, word: string): number {
  const re = new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`);
  return re.exec(text)?.index ?? -1;
}

/**
 * Where to put the suggestion: `lines` is the document's text by line, `range` the diagnostic's
 * (0-based, end exclusive).
 */
export function wordFix(lines: readonly string[], range: { startLine: number; startColumn: number; endLine: number; endColumn: number }, message: string): WordFix | undefined {
  const s = suggestionOf(message);
  if (!s || s.wrong === s.right) return undefined;
  for (let l = range.startLine; l <= Math.min(range.endLine, lines.length - 1); l++) {
    const text = lines[l] ?? '';
    const from = l === range.startLine ? range.startColumn : 0;
    const to = l === range.endLine ? range.endColumn : text.length;
    const i = findWord(text.slice(from, Math.max(from, to)), s.wrong);
    if (i >= 0) return { line: l, start: from + i, end: from + i + s.wrong.length, replacement: s.right };
  }
  const first = lines[range.startLine] ?? '';
  const i = findWord(first, s.wrong);
  return i >= 0 ? { line: range.startLine, start: i, end: i + s.wrong.length, replacement: s.right } : undefined;
}
