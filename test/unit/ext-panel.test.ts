import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../src/extension/panelHtml';
import { describeLayers, describeSetup, differenceGroups, specDifferences, toLessonView } from '../../src/extension/lessonView';
import { pngFromDataUrl } from '../../src/extension/exportMetrics';
import { followLink, isInside, openLinkTarget } from '../../src/extension/links';
import { anchorId, createMarkdown, safeAnchorHref } from '../../src/webview/markdownRules';
import { parseLesson } from '../../src/lessons/index';
import { ExperimentSpec, type LayerSpec } from '../../src/protocol/spec';

test('the panel CSP: nothing by default, scripts only by nonce, styles/fonts/images from the webview; no unsafe-*', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{20,}$/);
  assert.notEqual(makeNonce(), nonce);
  const html = panelHtml({ cspSource: 'https://x.vscode-cdn.net', nonce, scriptUri: 'https://x.vscode-cdn.net/dist/webview.js', styleUris: ['https://x.vscode-cdn.net/dist/katex.min.css'], title: 'A <b>lesson</b>' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.equal(csp, contentSecurityPolicy('https://x.vscode-cdn.net', nonce));
  const directives = Object.fromEntries(csp!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'none'"]);
  assert.deepEqual(directives['script-src'], [`'nonce-${nonce}'`]);
  assert.deepEqual(directives['style-src'], ['https://x.vscode-cdn.net', `'nonce-${nonce}'`]);
  assert.deepEqual(directives['font-src'], ['https://x.vscode-cdn.net']);
  assert.doesNotMatch(csp!, /unsafe/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]!, new RegExp(`nonce="${nonce}"`));
  assert.doesNotMatch(html, /<b>lesson/);
  assert.doesNotMatch(html, /style="/);
});

const dense = (units: number, activation: string): LayerSpec => ({ type: 'Dense', units, activation } as LayerSpec);

test('setup lines fold repeated layers', () => {
  assert.equal(describeLayers([{ type: 'Flatten' }, ...Array.from({ length: 20 }, () => dense(100, 'selu')), dense(10, 'softmax')]), 'Dense(100, selu) ×20 → Dense(10, softmax)');
  const spec = ExperimentSpec.parse({ dataset: { name: 'fashion-mnist', train_size: 5000 }, model: { layers: [dense(300, 'relu'), dense(10, 'softmax')] }, training: { epochs: 3, optimizer: { name: 'adam', learning_rate: 0.001 } } });
  assert.equal(describeSetup(spec), 'fashion-mnist (5,000 train) · Dense(300, relu) → Dense(10, softmax) · adam η=0.001 · 3 epochs × batch 32');
});

test('the compare legend lists what differs, folding layers that differ alike', () => {
  const base = { dataset: { name: 'fashion-mnist' }, model: { layers: [{ type: 'Flatten' }, ...Array.from({ length: 5 }, () => ({ type: 'Dense', units: 100, activation: 'sigmoid', kernel_initializer: 'glorot_uniform' })), { type: 'Dense', units: 10, activation: 'softmax' }] } };
  const a = ExperimentSpec.parse({ ...base, id: 'a', title: 'A' });
  const b = ExperimentSpec.parse({
    ...base,
    id: 'b',
    title: 'B',
    model: { layers: base.model.layers.map((l, i) => (i >= 1 && i <= 5 ? { ...l, activation: 'relu', kernel_initializer: 'he_normal' } : l)) },
    training: { optimizer: { name: 'adam', learning_rate: 0.001 } },
  });
  assert.deepEqual(specDifferences(a, b).sort(), [
    'model.layers[1..5].activation: sigmoid → relu',
    'model.layers[1..5].kernel_initializer: glorot_uniform → he_normal',
    'training.optimizer.learning_rate: 0.01 → 0.001',
    'training.optimizer.name: sgd → adam',
  ]);
  assert.deepEqual(specDifferences(a, a), []);
});

test('an initializer given with its fields against one given by name is one line, not one per field', () => {
  const layers = (init: unknown) => [{ type: 'Flatten' }, { type: 'Dense', units: 8, activation: 'tanh', kernel_initializer: init }, { type: 'Dense', units: 10, activation: 'softmax' }];
  const a = ExperimentSpec.parse({ id: 'a', title: 'A', dataset: { name: 'fashion-mnist' }, model: { layers: layers({ name: 'random_normal', mean: 0, stddev: 1 }) } });
  const b = ExperimentSpec.parse({ id: 'b', title: 'B', dataset: { name: 'fashion-mnist' }, model: { layers: layers('glorot_uniform') } });
  assert.deepEqual(specDifferences(a, b), ['model.layers[1].kernel_initializer: random_normal(mean 0, stddev 1) → glorot_uniform']);
  assert.deepEqual(specDifferences(b, a), ['model.layers[1].kernel_initializer: glorot_uniform → random_normal(mean 0, stddev 1)']);
});

test('the compare legend names each experiment once over its lines, not on every line; no name for two', () => {
  const base = { dataset: { name: 'fashion-mnist' }, model: { layers: [{ type: 'Flatten' }, { type: 'Dense', units: 100, activation: 'sigmoid' }, { type: 'Dense', units: 10, activation: 'softmax' }] } };
  const layers = (activation: string) => base.model.layers.map((l, i) => (i === 1 ? { ...l, activation } : l));
  const a = ExperimentSpec.parse({ ...base, id: 'a', title: 'Sigmoid' });
  const b = ExperimentSpec.parse({ ...base, id: 'b', title: 'Tanh', model: { layers: layers('tanh') }, training: { optimizer: { name: 'sgd', learning_rate: 0.1 } } });
  const c = ExperimentSpec.parse({ ...base, id: 'c', title: 'ReLU', model: { layers: layers('relu') } });
  const groups = differenceGroups(['Sigmoid', 'Tanh', 'ReLU'], [a, b, c]);
  assert.deepEqual(groups, [
    { title: 'Tanh', lines: ['training.optimizer.learning_rate: 0.01 → 0.1', 'model.layers[1].activation: sigmoid → tanh'] },
    { title: 'ReLU', lines: ['model.layers[1].activation: sigmoid → relu'] },
  ]);
  for (const g of groups) for (const line of g.lines) assert.ok(!line.includes(g.title!), `"${line}" does not repeat "${g.title}"`);
  assert.deepEqual(differenceGroups(['Sigmoid', 'ReLU'], [a, c]), [{ lines: ['model.layers[1].activation: sigmoid → relu'] }], 'two experiments: the legend says which, no title');
  assert.deepEqual(differenceGroups(['Sigmoid', 'Sigmoid again', 'ReLU'], [a, a, c]).map((g) => g.title), ['ReLU'], 'an experiment that differs in nothing has no group');
});

test('the page never receives quiz answers or explanations (built-in lesson 1)', () => {
  const file = join(__dirname, '..', '..', 'lessons', '01-vanishing-gradients.lesson.md');
  const { lesson } = parseLesson(readFileSync(file, 'utf8'), file, { builtIn: true });
  assert.ok(lesson);
  const view = toLessonView(lesson);
  const quizzes = view.segments.filter((s) => s.kind === 'quiz');
  assert.equal(quizzes.length, lesson.quizzes.length);
  const questions = quizzes.flatMap((q) => (q.kind === 'quiz' ? q.questions : []));
  assert.equal(questions.length, lesson.quizzes.reduce((n, q) => n + q.questions.length, 0));
  for (const q of questions) assert.deepEqual(Object.keys(q).sort(), q.type === 'numeric' ? ['prompt', 'type'] : q.type === 'predict' ? ['choices', 'experiment', 'prompt', 'type'] : ['choices', 'prompt', 'type']);
  // A predict question's outcome lines (which say the answer) stay on the host too.
  assert.ok(questions.some((q) => q.type === 'predict'));
  assert.equal(JSON.stringify(quizzes).includes('saturated_fraction[1]'), false);
  const json = JSON.stringify(quizzes);
  for (const q of lesson.quizzes.flatMap((q) => q.questions)) assert.equal(json.includes(JSON.stringify(q.explanation)), false);
  const exps = view.segments.filter((s) => s.kind === 'experiment');
  assert.deepEqual(exps.map((e) => (e.kind === 'experiment' ? e.key : '')), lesson.experiments.map((e) => `vanishing-gradients/${e.id}`));
});

test('PNG export accepts only PNG data URLs', () => {
  assert.deepEqual([...pngFromDataUrl('data:image/png;base64,iVBORw0KGgo=')], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.throws(() => pngFromDataUrl('data:text/html;base64,PGI+'));
  assert.throws(() => pngFromDataUrl('javascript:alert(1)'));
});

test('links in lesson prose: web pages open outside, relative paths resolve against the lesson file, other schemes do nothing', () => {
  assert.deepEqual(openLinkTarget('https://keras.io/api/', '/w/lessons/01-a.lesson.md'), { kind: 'external', url: 'https://keras.io/api/' });
  assert.deepEqual(openLinkTarget('02-b.lesson.md#quiz', '/w/lessons/01-a.lesson.md'), { kind: 'file', path: '/w/lessons/02-b.lesson.md', fragment: 'quiz' });
  assert.deepEqual(openLinkTarget('../notes/my%20file.md', '/w/lessons/01-a.lesson.md', ['/w']), { kind: 'file', path: '/w/notes/my file.md', fragment: undefined });
  assert.equal(openLinkTarget('javascript:alert(1)', '/w/lessons/01-a.lesson.md').kind, 'none');
  assert.equal(openLinkTarget('command:workbench.action.quit', '/w/lessons/01-a.lesson.md').kind, 'none');
  assert.equal(openLinkTarget('#top', '/w/lessons/01-a.lesson.md').kind, 'none');
});

test("links open only files in the lesson's folder or the workspace; the rest is refused with the reason", async () => {
  const lesson = '/w/lessons/01-a.lesson.md';
  const refused = (href: string, roots: string[] = ['/w']) => openLinkTarget(href, lesson, roots);
  assert.deepEqual(refused('../../../../etc/passwd'), { kind: 'refused', path: '/etc/passwd', reason: "it is outside the lesson's folder and the workspace" });
  assert.equal(refused('..%2F..%2F..%2Fetc%2Fshadow').kind, 'refused');
  assert.equal(refused('/etc/passwd').kind, 'refused');
  // A sibling folder whose name starts like the workspace's is not inside it.
  assert.equal(refused('../../w-evil/x.md').kind, 'refused');
  // Without a workspace, only the lesson's own folder (and below).
  assert.equal(refused('../notes/a.md', []).kind, 'refused');
  assert.deepEqual(refused('sub/b.md', []), { kind: 'file', path: '/w/lessons/sub/b.md', fragment: undefined });
  assert.equal(refused('x%00.md').kind, 'none');
  assert.deepEqual(refused('bad%E0%A4%A.md'), { kind: 'none', reason: 'a malformed path' });
  // A symbolic link inside the folder that leads out of it is refused too.
  const real = async (p: string) => (p === '/w/lessons/link.md' ? '/etc/passwd' : p);
  assert.equal((await followLink('link.md', lesson, ['/w'], real)).kind, 'refused');
  assert.equal((await followLink('02-b.lesson.md', lesson, ['/w'], real)).kind, 'file');
  assert.ok(isInside('/w', '/w') && isInside('/w/a/b', '/w') && !isInside('/wx', '/w') && !isInside('/', '/w'));
});

test('in-page anchors: a malformed escape is taken literally, never thrown', () => {
  assert.equal(anchorId('#caf%C3%A9'), 'café');
  assert.equal(anchorId('#%E0%A4%A'), '%E0%A4%A');
  assert.equal(anchorId('#%'), '%');
});

test('in-page anchors are rendered so that any decoder reads them: a malformed escape has its % escaped, naming the same id', () => {
  assert.equal(safeAnchorHref('#caf%C3%A9'), '#caf%C3%A9');
  assert.equal(safeAnchorHref('#%E0%A4%A'), '#%25E0%25A4%25A');
  assert.equal(safeAnchorHref('x.md'), 'x.md');
  // The page's own decoder and the standard one agree on the id the rendered link names.
  assert.equal(anchorId(safeAnchorHref('#%E0%A4%A')), anchorId('#%E0%A4%A'));
  assert.equal(decodeURIComponent(safeAnchorHref('#%E0%A4%A').slice(1)), '%E0%A4%A');
  const html = createMarkdown().render('[bad](#%E0%A4%A) and [good](#caf%C3%A9)');
  const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
  assert.equal(hrefs.length, 2);
  // markdown-it escapes the lone `%A` itself (`#%E0%A4%25A`); the broken `%E0%A4` needed ours.
  assert.equal(hrefs[0], '#%25E0%25A4%2525A');
  for (const h of hrefs) assert.doesNotThrow(() => decodeURIComponent(h.slice(1)), h);
  assert.equal(hrefs[1], '#caf%C3%A9');
});
