/**
 * `--set PATH=VALUE`: one change to an experiment, named by a dotted path into its spec
 * (`training.optimizer.name=adam`, `model.layers[1].activation=relu`). The value is read as a YAML
 * scalar or flow collection (`0.1`, `true`, `relu`, `{name: leaky_relu, alpha: 0.2}`); `null`
 * removes the field. Errors name the argument and the path; nothing here runs code.
 */
import { parse as parseYaml } from 'yaml';
import { formatPath } from './issues';
import type { PathKey } from './yamlBlock';

export interface SetChange {
  /** Where the change came from, for messages: `--set training.optimizer.name=adam`, `the knob "lr"`. */
  text: string;
  path: PathKey[];
  /** `undefined` removes the field (written `null` or `~`). */
  value: unknown;
}

export class SetError extends Error {
  constructor(
    message: string,
    /** The path the error is about, when known. */
    readonly where?: string,
  ) {
    super(message);
  }
}

/** Longest `--set` argument read (a lesson's knob never needs more). */
export const MAX_SET_LENGTH = 2000;
const MAX_DEPTH = 16;
const MAX_INDEX = 10_000;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);
const SEGMENT = /^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$/;

/** `model.layers[1].activation` → `['model', 'layers', 1, 'activation']`. */
export function parseSetPath(text: string): PathKey[] {
  if (!text) throw new SetError('the path before "=" is empty; write e.g. training.optimizer.name=adam');
  const out: PathKey[] = [];
  for (const part of text.split('.')) {
    const m = SEGMENT.exec(part);
    if (!m) throw new SetError(`"${text}": "${part}" is not a field name (letters, digits and _, optionally followed by [index])`, text);
    if (FORBIDDEN.has(m[1])) throw new SetError(`"${text}": "${m[1]}" is not a field of an experiment`, text);
    out.push(m[1]);
    for (const idx of m[2].match(/\d+/g) ?? []) {
      const n = Number(idx);
      if (n > MAX_INDEX) throw new SetError(`"${text}": index ${idx} is too large`, text);
      out.push(n);
    }
  }
  if (out.length > MAX_DEPTH) throw new SetError(`"${text}": the path is deeper than ${MAX_DEPTH} fields`, text);
  return out;
}

/** One `PATH=VALUE` argument. */
export function parseSet(text: string): SetChange {
  if (text.length > MAX_SET_LENGTH) throw new SetError(`--set: the argument is longer than ${MAX_SET_LENGTH} characters`);
  const eq = text.indexOf('=');
  if (eq < 0) throw new SetError(`--set "${text}": expected PATH=VALUE, e.g. training.optimizer.learning_rate=0.1`);
  const path = parseSetPath(text.slice(0, eq).trim());
  const raw = text.slice(eq + 1).trim();
  if (raw === '') throw new SetError(`--set "${text}": no value after "="; write null to remove the field`, formatPath(path));
  let value: unknown;
  try {
    value = parseYaml(raw, { maxAliasCount: 0, prettyErrors: false });
  } catch (e) {
    throw new SetError(`--set "${text}": the value is not valid YAML (${(e as Error).message.split('\n')[0]})`, formatPath(path));
  }
  return { text: `--set ${text}`, path, value: value === null ? undefined : value };
}

type Container = Record<string, unknown> | unknown[];
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A copy of `spec` with the change applied. Missing mappings on the way are created; a list index
 * must exist. Throws a SetError naming the path where it cannot go on.
 */
export function applySet(spec: unknown, change: SetChange): Record<string, unknown> {
  if (!isObject(spec)) throw new SetError('the experiment is not a mapping');
  const root = structuredClone(spec);
  const { path } = change;
  let cur: Container = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const here = formatPath(path.slice(0, i + 1));
    const next = step(cur, key, formatPath(path.slice(0, i)), change);
    if (next === undefined) {
      if (typeof path[i + 1] === 'number') throw new SetError(`${here}: there is no list here to index (from ${change.text})`, here);
      const created: Record<string, unknown> = {};
      (cur as Record<string, unknown>)[key as string] = created;
      cur = created;
    } else if (next !== null && typeof next === 'object') {
      cur = next as Container;
    } else {
      throw new SetError(`${here}: is ${JSON.stringify(next)}, not a mapping or a list, so it has no field "${String(path[i + 1])}" (from ${change.text})`, here);
    }
  }
  const last = path[path.length - 1];
  step(cur, last, formatPath(path.slice(0, -1)), change);
  if (typeof last === 'number') {
    if (change.value === undefined) (cur as unknown[]).splice(last, 1);
    else (cur as unknown[])[last] = change.value;
  } else if (change.value === undefined) {
    delete (cur as Record<string, unknown>)[last];
  } else {
    (cur as Record<string, unknown>)[last] = change.value;
  }
  return root;
}

/** The value under `key`, checking that the key fits the container. */
function step(cur: Container, key: PathKey, at: string, change: SetChange): unknown {
  if (typeof key === 'number') {
    if (!Array.isArray(cur)) throw new SetError(`${at}: is a mapping, not a list; use a field name instead of [${key}] (from ${change.text})`, at);
    if (key >= cur.length) {
      const where = `${at}[${key}]`;
      throw new SetError(`${where}: the list has ${cur.length} item${cur.length === 1 ? '' : 's'}${cur.length ? ` (indexes 0 to ${cur.length - 1})` : ''} (from ${change.text})`, where);
    }
    return cur[key];
  }
  if (Array.isArray(cur)) throw new SetError(`${at}: is a list; index it with [n] instead of ".${key}" (from ${change.text})`, at);
  return Object.prototype.hasOwnProperty.call(cur, key) ? cur[key] : undefined;
}
