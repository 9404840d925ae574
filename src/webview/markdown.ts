/** Typesetting of the math placeholders that `markdownRules.ts` emits (DOM, KaTeX). */
import katex from 'katex';
import { TYPESET_BUDGET_MS, katexErrorNote, katexOptions, texSource, texTooLong } from './markdownMath';

export { createMarkdown } from './markdownRules';

/** Shows a formula as its source, in the error colour (a class: the CSP allows no inline style), with a note saying why. */
function showSource(el: HTMLElement, tex: string, displayMode: boolean, note: string): void {
  el.textContent = texSource(tex, displayMode);
  el.classList.add('math-error');
  el.title = note;
  const n = document.createElement('span');
  n.className = 'math-note';
  n.textContent = ` (${note})`;
  el.append(n);
}

/** Typesets every math placeholder under `root`; what KaTeX cannot or should not typeset stays as source with a note. */
export function typeset(root: HTMLElement): void {
  const started = performance.now();
  for (const el of root.querySelectorAll<HTMLElement>('.math[data-tex]')) {
    const tex = el.dataset.tex ?? '';
    const displayMode = el.classList.contains('math-display');
    el.removeAttribute('data-tex');
    const tooLong = texTooLong(tex);
    if (tooLong) {
      showSource(el, tex, displayMode, tooLong);
      continue;
    }
    if (performance.now() - started > TYPESET_BUDGET_MS) {
      showSource(el, tex, displayMode, 'not typeset: this page has spent its time on math already');
      continue;
    }
    try {
      el.textContent = '';
      katex.render(tex, el, katexOptions(displayMode));
    } catch (e) {
      showSource(el, tex, displayMode, katexErrorNote(e));
    }
  }
}
