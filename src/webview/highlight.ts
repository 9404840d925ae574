/**
 * Code blocks in the prose, highlighted by highlight.js (its core and the few languages lessons
 * use, to keep the bundle small). It emits `<span class="hljs-…">` only, coloured by panel.css
 * from the theme's variables: no inline style, which the panel's CSP forbids. Pure (no DOM).
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import typescript from 'highlight.js/lib/languages/typescript';
import yaml from 'highlight.js/lib/languages/yaml';

hljs.registerLanguage('python', python);
hljs.registerLanguage('yaml', yaml);
hljs.registerLanguage('json', json);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('typescript', typescript);

/** markdown-it's `highlight` option: HTML for a known language, '' (markdown-it escapes it) otherwise. */
export function highlightCode(code: string, lang: string): string {
  const name = lang.trim().toLowerCase().split(/\s+/)[0] ?? '';
  if (!name || !hljs.getLanguage(name)) return '';
  try {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } catch {
    return '';
  }
}
