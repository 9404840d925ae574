/** A "Try it" knob as the run card shows it (built from the spec by `lessons/knobs.ts`). Types only. */
export type KnobValue = string | number | boolean;

export interface Knob {
  /** Stable within one spec: `activation:1,2`, `lr`, `batchnorm`. */
  id: string;
  label: string;
  kind: 'choice' | 'number' | 'toggle';
  value: KnobValue;
  options?: readonly string[];
  min?: number;
  max?: number;
  /** A hint for the input (`any` for rates). */
  step?: number | 'any';
}
