/** Typesetting of the math placeholders that `markdownRules.ts` emits (DOM, KaTeX). */
import katex from 'katex';

export { createMarkdown } from './markdownRules';

/** Typesets every math placeholder under `root` (the TeX stays as text if KaTeX cannot parse it). */
export function typeset(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>('.math[data-tex]')) {
    const tex = el.dataset.tex ?? '';
    const displayMode = el.classList.contains('math-display');
    try {
      el.textContent = '';
      katex.render(tex, el, { displayMode, throwOnError: false, output: 'htmlAndMathml', strict: 'ignore' });
    } catch {
      el.textContent = displayMode ? `$$${tex}$$` : `$${tex}$`;
      el.classList.add('math-error');
    }
    el.removeAttribute('data-tex');
  }
}
