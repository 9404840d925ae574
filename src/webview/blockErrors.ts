/** A lesson block's errors as the panel lists them (line, field, what to do), each a link to its line. */
import type { BlockError, BrokenBlockView } from '../protocol/webview';
import { post } from './api';
import { h } from './ui';

export function errorList(errors: readonly BlockError[]): HTMLElement {
  const list = h('ul', { class: 'block-errors', 'aria-label': 'Errors in this block' });
  for (const e of errors) {
    const where = h('a', { href: '#', class: 'error-where', title: 'Show this line in the lesson file' }, `line ${e.line}${e.field ? ` · ${e.field}` : ''}`);
    where.addEventListener('click', (ev) => {
      ev.preventDefault();
      post({ type: 'openSource', line: e.line });
    });
    list.append(h('li', {}, where, ': ', e.field && e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message));
  }
  if (!errors.length) list.append(h('li', {}, 'The block does not parse; the Problems view says why.'));
  return list;
}

/** A card in place of a fenced block that does not parse: its title, its errors, the block as written. */
export function brokenBlockCard(b: BrokenBlockView, text: string, line: number): HTMLElement {
  const what = b.blockKind === 'experiment' ? 'Experiment' : 'Quiz';
  const title = b.title ?? (b.id ? `${what} "${b.id}"` : what);
  const id = b.id ? `${b.blockKind === 'experiment' ? 'exp' : 'quiz'}-${b.id}` : `block-${line}`;
  const source = h('a', { href: '#', class: 'source-link', title: 'Show this block in the lesson file' }, 'source');
  source.addEventListener('click', (e) => {
    e.preventDefault();
    post({ type: 'openSource', line });
  });
  return h(
    'section',
    { class: `run-card broken ${b.blockKind}`, id, 'aria-label': `${what} with errors: ${title}` },
    h('header', {}, h('h3', {}, title), h('div', { class: 'setup' }, `This ${b.blockKind} has ${b.errors.length === 1 ? 'an error' : `${b.errors.length || 'some'} errors`}; fix ${b.errors.length === 1 ? 'it' : 'them'} in the lesson file · `, source)),
    errorList(b.errors),
    h('details', {}, h('summary', {}, 'The block as written'), h('pre', {}, h('code', {}, text))),
  );
}
