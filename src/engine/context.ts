/** What every part of a run shares: where its events go, and the signal that a stop was asked. */
import type { RunEvent } from '../protocol/events';

export type Emit = (event: RunEvent) => void;

/** Thrown inside a run when its `AbortSignal` fires before training starts (while loading or building). */
export class Cancelled extends Error {}

/** The number of values in one example of the given shape. */
export function widthOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
