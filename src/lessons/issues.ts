/**
 * Turns zod issues into diagnostics that name the field, sit on its exact YAML node and say what
 * to do: `model.layers[2].units: expected a positive integer, got "three"`.
 */
import type { z } from 'zod';
import type { LessonDiagnostic, SourceRange } from '../protocol/lesson';
import type { PathKey, YamlBlock } from './yamlBlock';
import { LIMITS } from '../protocol/spec';

/** The hard limits on sizes (units, epochs, …): an error over one of them explains why limits exist. */
const RESOURCE_LIMITS: ReadonlySet<number> = new Set(Object.values(LIMITS));

type Issue = z.core.$ZodIssue;
/* eslint-disable @typescript-eslint/no-explicit-any -- zod's internal definitions (`_zod.def`) are walked structurally */
type AnySchema = any;

/** `model.layers[2].units` */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out ? `.${k}` : k;
  }
  return out;
}

export function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k as string];
  }
  return cur;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (let i = 0; i < 20 && cur; i++) {
    const def = cur._zod?.def;
    if (!def) return cur;
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        cur = def.innerType;
        break;
      case 'pipe':
        cur = def.in;
        break;
      case 'lazy':
        cur = def.getter();
        break;
      default:
        return cur;
    }
  }
  return cur;
}

/** The schema that validates the value at `path` (following the data through unions), if known. */
export function schemaAt(root: AnySchema, path: readonly PathKey[], data: unknown): AnySchema | undefined {
  let s = unwrap(root);
  let d = data;
  for (const k of path) {
    s = pickUnionOption(s, d);
    if (!s) return undefined;
    const def = s._zod.def;
    if (def.type === 'object') s = def.shape[k];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
    s = unwrap(s);
    d = d !== null && typeof d === 'object' ? (d as Record<string, unknown>)[k as string] : undefined;
  }
  return pickUnionOption(s, d);
}

function pickUnionOption(s: AnySchema, d: unknown): AnySchema | undefined {
  if (!s) return undefined;
  const def = s._zod.def;
  if (def.type !== 'union') return s;
  const options: AnySchema[] = def.options.map(unwrap);
  if (def.discriminator && d && typeof d === 'object') {
    const tag = (d as Record<string, unknown>)[def.discriminator];
    const hit = options.find((o) => literalValues(o._zod.def.shape?.[def.discriminator]).includes(tag));
    if (hit) return hit;
  }
  const kind = d === null || d === undefined ? undefined : Array.isArray(d) ? 'array' : typeof d === 'object' ? 'object' : typeof d;
  const sameKind = options.filter((o) => schemaKind(o) === kind);
  if (sameKind.length === 1) return sameKind[0];
  if (kind === 'object' && d) {
    const keys = Object.keys(d as object);
    const fits = sameKind.find((o) => keys.every((k) => k in o._zod.def.shape));
    if (fits) return fits;
  }
  return s;
}

function schemaKind(s: AnySchema): string {
  const t = s._zod.def.type;
  if (t === 'enum' || t === 'literal') return typeof literalValues(s)[0];
  return t;
}

function literalValues(s: AnySchema): unknown[] {
  if (!s) return [];
  const def = unwrap(s)._zod.def;
  if (def.type === 'literal') return def.values;
  if (def.type === 'enum') return Object.values(def.entries);
  return [];
}

function fmtNum(n: number): string {
  return String(n);
}

/** "a positive integer", "a number > 0 and < 1", "one of a, b, c", ... */
export function describeSchema(s: AnySchema | undefined): string {
  if (!s) return 'a valid value';
  s = unwrap(s);
  const def = s._zod.def;
  switch (def.type) {
    case 'number': {
      let int = false;
      let lo: { v: number; incl: boolean } | undefined;
      let hi: { v: number; incl: boolean } | undefined;
      for (const c of def.checks ?? []) {
        const cd = c._zod.def;
        if (cd.check === 'number_format' && /int/.test(cd.format)) int = true;
        if (cd.check === 'greater_than') lo = { v: cd.value, incl: cd.inclusive };
        if (cd.check === 'less_than') hi = { v: cd.value, incl: cd.inclusive };
      }
      const noun = int ? 'integer' : 'number';
      if (lo && lo.v === 0 && !hi) return lo.incl ? `a non-negative ${noun} (0 or more)` : `a positive ${noun}`;
      // A hard limit (protocol/spec.ts LIMITS) on a count.
      if (lo && lo.v === 0 && hi?.incl) return lo.incl ? `a ${noun} from 0 to ${fmtNum(hi.v)}` : `a positive ${noun} up to ${fmtNum(hi.v)}`;
      const parts: string[] = [];
      if (lo) parts.push(`${lo.incl ? '≥' : '>'} ${fmtNum(lo.v)}`);
      if (hi) parts.push(`${hi.incl ? '≤' : '<'} ${fmtNum(hi.v)}`);
      return `${int ? 'an integer' : 'a number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
    }
    case 'string':
      return 'a text';
    case 'boolean':
      return 'true or false';
    case 'enum':
    case 'literal':
      return oneOf(literalValues(s));
    case 'array':
      return `a list of ${plural(describeSchema(def.element))}`;
    case 'object':
      return `a mapping with fields ${Object.keys(def.shape).join(', ')}`;
    case 'record':
      return 'a mapping';
    case 'union': {
      const opts: AnySchema[] = def.options.map(unwrap);
      const enums = opts.filter((o) => ['enum', 'literal'].includes(o._zod.def.type)).flatMap(literalValues);
      const rest = opts.filter((o) => !['enum', 'literal'].includes(o._zod.def.type));
      const parts: string[] = [];
      if (enums.length) parts.push(oneOf(enums));
      if (rest.some((o) => o._zod.def.type === 'object')) {
        const names = rest.flatMap((o) => literalValues(o._zod.def.shape?.name ?? o._zod.def.shape?.type));
        const fields = [...new Set(rest.flatMap((o) => (o._zod.def.type === 'object' ? Object.keys(o._zod.def.shape) : [])))];
        parts.push(names.length ? `a mapping with name: ${names.join(' | ')}` : `a mapping with fields ${fields.join(', ')}`);
      }
      return parts.join(', or ');
    }
    default:
      return `a ${def.type}`;
  }
}

function plural(desc: string): string {
  return desc
    .replace(/^an? /, '')
    .replace(/^(positive |non-negative )?(integer|number|text)\b/, (_m, a: string | undefined, n: string) => `${a ?? ''}${n}s`);
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => String(v));
  return shown.length === 1 ? `"${shown[0]}"` : `one of ${shown.join(', ')}`;
}

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

/** ` (did you mean "Dense"?)` when one candidate is close. */
export function didYouMean(got: unknown, candidates: readonly unknown[]): string {
  if (typeof got !== 'string') return '';
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates.map(String)) {
    const d = c.toLowerCase() === got.toLowerCase() ? 0 : levenshtein(got.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.min(3, Math.floor(got.length / 3))) ? ` (did you mean "${best}"?)` : '';
}

/** ` (it belongs under training: training.optimizer)` when a child mapping of this object has the field. */
function belongsUnder(s: AnySchema, key: string, path: readonly PathKey[]): string {
  const shape = s?._zod.def.shape as Record<string, AnySchema> | undefined;
  if (!shape) return '';
  for (const [child, cs] of Object.entries(shape)) {
    const c = unwrap(cs);
    if (c?._zod.def.type === 'object' && key in c._zod.def.shape) {
      return ` (it belongs under \`${child}\`: ${formatPath([...path, child, key])})`;
    }
  }
  return '';
}

/** What an enumerated value is, for "unknown layer", "unknown activation", ... */
function kindOf(path: readonly PathKey[]): string {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  const grand = path[path.length - 3];
  const has = (k: string) => path.includes(k);
  if (last === 'type' && grand === 'layers') return 'layer';
  if (last === 'type' && grand === 'questions') return 'question type';
  if (has('activation')) return 'activation';
  if (has('kernel_initializer')) return 'initializer';
  if (last === 'name' && parent === 'dataset') return 'dataset';
  if (last === 'name' && parent === 'optimizer') return 'optimizer';
  if (last === 'name' && parent === 'schedule') return 'schedule';
  if (last === 'loss') return 'loss';
  if (last === 'monitor') return 'metric to monitor';
  if (last === 'preprocess') return 'preprocessing';
  return 'value';
}

export interface IssueContext {
  block: YamlBlock;
  schema: AnySchema;
  data: unknown;
  /** Paths whose issues the caller reports itself (e.g. a quiz answer given as text). */
  skip?: (path: readonly PathKey[]) => boolean;
  /**
   * Where a data path is written in the YAML, when `data` is not the YAML itself (a `full`
   * override merged over the experiment): used for positions and the field's name.
   */
  mapPath?: (path: readonly PathKey[]) => PathKey[];
}

interface Found {
  path: PathKey[];
  message: string;
  range: SourceRange;
}

export function issuesToDiagnostics(issues: readonly Issue[], ctx: IssueContext): LessonDiagnostic[] {
  const found: Found[] = [];
  for (const issue of issues) explain(issue, [], ctx, found);
  if (ctx.mapPath) {
    const map = ctx.mapPath;
    for (const f of found) {
      const to = map(f.path);
      f.message = f.message.startsWith(formatPath(f.path) + ':') ? formatPath(to) + f.message.slice(formatPath(f.path).length) : f.message;
      f.path = to;
    }
  }
  const seen = new Set<string>();
  const out: LessonDiagnostic[] = [];
  for (const f of found) {
    if (ctx.skip?.(f.path)) continue;
    const key = `${f.range.start.line}:${f.range.start.column}:${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file: ctx.block.file, range: f.range, severity: 'error', message: f.message, field: formatPath(f.path) });
  }
  return out;
}

/** The block's position lookups, through `ctx.mapPath` when the data is not the YAML itself. */
function locator(ctx: IssueContext): Pick<YamlBlock, 'rangeOf' | 'keyNode' | 'missingRange' | 'nodeRange'> {
  const b = ctx.block;
  const m = ctx.mapPath;
  if (!m) return b;
  return {
    rangeOf: (p) => b.rangeOf(m(p)),
    keyNode: (p, key) => {
      const to = m([...p, key]);
      return to[to.length - 1] === key ? b.keyNode(to.slice(0, -1), key) : undefined;
    },
    missingRange: (p) => b.missingRange(m(p)),
    nodeRange: (n) => b.nodeRange(n),
  };
}

function explain(issue: Issue, base: PathKey[], ctx: IssueContext, out: Found[]): void {
  const path = [...base, ...(issue.path as PathKey[])];
  const field = formatPath(path);
  const value = valueAt(ctx.data, path);
  const b = locator(ctx);
  const at = (p: PathKey[], message: string, range = b.rangeOf(p)) => out.push({ path: p, message, range });
  const prefix = field ? `${field}: ` : '';

  switch (issue.code) {
    case 'invalid_type': {
      const expected = describeSchema(schemaAt(ctx.schema, path, ctx.data)) || issue.expected;
      if (value === undefined) {
        const name = path[path.length - 1];
        if (path.length === 0) {
          at(path, `empty: expected ${expected}`);
        } else if (name === 'id') {
          at(path, `${prefix}missing; add \`id:\` with a lower-case id (letters, digits and dashes), e.g. \`id: deep-sigmoid\``, b.missingRange(path.slice(0, -1)));
        } else {
          at(path, `${prefix}missing; add \`${String(name)}:\` with ${expected}`, b.missingRange(path.slice(0, -1)));
        }
      } else {
        const colonHint =
          issue.expected === 'string' && value !== null && typeof value === 'object' && !Array.isArray(value)
            ? ' (a plain text containing ": " reads as a mapping in YAML; put the text in quotes)'
            : '';
        at(path, `${prefix}expected ${expected}, got ${describeValue(value)}${colonHint}`);
      }
      return;
    }
    case 'too_small':
    case 'too_big': {
      if (issue.origin === 'array' || issue.origin === 'set') {
        const n = Array.isArray(value) ? value.length : 0;
        const bound = Number(issue.code === 'too_small' ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
        at(path, `${prefix}expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}, got ${n}`);
      } else if (issue.origin === 'string') {
        at(path, `${prefix}must not be empty`);
      } else if (issue.origin === 'number' && !/^Too (big|small)/.test(issue.message)) {
        at(path, `${prefix}${issue.message}, got ${describeValue(value)}`); // the schema's own words
      } else if (issue.code === 'too_big' && issue.origin === 'number' && typeof value === 'number') {
        const { maximum, inclusive } = issue as { maximum: number | bigint; inclusive?: boolean };
        const max = Number(maximum);
        if (inclusive === false) {
          // An open bound (a rate below 1, …) is a range of meaning, not a resource limit.
          at(path, `${prefix}${describeValue(value)} is too large: it must be less than ${fmtNum(max)}`);
        } else if (RESOURCE_LIMITS.has(max)) {
          at(path, `${prefix}${describeValue(value)} is over the limit of ${fmtNum(max)}; give ${fmtNum(max)} or less (the limits keep a run within the machine's memory and time: docs/experiment-spec.md, "Limits")`);
        } else {
          at(path, `${prefix}${describeValue(value)} is too large: it must be at most ${fmtNum(max)}`);
        }
      } else {
        at(path, `${prefix}expected ${describeSchema(schemaAt(ctx.schema, path, ctx.data))}, got ${describeValue(value)}`);
      }
      return;
    }
    case 'invalid_value': {
      const values = issue.values;
      if (values.length === 1 && typeof value !== 'string') {
        at(path, `${prefix}expected ${oneOf(values)}, got ${describeValue(value)}`);
      } else {
        at(path, `${prefix}unknown ${kindOf(path)} ${describeValue(value)}; expected ${oneOf(values)}${didYouMean(value, values)}`);
      }
      return;
    }
    case 'invalid_format':
      at(path, `${prefix}${/^Invalid/.test(issue.message) ? `expected ${issue.format}` : issue.message}, got ${describeValue(value)}`);
      return;
    case 'unrecognized_keys': {
      const s = schemaAt(ctx.schema, path, ctx.data);
      const known = s?._zod.def.type === 'object' ? Object.keys(s._zod.def.shape) : [];
      // A member of a union keyed on `name` (an optimizer): say whose fields these are.
      const tag = s?._zod.def.type === 'object' ? literalValues(s._zod.def.shape.name) : [];
      const whose = tag.length === 1 ? ` for ${String(tag[0])}` : '';
      for (const key of issue.keys) {
        const keyNode = b.keyNode(path, key);
        at(
          [...path, key],
          `${formatPath([...path, key])}: unknown field${whose}${known.length ? `; ${whose ? `${String(tag[0])} has` : 'expected one of'} ${known.join(', ')}${didYouMean(key, known) || belongsUnder(s, key, path)}` : ''}`,
          (keyNode && b.nodeRange(keyNode)) ?? b.rangeOf(path),
        );
      }
      return;
    }
    case 'invalid_union':
      explainUnion(issue, path, value, ctx, out);
      return;
    case 'custom':
      at(path, `${prefix}${issue.message}`);
      return;
    default:
      at(path, `${prefix}${issue.message}`);
  }
}

function explainUnion(issue: z.core.$ZodIssueInvalidUnion, path: PathKey[], value: unknown, ctx: IssueContext, out: Found[]): void {
  const b = locator(ctx);
  const field = formatPath(path);
  const anyIssue = issue as unknown as { note?: string; discriminator?: string; options?: unknown[] };
  if (anyIssue.note === 'No matching discriminator' || anyIssue.discriminator) {
    const options = anyIssue.options ?? [];
    if (value === undefined) {
      const name = path[path.length - 1];
      out.push({ path, message: `${field}: missing; add \`${String(name)}:\` with ${oneOf(options)}`, range: b.missingRange(path.slice(0, -1)) });
    } else {
      out.push({ path, message: `${field}: unknown ${kindOf(path)} ${describeValue(value)}; expected ${oneOf(options)}${didYouMean(value, options)}`, range: b.rangeOf(path) });
    }
    return;
  }
  // Keep the branches that accept this kind of value (drop "expected object, got string").
  // A mapping or a list is never one of an enum's names, so drop the enum branches for those too.
  const structured = value !== null && typeof value === 'object';
  const branches = issue.errors.filter(
    (errs) => !errs.some((e) => e.path.length === 0 && (e.code === 'invalid_type' || (structured && e.code === 'invalid_value'))),
  );
  const prefix = field ? `${field}: ` : '';
  if (branches.length === 0) {
    out.push({ path, message: `${prefix}expected ${describeSchema(schemaAt(ctx.schema, path, ctx.data))}, got ${describeValue(value)}`, range: b.rangeOf(path) });
    return;
  }
  // Every branch rejects the same enumerated field: one "unknown X; expected one of (all)".
  const firstValueIssue = branches[0].find((e) => e.code === 'invalid_value');
  if (firstValueIssue) {
    const rel = firstValueIssue.path as PathKey[];
    const same = branches.every((errs) => errs.some((e) => e.code === 'invalid_value' && formatPath(e.path as PathKey[]) === formatPath(rel)));
    if (same) {
      const all = [...new Set(branches.flatMap((errs) => errs.filter((e) => e.code === 'invalid_value' && formatPath(e.path as PathKey[]) === formatPath(rel)).flatMap((e) => (e as { values: unknown[] }).values)))];
      const p = [...path, ...rel];
      const v = valueAt(ctx.data, p);
      out.push({ path: p, message: `${formatPath(p)}: unknown ${kindOf(p)} ${describeValue(v)}; expected ${oneOf(all)}${didYouMean(v, all)}`, range: b.rangeOf(p) });
      return;
    }
  }
  // Every branch rejects the same unknown key: report that key once, with every branch's fields.
  const unknownKeys = branches.map((errs) => new Set(errs.filter((e) => e.code === 'unrecognized_keys' && e.path.length === 0).flatMap((e) => (e as { keys: string[] }).keys)));
  const shared = [...unknownKeys[0]].filter((k) => unknownKeys.every((s) => s.has(k)));
  if (shared.length) {
    const s = schemaAt(ctx.schema, path, ctx.data);
    const opts: AnySchema[] = s?._zod.def.type === 'union' ? s._zod.def.options.map(unwrap) : [];
    const known = [...new Set(opts.flatMap((o) => (o._zod.def.type === 'object' ? Object.keys(o._zod.def.shape) : [])))];
    for (const key of shared) {
      const keyNode = b.keyNode(path, key);
      const p = [...path, key];
      out.push({
        path: p,
        message: `${formatPath(p)}: unknown field${known.length ? `; expected ${known.join(', ')}${didYouMean(key, known)}` : ''}`,
        range: (keyNode && b.nodeRange(keyNode)) ?? b.rangeOf(path),
      });
    }
    return;
  }
  // Otherwise explain the branch that came closest.
  const best = branches.reduce((a, c) => (c.length < a.length ? c : a));
  for (const e of best) explain(e, path, ctx, out);
}
