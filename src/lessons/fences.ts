/**
 * The fenced code blocks of a Markdown text (CommonMark's rules for the fences themselves): shared
 * by the lesson parser and the editor's CodeLens finder, so both see the same blocks.
 */

export interface Fence {
  /** 0-based index of the opening line. */
  open: number;
  /** 0-based index of the closing line; undefined when the fence is never closed (it runs to the end). */
  close?: number;
  /** Spaces before the opening marker (0–3). */
  indent: number;
  /** The opening marker: three or more backticks or tildes. */
  marker: string;
  /** The info string, trimmed (`experiment`, `quiz`, `python`…). */
  info: string;
}

export type OwnedKind = 'experiment' | 'quiz';

/** The blocks the lesson parser owns have exactly this info string; any other is an ordinary code block. */
export function ownedKind(info: string): OwnedKind | undefined {
  return info === 'experiment' || info === 'quiz' ? info : undefined;
}

/** The fences of `lines` from line `from` on, in order; what lies between them is prose. */
export function scanFences(lines: readonly string[], from = 0): Fence[] {
  const fences: Fence[] = [];
  let i = from;
  while (i < lines.length) {
    const open = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    // A backtick fence's info string may not contain a backtick (that is inline code).
    if (!open || (open[2][0] === '`' && open[3].includes('`'))) {
      i++;
      continue;
    }
    const marker = open[2];
    const fence: Fence = { open: i, indent: open[1].length, marker, info: open[3].trim() };
    for (let j = i + 1; j < lines.length; j++) {
      const m = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (m && m[1][0] === marker[0] && m[1].length >= marker.length) {
        fence.close = j;
        break;
      }
    }
    fences.push(fence);
    if (fence.close === undefined) break;
    i = fence.close + 1;
  }
  return fences;
}
