/**
 * A variant: an experiment derived from another by a few changes, validated by the same validator
 * as a lesson's experiment, and labelled by its difference ("activation: sigmoid → relu; lr 0.01 → 0.1").
 */
import { stringify } from 'yaml';
import { OPTIMIZER_FIELDS, type ExperimentSpec, type OptimizerName } from '../protocol/spec';
import { parseExperimentFile } from './parse';
import { applySet, SetError, type SetChange } from './setPath';
import { formatPath } from './issues';

export { OPTIMIZER_FIELDS };

export type VariantResult = { spec: ExperimentSpec; label: string } | { error: string; where?: string };

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Apply `changes` to `parent` and validate the result as an experiment. Changing the optimizer's
 * name drops the fields the new optimizer does not read (Adam has no momentum) unless a change sets
 * them. The variant keeps the parent's id, with its title marked.
 */
export function deriveVariant(parent: ExperimentSpec, changes: readonly SetChange[]): VariantResult {
  let raw: Record<string, unknown>;
  try {
    raw = applyChanges(parent, changes);
  } catch (e) {
    if (e instanceof SetError) return { error: e.message, ...(e.where ? { where: e.where } : {}) };
    throw e;
  }
  return validateVariant(parent, raw, changes);
}

/**
 * The changes applied to an experiment, validated or not (a block as written, to save it): a copy,
 * with the optimizer's fields pruned, `full` following and the book's figures (`book`) dropped. Throws a SetError where a path cannot go.
 */
export function applyChanges(spec: unknown, changes: readonly SetChange[]): Record<string, unknown> {
  let raw = structuredClone(spec) as Record<string, unknown>;
  for (const c of changes) raw = applySet(raw, c);
  pruneOptimizer(raw, changes);
  for (const c of changes) followInFull(raw, c);
  // The book's figures belong to the book's settings: a changed experiment is not the book's row.
  if (changes.length) delete raw.book;
  return raw;
}

/** Validate a derived raw spec; errors name the field and the change that led there. */
export function validateVariant(parent: ExperimentSpec, raw: Record<string, unknown>, changes: readonly SetChange[] = []): VariantResult {
  const { spec, diagnostics } = parseExperimentFile(stringify(raw), 'variant');
  const first = diagnostics.find((d) => d.severity === 'error');
  if (!spec || first) {
    const d = first ?? { message: 'not a valid experiment', field: undefined };
    const field = d.field ?? '';
    const culprit = changes.find((c) => field.startsWith(formatPath(c.path)) || formatPath(c.path).startsWith(field));
    const from = culprit && !d.message.includes('(from ') ? ` (from ${culprit.text})` : '';
    return { error: `${d.message}${from}`, ...(field ? { where: field } : {}) };
  }
  return { spec, label: describeDifference(parent, spec) };
}

/**
 * A change the `full` overrides also speak about is made there too, so that the knob holds in a
 * full run as well (where `full` names no such field, the change reaches it through the merge).
 */
function followInFull(raw: Record<string, unknown>, c: SetChange): void {
  const full = raw.full;
  if (!isObject(full) || typeof c.path[0] !== 'string' || !isObject(full[c.path[0]])) return;
  let depth = 0;
  let cur: unknown = full;
  while (depth < c.path.length && cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, c.path[depth])) {
    cur = (cur as Record<string, unknown>)[c.path[depth] as string];
    depth++;
  }
  if (depth < 2) return;
  try {
    raw.full = applySet(full, c);
  } catch {
    // `full` holds this field in another shape (a list replaced by the change): drop its version.
    const parent = c.path.slice(0, depth - 1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k as string], full);
    if (isObject(parent)) delete parent[c.path[depth - 1] as string];
  }
}

function pruneOptimizer(raw: Record<string, unknown>, changes: readonly SetChange[]): void {
  const training = raw.training;
  if (!isObject(training) || !isObject(training.optimizer)) return;
  const opt = training.optimizer;
  const renamed = changes.some((c) => formatPath(c.path) === 'training.optimizer.name' || formatPath(c.path) === 'training.optimizer');
  if (!renamed) return;
  const keeps = OPTIMIZER_FIELDS[opt.name as OptimizerName];
  if (!keeps) return;
  const setHere = new Set(changes.filter((c) => c.path[0] === 'training' && c.path[1] === 'optimizer' && c.path.length === 3).map((c) => c.path[2]));
  for (const k of Object.keys(opt)) if (k !== 'name' && k !== 'learning_rate' && !keeps.includes(k) && !setHere.has(k)) delete opt[k];
}

// ---------------------------------------------------------------- the label

/** Short names a learner reads, for the paths that knobs change. */
const SHORT: Record<string, string> = {
  'training.optimizer.learning_rate': 'lr',
  'training.optimizer.name': 'optimizer',
  'training.optimizer.momentum': 'momentum',
  'training.batch_size': 'batch size',
  'training.epochs': 'epochs',
  'training.seed': 'seed',
  'training.clipnorm': 'clipnorm',
  'training.clipvalue': 'clipvalue',
  'training.global_clipnorm': 'global clipnorm',
  'training.schedule': 'schedule',
};
/** Fields left out of the label: what a lesson says about the experiment, not what it runs (`full` is labelled apart). */
const NOT_RUN = new Set(['id', 'title', 'explains', 'expect', 'book', 'full']);

/** `3`, `0.1`, `relu`, `leaky_relu(alpha 0.2)`, `none`. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return 'none';
  if (typeof v === 'number') return String(Number(v.toPrecision(6)));
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(', ')}]`;
  if (isObject(v)) {
    const { name, ...rest } = v;
    const inner = Object.entries(rest)
      .map(([k, x]) => `${k} ${formatValue(x)}`)
      .join(', ');
    return name !== undefined ? `${formatValue(name)}${inner ? `(${inner})` : ''}` : `{${inner}}`;
  }
  return String(v);
}

function diffLeaves(a: unknown, b: unknown, prefix: string): [string, unknown, unknown][] {
  // A named object whose name changed (optimizer, schedule, activation) is one change, not many.
  if (isObject(a) && isObject(b) && a.name !== undefined && a.name !== b.name) {
    const { name: na, ...ra } = a;
    const { name: nb, ...rb } = b;
    return [[prefix, na, nb], ...diffLeaves(ra, rb, prefix)];
  }
  if (isObject(a) !== isObject(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [[prefix, a, b]];
  if (!isObject(a) || !isObject(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [[prefix, a, b]];
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.flatMap((k) => diffLeaves(a[k], b[k], prefix ? `${prefix}.${k}` : k));
}

function nameOf(path: string): string {
  if (SHORT[path]) return SHORT[path];
  const sched = /^training\.schedule\.(.+)$/.exec(path);
  if (sched) return `schedule ${sched[1]}`;
  return path.replace(/^training\.(optimizer\.)?/, '');
}

function layerChanges(a: ExperimentSpec['model']['layers'], b: ExperimentSpec['model']['layers']): string[] {
  const sameShape = a.length === b.length && a.every((l, i) => l.type === b[i].type);
  if (!sameShape) {
    const count = (ls: typeof a) => ls.reduce<Record<string, number>>((m, l) => ((m[l.type] = (m[l.type] ?? 0) + 1), m), {});
    const ca = count(a);
    const cb = count(b);
    const out: string[] = [];
    for (const t of [...new Set([...Object.keys(ca), ...Object.keys(cb)])]) {
      const d = (cb[t] ?? 0) - (ca[t] ?? 0);
      if (d > 0) out.push(`+${d} ${t}`);
      if (d < 0) out.push(`−${-d} ${t}`);
    }
    return out.length ? out : [`layers reordered`];
  }
  // Group identical changes across layers: "activation: sigmoid → relu (4 layers)".
  const groups = new Map<string, { field: string; from: unknown; to: unknown; layers: number[] }>();
  a.forEach((la, i) => {
    for (const [field, from, to] of diffLeaves(la, b[i], '')) {
      const key = `${field}|${JSON.stringify(from)}|${JSON.stringify(to)}`;
      const g = groups.get(key) ?? { field, from, to, layers: [] };
      g.layers.push(i);
      groups.set(key, g);
    }
  });
  return [...groups.values()].map((g) => {
    const name = g.field === 'rate' ? 'dropout' : g.field === 'kernel_initializer' ? 'init' : g.field;
    const where = g.layers.length > 1 ? ` (${g.layers.length} layers)` : a.length > 1 ? ` (layer ${g.layers[0]})` : '';
    return `${name}: ${formatValue(g.from)} → ${formatValue(g.to)}${where}`;
  });
}

/** "activation: sigmoid → relu (3 layers); lr 0.01 → 0.1", or "no change". */
export function describeDifference(parent: ExperimentSpec, child: ExperimentSpec): string {
  const parts: string[] = [];
  const strip = (s: ExperimentSpec) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (!NOT_RUN.has(k)) out[k] = v;
    const model = { ...(out.model as Record<string, unknown>) };
    delete model.layers;
    out.model = model;
    return out;
  };
  parts.push(...layerChanges(parent.model.layers, child.model.layers));
  // Another optimizer brings its own fields at Keras's defaults: the name change says it.
  const otherOptimizer = parent.training.optimizer.name !== child.training.optimizer.name;
  for (const [path, from, to] of diffLeaves(strip(parent), strip(child), '')) {
    if (otherOptimizer && from === undefined && path.startsWith('training.optimizer.')) continue;
    const name = nameOf(path);
    parts.push(name === 'lr' ? `lr ${formatValue(from)} → ${formatValue(to)}` : `${name}: ${formatValue(from)} → ${formatValue(to)}`);
  }
  // A change only the full setting sees (a field `full` overrides, set there): "unfreeze_learning_rate (full): 0.0001 → 0.001".
  // One made at both levels (a knob followed into `full`) is labelled once, above.
  const runPaths = new Set(diffLeaves(strip(parent), strip(child), '').map(([path]) => path));
  for (const [path, from, to] of diffLeaves(parent.full ?? {}, child.full ?? {}, '')) {
    if (runPaths.has(path)) continue;
    parts.push(`${nameOf(path).split('.').pop()} (full): ${formatValue(from)} → ${formatValue(to)}`);
  }
  return parts.length ? parts.join('; ') : 'no change';
}
