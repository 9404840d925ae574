/**
 * What the trainer accepts from its host, checked before anything acts on it: a message that is
 * not one of these gets an `error` event naming what was wrong, and the trainer serves on.
 * (The experiment spec itself is validated by the engine, which reports the field.)
 */
import { z } from 'zod';
import type { HostToTrainer } from '../protocol/events';
import { LIMITS } from '../protocol/spec';
import { MAX_SEEDS } from '../protocol/seeds';

const RunId = z.string().min(1).max(200);
const Key = z.string().min(1).max(1000);
const Spec = z.record(z.string(), z.unknown());

const RunOptions = z.strictObject({
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).optional(),
  dataDir: z.string().optional(),
  cacheDir: z.string().optional(),
  modelDir: z.string().optional(),
  epochs: z.number().int().positive().max(LIMITS.epochs).optional(),
  seed: z.number().int().optional(),
  full: z.boolean().optional(),
  maxBatchEventsPerSecond: z.number().positive().optional(),
});

const Message = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('run'),
    runId: RunId,
    experiment: Key,
    spec: Spec,
    dependencies: z.record(Key, Spec).optional(),
    prepareOnly: z.boolean().optional(),
    options: RunOptions,
    twin: z.strictObject({ spec: Spec, label: z.string().max(2000).optional() }).optional(),
    seeds: z.number().int().min(1).max(MAX_SEEDS).optional(),
  }),
  z.strictObject({ type: z.literal('stop'), runId: RunId.optional() }),
  z.strictObject({ type: z.enum(['pause', 'resume', 'step']), runId: RunId }),
  z.strictObject({ type: z.literal('ping'), id: z.number() }),
  z.strictObject({ type: z.literal('shutdown') }),
]);

const TYPES = 'run, stop, pause, resume, step, ping or shutdown';

/** The message, or what is wrong with it (and its runId when it has a usable one, so the host can tell whose it is). */
export function checkMessage(raw: unknown): { message: HostToTrainer } | { error: string; runId: string } {
  const runId = typeof raw === 'object' && raw !== null && typeof (raw as { runId?: unknown }).runId === 'string' ? String((raw as { runId: string }).runId).slice(0, 200) : '';
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { error: `malformed message: expected an object with a \`type\` (${TYPES}), got ${describe(raw)}`, runId };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string') return { error: `malformed message: no \`type\` (expected ${TYPES})`, runId };
  if (!['run', 'stop', 'pause', 'resume', 'step', 'ping', 'shutdown'].includes(type)) return { error: `malformed message: unknown type ${JSON.stringify(type.slice(0, 40))}; expected ${TYPES}`, runId };
  const r = Message.safeParse(raw);
  if (r.success) return { message: r.data as HostToTrainer };
  const issue = r.error.issues[0];
  const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  let value: unknown = raw;
  for (const p of issue.path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  const what = value === undefined ? 'missing' : issue.message.replace(/^Invalid input: /, '');
  return { error: `malformed ${type} message: ${where || 'message'}: ${what}`, runId };
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  return `a ${typeof x}`;
}
