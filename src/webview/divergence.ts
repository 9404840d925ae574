/**
 * A diverged run's card offers one-click reruns through the "Try it" variant machinery: the
 * learning rate divided by 10, and gradient clipping at `clipnorm: 1.0`. Each is a plain rerun of
 * the run that diverged (the experiment, or the variant it was) with that one knob changed.
 */
import type { Knob, KnobValue } from '../protocol/knobs';
import type { EndEvent } from '../protocol/events';
import { post } from './api';
import { divergenceVariants } from './divergenceVariants';
import { button, h } from './ui';

/** The buttons, or an empty list; `values`: the diverged run's knobs that differ from the experiment's. */
export function divergenceActions(key: string, knobs: readonly Knob[] | undefined, end: EndEvent | undefined, values: Record<string, KnobValue> = {}): HTMLElement[] {
  const variants = divergenceVariants(knobs, end, values);
  if (!variants.length) return [];
  return [h('div', { class: 'divergence-actions' }, ...variants.map((v) => button(v.label, { appearance: 'secondary', title: v.title, onClick: () => post({ type: 'runVariant', key, values: v.values }) })))];
}
