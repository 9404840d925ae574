import { test } from 'node:test';
import assert from 'node:assert/strict';
import katex from 'katex';
import { createMarkdown } from '../../src/webview/markdownRules';
import { MAX_TEX_CHARS, katexErrorNote, katexOptions, texSource, texTooLong } from '../../src/webview/markdownMath';

const md = createMarkdown();

test('inline and display math become placeholders carrying the TeX (escaped)', () => {
  assert.equal(md.renderInline('the rate $\\eta < 1$ here'), 'the rate <span class="math" data-tex="\\eta &lt; 1">\\eta &lt; 1</span> here');
  const block = md.render('before\n\n$$\n\\sigma^2 = \\frac{1}{n}\n$$\n\nafter');
  assert.match(block, /<div class="math math-display" data-tex="\\sigma\^2 = \\frac\{1\}\{n\}">/);
  assert.match(block, /<p>after<\/p>/);
  assert.match(md.render('$$x = 1$$'), /data-tex="x = 1"/);
});

test('dollars that are not math stay text', () => {
  assert.equal(md.renderInline('it costs $5 and $10'), 'it costs $5 and $10');
  assert.equal(md.renderInline('a $ b $ c'), 'a $ b $ c');
  assert.equal(md.renderInline('\\$x\\$'), '$x$');
});

test('raw HTML from a lesson is escaped, never rendered', () => {
  const html = md.render('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> and [link](javascript:alert(1))');
  assert.doesNotMatch(html, /<script|<img/);
  assert.match(html, /&lt;script&gt;/);
  assert.doesNotMatch(html, /href="javascript:/);
});

test('code blocks are highlighted with highlight.js classes only (no inline style); unknown languages are escaped', () => {
  const html = md.render('```python\ndef f(x):\n    return 2 * x  # twice\n```\n');
  assert.match(html, /<span class="hljs-keyword">def<\/span>/);
  assert.match(html, /<span class="hljs-comment"># twice<\/span>/);
  assert.doesNotMatch(html, /style=/);
  const other = md.render('```brainfuck\n<script>++</script>\n```\n');
  assert.match(other, /&lt;script&gt;/);
  assert.doesNotMatch(other, /hljs/);
});

test('a formula over the size limit is not given to KaTeX: its source is shown with a note', () => {
  assert.equal(texTooLong('x^2'), undefined);
  assert.equal(texTooLong('x'.repeat(MAX_TEX_CHARS)), undefined);
  assert.equal(texTooLong('x'.repeat(538_000)), 'not typeset: the formula has 538,000 characters, more than 2,000');
  assert.equal(texSource('a+b', true), '$$a+b$$');
  assert.equal(texSource('a+b', false), '$a+b$');
});

test('KaTeX errors are thrown (not rendered with an inline colour the CSP blocks) and become a note', () => {
  // KaTeX's own error rendering: an inline style attribute, which the panel's CSP does not allow.
  assert.match(katex.renderToString('\\frac{1}{', { throwOnError: false }), /style="color:/);
  assert.throws(() => katex.renderToString('\\frac{1}{', katexOptions(false)), (e: Error) => {
    assert.match(katexErrorNote(e), /^cannot typeset: Unexpected end of input in a macro argument, expected '}'/);
    return true;
  });
  // A macro bomb stops at the expansion limit instead of running away.
  const bomb = '\\def\\a{xxxxxxxxxx}\\def\\b{\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a}\\def\\c{\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b}\\def\\d{\\c\\c\\c\\c\\c\\c\\c\\c\\c\\c}\\d';
  assert.throws(() => katex.renderToString(bomb, katexOptions(false)), /Too many expansions/);
  // \\href and friends need trust, which lessons do not get.
  assert.doesNotMatch(katex.renderToString('\\href{javascript:alert(1)}{x}', katexOptions(false)), /<a /);
  // Good TeX typesets.
  assert.match(katex.renderToString('\\sigma(z) = \\frac{1}{1 + e^{-z}}', katexOptions(true)), /class="katex-display"/);
});
