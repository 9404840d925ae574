/** The cost of a run as it will happen, and the one hard limit that depends on the whole model: its parameter count. */
import { estimateCost } from '../protocol/cost';
import type { CostEstimate } from '../protocol/cost';
import { ExperimentSpec, LIMITS } from '../protocol/spec';
import type { LessonDiagnostic } from '../protocol/lesson';
import type { PathKey, YamlBlock } from './yamlBlock';
import { deepMerge } from '../protocol/merge';

/** An error on `model.layers` (or where `full` changes the model) when the model is over the parameter limit. */
export function checkModelSize(block: YamlBlock, spec: ExperimentSpec, diagnostics: LessonDiagnostic[], at: PathKey[] = ['model', 'layers']): void {
  const { parameters } = estimateCost(spec);
  if (parameters <= LIMITS.parameters) return;
  const field = at.join('.');
  diagnostics.push({
    file: block.file,
    range: block.rangeOf(at),
    severity: 'error',
    message: `${field}: this model has ${parameters.toLocaleString('en-US')} parameters, over the limit of ${LIMITS.parameters.toLocaleString('en-US')}; use fewer or narrower layers`,
    field,
  });
}

/**
 * The estimate for a run as it will happen: `full` merged over the experiment and the epochs
 * override applied (as the engine does), the reused layers counted when their source is among
 * `dependencies` (keyed `lesson-id/experiment-id`, `from` read relative to `lessonId`).
 */
export function estimateRunCost(
  spec: ExperimentSpec,
  options: { full?: boolean; epochs?: number; lessonId?: string; dependencies?: Record<string, ExperimentSpec> } = {},
): CostEstimate {
  const asRun = (s: ExperimentSpec): ExperimentSpec => {
    const { full, ...rest } = s;
    let raw: unknown = options.full && full ? deepMerge(rest, full) : rest;
    if (options.epochs) raw = deepMerge(raw, { training: { epochs: options.epochs } });
    const r = ExperimentSpec.safeParse(raw);
    return r.success ? r.data : s;
  };
  const run = asRun(spec);
  const from = run.model.reuse?.from;
  const key = from && (from.includes('/') || !options.lessonId ? from : `${options.lessonId}/${from}`);
  const source = key ? options.dependencies?.[key] : undefined;
  return estimateCost(run, source ? asRun(source) : undefined);
}
