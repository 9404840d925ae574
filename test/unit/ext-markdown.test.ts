import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMarkdown } from '../../src/webview/markdownRules';

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
