/**
 * Lesson prose to HTML: markdown-it with raw HTML disabled (a lesson from any repository is
 * safe to open), plus `$…$` and `$$…$$` math. Math is emitted as placeholders carrying the TeX
 * (`.math[data-tex]`), typeset by KaTeX into the DOM afterwards (`typeset` in markdown.ts), since
 * KaTeX's DOM output sets styles through CSSOM, which the panel's strict CSP allows (inline style
 * attributes it does not). No DOM here, so it is unit-tested in Node.
 */
import { highlightCode } from './highlight';
import MarkdownIt, { type MarkdownIt as MarkdownItType, type StateBlock, type StateInline } from 'markdown-it';

function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src[start] !== '$' || src[start + 1] === '$') return false;
  const next = src[start + 1];
  if (next === undefined || next === ' ' || next === '\t' || next === '\n') return false;
  let end = start + 1;
  while (end < state.posMax) {
    if (src[end] === '\\') {
      end += 2;
      continue;
    }
    if (src[end] === '$') break;
    end++;
  }
  if (end >= state.posMax || src[end] !== '$') return false;
  const prev = src[end - 1];
  if (prev === ' ' || prev === '\t' || prev === '\n') return false;
  // "$5 and $10" is money, not math: a closing $ followed by a digit does not close.
  if (/\d/.test(src[end + 1] ?? '')) return false;
  if (!silent) {
    const token = state.push('math_inline', 'span', 0);
    token.content = src.slice(start + 1, end);
    token.markup = '$';
  }
  state.pos = end + 1;
  return true;
}

function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  let pos = state.bMarks[startLine]! + state.tShift[startLine]!;
  let max = state.eMarks[startLine]!;
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  if (state.src.slice(pos, pos + 2) !== '$$') return false;
  pos += 2;
  let first = state.src.slice(pos, max);
  let found = false;
  let line = startLine;
  if (first.trim().endsWith('$$')) {
    first = first.trim().slice(0, -2);
    found = true;
  }
  if (silent) return true;
  const body: string[] = [];
  if (first.trim()) body.push(first);
  while (!found) {
    line++;
    if (line >= endLine) break;
    pos = state.bMarks[line]! + state.tShift[line]!;
    max = state.eMarks[line]!;
    const text = state.src.slice(pos, max);
    if (text.trim().endsWith('$$')) {
      const last = text.trim().slice(0, -2);
      if (last.trim()) body.push(last);
      found = true;
      break;
    }
    body.push(state.src.slice(state.bMarks[line]!, max));
  }
  if (!found) return false;
  state.line = line + 1;
  const token = state.push('math_block', 'div', 0);
  token.block = true;
  token.content = body.join('\n');
  token.map = [startLine, state.line];
  token.markup = '$$';
  return true;
}

/** The element id an in-page link (`#…`) points to; a malformed escape (`#%E0%A4%A`) is taken literally, never thrown. */
export function anchorId(href: string): string {
  const raw = href.startsWith('#') ? href.slice(1) : href;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * An in-page link whose escapes decode (`#caf%C3%A9`) as it is; a malformed one (`#%E0%A4%A`) with
 * its `%` escaped, so that it names the same id literally and no code in the page (VS Code's own
 * webview click handler decodes `#…` links unguarded) can throw on it.
 */
export function safeAnchorHref(href: string): string {
  if (!href.startsWith('#')) return href;
  try {
    decodeURIComponent(href.slice(1));
    return href;
  } catch {
    return `#${encodeURIComponent(href.slice(1))}`;
  }
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function createMarkdown(): MarkdownItType {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: true, highlight: highlightCode });
  md.inline.ruler.after('escape', 'math_inline', mathInline);
  md.block.ruler.after('blockquote', 'math_block', mathBlock, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  md.renderer.rules.math_inline = (tokens, idx) => `<span class="math" data-tex="${escapeAttr(tokens[idx]!.content)}">${md.utils.escapeHtml(tokens[idx]!.content)}</span>`;
  md.renderer.rules.math_block = (tokens, idx) => `<div class="math math-display" data-tex="${escapeAttr(tokens[idx]!.content)}">${md.utils.escapeHtml(tokens[idx]!.content)}</div>\n`;
  // Links open outside the panel; mark them so.
  const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('rel', 'noopener');
    const href = String(tokens[idx]!.attrGet('href') ?? '');
    if (href.startsWith('#')) tokens[idx]!.attrSet('href', safeAnchorHref(href));
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  return md;
}

