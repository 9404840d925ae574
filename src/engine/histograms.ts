/**
 * Fixed-bin histograms of a layer's values, counted in one pass over a Float32Array (on the wasm
 * backend a view on its memory: `readViews.ts`). Activations use linear bins over a range fixed by the
 * block's activation, so that the bins stay the same from step to step (a heat map over time);
 * gradients use log-spaced bins of |g|, 4 per decade from 1e-8 to 1e2.
 */
import type { Histogram } from '../protocol/events';

export const BINS = 40;

/** log10 |g| from −8 to 2: 10 decades, 4 bins each. */
export const GRADIENT_RANGE: readonly [number, number] = [-8, 2];

/** The fixed value range of a block's output histogram, by the block's activation. */
export function activationRange(activation: string): [number, number] {
  switch (activation) {
    case 'sigmoid':
    case 'softmax':
      return [0, 1];
    case 'tanh':
      return [-1, 1];
    case 'relu':
      return [0, 5];
    case 'elu':
    case 'selu':
      return [-2, 4];
    default:
      return [-4, 4];
  }
}

function emptyHistogram(scale: Histogram['scale'], lo: number, hi: number): Histogram {
  return { scale, lo, hi, counts: new Array<number>(BINS).fill(0), nonFinite: 0 };
}

/** Linear bins over [lo, hi]; values outside go to the edge bins, NaN and ±Inf to `nonFinite`. */
export function linearHistogram(values: Float32Array, lo: number, hi: number): Histogram {
  const h = emptyHistogram('linear', lo, hi);
  const counts = h.counts;
  const scale = BINS / (hi - lo);
  let bad = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      bad++;
      continue;
    }
    let b = Math.floor((v - lo) * scale);
    if (b < 0) b = 0;
    else if (b >= BINS) b = BINS - 1;
    counts[b]++;
  }
  h.nonFinite = bad;
  return h;
}

/**
 * Log-spaced bins of |v| over [10^lo, 10^hi]; smaller magnitudes (zeros too) go to the first bin.
 * `stride` > 1 counts the sample values[0], values[stride], values[2·stride]… only.
 */
export function logHistogram(values: Float32Array, lo = GRADIENT_RANGE[0], hi = GRADIENT_RANGE[1], stride = 1): Histogram {
  const h = emptyHistogram('log', lo, hi);
  const counts = new Float64Array(BINS);
  const table = logTable(lo, hi);
  h.nonFinite = table
    ? tableBins(values, new Uint32Array(values.buffer, values.byteOffset, values.length), stride, table, counts)
    : logBins(values, stride, lo, BINS / (hi - lo), 10 ** lo, counts);
  h.counts = Array.from(counts);
  return h;
}

/** The bin of a finite |v| ≥ 0 by the definition: ⌊(log10 |v| − lo) · scale⌋ within [0, BINS), 0 below 10^lo. */
function logBin(a: number, lo: number, scale: number, floor: number): number {
  if (a < floor) return 0;
  const b = Math.floor((Math.log10(a) - lo) * scale);
  return b < 0 ? 0 : b >= BINS ? BINS - 1 : b;
}

/** The loop of `logHistogram` by the definition (Math.log10 per value); returns the non-finite values. Primed below (see `health.ts`). */
function logBins(values: Float32Array, stride: number, lo: number, scale: number, floor: number, counts: Float64Array): number {
  let bad = 0;
  for (let i = 0; i < values.length; i += stride) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      bad++;
      continue;
    }
    counts[logBin(Math.abs(v), lo, scale, floor)]++;
  }
  return bad;
}

/**
 * The same bins without a logarithm per value, for float32 values: per binary exponent of |v|
 * (the float's exponent field), the bin of the binade's smallest value and the values where the
 * bin goes up within the binade (at most two when a bin spans at least half a binade, as the
 * gradients' 4 bins per decade do: a binade is 0.301 decade). The edges are found once, by
 * bisecting the float32 bit patterns with `logBin` itself, so that every float32 value gets the
 * bin `logBin` gives it (`test/unit/inspect.test.ts` checks values next to every edge and across the range).
 */
interface LogTable {
  base: Int32Array;
  edge1: Float64Array;
  edge2: Float64Array;
}
const logTables = new Map<string, LogTable | undefined>();

function logTable(lo: number, hi: number): LogTable | undefined {
  const key = `${lo},${hi}`;
  if (logTables.has(key)) return logTables.get(key);
  let table: LogTable | undefined;
  if ((hi - lo) / BINS >= Math.log10(2) / 2) {
    const scale = BINS / (hi - lo);
    const floor = 10 ** lo;
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    const valueOf = (bits: number) => {
      u32[0] = bits;
      return f32[0];
    };
    const bin = (bits: number) => logBin(valueOf(bits), lo, scale, floor);
    /** The first bit pattern in [from, to] whose bin exceeds `b` (Infinity as a value if none). */
    const edge = (from: number, to: number, b: number): number => {
      if (bin(to) <= b) return Infinity;
      let [l, r] = [from, to];
      while (l < r) {
        const m = l + Math.floor((r - l) / 2);
        if (bin(m) > b) r = m;
        else l = m + 1;
      }
      return valueOf(l);
    };
    table = { base: new Int32Array(256), edge1: new Float64Array(256).fill(Infinity), edge2: new Float64Array(256).fill(Infinity) };
    for (let e = 0; e < 255; e++) {
      const from = e << 23;
      const to = from + (1 << 23) - 1;
      const b = bin(from);
      table.base[e] = b;
      table.edge1[e] = edge(from, to, b);
      table.edge2[e] = edge(from, to, b + 1);
    }
  }
  logTables.set(key, table);
  return table;
}

/** The loop of `logHistogram` with the table; `bits` views the same values. Returns the non-finite values. */
function tableBins(values: Float32Array, bits: Uint32Array, stride: number, t: LogTable, counts: Float64Array): number {
  const { base, edge1, edge2 } = t;
  let bad = 0;
  for (let i = 0; i < values.length; i += stride) {
    const e = (bits[i] >>> 23) & 255;
    if (e === 255) {
      bad++;
      continue;
    }
    const a = Math.abs(values[i]);
    counts[base[e] + (a >= edge1[e] ? 1 : 0) + (a >= edge2[e] ? 1 : 0)]++;
  }
  return bad;
}

/** Calls that give a function type feedback in V8 (after 8), for the loops primed at load (see `health.ts`). */
export const PRIME_CALLS = 16;
for (let k = 0; k < PRIME_CALLS; k++) {
  logBins(Float32Array.of(0, 1), 1, GRADIENT_RANGE[0], 1, 1e-8, new Float64Array(BINS));
  const v = Float32Array.of(0, 1);
  tableBins(v, new Uint32Array(v.buffer), 1, { base: new Int32Array(256), edge1: new Float64Array(256), edge2: new Float64Array(256) }, new Float64Array(BINS));
}
