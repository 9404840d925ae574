/**
 * Finds the `experiment` and `quiz` blocks of a lesson file by scanning its text, for CodeLenses:
 * it works on a half-written file that does not parse yet. Pure (no `vscode`). Lines are 0-based
 * here (as `vscode.Range` counts them).
 */

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

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;

function unquote(v: string): string {
  const t = v.replace(/\s+#.*$/, '').trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  return t;
}

export function findBlocks(text: string): FoundLesson {
  const lines = text.split(/\r?\n/);
  const result: FoundLesson = { frontMatterEnd: -1, blocks: [] };
  let i = 0;
  if (lines[0]?.trim() === '---') {
    for (let j = 1; j < lines.length; j++) {
      if (/^(---|\.\.\.)\s*$/.test(lines[j]!)) {
        result.frontMatterEnd = j;
        break;
      }
      const m = /^id:\s*(.+)$/.exec(lines[j]!);
      if (m) result.id = unquote(m[1]!);
    }
    if (result.frontMatterEnd >= 0) i = result.frontMatterEnd + 1;
  }
  while (i < lines.length) {
    const open = FENCE.exec(lines[i]!);
    if (!open) {
      i++;
      continue;
    }
    const marker = open[2]!;
    const lang = open[3]!.toLowerCase();
    const start = i;
    let end = lines.length - 1;
    let closed = false;
    let id: string | undefined;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j]!;
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(l);
      if (close && close[1]![0] === marker[0] && close[1]!.length >= marker.length) {
        end = j;
        closed = true;
        break;
      }
      const m = /^id:\s*(.+)$/.exec(l);
      if (m && id === undefined) id = unquote(m[1]!);
    }
    if (lang === 'experiment' || lang === 'quiz') {
      result.blocks.push({ kind: lang, id: id || undefined, startLine: start, endLine: end, closed });
    }
    i = end + 1;
  }
  return result;
}
