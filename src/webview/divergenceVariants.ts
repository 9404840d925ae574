/** Which one-click reruns a diverged run offers (pure: unit-tested). */
import type { Knob, KnobValue } from '../protocol/knobs';
import type { EndEvent } from '../protocol/events';

export interface DivergenceVariant {
  label: string;
  title: string;
  values: Record<string, KnobValue>;
}

/**
 * The variants that fit this experiment's knobs (none when the run did not diverge). `values`: the
 * diverged run's knobs that differ from the experiment's (a variant's): a rerun keeps them and
 * changes one, so "÷ 10" divides the rate that diverged, not the experiment's own.
 */
export function divergenceVariants(knobs: readonly Knob[] | undefined, end: EndEvent | undefined, values: Record<string, KnobValue> = {}): DivergenceVariant[] {
  if (end?.status !== 'diverged' || !knobs) return [];
  const out: DivergenceVariant[] = [];
  const what = Object.keys(values).length ? 'The same variant' : 'The same experiment';
  const lr = knobs.find((k) => k.id === 'lr');
  const rate = values.lr ?? lr?.value;
  if (lr && typeof rate === 'number' && rate > 0) {
    const next = Number((rate / 10).toPrecision(6));
    out.push({ label: `Rerun with learning rate ÷ 10 (${next})`, title: `${what} with learning_rate ${next}: smaller steps that may stay finite`, values: { ...values, lr: next } });
  }
  const clip = knobs.find((k) => k.id === 'clipnorm');
  if (clip && (values.clipnorm ?? clip.value) !== 1) out.push({ label: 'Rerun with clipnorm: 1.0', title: `${what} with each gradient's norm clipped at 1.0`, values: { ...values, clipnorm: 1 } });
  return out;
}
