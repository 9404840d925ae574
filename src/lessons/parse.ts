/**
 * The lesson file: YAML front matter, then Markdown in which fenced blocks whose info string is
 * exactly `experiment` or `quiz` belong to the parser. Every block and field keeps its exact
 * 1-based line and column; every message names the field and says what to do.
 */
import * as path from 'path';
import type { z } from 'zod';
import { ExperimentSpec } from '../protocol/spec';
import type { ExperimentSpec as ExperimentSpecType } from '../protocol/spec';
import { bookFigures } from '../protocol/book';
import { LessonFrontMatter, QuizBlockSpec } from '../protocol/lesson';
import type { ExperimentBlock, Lesson, LessonDiagnostic, LessonSegment, QuizBlock, SourceRange } from '../protocol/lesson';
import { formatRef, parseExpectation } from './expect';
import type { MetricRef } from './expect';
import { formatPath, issuesToDiagnostics, valueAt } from './issues';
import type { PathKey } from './yamlBlock';
import { YamlBlock } from './yamlBlock';
import { lineEndingDiagnostic, textSizeDiagnostic } from './textLimits';
import { checkModelSize } from './costCheck';
import { ownedKind, scanFences } from './fences';
import { deepMerge, isPlainObject } from '../protocol/merge';

/** Inside a lesson an experiment needs an `id` (for `lesson-id/experiment-id` and the Run button). */
export const LessonExperimentSpec = ExperimentSpec.extend({ id: ExperimentSpec.shape.id.unwrap() });

interface Line {
  text: string;
  /** 1-based */
  no: number;
}

interface Fence {
  kind: 'experiment' | 'quiz' | 'code';
  open: Line;
  close?: Line;
  indent: number;
  /** The lines between the fences, without the fence's indentation. */
  body: string[];
  removed: number[];
}

function err(file: string, range: SourceRange, message: string, field?: string): LessonDiagnostic {
  return { file, range, severity: 'error', message, ...(field ? { field } : {}) };
}

function lineRange(line: Line, startCol = 1, endCol = line.text.length + 1): SourceRange {
  return { start: { line: line.no, column: startCol }, end: { line: line.no, column: Math.max(endCol, startCol) } };
}

export function splitLines(text: string): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // A lone CR ends a line too, as in the editor (lineEndingDiagnostic says so).
  return body.split(/\r\n|\r|\n/).map((t, i) => ({ text: t, no: i + 1 }));
}

/**
 * Parse and validate one lesson file. The lesson comes back whenever its front matter is valid;
 * a block with an error is left out of `experiments` and `quizzes` and stays in `segments` as an
 * ordinary code block (Markdown), so it cannot be run or answered until it is fixed.
 */
export function parseLesson(text: string, file: string, opts: { builtIn?: boolean } = {}): { lesson?: Lesson; diagnostics: LessonDiagnostic[] } {
  const tooLarge = textSizeDiagnostic(file, text);
  if (tooLarge) return { diagnostics: [tooLarge] };
  const diagnostics: LessonDiagnostic[] = [];
  const crOnly = lineEndingDiagnostic(file, text);
  if (crOnly) diagnostics.push(crOnly);
  const lines = splitLines(text);

  // ---- front matter
  if (lines[0].text.trimEnd() !== '---') {
    diagnostics.push(
      err(
        file,
        lineRange(lines[0]),
        'missing front matter: a lesson starts with a line `---`, then YAML fields (id, title, topic, order, minutes, prerequisites, summary), then a line `---`',
      ),
    );
    return { diagnostics };
  }
  const close = lines.findIndex((l, i) => i > 0 && (l.text.trimEnd() === '---' || l.text.trimEnd() === '...'));
  if (close < 0) {
    diagnostics.push(err(file, lineRange(lines[0], 1, 4), 'unterminated front matter: the `---` on line 1 has no closing `---` line; add one after the last front-matter field'));
    return { diagnostics };
  }
  const fm = new YamlBlock(file, lines.slice(1, close).map((l) => l.text).join('\n'), 2);
  diagnostics.push(...fm.diagnostics);
  let meta: LessonFrontMatter | undefined;
  if (fm.ok) {
    if (fm.value === null || fm.value === undefined) {
      diagnostics.push(err(file, lineRange(lines[0], 1, 4), 'empty front matter: add id, title, topic, order, minutes and summary between the `---` lines'));
    } else if (!isPlainObject(fm.value)) {
      diagnostics.push(err(file, fm.rangeOf([]), 'front matter: expected `field: value` lines (id, title, topic, order, minutes, prerequisites, summary), not a list or a single value'));
    } else {
      const r = LessonFrontMatter.safeParse(fm.value);
      if (r.success) meta = r.data;
      else diagnostics.push(...issuesToDiagnostics(r.error.issues, { block: fm, schema: LessonFrontMatter, data: fm.value }));
    }
  }

  // ---- body: fences
  const segments: LessonSegment[] = [];
  const experiments: ExperimentBlock[] = [];
  const quizzes: QuizBlock[] = [];
  /** Each quiz's YAML, for positions in checks made after every block is read. */
  const quizBlocks = new Map<QuizBlock, YamlBlock>();
  /** Block ids of this lesson (experiments and quizzes share one namespace): id → line of its block. */
  const ids = new Map<string, { line: number; kind: string }>();
  const reuseChecks: { from: string; block: YamlBlock; path: PathKey[] }[] = [];
  let prose: Line[] = [];
  const flushProse = () => {
    let a = 0;
    let b = prose.length;
    while (a < b && prose[a].text.trim() === '') a++;
    while (b > a && prose[b - 1].text.trim() === '') b--;
    if (a < b) {
      const first = prose[a];
      const last = prose[b - 1];
      segments.push({
        kind: 'markdown',
        text: prose.slice(a, b).map((l) => l.text).join('\n'),
        range: { start: { line: first.no, column: 1 }, end: { line: last.no, column: last.text.length + 1 } },
      });
    }
    prose = [];
  };

  const texts = lines.map((l) => l.text);
  let i = close + 1;
  for (const f of scanFences(texts, close + 1)) {
    for (; i < f.open; i++) prose.push(lines[i]);
    const line = lines[i];
    const { indent, marker, info } = f;
    const j = f.close ?? lines.length;
    const fence: Fence = { kind: ownedKind(info) ?? 'code', open: line, close: f.close === undefined ? undefined : lines[f.close], indent, body: [], removed: [] };
    for (let k = i + 1; k < j; k++) {
      const text = lines[k].text;
      const removed = Math.min(text.match(/^ */)?.[0].length ?? 0, indent);
      fence.body.push(text.slice(removed));
      fence.removed.push(removed);
    }
    if (fence.kind === 'code') {
      // An ordinary code block: stays Markdown, whatever it contains.
      for (let k = i; k <= Math.min(j, lines.length - 1); k++) prose.push(lines[k]);
      if (!fence.close) {
        diagnostics.push({
          file,
          range: lineRange(line, indent + 1),
          severity: 'warning',
          message: `unterminated code fence: the \`${marker}\` here is never closed, so the rest of the file is code; add a closing \`${marker}\` line`,
        });
      }
      i = j + 1;
      continue;
    }
    flushProse();
    if (!fence.close) {
      diagnostics.push(
        err(file, lineRange(line, indent + 1), `unterminated ${info} block: the opening ${marker}${info} has no closing ${marker} line; add one after the block's YAML`),
      );
      // The rest of the file is inside the unclosed block: nothing more to show or parse.
      i = lines.length;
      break;
    }
    const range: SourceRange = { start: { line: line.no, column: indent + 1 }, end: { line: fence.close.no, column: fence.close.text.length + 1 } };
    const block = new YamlBlock(file, fence.body.join('\n'), line.no + 1, fence.removed);
    diagnostics.push(...block.diagnostics);
    const fenceRange = lineRange(line, indent + 1);
    if (block.ok) {
      // Claim the id first, even for a block with other errors, so that duplicates are always reported.
      const rawId = valueAt(block.value, ['id']);
      const unique = typeof rawId !== 'string' || claimId(ids, rawId, fence.kind, block, line.no, diagnostics);
      const parsed =
        fence.kind === 'experiment' ? parseExperimentBlock(block, range, fenceRange, diagnostics, reuseChecks) : parseQuizBlock(block, range, fenceRange, diagnostics);
      if (parsed && unique) {
        if (parsed.kind === 'experiment') experiments.push(parsed);
        else {
          quizzes.push(parsed);
          quizBlocks.set(parsed, block);
        }
        segments.push(parsed);
        i = j + 1;
        continue;
      }
    }
    // A block with an error stays visible where it is, as an ordinary code block.
    segments.push({ kind: 'markdown', text: lines.slice(i, j + 1).map((l) => l.text).join('\n'), range });
    i = j + 1;
  }
  for (; i < lines.length; i++) prose.push(lines[i]);
  flushProse();

  // ---- reuse.from within the lesson (`lesson/exp` references are checked by loadLessons)
  const badReuse = new Set<YamlBlock>();
  for (const r of reuseChecks) {
    const slash = r.from.indexOf('/');
    const [lessonId, expId] = slash >= 0 ? [r.from.slice(0, slash), r.from.slice(slash + 1)] : [meta?.id, r.from];
    if (slash >= 0 && lessonId !== meta?.id) continue;
    const expIds = [...ids].filter(([, v]) => v.kind === 'experiment').map(([k]) => k);
    if (!expIds.includes(expId ?? '')) {
      badReuse.add(r.block);
      const known = expIds.filter((e) => e !== valueAt(r.block.value, ['id']));
      diagnostics.push(
        err(
          file,
          r.block.rangeOf(r.path),
          `${formatPath(r.path)}: "${r.from}" names no experiment of this lesson; ${known.length ? `expected one of ${known.join(', ')}` : 'this lesson has no other experiment'} (or "lesson-id/experiment-id" for another lesson)`,
          formatPath(r.path),
        ),
      );
    }
  }

  // ---- predict questions name an experiment of this lesson
  const expIds = experiments.map((e) => e.id);
  for (const quiz of quizzes) {
    quiz.questions.forEach((q, k) => {
      if (q.type !== 'predict' || expIds.includes(q.experiment)) return;
      const path: PathKey[] = ['questions', k, 'experiment'];
      const block = quizBlocks.get(quiz);
      const where = block ? block.rangeOf(path) : quiz.range;
      diagnostics.push(err(file, where, `${formatPath(path)}: "${q.experiment}" names no experiment of this lesson; ${expIds.length ? `expected one of ${expIds.join(', ')}` : 'this lesson has no experiment'}`, formatPath(path)));
    });
  }

  if (badReuse.size) {
    const bad = (s: LessonSegment) => s.kind === 'experiment' && reuseChecks.some((r) => badReuse.has(r.block) && valueAt(r.block.value, ['id']) === s.id);
    for (let k = experiments.length - 1; k >= 0; k--) if (bad(experiments[k])) experiments.splice(k, 1);
    segments.forEach((seg, k) => {
      if (bad(seg)) segments[k] = { kind: 'markdown', text: lines.slice(seg.range.start.line - 1, seg.range.end.line).map((l) => l.text).join('\n'), range: seg.range };
    });
  }

  if (opts.builtIn && meta) {
    const base = path.basename(file);
    if (!new RegExp(`^\\d{2}-${meta.id}\\.lesson\\.md$`).test(base)) {
      diagnostics.push({
        file,
        range: fm.rangeOf(['id']),
        severity: 'warning',
        message: `a built-in lesson's file is named NN-<id>.lesson.md: rename "${base}" to "${String(meta.order).padStart(2, '0')}-${meta.id}.lesson.md"`,
        field: 'id',
      });
    }
  }

  sortDiagnostics(diagnostics);
  if (!meta) return { diagnostics };
  return {
    lesson: { file: path.resolve(file), meta, segments, experiments, quizzes, builtIn: opts.builtIn ?? false },
    diagnostics,
  };
}

export function sortDiagnostics(ds: LessonDiagnostic[]): void {
  ds.sort((a, b) => a.file.localeCompare(b.file) || a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column);
}

function claimId(ids: Map<string, { line: number; kind: string }>, id: string, kind: string, block: YamlBlock, line: number, diagnostics: LessonDiagnostic[]): boolean {
  const prev = ids.get(id);
  if (prev) {
    diagnostics.push(
      err(block.file, block.rangeOf(['id']), `id: duplicate id "${id}": the ${prev.kind} block on line ${prev.line} already uses it; give this ${kind} another id`, 'id'),
    );
    return false;
  }
  ids.set(id, { line, kind });
  return true;
}

/**
 * `full` is checked by validating the experiment as "Run full" will see it (the overrides merged
 * over the rest); a mistake is reported where it is written inside `full`.
 */
function checkFull(block: YamlBlock, data: Record<string, unknown>, schema: z.ZodType, diagnostics: LessonDiagnostic[]): void {
  const full = data.full;
  if (!isPlainObject(full)) return;
  const { full: _full, ...rest } = data;
  const merged = deepMerge(rest, full);
  const r = schema.safeParse(merged);
  if (r.success) {
    checkModelSize(block, r.data as ExperimentSpecType, diagnostics, isPlainObject(full.model) ? ['full', 'model'] : ['model', 'layers']);
    return;
  }
  const mapPath = (p: readonly PathKey[]): PathKey[] => {
    // The deepest prefix of `p` that `full` itself contains.
    let k = 0;
    let cur: unknown = full;
    while (k < p.length && isPlainObject(cur) && p[k] in cur) {
      cur = cur[p[k] as string];
      k++;
    }
    // An unknown key written in `full` is a key that `full` contains: keep it whole.
    return ['full', ...p.slice(0, k === p.length - 1 && valueAt(full, p) !== undefined ? p.length : k)];
  };
  const ds = issuesToDiagnostics(r.error.issues, { block, schema, data: merged, mapPath }).filter((d) => d.field?.startsWith('full'));
  for (const d of ds) if (!d.message.startsWith('full')) d.message = `full: ${d.message}`;
  diagnostics.push(...ds);
}

/** The `expect` lines: each must parse; a mistake is reported at its column within the line. */
function checkExpectations(block: YamlBlock, data: unknown, diagnostics: LessonDiagnostic[]): void {
  const expect = valueAt(data, ['expect']);
  if (!Array.isArray(expect)) return;
  expect.forEach((line, k) => {
    if (typeof line !== 'string') return;
    const p = parseExpectation(line);
    if (p.ok) return;
    const off = block.scalarTextOffset(['expect', k]);
    const range = off !== undefined ? block.range(off + p.column - 1, off + Math.max(p.column, line.trimEnd().length)) : block.rangeOf(['expect', k]);
    if (off !== undefined) range.end = block.pos(off + Math.max(p.column, line.trimEnd().length));
    diagnostics.push(err(block.file, range, `expect[${k}]: ${p.message}`, `expect[${k}]`));
  });
}

/**
 * `expect` lines that can never be met by this experiment's default run: a layer it does not have,
 * an epoch it does not reach, a value it does not produce. Each is reported at the word concerned.
 */
function checkExpectAgainstSpec(block: YamlBlock, spec: ExperimentSpecType, diagnostics: LessonDiagnostic[]): void {
  const dense = spec.model.layers.filter((l) => l.type === 'Dense').length;
  const reuse = spec.model.reuse !== undefined;
  const finder = spec.training.lr_finder !== undefined;
  (spec.expect ?? []).forEach((line, k) => {
    const p = parseExpectation(line);
    if (!p.ok) return;
    const e = p.expectation;
    const report = (re: RegExp, message: string) => {
      const m = re.exec(line);
      const off = block.scalarTextOffset(['expect', k]);
      const col = m ? m.index + 1 : 1;
      const range =
        off !== undefined ? block.range(off + col - 1, off + (m ? m.index + m[0].length : line.length)) : block.rangeOf(['expect', k]);
      diagnostics.push(err(block.file, range, `expect[${k}]: ${message}`, `expect[${k}]`));
    };
    const refs = e.kind === 'is' ? [e.metric] : [e.left.metric, e.right.metric].filter((r): r is MetricRef => r !== undefined);
    for (const ref of refs) {
      const word = new RegExp(`\\b${ref.metric}\\b(\\[[^\\]]*\\])?`);
      if (ref.layer !== undefined && !reuse && Math.abs(ref.layer) > dense) {
        report(word, `${formatRef(ref)}: the model has ${dense} instrumented (Dense) layer${dense === 1 ? '' : 's'}; use 1 to ${dense}, or last`);
      }
      if (ref.metric.startsWith('val_') && spec.dataset.val_size === 0) {
        report(word, `${ref.metric}: the dataset has no validation set (dataset.val_size: 0); give it a val_size or use ${ref.metric.slice(4)}`);
      }
      if (ref.metric.startsWith('test_') && !spec.evaluate.test) report(word, `${ref.metric}: the run has no test evaluation (evaluate.test: false)`);
      if (['mc_accuracy', 'mc_std', 'deterministic_accuracy'].includes(ref.metric) && !spec.evaluate.mc_dropout) {
        report(word, `${ref.metric}: the run has no MC dropout; add evaluate.mc_dropout: { samples: 50 }`);
      }
      if (['suggested_lr', 'best_lr'].includes(ref.metric) && !finder) report(word, `${ref.metric}: only an LR finder run has it; add training.lr_finder`);
    }
    if (e.epoch !== undefined && !finder && e.epoch > spec.training.epochs) {
      report(/\bepoch\s+\d+/, `at epoch ${e.epoch}: the experiment trains for ${spec.training.epochs} epoch${spec.training.epochs === 1 ? '' : 's'}`);
    }
  });
}

/**
 * A `book` figure describes the full run: it must be measured there, after as many epochs as the
 * full run trains.
 */
function checkBook(block: YamlBlock, data: Record<string, unknown>, schema: z.ZodType<ExperimentSpecType>, diagnostics: LessonDiagnostic[]): void {
  if (data.book === undefined) return;
  const { full, ...rest } = data;
  const r = schema.safeParse(isPlainObject(full) ? deepMerge(rest, full) : rest);
  if (!r.success) return; // reported elsewhere
  const spec = r.data;
  const figures = bookFigures(spec);
  const listed = Array.isArray(data.book);
  figures.forEach((f, k) => {
    const path: PathKey[] = listed ? ['book', k] : ['book'];
    const at = (field: string, message: string) =>
      diagnostics.push(err(block.file, block.rangeOf([...path, field]), `${formatPath([...path, field])}: ${message}`, formatPath([...path, field])));
    if (f.epochs !== spec.training.epochs) at('epochs', `the book's figure is after ${f.epochs} epochs but the full run trains ${spec.training.epochs}; set full.training.epochs: ${f.epochs} (the notebook's)`);
    if (f.metric === 'test_accuracy' && !spec.evaluate.test) at('metric', 'the full run has no test evaluation (evaluate.test: false)');
    if (f.metric === 'mc_accuracy' && !spec.evaluate.mc_dropout) at('metric', 'the full run has no MC dropout; add evaluate.mc_dropout');
    if (f.metric === 'val_accuracy' && spec.dataset.val_size === 0) at('metric', 'the full run has no validation set');
  });
}

function parseExperimentBlock(
  block: YamlBlock,
  range: SourceRange,
  fenceRange: SourceRange,
  diagnostics: LessonDiagnostic[],
  reuseChecks: { from: string; block: YamlBlock; path: PathKey[] }[],
): ExperimentBlock | undefined {
  const data = block.value;
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    diagnostics.push(
      err(block.file, data === null || data === undefined ? fenceRange : block.rangeOf([]), 'experiment block: expected a YAML mapping with id, title, dataset, model, training, ... (see docs/experiment-spec.md)'),
    );
    return undefined;
  }
  const before = diagnostics.length;
  checkExpectations(block, data, diagnostics);
  const r = LessonExperimentSpec.safeParse(data);
  if (!r.success) diagnostics.push(...issuesToDiagnostics(r.error.issues, { block, schema: LessonExperimentSpec, data }));
  else {
    checkFull(block, data as Record<string, unknown>, LessonExperimentSpec, diagnostics);
    checkBook(block, data as Record<string, unknown>, LessonExperimentSpec as unknown as z.ZodType<ExperimentSpecType>, diagnostics);
  }
  const from = valueAt(data, ['model', 'reuse', 'from']);
  if (typeof from === 'string' && from.length > 0) {
    const id = valueAt(data, ['id']);
    if (from === id) {
      diagnostics.push(err(block.file, block.rangeOf(['model', 'reuse', 'from']), `model.reuse.from: an experiment cannot reuse itself; name an earlier experiment`, 'model.reuse.from'));
    } else {
      reuseChecks.push({ from, block, path: ['model', 'reuse', 'from'] });
    }
  }
  if (r.success) {
    checkModelSize(block, r.data, diagnostics);
    checkExpectAgainstSpec(block, r.data, diagnostics);
  }
  if (!r.success || diagnostics.length > before) return undefined;
  const spec = r.data;
  return { kind: 'experiment', id: spec.id, title: spec.title ?? spec.id, ...(spec.explains !== undefined ? { explains: spec.explains } : {}), expect: spec.expect ?? [], spec, range };
}

function parseQuizBlock(block: YamlBlock, range: SourceRange, fenceRange: SourceRange, diagnostics: LessonDiagnostic[]): QuizBlock | undefined {
  const data = block.value;
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    diagnostics.push(err(block.file, data === null || data === undefined ? fenceRange : block.rangeOf([]), 'quiz block: expected a YAML mapping with id, title and questions'));
    return undefined;
  }
  const before = diagnostics.length;
  const own = new Set<string>();
  const questions = valueAt(data, ['questions']);
  if (Array.isArray(questions)) {
    const qids = new Map<string, number>();
    questions.forEach((q: unknown, k) => {
      if (!q || typeof q !== 'object') return;
      const { type, choices, answer, id, outcomes, feedback } = q as Record<string, unknown>;
      const p = (...rest: PathKey[]) => ['questions', k, ...rest];
      const here = (rest: PathKey[], message: string) => {
        own.add(formatPath(p(...rest)));
        diagnostics.push(err(block.file, block.rangeOf(p(...rest)), `${formatPath(p(...rest))}: ${message}`, formatPath(p(...rest))));
      };
      if (typeof id === 'string') {
        if (qids.has(id)) here(['id'], `duplicate question id "${id}" (question ${qids.get(id)} of this quiz has it); give each question its own id`);
        else qids.set(id, k);
      }
      const nChoices = Array.isArray(choices) ? choices.length : undefined;
      const range = nChoices ? `from 0 to ${nChoices - 1}` : 'from 0';
      if (Array.isArray(feedback) && nChoices !== undefined && feedback.length !== nChoices) {
        here(['feedback'], `${feedback.length} feedback line${feedback.length === 1 ? '' : 's'} for ${nChoices} choices; give one line per choice, in the same order`);
      }
      if (type === 'single' && Array.isArray(choices)) {
        if (typeof answer === 'string') {
          const at = choices.indexOf(answer);
          if (at >= 0) here(['answer'], `give the index of the right choice (from 0), not its text: answer: ${at}`);
          else here(['answer'], `"${answer}" is not one of the choices; give the index of the right choice, ${range}`);
        } else if (typeof answer === 'number' && Number.isInteger(answer) && nChoices !== undefined && (answer < 0 || answer >= nChoices)) {
          here(['answer'], `${answer} is out of range: this question has ${nChoices} choices, so its answer is an index ${range}`);
        }
      }
      if (type === 'multiple' && Array.isArray(choices) && Array.isArray(answer)) {
        const seen = new Set<unknown>();
        answer.forEach((a: unknown, n) => {
          if (typeof a === 'string') {
            const at = choices.indexOf(a);
            here(['answer', n], at >= 0 ? `give the index of the choice (from 0), not its text: ${at}` : `"${a}" is not one of the choices; give the index of a right choice, ${range}`);
          } else if (typeof a === 'number' && Number.isInteger(a)) {
            if (a < 0 || (nChoices !== undefined && a >= nChoices)) here(['answer', n], `${a} is out of range: this question has ${nChoices} choices, so each answer is an index ${range}`);
            else if (seen.has(a)) here(['answer', n], `${a} is listed twice; list each right choice once`);
            else seen.add(a);
          }
        });
        if (nChoices !== undefined && seen.size === nChoices && answer.length === nChoices) {
          diagnostics.push({ file: block.file, range: block.rangeOf(p('answer')), severity: 'warning', message: `${formatPath(p('answer'))}: every choice is right; a multiple-choice question should have at least one wrong choice`, field: formatPath(p('answer')) });
        }
      }
      if (type === 'predict') {
        if (answer !== undefined) here(['answer'], 'a predict question has no `answer:`: the run decides; give `outcomes:`, one expect line per choice, that holds when that choice is right');
        if (Array.isArray(outcomes)) {
          if (Array.isArray(choices) && outcomes.length !== choices.length) here(['outcomes'], `${outcomes.length} outcome lines for ${choices.length} choices; give one expect line per choice, in the same order`);
          outcomes.forEach((line: unknown, n) => {
            if (typeof line !== 'string') return;
            const parsed = parseExpectation(line);
            if (parsed.ok) return;
            const path = p('outcomes', n);
            own.add(formatPath(path));
            const off = block.scalarTextOffset(path);
            const r = off !== undefined ? block.range(off + parsed.column - 1, off + Math.max(parsed.column, line.trimEnd().length)) : block.rangeOf(path);
            diagnostics.push(err(block.file, r, `${formatPath(path)}: ${parsed.message}`, formatPath(path)));
          });
        }
      }
      if (type === 'single' && answer === undefined && Array.isArray(choices)) {
        own.add(formatPath(p('answer')));
        diagnostics.push(err(block.file, block.missingRange(p()), `${formatPath(p('answer'))}: missing; a single-choice question needs \`answer:\` with the index (from 0) of the right choice`, formatPath(p('answer'))));
      } else if (type === 'multiple' && answer === undefined) {
        own.add(formatPath(p('answer')));
        diagnostics.push(err(block.file, block.missingRange(p()), `${formatPath(p('answer'))}: missing; a multiple-choice question needs \`answer:\` with the list of the right choices' indices (from 0)`, formatPath(p('answer'))));
      } else if (type === 'numeric' && answer === undefined) {
        own.add(formatPath(p('answer')));
        diagnostics.push(err(block.file, block.missingRange(p()), `${formatPath(p('answer'))}: missing; a numeric question needs \`answer:\` with the number (and \`tolerance:\` if approximate answers count)`, formatPath(p('answer'))));
      }
    });
  }
  const r = QuizBlockSpec.safeParse(data);
  if (!r.success) {
    diagnostics.push(
      ...issuesToDiagnostics(r.error.issues, {
        block,
        schema: QuizBlockSpec,
        data,
        skip: (pp) => [...own].some((o) => formatPath(pp).startsWith(o)),
      }),
    );
  }
  if (!r.success || diagnostics.length > before) return undefined;
  const q = r.data;
  return { kind: 'quiz', id: q.id, ...(q.title !== undefined ? { title: q.title } : {}), questions: q.questions, range };
}

/**
 * The YAML of a block that `parseLesson` found (by its range), re-read with positions, for checks
 * made later across lessons (`loadLessons`).
 */
export function blockYaml(text: string, file: string, range: SourceRange): YamlBlock {
  const lines = splitLines(text);
  const indent = range.start.column - 1;
  const body = lines.slice(range.start.line, range.end.line - 1).map((l) => l.text);
  const removed = body.map((t) => Math.min(indent, t.match(/^ */)?.[0].length ?? 0));
  return new YamlBlock(file, body.map((t, k) => t.slice(removed[k])).join('\n'), range.start.line + 1, removed);
}

/** The front matter re-read with positions (lines 2 up to the closing `---`). */
export function frontMatterYaml(text: string, file: string): YamlBlock {
  const lines = splitLines(text);
  const close = lines.findIndex((l, i) => i > 0 && (l.text.trimEnd() === '---' || l.text.trimEnd() === '...'));
  return new YamlBlock(file, lines.slice(1, close < 0 ? lines.length : close).map((l) => l.text).join('\n'), 2);
}

/** A standalone experiment (`.yaml`, `.yml` or `.json`; JSON is read as YAML, so positions hold). */
export function parseExperimentFile(text: string, file: string): { spec?: ExperimentSpec; diagnostics: LessonDiagnostic[] } {
  const tooLarge = textSizeDiagnostic(file, text);
  if (tooLarge) return { diagnostics: [tooLarge] };
  const crOnly = lineEndingDiagnostic(file, text);
  const lf = crOnly ? splitLines(text).map((l) => l.text).join('\n') : text;
  const body = lf.charCodeAt(0) === 0xfeff ? lf.slice(1) : lf;
  const block = new YamlBlock(file, body, 1);
  const diagnostics = [...(crOnly ? [crOnly] : []), ...block.diagnostics];
  if (!block.ok) return { diagnostics };
  const data = block.value;
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    diagnostics.push(err(file, block.firstLineRange(), 'expected a YAML (or JSON) mapping with dataset, model, training, ... (see docs/experiment-spec.md)'));
    return { diagnostics };
  }
  checkExpectations(block, data, diagnostics);
  const r = ExperimentSpec.safeParse(data);
  if (!r.success) diagnostics.push(...issuesToDiagnostics(r.error.issues, { block, schema: ExperimentSpec, data }));
  else {
    checkModelSize(block, r.data, diagnostics);
    checkFull(block, data as Record<string, unknown>, ExperimentSpec, diagnostics);
    checkBook(block, data as Record<string, unknown>, ExperimentSpec, diagnostics);
    checkExpectAgainstSpec(block, r.data, diagnostics);
  }
  sortDiagnostics(diagnostics);
  if (!r.success || diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { spec: r.data, diagnostics };
}
