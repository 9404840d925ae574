/**
 * The heat maps' colour scale: viridis (dark purple → yellow; perceptually uniform, readable by
 * colour-blind readers and on dark and light backgrounds). d3-scale-chromatic's `interpolateViridis`
 * is matplotlib's 256-colour viridis table; the five-stop linear ramp it replaces was up to 27 of
 * 255 off in a channel (blue near the yellow end).
 */
import { interpolateViridis } from 'd3-scale-chromatic';

/** The colour of `t` in [0, 1] as "#rrggbb"; below 0 (and NaN) is the first colour, above 1 the last. */
export function heatColor(t: number): string {
  return interpolateViridis(Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t)));
}
