import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, parseExperimentFile, parseLesson } from '../../src/lessons';
import type { LessonDiagnostic } from '../../src/protocol/lesson';

const FIX = join(__dirname, '..', 'fixtures', 'lessons');
const read = (name: string) => readFileSync(join(FIX, name), 'utf8');

/** "line:col message" of every diagnostic, for exact comparisons. */
const at = (ds: LessonDiagnostic[]) => ds.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`);
const errors = (ds: LessonDiagnostic[]) => ds.filter((d) => d.severity === 'error');

const FM = ['---', 'id: t', 'title: T', 'topic: X', 'order: 1', 'minutes: 5', 'summary: S', '---', ''].join('\n');
/** A lesson whose body starts on line 10. */
const lesson = (...body: string[]) => FM + '\n' + body.join('\n') + '\n';
/** A lesson text's diagnostics as "line:column message". */
const diagnosticsAt = (text: string) => at(parseLesson(text, 'a.lesson.md').diagnostics);

test('the valid fixture parses into markdown, experiment, markdown, quiz with exact ranges', () => {
  const r = parseLesson(read('01-tiny.lesson.md'), 'test/fixtures/lessons/01-tiny.lesson.md');
  assert.deepEqual(r.diagnostics, []);
  const l = r.lesson;
  assert.ok(l);
  assert.equal(l.meta.id, 'tiny');
  assert.equal(l.meta.order, 1);
  assert.deepEqual(l.meta.prerequisites, []);
  assert.deepEqual(
    l.segments.map((s) => [s.kind, s.range.start.line, s.range.start.column, s.range.end.line, s.range.end.column]),
    [
      ['markdown', 11, 1, 20, 4],
      ['experiment', 22, 1, 40, 4],
      ['markdown', 42, 1, 42, 27],
      ['quiz', 44, 1, 56, 4],
    ],
  );
  // The ordinary ```python block stays inside the first markdown segment, fences included.
  const md = l.segments[0];
  assert.equal(md.kind, 'markdown');
  assert.ok(md.kind === 'markdown' && md.text.includes('```python\n# an ordinary code block stays Markdown\nmodel = keras.Sequential()\n```'));
  assert.ok(md.kind === 'markdown' && md.text.startsWith('# Why depth hurts') && md.text.includes('$$\\frac'));

  const exp = l.experiments[0];
  assert.equal(exp.id, 'sigmoid-deep');
  assert.equal(exp.title, 'A deep sigmoid net');
  assert.deepEqual(exp.expect, ['grad_norm[1] < 0.01 * grad_norm[last] at epoch 1', 'loss is finite']);
  assert.equal(exp.spec.model.layers.length, 3);
  assert.deepEqual(exp.spec.model.layers[1], { type: 'Dense', units: 32, activation: 'sigmoid', kernel_initializer: { name: 'random_normal', mean: 0, stddev: 1 } });
  // Defaults applied by the schema.
  assert.equal(exp.spec.training.batch_size, 32);
  assert.equal(exp.spec.training.epochs, 2);
  assert.equal(exp.spec.dataset.preprocess, 'scale');

  const quiz = l.quizzes[0];
  assert.equal(quiz.id, 'check');
  assert.equal(quiz.questions.length, 2);
  assert.deepEqual(quiz.questions[0].type === 'single' && quiz.questions[0].answer, 2);
  assert.deepEqual(quiz.questions[1].type === 'numeric' && [quiz.questions[1].answer, quiz.questions[1].tolerance], [25120, 0]);
  assert.equal(l.builtIn, false);
  assert.ok(l.file.endsWith(join('fixtures', 'lessons', '01-tiny.lesson.md')));
});

test('fences with other info strings, longer fences and tildes stay Markdown', () => {
  const text = lesson('````md', '```experiment', 'id: not-a-block', '```', '````', '', '~~~yaml experiment', 'a: 1', '~~~', '', '```experiment ', 'id: real', 'dataset: { name: mnist }', 'model: { layers: [{ type: Dense, units: 2 }] }', '```');
  const r = parseLesson(text, 'x.lesson.md');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(
    r.lesson?.segments.map((s) => [s.kind, s.range.start.line, s.range.end.line]),
    [
      ['markdown', 10, 18],
      ['experiment', 20, 24],
    ],
  );
  assert.deepEqual(r.lesson?.experiments.map((e) => e.id), ['real']);
});

test('an indented fence (inside a list) keeps the columns of its fields', () => {
  const text = lesson('1. Step one:', '', '   ```experiment', '   id: indented', '   dataset: { name: mnist }', '   model:', '     layers: [{ type: Dense, units: zero }]', '   ```');
  const r = parseLesson(text, 'x.lesson.md');
  assert.deepEqual(at(r.diagnostics), ['16:37 model.layers[0].units: expected a positive integer up to 4096, got "zero"']);
});

test('missing front matter: 1:1', () => {
  const r = parseLesson(read('broken/no-front-matter.lesson.md'), 'a.lesson.md');
  assert.equal(r.lesson, undefined);
  assert.deepEqual(at(r.diagnostics), [
    '1:1 missing front matter: a lesson starts with a line `---`, then YAML fields (id, title, topic, order, minutes, prerequisites, summary), then a line `---`',
  ]);
  assert.equal(formatDiagnostic(r.diagnostics[0]).slice(0, 34), 'a.lesson.md:1:1: missing front mat');
});

test('unterminated front matter: 1:1', () => {
  const r = parseLesson(read('broken/unterminated-front-matter.lesson.md'), 'a.lesson.md');
  assert.equal(r.lesson, undefined);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(at(r.diagnostics)[0].slice(0, 30), '1:1 unterminated front matter:');
});

test('front matter: wrong id format, wrong type and an unknown field, each at its value or key', () => {
  const r = parseLesson(read('broken/bad-front-matter.lesson.md'), 'a.lesson.md');
  assert.equal(r.lesson, undefined);
  assert.deepEqual(at(r.diagnostics), [
    '2:5 id: an id is lower-case letters, digits and dashes, got "Bad_Id"',
    '5:8 order: expected a non-negative integer (0 or more), got "first"',
    '8:1 autor: unknown field; expected one of id, title, topic, order, minutes, prerequisites, summary',
  ]);
  assert.deepEqual(r.diagnostics.map((d) => d.field), ['id', 'order', 'autor']);
  // The range covers the offending value: "first" is columns 8..13 on line 5.
  assert.deepEqual(r.diagnostics[1].range, { start: { line: 5, column: 8 }, end: { line: 5, column: 13 } });
});

test('front matter: a missing field points at the start of the mapping', () => {
  const text = ['---', 'id: t', 'title: T', 'topic: X', 'order: 1', 'summary: S', '---', 'Body'].join('\n');
  assert.deepEqual(diagnosticsAt(text), ['2:1 minutes: missing; add `minutes:` with a positive integer']);
});

test('front matter that is empty, or a list', () => {
  assert.deepEqual(at(parseLesson('---\n---\nBody\n', 'a.lesson.md').diagnostics), [
    '1:1 empty front matter: add id, title, topic, order, minutes and summary between the `---` lines',
  ]);
  assert.deepEqual(at(parseLesson('---\n- id: x\n---\nBody\n', 'a.lesson.md').diagnostics), [
    '2:1 front matter: expected `field: value` lines (id, title, topic, order, minutes, prerequisites, summary), not a list or a single value',
  ]);
});

test('bad YAML in front matter gives the YAML error position', () => {
  const text = ['---', 'id: t', 'title: [unclosed', 'topic: X', '---', ''].join('\n');
  const r = parseLesson(text, 'a.lesson.md');
  assert.equal(r.lesson, undefined);
  assert.equal(r.diagnostics.length >= 1, true);
  const d = r.diagnostics[0];
  assert.match(d.message, /^bad YAML: /);
  assert.equal(d.range.start.line >= 3 && d.range.start.line <= 4, true, `line ${d.range.start.line}`);
});

test('bad YAML in a block: a duplicate key at its exact position', () => {
  const text = lesson('```experiment', 'id: dup', 'dataset: { name: mnist }', 'dataset: { name: mnist }', 'model: { layers: [{ type: Dense, units: 2 }] }', '```');
  const r = parseLesson(text, 'a.lesson.md');
  assert.deepEqual(at(r.diagnostics), ['13:1 bad YAML: Map keys must be unique (a field appears twice: keep one)']);
  assert.deepEqual(r.lesson?.experiments, []);
});

test('bad YAML fixture: the flow mapping that never closes', () => {
  const r = parseLesson(read('broken/bad-yaml.lesson.md'), 'a.lesson.md');
  assert.equal(errors(r.diagnostics).length, 1);
  assert.match(r.diagnostics[0].message, /^bad YAML: Flow map in block collection must be sufficiently indented and end with a \}/);
  assert.deepEqual(r.diagnostics[0].range.start, { line: 13, column: 1 });
});

test('experiment errors: unknown layer, wrong type, unknown field, bad expect, missing id, bad reuse, duplicate id', () => {
  const r = parseLesson(read('broken/bad-experiment.lesson.md'), 'lessons/04-x.lesson.md');
  assert.deepEqual(at(r.diagnostics), [
    '17:13 model.layers[1].type: unknown layer "Dens"; expected one of Dense, Flatten, BatchNormalization, Activation, Dropout, AlphaDropout (did you mean "Dense"?)',
    '20:14 model.layers[2].units: expected a positive integer up to 4096, got "three"',
    '21:7 model.layers[2].activaton: unknown field; expected one of type, units, activation, kernel_initializer, use_bias, kernel_regularizer, kernel_constraint, name, trainable (did you mean "activation"?)',
    `24:5 expect[1]: unknown metric "val_acuracy"; expected one of loss, accuracy, val_loss, val_accuracy, lr, momentum, grad_norm, act_mean, act_std, zero_fraction, saturated_fraction, seconds, test_loss, test_accuracy, epochs_run, mc_accuracy, mc_std, deterministic_accuracy, suggested_lr, best_lr, params, trainable_params, non_trainable_params`,
    '28:1 id: missing; add `id:` with a lower-case id (letters, digits and dashes), e.g. `id: deep-sigmoid`',
    '31:18 model.reuse.from: "nowhere" names no experiment of this lesson; expected one of first, second (or "lesson-id/experiment-id" for another lesson)',
    '32:50 model.layers[0].activation: unknown activation "rellu"; expected one of linear, sigmoid, tanh, relu, leaky_relu, elu, selu, gelu, swish, softmax, prelu (did you mean "relu"?)',
    '34:43 training.optimizer.learning_rate: expected a positive number, got -1',
    '41:18 model.reuse.from: "missing-one" names no experiment of this lesson; expected one of first (or "lesson-id/experiment-id" for another lesson)',
    '46:5 id: duplicate id "second": the experiment block on line 37 already uses it; give this experiment another id',
  ]);
  assert.equal(
    formatDiagnostic(r.diagnostics[1]),
    'lessons/04-x.lesson.md:20:14: model.layers[2].units: expected a positive integer up to 4096, got "three"',
  );
  // Every block has an error, so none is runnable; each stays visible as a code block, in place.
  assert.deepEqual(r.lesson?.experiments, []);
  assert.deepEqual(
    r.lesson?.segments.map((s) => [s.kind, s.range.start.line, s.range.end.line, s.kind === 'markdown' && s.text.startsWith('```experiment\n')]),
    [
      ['markdown', 10, 25, true],
      ['markdown', 27, 35, true],
      ['markdown', 37, 43, true],
      ['markdown', 45, 50, true],
    ],
  );
});

test('quiz errors: no answer, index out of range, not one of the choices, duplicate quiz id', () => {
  const r = parseLesson(read('broken/bad-quiz.lesson.md'), 'a.lesson.md');
  assert.deepEqual(at(r.diagnostics), [
    '13:5 questions[0].answer: missing; a single-choice question needs `answer:` with the index (from 0) of the right choice',
    '20:13 questions[1].answer: 3 is out of range: this question has 3 choices, so its answer is an index from 0 to 2',
    '25:13 questions[2].answer: "d" is not one of the choices; give the index of the right choice, from 0 to 2',
    '30:17 questions[3].answer[1]: 5 is out of range: this question has 2 choices, so each answer is an index from 0 to 1',
    '35:5 id: duplicate id "q": the quiz block on line 10 already uses it; give this quiz another id',
  ]);
  assert.deepEqual(r.lesson?.quizzes, []);
});

test('quiz: an answer written as the choice text says which index to use', () => {
  const text = lesson('```quiz', 'id: q', 'questions:', '  - type: single', '    prompt: P', '    choices: [ReLU, SELU]', '    answer: SELU', '    explanation: E', '```');
  assert.deepEqual(diagnosticsAt(text), ['16:13 questions[0].answer: give the index of the right choice (from 0), not its text: answer: 1']);
});

test('quiz: a missing explanation and an unknown question type', () => {
  const text = lesson('```quiz', 'id: q', 'questions:', '  - type: single', '    prompt: P', '    choices: [a, b]', '    answer: 1', '  - type: essay', '    prompt: Q', '    explanation: E', '```');
  assert.deepEqual(diagnosticsAt(text), [
    '13:5 questions[0].explanation: missing; add `explanation:` with a text',
    '17:11 questions[1].type: unknown question type "essay"; expected one of single, multiple, numeric, predict',
  ]);
});

test('a plain text with ": " in a list of choices gets a hint to quote it', () => {
  const text = lesson('```quiz', 'id: q', 'questions:', '  - type: single', '    prompt: P', '    choices:', '      - yes', '      - No: never', '    answer: 0', '    explanation: E', '```');
  assert.deepEqual(diagnosticsAt(text), [
    '17:9 questions[0].choices[1]: expected a text, got a mapping (a plain text containing ": " reads as a mapping in YAML; put the text in quotes)',
  ]);
});

test('unterminated experiment or quiz fence: at the opening fence, indented column', () => {
  const r = parseLesson(read('broken/unterminated-fence.lesson.md'), 'a.lesson.md');
  assert.deepEqual(at(r.diagnostics), ['12:3 unterminated quiz block: the opening ```quiz has no closing ``` line; add one after the block\'s YAML']);
  assert.deepEqual(r.lesson?.segments.map((s) => s.kind), ['markdown']);
});

test('an unterminated ordinary code fence is a warning, and swallows what follows', () => {
  const r = parseLesson(lesson('text', '```js', 'let a = 1;', '```experiment', 'id: x'), 'a.lesson.md');
  assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.range.start.line, d.range.start.column]), [['warning', 11, 1]]);
  assert.deepEqual(r.lesson?.experiments, []);
});

test('expect: a mistake is reported at its column within the line (plain and quoted)', () => {
  const text = lesson(
    '```experiment',
    'id: e',
    'expect:',
    '  - grad_norm[1] < 0.01 * grad_norm[lst]',
    '  - "val_accuracy => 0.8"',
    'dataset: { name: mnist }',
    'model: { layers: [{ type: Dense, units: 2 }] }',
    '```',
  );
  assert.deepEqual(diagnosticsAt(text), [
    '13:37 expect[0]: bad layer index "lst": layers count from 1 (or first, last, -1 for the last)',
    '14:19 expect[1]: "=" is not a comparison: use == (or <=, >=)',
  ]);
});

test('unions: unknown initializer name (string or mapping), unknown regularizer key, both classes and exclude_classes', () => {
  const text = lesson(
    '```experiment',
    'id: e',
    'dataset: { name: mnist, classes: [0, 1], exclude_classes: [2] }',
    'model:',
    '  layers:',
    '    - { type: Dense, units: 2, kernel_initializer: he_nromal }',
    '    - { type: Dense, units: 2, kernel_initializer: { name: truncated_normal } }',
    '    - { type: Dense, units: 2, kernel_regularizer: { l3: 0.1 } }',
    '```',
  );
  assert.deepEqual(diagnosticsAt(text), [
    '12:34 dataset.classes: give either `classes` or `exclude_classes`, not both',
    '15:52 model.layers[0].kernel_initializer: unknown initializer "he_nromal"; expected one of glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal, lecun_uniform, zeros, ones (did you mean "he_normal"?)',
    '16:60 model.layers[1].kernel_initializer.name: unknown initializer "truncated_normal"; expected one of random_normal, random_uniform, variance_scaling',
    '17:54 model.layers[2].kernel_regularizer.l3: unknown field; expected l1, l2 (did you mean "l1"?)',
  ]);
});

test('a missing layer type and an empty layer list', () => {
  const text = lesson('```experiment', 'id: e', 'dataset: { name: mnist }', 'model:', '  layers:', '    - units: 3', '```', '', '```experiment', 'id: f', 'dataset: { name: mnist }', 'model: { layers: [] }', '```');
  assert.deepEqual(diagnosticsAt(text), [
    '15:7 model.layers[0].type: missing; add `type:` with one of Dense, Flatten, BatchNormalization, Activation, Dropout, AlphaDropout',
    '21:18 model.layers: expected at least 1 item, got 0',
  ]);
});

test('an empty block and a block that is not a mapping', () => {
  const r = parseLesson(lesson('```experiment', '```', '', '```quiz', '- a', '```'), 'a.lesson.md');
  assert.deepEqual(at(r.diagnostics), [
    '10:1 experiment block: expected a YAML mapping with id, title, dataset, model, training, ... (see docs/experiment-spec.md)',
    '14:1 quiz block: expected a YAML mapping with id, title and questions',
  ]);
});

test('an experiment and a quiz share one id namespace', () => {
  const text = lesson('```experiment', 'id: same', 'dataset: { name: mnist }', 'model: { layers: [{ type: Dense, units: 2 }] }', '```', '```quiz', 'id: same', 'questions: [{ type: numeric, prompt: P, answer: 1, explanation: E }]', '```');
  const r = parseLesson(text, 'a.lesson.md');
  assert.deepEqual(at(r.diagnostics), ['16:5 id: duplicate id "same": the experiment block on line 10 already uses it; give this quiz another id']);
  assert.deepEqual(r.lesson?.experiments.map((e) => e.id), ['same']);
  assert.deepEqual(r.lesson?.quizzes, []);
});

test('CRLF line endings and a BOM keep the same positions', () => {
  const text = '\ufeff' + lesson('```experiment', 'id: e', 'dataset: { name: mnist }', 'model: { layers: [{ type: Dense, units: -2 }] }', '```').replace(/\n/g, '\r\n');
  assert.deepEqual(diagnosticsAt(text), ['13:41 model.layers[0].units: expected a positive integer up to 4096, got -2']);
});

test('built-in lessons are named NN-<id>.lesson.md', () => {
  const r = parseLesson(FM, 'lessons/01-other.lesson.md', { builtIn: true });
  assert.deepEqual(at(r.diagnostics), ['2:5 a built-in lesson\'s file is named NN-<id>.lesson.md: rename "01-other.lesson.md" to "01-t.lesson.md"']);
  assert.equal(r.diagnostics[0].severity, 'warning');
  assert.equal(r.lesson?.builtIn, true);
  assert.deepEqual(parseLesson(FM, 'lessons/01-t.lesson.md', { builtIn: true }).diagnostics, []);
});

test('parseExperimentFile: YAML and JSON, with positions', () => {
  const ok = parseExperimentFile('dataset: { name: spirals, samples: 300 }\nmodel:\n  layers: [{ type: Dense, units: 2 }]\n', 'e.yaml');
  assert.deepEqual(ok.diagnostics, []);
  assert.equal(ok.spec?.dataset.name, 'spirals');
  assert.equal(ok.spec?.id, undefined);
  const json = '{\n  "dataset": { "name": "mnist" },\n  "model": { "layers": [ { "type": "Dense", "units": 0 } ] }\n}\n';
  const bad = parseExperimentFile(json, 'e.json');
  assert.equal(bad.spec, undefined);
  assert.deepEqual(at(bad.diagnostics), ['3:54 model.layers[0].units: expected a positive integer up to 4096, got 0']);
  const notMap = parseExperimentFile('- 1\n', 'e.yaml');
  assert.equal(notMap.diagnostics[0].range.start.line, 1);
});

test('full: the overrides are validated as merged, and reported where they are written', () => {
  const text = lesson(
    '```experiment',
    'id: e',
    'dataset: { name: mnist, classes: [1, 2] }',
    'model: { layers: [{ type: Dense, units: 2 }] }',
    'full:',
    '  training: { epoch: 10, batch_size: 0 }',
    '  dataset: { name: mnsit }',
    '  evaluate: { mc_dropout: { samples: many } }',
    '```',
  );
  assert.deepEqual(diagnosticsAt(text), [
    '15:15 full.training.epoch: unknown field; expected one of epochs, batch_size, optimizer, loss, clipvalue, clipnorm, global_clipnorm, schedule, early_stopping, lr_finder, autoencoder, shuffle, seed (did you mean "epochs"?)',
    '15:38 full.training.batch_size: expected a positive integer up to 8192, got 0',
    '16:20 full.dataset.name: unknown dataset "mnsit"; expected one of fashion-mnist, mnist, spirals, moons, blobs, shapes',
    '17:38 full.evaluate.mc_dropout.samples: expected a positive integer up to 1000, got "many"',
  ]);
  const ok = parseLesson(lesson('```experiment', 'id: e', 'dataset: { name: mnist, train_size: 100 }', 'model: { layers: [{ type: Dense, units: 2 }] }', 'full: { dataset: { train_size: 55000 }, training: { epochs: 10 } }', '```'), 'a.lesson.md');
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.lesson?.experiments[0].spec.full, { dataset: { train_size: 55000 }, training: { epochs: 10 } });
});

test('expect lines that the experiment can never meet are errors at the word concerned', () => {
  const text = lesson(
    '```experiment',
    'id: e',
    'expect:',
    '  - grad_norm[3] < grad_norm[1]',
    '  - val_accuracy > 0.5 at epoch 4',
    '  - mc_accuracy > 0.5',
    '  - test_loss < 1',
    '  - suggested_lr > 0',
    'dataset: { name: mnist, val_size: 0 }',
    'model: { layers: [{ type: Flatten }, { type: Dense, units: 8 }, { type: Dense, units: 2 }] }',
    'training: { epochs: 3 }',
    'evaluate: { test: false }',
    '```',
  );
  assert.deepEqual(diagnosticsAt(text), [
    '13:5 expect[0]: grad_norm[3]: the model has 2 instrumented (Dense) layers; use 1 to 2, or last',
    '14:5 expect[1]: val_accuracy: the dataset has no validation set (dataset.val_size: 0); give it a val_size or use accuracy',
    '14:27 expect[1]: at epoch 4: the experiment trains for 3 epochs',
    '15:5 expect[2]: mc_accuracy: the run has no MC dropout; add evaluate.mc_dropout: { samples: 50 }',
    '16:5 expect[3]: test_loss: the run has no test evaluation (evaluate.test: false)',
    '17:5 expect[4]: suggested_lr: only an LR finder run has it; add training.lr_finder',
  ]);
  // With reused layers the layer count is not known from the block: no layer check.
  const reused = parseLesson(
    lesson('```experiment', 'id: a', 'dataset: { name: mnist }', 'model: { layers: [{ type: Dense, units: 2 }] }', '```', '```experiment', 'id: b', 'expect: ["grad_norm[5] > 0"]', 'dataset: { name: mnist }', 'model: { reuse: { from: a }, layers: [{ type: Dense, units: 2 }] }', '```'),
    'a.lesson.md',
  );
  assert.deepEqual(reused.diagnostics, []);
});

test('a field written one level too high says where it belongs', () => {
  const text = lesson('```experiment', 'id: e', 'dataset: { name: mnist }', 'model: { layers: [{ type: Dense, units: 2 }] }', 'optimizer: { name: adam }', 'epochs: 3', '```');
  const known = 'id, title, explains, expect, book, dataset, model, training, record, evaluate, full';
  assert.deepEqual(diagnosticsAt(text), [
    `14:1 optimizer: unknown field; expected one of ${known} (it belongs under \`training\`: training.optimizer)`,
    `15:1 epochs: unknown field; expected one of ${known} (it belongs under \`training\`: training.epochs)`,
  ]);
});

test("an optimizer field that belongs to another optimizer, and clipnorm with global_clipnorm, are errors where they are written", () => {
  const y = [
    'dataset: { name: fashion-mnist }',
    'model:',
    '  layers:',
    '    - { type: Dense, units: 10, activation: softmax }',
    'training:',
    '  optimizer: { name: adam, rho: 0.9, initial_accumulator_value: 0.1 }',
    '  clipnorm: 1',
    '  global_clipnorm: 1',
  ].join('\n');
  assert.deepEqual(at(errors(parseExperimentFile(y, 'x.yaml').diagnostics)), [
    '6:28 training.optimizer.rho: unknown field for adam; adam has name, learning_rate, beta_1, beta_2, epsilon',
    '6:38 training.optimizer.initial_accumulator_value: unknown field for adam; adam has name, learning_rate, beta_1, beta_2, epsilon',
    '8:20 training.global_clipnorm: give either `clipnorm` (each gradient) or `global_clipnorm` (all together), not both: Keras refuses both',
  ]);
  // the same fields under their own optimizers are fine
  const ok = y.replace('{ name: adam, rho: 0.9, initial_accumulator_value: 0.1 }', '{ name: rmsprop, rho: 0.9 }').replace(/\n {2}global_clipnorm: 1$/, '');
  assert.deepEqual(errors(parseExperimentFile(ok, 'x.yaml').diagnostics), []);
});

test('book: the figure must describe the full run; mistakes are errors at the field concerned', () => {
  const text = lesson(
    '```experiment',
    'id: e',
    'book:',
    '  - { metric: val_accuracy, value: 0.8750, epochs: 10, source: "notebook, BN" }',
    '  - { metric: test_accuracy, value: 0.86, epochs: 3, source: "notebook" }',
    '  - { metric: mc_accuracy, value: 0.87, epochs: 10, source: "notebook" }',
    '  - { metric: val_accuracy, value: 87.5, epochs: 0, source: "" }',
    'dataset: { name: mnist, val_size: 0 }',
    'model: { layers: [{ type: Dense, units: 2 }] }',
    'training: { epochs: 2 }',
    'evaluate: { test: false }',
    'full: { training: { epochs: 10 } }',
    '```',
  );
  assert.deepEqual(diagnosticsAt(text), [
    '16:36 book[3].value: expected a fraction from 0 to 1 (0.8750 for 87.50 %), got 87.5',
    '16:50 book[3].epochs: expected a positive integer, got 0',
    '16:61 book[3].source: must not be empty',
  ]);
  const metric = parseLesson(text.replace('metric: val_accuracy, value: 87.5, epochs: 0, source: ""', 'metric: val_loss, value: 0.875, epochs: 10, source: "n"'), 'a.lesson.md');
  assert.deepEqual(at(metric.diagnostics), ['16:15 book[3].metric: unknown value "val_loss"; expected one of val_accuracy, test_accuracy, mc_accuracy']);
  // Once the figures themselves are valid, each is checked against the full run.
  const fixed = text.replace('  - { metric: val_accuracy, value: 87.5, epochs: 0, source: "" }\n', '');
  assert.deepEqual(at(parseLesson(fixed, 'a.lesson.md').diagnostics), [
    '13:15 book[0].metric: the full run has no validation set',
    '14:15 book[1].metric: the full run has no test evaluation (evaluate.test: false)',
    "14:51 book[1].epochs: the book's figure is after 3 epochs but the full run trains 10; set full.training.epochs: 3 (the notebook's)",
    '15:15 book[2].metric: the full run has no MC dropout; add evaluate.mc_dropout',
  ]);
  // One figure may be written without the list; a figure that matches the full run is no error.
  const one = lesson(
    '```experiment',
    'id: e',
    'book: { metric: val_accuracy, value: 0.8396, epochs: 10, source: "notebook, Leaky ReLU" }',
    'dataset: { name: mnist, train_size: 100, val_size: 50 }',
    'model: { layers: [{ type: Dense, units: 2 }] }',
    'training: { epochs: 2 }',
    'full: { training: { epochs: 10 } }',
    '```',
  );
  const ok = parseLesson(one, 'a.lesson.md');
  assert.deepEqual(ok.diagnostics, []);
  assert.deepEqual(ok.lesson?.experiments[0].spec.book, { metric: 'val_accuracy', value: 0.8396, epochs: 10, source: 'notebook, Leaky ReLU' });
  // Without `full`, the default run is the full run: its epochs must be the figure's.
  const noFull = parseLesson(one.replace("full: { training: { epochs: 10 } }\n", ''), 'a.lesson.md');
  assert.deepEqual(at(noFull.diagnostics), ["12:54 book.epochs: the book's figure is after 10 epochs but the full run trains 2; set full.training.epochs: 10 (the notebook's)"]);
});
