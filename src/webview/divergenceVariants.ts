/** Which one-click reruns a diverged run offers (pure: unit-tested). */
import type { Knob, KnobValue } from '../protocol/knobs';
import type { EndEvent } from '../protocol/events';

export interface DivergenceVariant {
  label: string;
  title: string;
  values: Record<string, KnobValue>;
}

/** The variants that fit this experiment's knobs (none when the run did not diverge). */
export function divergenceVariants(knobs: readonly Knob[] | undefined, end: EndEvent | undefined): DivergenceVariant[] {
  if (end?.status !== 'diverged' || !knobs) return [];
  const out: DivergenceVariant[] = [];
  const lr = knobs.find((k) => k.id === 'lr');
  if (lr && typeof lr.value === 'number' && lr.value > 0) {
    const next = Number((lr.value / 10).toPrecision(6));
    out.push({ label: `Rerun with learning rate ÷ 10 (${next})`, title: `The same experiment with learning_rate ${next}: smaller steps that may stay finite`, values: { lr: next } });
  }
  const clip = knobs.find((k) => k.id === 'clipnorm');
  if (clip && clip.value !== 1) out.push({ label: 'Rerun with clipnorm: 1.0', title: "The same experiment with each gradient's norm clipped at 1.0", values: { clipnorm: 1 } });
  return out;
}
