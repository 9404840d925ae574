/** The one hard limit that depends on the whole model: its parameter count (protocol/cost.ts estimates it). */
import { estimateCost } from '../protocol/cost';
import { LIMITS } from '../protocol/spec';
import type { ExperimentSpec } from '../protocol/spec';
import type { LessonDiagnostic } from '../protocol/lesson';
import type { PathKey, YamlBlock } from './yamlBlock';

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
