/**
 * What the panel gets of a lesson (quiz answers stripped), the one-line setup of an experiment,
 * and the legend of what differs between two experiments. Pure (no `vscode`).
 */
import type { ExperimentBlock, Lesson, LessonDiagnostic } from '../protocol/lesson';
import { brokenBlockOf, errorsWithin } from './brokenBlocks';
import { knobsFor } from '../lessons/knobs';
import type { ExperimentSpec, LayerSpec } from '../protocol/spec';
import type { DifferenceGroup, LessonView, SegmentView } from '../protocol/webview';
import { publicQuestion } from './quizGrader';
import { formatCost } from '../protocol/cost';
import { estimateRunCost } from '../lessons/index';

function layerLabel(l: LayerSpec): string {
  switch (l.type) {
    case 'Dense': {
      const act = typeof l.activation === 'string' ? l.activation : l.activation?.name;
      return `Dense(${l.units}${act ? `, ${act}` : ''})`;
    }
    case 'Dropout':
    case 'AlphaDropout':
      return `${l.type}(${l.rate})`;
    case 'Activation':
      return `Activation(${typeof l.activation === 'string' ? l.activation : l.activation.name})`;
    case 'BatchNormalization':
      return 'BN';
    case 'Flatten':
      return 'Flatten';
  }
}

/** Collapses runs of identical layers: `Dense(100, sigmoid) ×20`. */
export function describeLayers(layers: readonly LayerSpec[]): string {
  const labels = layers.map(layerLabel).filter((l) => l !== 'Flatten');
  const out: string[] = [];
  let i = 0;
  while (i < labels.length) {
    let j = i + 1;
    while (j < labels.length && labels[j] === labels[i]) j++;
    out.push(j - i > 1 ? `${labels[i]} ×${j - i}` : labels[i]!);
    i = j;
  }
  return out.join(' → ');
}

export function describeSetup(spec: ExperimentSpec): string {
  const d = spec.dataset;
  const data = `${d.name}${d.train_size ? ` (${d.train_size.toLocaleString('en-US')} train)` : ''}`;
  const reuse = spec.model.reuse ? `reuse ${spec.model.reuse.from} + ` : '';
  const t = spec.training;
  const opt = `${t.optimizer.name} η=${t.optimizer.learning_rate}`;
  return `${data} · ${reuse}${describeLayers(spec.model.layers)} · ${opt}${t.schedule ? ` · ${t.schedule.name} schedule` : ''} · ${t.epochs} epochs × batch ${t.batch_size}`;
}

/** `diagnostics`: the catalog's, for the error cards of blocks that do not parse. */
export function toLessonView(lesson: Lesson, diagnostics: readonly LessonDiagnostic[] = []): LessonView {
  const segments: SegmentView[] = lesson.segments.map((s): SegmentView => {
    switch (s.kind) {
      case 'markdown': {
        const b = brokenBlockOf(s);
        const broken = b ? { blockKind: b.kind, ...(b.id ? { id: b.id } : {}), ...(b.title ? { title: b.title } : {}), errors: errorsWithin(diagnostics, lesson.file, s) } : undefined;
        return { kind: 'markdown', text: s.text, line: s.range.start.line, ...(broken ? { broken } : {}) };
      }
      case 'experiment':
        return experimentView(lesson, s);
      case 'quiz':
        return { kind: 'quiz', id: s.id, title: s.title, questions: s.questions.map(publicQuestion), line: s.range.start.line };
    }
  });
  return {
    id: lesson.meta.id,
    title: lesson.meta.title,
    topic: lesson.meta.topic,
    summary: lesson.meta.summary,
    minutes: lesson.meta.minutes,
    file: lesson.file,
    builtIn: lesson.builtIn,
    segments,
  };
}

function experimentView(lesson: Lesson, e: ExperimentBlock): SegmentView {
  return {
    kind: 'experiment',
    key: `${lesson.meta.id}/${e.id}`,
    id: e.id,
    title: e.title,
    explains: e.explains,
    expect: e.expect,
    setup: describeSetup(e.spec),
    ...costLines(lesson, e),
    hasFull: e.spec.full !== undefined && Object.keys(e.spec.full).length > 0,
    spec: e.spec,
    line: e.range.start.line,
    ...(e.errors ? { errors: e.errors } : {}),
    knobs: knobsFor(e.spec),
  };
}

/** The estimated cost of a run and of a full run (reused layers counted when they come from this lesson). */
function costLines(lesson: Lesson, e: ExperimentBlock): { cost: string; fullCost: string } {
  const dependencies = Object.fromEntries(lesson.experiments.map((x) => [`${lesson.meta.id}/${x.id}`, x.spec]));
  const at = (full: boolean) => formatCost(estimateRunCost(e.spec, { full, lessonId: lesson.meta.id, dependencies }));
  return { cost: at(false), fullCost: at(true) };
}

const IGNORED = new Set(['id', 'title', 'explains', 'expect', 'full']);

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (Array.isArray(value)) {
    out.set(`${prefix}.length`, String(value.length));
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!prefix && IGNORED.has(k)) continue;
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (value !== undefined) {
    out.set(prefix, String(value));
  }
}

/**
 * Where a field is an object in `mine` and a plain value in `theirs` (an initializer given as
 * `{ name: random_normal, stddev: 1 }` against `glorot_uniform`), one entry for the object,
 * `random_normal(mean 0, stddev 1)`, instead of a line per field and one for the plain value.
 */
function foldObjectAgainstScalar(mine: Map<string, string>, theirs: Map<string, string>): void {
  for (const key of theirs.keys()) {
    if (mine.has(key)) continue;
    const fields = [...mine.entries()].filter(([k]) => k.startsWith(`${key}.`));
    if (!fields.length) continue;
    for (const [k] of fields) mine.delete(k);
    const named = fields.find(([k]) => k === `${key}.name`)?.[1];
    const rest = fields.filter(([k]) => k !== `${key}.name`).map(([k, v]) => `${k.slice(key.length + 1)} ${v}`);
    mine.set(key, named ? (rest.length ? `${named}(${rest.join(', ')})` : named) : `{ ${rest.join(', ')} }`);
  }
}

/**
 * What differs in a comparison of `specs` (the first is the reference), grouped by experiment:
 * each other experiment's title once, then its lines (no title when only two are compared).
 * Experiments that differ in nothing are left out.
 */
export function differenceGroups(titles: readonly string[], specs: readonly ExperimentSpec[]): DifferenceGroup[] {
  const [first, ...rest] = specs;
  if (!first) return [];
  return rest.flatMap((s, i) => {
    const lines = specDifferences(first, s);
    if (!lines.length) return [];
    return [specs.length > 2 ? { title: titles[i + 1] ?? `experiment ${i + 2}`, lines } : { lines }];
  });
}

/**
 * What differs between experiment specs, as `path: a → b` lines (the compare legend). Runs of
 * layers that differ the same way are folded into one line: `model.layers[1..20].activation:
 * sigmoid → relu`.
 */
export function specDifferences(a: ExperimentSpec, b: ExperimentSpec): string[] {
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  flatten(a, '', fa);
  flatten(b, '', fb);
  foldObjectAgainstScalar(fa, fb);
  foldObjectAgainstScalar(fb, fa);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  const raw: { key: string; change: string }[] = [];
  // Another optimizer brings its own fields (at their defaults): the name change says it.
  const otherOptimizer = fa.get('training.optimizer.name') !== fb.get('training.optimizer.name');
  for (const k of keys) {
    const va = fa.get(k);
    const vb = fb.get(k);
    if (va === vb) continue;
    if (otherOptimizer && k.startsWith('training.optimizer.') && va === undefined) continue;
    raw.push({ key: k, change: `${va ?? '(none)'} → ${vb ?? '(none)'}` });
  }
  // Fold `x[i].y` lines with the same change over consecutive i.
  const folded = new Map<string, { prefix: string; suffix: string; change: string; idx: number[] }>();
  const lines: string[] = [];
  for (const r of raw) {
    const m = /^(.*)\[(\d+)\](.*)$/.exec(r.key);
    if (!m) {
      lines.push(`${r.key}: ${r.change}`);
      continue;
    }
    const id = `${m[1]}[]${m[3]}=${r.change}`;
    const f = folded.get(id) ?? { prefix: m[1]!, suffix: m[3]!, change: r.change, idx: [] };
    f.idx.push(Number(m[2]));
    folded.set(id, f);
  }
  for (const f of folded.values()) {
    const idx = [...f.idx].sort((x, y) => x - y);
    const ranges: string[] = [];
    let s = idx[0]!;
    let p = s;
    for (const i of [...idx.slice(1), Infinity]) {
      if (i === p + 1) {
        p = i;
        continue;
      }
      ranges.push(s === p ? `${s}` : `${s}..${p}`);
      s = i;
      p = i;
    }
    lines.push(`${f.prefix}[${ranges.join(',')}]${f.suffix}: ${f.change}`);
  }
  return lines;
}
