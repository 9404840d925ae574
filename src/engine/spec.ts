/** Turning an experiment as written into the one that runs: `full` overrides, CLI overrides, defaults. */
import { ExperimentSpec, LIMITS } from '../protocol/spec';
import { estimateCost } from '../protocol/cost';
import type { RunOptions } from '../protocol/events';
import { deepMerge, isPlainObject } from '../protocol/merge';


/**
 * The spec a run uses: validated, with `full` merged in when asked, and the epochs and seed
 * overrides applied. Throws with the field's path when the result is not a valid experiment.
 */
export function resolveSpec(spec: unknown, options: Pick<RunOptions, 'full' | 'epochs' | 'seed'> = {}): ExperimentSpec {
  let raw = spec as Record<string, unknown>;
  if (options.full && isPlainObject(raw) && isPlainObject(raw.full)) {
    const { full, ...rest } = raw;
    raw = deepMerge(rest, full);
  }
  const patch: Record<string, unknown> = {};
  if (options.epochs !== undefined) patch.epochs = options.epochs;
  if (options.seed !== undefined) patch.seed = options.seed;
  if (Object.keys(patch).length) raw = { ...raw, training: { ...(isPlainObject(raw.training) ? raw.training : {}), ...patch } };
  const parsed = ExperimentSpec.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw Object.assign(new Error(`${where || 'experiment'}: ${issue.message}`), { where });
  }
  const { parameters } = estimateCost(parsed.data);
  if (parameters > LIMITS.parameters) {
    const where = 'model.layers';
    throw Object.assign(new Error(`${where}: this model has ${parameters.toLocaleString('en-US')} parameters, over the limit of ${LIMITS.parameters.toLocaleString('en-US')}; use fewer or narrower layers`), { where });
  }
  return parsed.data;
}
