/**
 * The `expect:` lines of an experiment: one small grammar (docs/lesson-format.md), parsed with the
 * column of every mistake, and evaluated on a finished run's RunRecord.
 *
 *   expectation := term op term [at epoch N]  |  metric is (finite | nan) [at epoch N]
 *   term        := number | number * metric | metric [* number]
 *   op          := <  <=  >  >=  ==  !=
 *   metric      := name | name[i]   (i from 1, or first, last, -1 = last, -2 = one before, ...)
 */
import type { EpochEvent, RunRecord } from '../protocol/events';

/** Metrics of one epoch (default: the last epoch; `at epoch N` picks another). */
const EPOCH_METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr', 'momentum'] as const;
/** Per-layer statistics of one epoch, indexed over the instrumented (Dense) layers. */
const LAYER_METRICS = ['grad_norm', 'act_mean', 'act_std', 'zero_fraction', 'saturated_fraction'] as const;
/** Values of the whole run. */
const RUN_METRICS = [
  'seconds',
  'test_loss',
  'test_accuracy',
  'epochs_run',
  'mc_accuracy',
  'mc_std',
  'deterministic_accuracy',
  'suggested_lr',
  'best_lr',
  'params',
  'trainable_params',
  'non_trainable_params',
] as const;
export const EXPECT_METRICS = [...EPOCH_METRICS, ...LAYER_METRICS, ...RUN_METRICS] as const;
export type ExpectMetric = (typeof EXPECT_METRICS)[number];
export const EXPECT_OPS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type ExpectOp = (typeof EXPECT_OPS)[number];

export interface MetricRef {
  metric: ExpectMetric;
  /** Layer metrics only: 1-based from the bottom, or negative from the top (-1 = last). */
  layer?: number;
}
/** `coef × metric`, or the number `coef` alone. */
export interface Term {
  coef: number;
  metric?: MetricRef;
}
export type Expectation =
  | { kind: 'compare'; left: Term; op: ExpectOp; right: Term; epoch?: number }
  | { kind: 'is'; metric: MetricRef; test: 'finite' | 'nan'; epoch?: number };

export interface ExpectationResult {
  text: string;
  met: boolean;
  /** The values used: `grad_norm[1] = 2.3e-6, grad_norm[last] = 4.1e-2`. */
  actual: string;
}

// ---------------------------------------------------------------- parsing

interface Token {
  kind: 'num' | 'ident' | 'op' | 'star' | 'index';
  text: string;
  /** 1-based column in the expectation text. */
  col: number;
  num?: number;
}

class ExpectError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const col = i + 1;
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/))) {
      out.push({ kind: 'num', text: m[0], col, num: Number(m[0]) });
    } else if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) {
      out.push({ kind: 'ident', text: m[0], col });
    } else if ((m = rest.match(/^\[[^\]]*\]?/))) {
      if (!m[0].endsWith(']')) throw new ExpectError(`unclosed "[": write e.g. grad_norm[1] or grad_norm[last]`, col);
      out.push({ kind: 'index', text: m[0], col });
    } else if ((m = rest.match(/^(<=|>=|==|!=|<|>|≤|≥|≠)/))) {
      const op = ({ '≤': '<=', '≥': '>=', '≠': '!=' } as Record<string, string>)[m[0]] ?? m[0];
      out.push({ kind: 'op', text: op, col });
    } else if (ch === '=') {
      throw new ExpectError('"=" is not a comparison: use == (or <=, >=)', col);
    } else if (ch === '*' || ch === '×') {
      out.push({ kind: 'star', text: ch, col });
      m = [ch];
    } else {
      throw new ExpectError(`unexpected "${ch}": an expectation reads like "val_accuracy >= 0.8" or "grad_norm[1] < 1e-3 * grad_norm[last]"`, col);
    }
    i += m[0].length;
  }
  return out;
}

const METRIC_SET = new Set<string>(EXPECT_METRICS);
const LAYER_SET = new Set<string>(LAYER_METRICS);
const EPOCH_SET = new Set<string>([...EPOCH_METRICS, ...LAYER_METRICS, 'seconds']);

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private next(): Token | undefined {
    return this.toks[this.i++];
  }
  private endCol(): number {
    return this.text.trimEnd().length + 1;
  }

  parse(): Expectation {
    if (this.toks.length === 0) throw new ExpectError('empty expectation: write e.g. "val_accuracy >= 0.8"', 1);
    let result: Expectation;
    const t1 = this.toks[1];
    if (t1 && (t1.kind === 'index' ? this.toks[2] : t1)?.kind === 'ident' && (t1.kind === 'index' ? this.toks[2] : t1)?.text === 'is') {
      const metric = this.metric();
      this.next(); // is
      const test = this.next();
      if (!test || (test.text !== 'finite' && test.text !== 'nan')) {
        throw new ExpectError(`expected "finite" or "nan" after "is"`, test?.col ?? this.endCol());
      }
      result = { kind: 'is', metric, test: test.text };
    } else {
      const left = this.term();
      const op = this.next();
      if (!op || op.kind !== 'op') {
        throw new ExpectError(`expected a comparison (${EXPECT_OPS.join(' ')})${op ? `, got "${op.text}"` : ''}`, op?.col ?? this.endCol());
      }
      const right = this.term();
      result = { kind: 'compare', left, op: op.text as ExpectOp, right };
    }
    const at = this.peek();
    if (at) {
      if (at.text !== 'at') throw new ExpectError(`unexpected "${at.text}": only "at epoch N" may follow`, at.col);
      this.next();
      const ep = this.next();
      if (!ep || ep.text !== 'epoch') throw new ExpectError('expected "epoch" after "at" (at epoch N)', ep?.col ?? this.endCol());
      const n = this.next();
      if (!n || n.kind !== 'num' || !Number.isInteger(n.num) || (n.num ?? 0) < 1) {
        throw new ExpectError('expected an epoch number from 1 after "at epoch"', n?.col ?? this.endCol());
      }
      const extra = this.peek();
      if (extra) throw new ExpectError(`unexpected "${extra.text}" after "at epoch ${n.num}"`, extra.col);
      const metrics = result.kind === 'is' ? [result.metric] : [result.left.metric, result.right.metric];
      if (!metrics.some((m) => m && EPOCH_SET.has(m.metric))) {
        throw new ExpectError(`"at epoch" needs a per-epoch metric (${[...EPOCH_SET].join(', ')})`, at.col);
      }
      result.epoch = n.num;
    }
    return result;
  }

  private term(): Term {
    const t = this.peek();
    if (!t) throw new ExpectError('expected a number or a metric', this.endCol());
    if (t.kind === 'num') {
      this.next();
      if (this.peek()?.kind === 'star') {
        this.next();
        return { coef: t.num ?? 0, metric: this.metric() };
      }
      return { coef: t.num ?? 0 };
    }
    const metric = this.metric();
    if (this.peek()?.kind === 'star') {
      this.next();
      const n = this.next();
      if (!n || n.kind !== 'num') throw new ExpectError('expected a number after "*" (write metric * 2, or 2 * metric)', n?.col ?? this.endCol());
      return { coef: n.num ?? 0, metric };
    }
    return { coef: 1, metric };
  }

  private metric(): MetricRef {
    const t = this.next();
    if (!t || t.kind !== 'ident') {
      throw new ExpectError(`expected a metric (${EXPECT_METRICS.join(', ')})${t ? `, got "${t.text}"` : ''}`, t?.col ?? this.endCol());
    }
    if (!METRIC_SET.has(t.text)) {
      throw new ExpectError(`unknown metric "${t.text}"; expected one of ${EXPECT_METRICS.join(', ')}`, t.col);
    }
    const metric = t.text as ExpectMetric;
    const idx = this.peek();
    if (LAYER_SET.has(metric)) {
      if (!idx || idx.kind !== 'index') {
        throw new ExpectError(`${metric} needs a layer: ${metric}[1] (the first instrumented layer), ${metric}[last] or ${metric}[-2]`, t.col + t.text.length);
      }
      this.next();
      const inner = idx.text.slice(1, -1).trim();
      let layer: number;
      if (inner === 'first') layer = 1;
      else if (inner === 'last') layer = -1;
      else if (/^-?\d+$/.test(inner) && Number(inner) !== 0) layer = Number(inner);
      else throw new ExpectError(`bad layer index "${inner}": layers count from 1 (or first, last, -1 for the last)`, idx.col + 1);
      return { metric, layer };
    }
    if (idx?.kind === 'index') throw new ExpectError(`${metric} has no layers: remove "${idx.text}"`, idx.col);
    return { metric };
  }
}

export function parseExpectation(text: string): { ok: true; expectation: Expectation } | { ok: false; message: string; column: number } {
  try {
    const expectation = new Parser(tokenize(text), text).parse();
    return { ok: true, expectation };
  } catch (e) {
    if (e instanceof ExpectError) return { ok: false, message: e.message, column: e.column };
    throw e;
  }
}

// ---------------------------------------------------------------- evaluation

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e12) return String(n);
  const a = Math.abs(n);
  if (a < 1e-3 || a >= 1e6) return n.toExponential(1).replace('e+', 'e').replace('.0e', 'e');
  return String(Number(n.toPrecision(4)));
}

export function formatRef(ref: MetricRef): string {
  if (ref.layer === undefined) return ref.metric;
  const idx = ref.layer === 1 ? '1' : ref.layer === -1 ? 'last' : String(ref.layer);
  return `${ref.metric}[${idx}]`;
}

interface Resolved {
  value?: number;
  /** Why there is no value. */
  missing?: string;
  label: string;
}

function pickEpoch(run: RunRecord, epoch: number | undefined): { ev?: EpochEvent; missing?: string } {
  if (run.epochs.length === 0) return { missing: run.error ? `the run failed before its first epoch: ${run.error.message}` : 'the run recorded no epochs' };
  if (epoch === undefined) return { ev: run.epochs.reduce((a, e) => (e.epoch > a.epoch ? e : a)) };
  const ev = run.epochs.find((e) => e.epoch === epoch);
  return ev ? { ev } : { missing: `the run has no epoch ${epoch} (it ran ${run.epochs.length})` };
}

function resolve(ref: MetricRef, run: RunRecord, epoch: number | undefined): Resolved {
  const label = formatRef(ref);
  const m = ref.metric;
  const end = run.end;
  const noEnd = run.error ? `the run failed: ${run.error.message}` : 'the run has not finished';
  const v = (value: number | undefined, missing: string): Resolved => (value === undefined ? { label, missing } : { label, value });
  switch (m) {
    case 'loss':
    case 'accuracy':
    case 'val_loss':
    case 'val_accuracy':
    case 'lr':
    case 'momentum': {
      const { ev, missing } = pickEpoch(run, epoch);
      if (!ev) {
        if (epoch === undefined && m !== 'lr' && m !== 'momentum' && end?.final[m] !== undefined) return { label, value: end.final[m] };
        return { label, missing: missing ?? '' };
      }
      const why = m.startsWith('val_') ? 'no validation set (dataset.val_size: 0?)' : m === 'momentum' ? 'the optimizer has no momentum' : 'not recorded';
      return v(ev[m], why);
    }
    case 'grad_norm':
    case 'act_mean':
    case 'act_std':
    case 'zero_fraction':
    case 'saturated_fraction': {
      const { ev, missing } = pickEpoch(run, epoch);
      if (!ev) return { label, missing: missing ?? '' };
      const list: (number | undefined)[] | undefined =
        m === 'grad_norm'
          ? ev.gradNorms
          : ev.activations?.map((a) => (m === 'act_mean' ? a.mean : m === 'act_std' ? a.std : m === 'zero_fraction' ? a.zeroFraction : a.saturatedFraction));
      if (!list || list.length === 0) {
        return { label, missing: m === 'grad_norm' ? 'no gradient norms recorded (record.gradients: false?)' : 'no activation statistics recorded (record.activations: false?)' };
      }
      const layer = ref.layer ?? 1;
      const i = layer > 0 ? layer - 1 : list.length + layer;
      if (i < 0 || i >= list.length) return { label, missing: `the model has ${list.length} instrumented layers` };
      return v(list[i], 'not recorded for this layer');
    }
    case 'seconds':
      if (epoch !== undefined) {
        const { ev, missing } = pickEpoch(run, epoch);
        return ev ? v(ev.seconds, 'not recorded') : { label, missing: missing ?? '' };
      }
      return v(end?.seconds, noEnd);
    case 'test_loss':
    case 'test_accuracy':
      if (!end) return { label, missing: noEnd };
      return v(m === 'test_loss' ? end.test?.loss : end.test?.accuracy, 'the run has no test metrics (evaluate.test: false?)');
    case 'epochs_run':
      return v(end?.epochsRun, noEnd);
    case 'mc_accuracy':
    case 'mc_std':
    case 'deterministic_accuracy': {
      if (!end) return { label, missing: noEnd };
      const mc = end.mcDropout;
      return v(mc && (m === 'mc_accuracy' ? mc.accuracy : m === 'mc_std' ? mc.meanStd : mc.deterministicAccuracy), 'the run has no MC dropout results (evaluate.mc_dropout)');
    }
    case 'suggested_lr':
    case 'best_lr':
      if (!end) return { label, missing: noEnd };
      return v(m === 'suggested_lr' ? end.lrFinder?.suggestedLr : end.lrFinder?.bestLr, 'the run has no LR finder result (training.lr_finder)');
    case 'params':
    case 'trainable_params':
    case 'non_trainable_params': {
      const s = run.start?.summary;
      return v(s && (m === 'params' ? s.totalParams : m === 'trainable_params' ? s.trainableParams : s.nonTrainableParams), 'the run has no model summary');
    }
  }
}

function compare(a: number, op: ExpectOp, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  const eq = a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  switch (op) {
    case '<':
      return a < b && !eq;
    case '<=':
      return a <= b || eq;
    case '>':
      return a > b && !eq;
    case '>=':
      return a >= b || eq;
    case '==':
      return eq;
    case '!=':
      return !eq;
  }
}

/** Evaluate one parsed expectation on a run. */
/** The quantities that stop being finite when a run diverges. */
const DIVERGING = new Set<string>(['loss', 'val_loss', 'grad_norm', 'act_mean', 'act_std']);

export function evaluateExpectation(e: Expectation, run: RunRecord): { met: boolean; actual: string } {
  const refs = e.kind === 'is' ? [e.metric] : [e.left.metric, e.right.metric].filter((r): r is MetricRef => r !== undefined);
  const resolved = new Map<string, Resolved>();
  for (const r of refs) resolved.set(formatRef(r), resolve(r, run, e.epoch));
  const parts = [...resolved.values()].map((r) => (r.value === undefined ? `${r.label}: ${r.missing}` : `${r.label} = ${formatNumber(r.value)}`));
  const actual = parts.join(', ') + (e.epoch !== undefined ? ` (epoch ${e.epoch})` : '');
  if ([...resolved.values()].some((r) => r.value === undefined)) return { met: false, actual };
  const val = (t: Term) => t.coef * (t.metric ? (resolved.get(formatRef(t.metric))?.value ?? NaN) : 1);
  if (e.kind === 'is') {
    // A diverged run reports its last finite values; the quantity itself stopped being finite.
    const d = run.end?.status === 'diverged' ? run.end.divergence : undefined;
    if (d && DIVERGING.has(e.metric.metric) && (e.epoch === undefined || e.epoch >= d.epoch)) {
      return { met: e.test === 'nan', actual: `the run diverged at epoch ${d.epoch}, step ${d.step} (last finite ${actual})` };
    }
    const x = resolved.get(formatRef(e.metric))?.value ?? NaN;
    return { met: e.test === 'nan' ? Number.isNaN(x) : Number.isFinite(x), actual };
  }
  return { met: compare(val(e.left), e.op, val(e.right)), actual: actual || 'constants only' };
}

export function evaluateExpectations(expect: string[], run: RunRecord): ExpectationResult[] {
  return expect.map((text) => {
    const p = parseExpectation(text);
    if (!p.ok) return { text, met: false, actual: `cannot read this expectation (column ${p.column}): ${p.message}` };
    return { text, ...evaluateExpectation(p.expectation, run) };
  });
}
