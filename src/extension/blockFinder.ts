/**
 * Finds the `experiment` and `quiz` blocks of a lesson file by scanning its text, for CodeLenses:
 * it works on a half-written file that does not parse yet. The fences are found by the lesson
 * parser's own scanner, so a lens shows exactly where the parser sees a block. Pure (no `vscode`).
 * Lines are 0-based here (as `vscode.Range` counts them).
 */
import { ownedKind, scanFences } from '../lessons/fences';

export interface FoundBlock {
  kind: 'experiment' | 'quiz';
  /** The `id:` at the top level of the block's YAML, if any. */
  id?: string;
  /** Line of the opening fence. */
  startLine: number;
  /** Line of the closing fence (the last line when unclosed). */
  endLine: number;
  closed: boolean;
}

export interface FoundLesson {
  /** The `id:` in the front matter, if any. */
  id?: string;
  /** Line of the closing `---` of the front matter, or -1. */
  frontMatterEnd: number;
  blocks: FoundBlock[];
}

function unquote(v: string): string {
  const t = v.replace(/\s+#.*$/, '').trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

/** The first top-level `id:` among `lines[from..to)`. */
function idIn(lines: readonly string[], from: number, to: number): string | undefined {
  for (let j = from; j < to; j++) {
    const m = /^id:\s*(.+)$/.exec(lines[j]);
    if (m) return unquote(m[1]) || undefined;
  }
  return undefined;
}

export function findBlocks(text: string): FoundLesson {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  const result: FoundLesson = { frontMatterEnd: -1, blocks: [] };
  if (lines[0]?.trim() === '---') {
    for (let j = 1; j < lines.length; j++) {
      if (/^(---|\.\.\.)\s*$/.test(lines[j])) {
        result.frontMatterEnd = j;
        break;
      }
    }
    if (result.frontMatterEnd >= 0) result.id = idIn(lines, 1, result.frontMatterEnd);
  }
  for (const f of scanFences(lines, result.frontMatterEnd + 1)) {
    const kind = ownedKind(f.info);
    if (!kind) continue;
    const endLine = f.close ?? lines.length - 1;
    result.blocks.push({ kind, id: idIn(lines, f.open + 1, f.close ?? lines.length), startLine: f.open, endLine, closed: f.close !== undefined });
  }
  return result;
}
