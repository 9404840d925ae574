/**
 * Axis ticks and number labels for the charts. Pure (no DOM, no Chart.js), unit-tested.
 * Log axes get a tick at every power of ten in range; when the range spans less than a decade
 * (or holds fewer than two powers of ten), the 2…9 multiples are added and labelled too, so an
 * axis from 0.3 to 3 reads 0.3 0.4 0.5 … 1 2 3, not a lone "1".
 */

export interface Tick {
  value: number;
  /** A power of ten (a grid line drawn stronger). */
  major: boolean;
  label: string;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

function superscript(n: number): string {
  return String(n).replace(/./g, (c) => SUPERSCRIPT[c] ?? c);
}

/** 10ᵏ exactly (10 ** -5 is 0.000009999…). */
function pow10(k: number): number {
  return Number(`1e${k}`);
}

/** 10ᵏ written as 1, 10 or 10⁻³. */
export function powerOfTen(k: number): string {
  return k === 0 ? '1' : k === 1 ? '10' : `10${superscript(k)}`;
}

/**
 * A number with 3 significant digits: plain between 0.001 and 10 000 (trailing zeros dropped),
 * else scientific as 1.23×10⁻⁵. Never "0" for a value that is not zero.
 */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e4) return String(Number(x.toPrecision(digits)));
  const [mantissa, exp] = x.toExponential(digits - 1).split('e') as [string, string];
  const m = String(Number(mantissa)).replace('-', '−');
  return `${m === '1' ? '' : m === '−1' ? '−' : `${m}×`}10${superscript(Number(exp))}`;
}

/** Ticks of a log axis from `min` to `max` (both > 0). */
export function logTicks(min: number, max: number): Tick[] {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.ceil(Math.log10(max) - 1e-9);
  const inRange = (v: number) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9);
  const decades: number[] = [];
  for (let k = lo; k <= hi; k++) if (inRange(pow10(k))) decades.push(k);
  // Many decades: every other (or every third…) power is labelled, all are drawn.
  const every = Math.max(1, Math.ceil(decades.length / 10));
  const minors = decades.length < 2;
  const ticks: Tick[] = [];
  const multiples: { tick: Tick; m: number }[] = [];
  for (let k = lo; k <= hi; k++) {
    const p = pow10(k);
    if (inRange(p)) ticks.push({ value: p, major: true, label: (k - (decades[0] ?? 0)) % every === 0 ? powerOfTen(k) : '' });
    if (!minors) continue;
    for (let m = 2; m <= 9; m++) {
      const v = Number(`${m}e${k}`);
      if (!inRange(v)) continue;
      const tick = { value: v, major: false, label: formatNumber(v) };
      ticks.push(tick);
      multiples.push({ tick, m });
    }
  }
  // More than ten labels (0.3 to 9) overprint on a short plot: then only the powers of ten and
  // their 2× and 5× multiples are labelled; every tick is still drawn.
  if (ticks.length > 10) for (const { tick, m } of multiples) if (m !== 2 && m !== 5) tick.label = '';
  // A range inside one decade with few multiples in it (1.2 to 1.8): its ends, labelled.
  if (ticks.length < 2) return [
    { value: min, major: false, label: formatNumber(min) },
    { value: max, major: false, label: formatNumber(max) },
  ];
  return ticks;
}
