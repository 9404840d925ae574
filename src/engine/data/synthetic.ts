/**
 * Synthetic datasets that need no network, seeded (same seed, same bytes):
 *   - `spirals`: k interleaved spiral arms in 2-D (default 2);
 *   - `moons`: two interleaving half circles in 2-D;
 *   - `blobs`: k Gaussian clusters in n dimensions (default 3 clusters, 2 features);
 *   - `shapes`: 28×28 grayscale images of 10 drawn shapes at random positions, sizes,
 *     stroke thicknesses and ink levels, with pixel noise: an offline stand-in for Fashion-MNIST.
 * Classes are balanced (they differ by at most one example) and the examples come in a seeded
 * random order. Shapes are pixel values 0..255 (whole numbers, like the IDX files), so that the
 * same preprocessing applies to them as to the real images; points are coordinates of order 1.
 */
import type { Stopper } from '../context';
import { Rng } from '../rng';

export type SyntheticName = 'spirals' | 'moons' | 'blobs' | 'shapes';
export const SYNTHETIC_DATASETS: readonly SyntheticName[] = ['spirals', 'moons', 'blobs', 'shapes'];

export function isSynthetic(name: string): name is SyntheticName {
  return (SYNTHETIC_DATASETS as readonly string[]).includes(name);
}

export interface SyntheticOptions {
  seed: number;
  /** Examples in all (default 3,000 for the 2-D sets, 6,000 for shapes). */
  samples?: number;
  /** Noise: coordinate noise (spirals 0.05, moons 0.1), cluster spread (blobs 1.0), pixel noise as a fraction of full scale (shapes 0.1). */
  noise?: number;
  /** Blobs: number of features (default 2). */
  features?: number;
  /** Spirals (default 2), blobs (default 3) and shapes (default 10, at most 10). */
  numClasses?: number;
}

export interface SyntheticData {
  name: SyntheticName;
  /** Row-major, `n × prod(inputShape)`. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  /** True for images with pixel values 0..255. */
  pixels: boolean;
}

export const DEFAULT_SAMPLES: Record<SyntheticName, number> = { spirals: 3000, moons: 3000, blobs: 3000, shapes: 6000 };

export const SHAPE_NAMES = ['circle', 'square', 'triangle', 'cross', 'horizontal bar', 'vertical bar', 'ring', 'diagonal', 'X', 'dot grid'] as const;

/** Thrown for options that make no sense; `where` names the spec field. */
export class SyntheticError extends Error {
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
    this.name = 'SyntheticError';
  }
}

/** Balanced labels (i mod k) in a seeded random order. */
function balancedLabels(n: number, k: number, rng: Rng): Int32Array {
  const perm = rng.permutation(n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = perm[i] % k;
  return y;
}

function checkClasses(name: SyntheticName, k: number, max = Infinity): void {
  if (!Number.isInteger(k) || k < 2) throw new SyntheticError(`dataset.num_classes: ${name} needs at least 2 classes, got ${k}`, 'dataset.num_classes');
  if (k > max) throw new SyntheticError(`dataset.num_classes: ${name} has at most ${max} classes, got ${k}`, 'dataset.num_classes');
}

export function spirals(opts: SyntheticOptions): SyntheticData {
  const n = opts.samples ?? DEFAULT_SAMPLES.spirals;
  const k = opts.numClasses ?? 2;
  checkClasses('spirals', k);
  const noise = opts.noise ?? 0.05;
  const root = new Rng(opts.seed);
  const y = balancedLabels(n, k, root.fork(1));
  const rng = root.fork(2);
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    // Radius grows along the arm (t in [0, 1]); 1.5 turns; arm c starts at angle 2πc/k.
    const t = rng.next();
    const angle = (2 * Math.PI * y[i]) / k + 3 * Math.PI * t;
    x[2 * i] = t * Math.cos(angle) + noise * rng.normal();
    x[2 * i + 1] = t * Math.sin(angle) + noise * rng.normal();
  }
  return { name: 'spirals', x, y, n, inputShape: [2], numClasses: k, classNames: Array.from({ length: k }, (_, c) => `arm ${c}`), pixels: false };
}

export function moons(opts: SyntheticOptions): SyntheticData {
  const n = opts.samples ?? DEFAULT_SAMPLES.moons;
  if (opts.numClasses !== undefined && opts.numClasses !== 2) throw new SyntheticError(`dataset.num_classes: moons has exactly 2 classes, got ${opts.numClasses}`, 'dataset.num_classes');
  const noise = opts.noise ?? 0.1;
  const root = new Rng(opts.seed);
  const y = balancedLabels(n, 2, root.fork(1));
  const rng = root.fork(2);
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const th = Math.PI * rng.next();
    // Upper moon: (cos θ, sin θ); lower moon: (1 − cos θ, 0.5 − sin θ); both shifted to centre on 0.
    const px = y[i] === 0 ? Math.cos(th) : 1 - Math.cos(th);
    const py = y[i] === 0 ? Math.sin(th) : 0.5 - Math.sin(th);
    x[2 * i] = px - 0.5 + noise * rng.normal();
    x[2 * i + 1] = py - 0.25 + noise * rng.normal();
  }
  return { name: 'moons', x, y, n, inputShape: [2], numClasses: 2, classNames: ['upper moon', 'lower moon'], pixels: false };
}

export async function blobs(opts: SyntheticOptions, stop?: Stopper): Promise<SyntheticData> {
  const n = opts.samples ?? DEFAULT_SAMPLES.blobs;
  const k = opts.numClasses ?? 3;
  checkClasses('blobs', k);
  const d = opts.features ?? 2;
  if (!Number.isInteger(d) || d < 1) throw new SyntheticError(`dataset.features: blobs needs at least 1 feature, got ${d}`, 'dataset.features');
  const spread = opts.noise ?? 1;
  const root = new Rng(opts.seed);
  // Centres uniform in [−5, 5]^d, redrawn (a few times) when closer than 4 to an earlier one.
  const cr = root.fork(3);
  const centres: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    let best = new Float64Array(d);
    let bestGap = -1;
    for (let attempt = 0; attempt < 50; attempt++) {
      const cand = new Float64Array(d);
      for (let j = 0; j < d; j++) cand[j] = -5 + 10 * cr.next();
      let gap = Infinity;
      for (const o of centres) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (cand[j] - o[j]) ** 2;
        gap = Math.min(gap, Math.sqrt(s));
      }
      if (gap > bestGap) {
        best = cand;
        bestGap = gap;
      }
      if (gap >= 4) break;
    }
    centres.push(best);
  }
  const y = balancedLabels(n, k, root.fork(1));
  const rng = root.fork(2);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[y[i]];
    for (let j = 0; j < d; j++) x[i * d + j] = c[j] + spread * rng.normal();
    if (stop?.due()) await stop.check();
  }
  return { name: 'blobs', x, y, n, inputShape: [d], numClasses: k, classNames: Array.from({ length: k }, (_, c) => `blob ${c}`), pixels: false };
}

// ---------------------------------------------------------------- shapes

const SIZE = 28;

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / len2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = px - ax - t * dx;
  const ey = py - ay - t * dy;
  return Math.sqrt(ex * ex + ey * ey);
}

/** Signed distance to the triangle a, b, c (negative inside). */
function triangleSd(px: number, py: number, ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const d = Math.min(segDist(px, py, ax, ay, bx, by), segDist(px, py, bx, by, cx, cy), segDist(px, py, cx, cy, ax, ay));
  const s1 = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
  const s2 = (cx - bx) * (py - by) - (cy - by) * (px - bx);
  const s3 = (ax - cx) * (py - cy) - (ay - cy) * (px - cx);
  const inside = (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  return inside ? -d : d;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Parameters of one drawn shape. */
export interface ShapeParams {
  cx: number;
  cy: number;
  /** Half-extent in pixels. */
  size: number;
  /** Stroke width in pixels. */
  thickness: number;
  /** Ink level in (0, 1]. */
  ink: number;
  /** Diagonal: true for "\\", false for "/". */
  flip: boolean;
}

/**
 * Coverage in [0, 1] of the point (px, py) by shape `kind` (an index into SHAPE_NAMES): 1 inside,
 * 0 outside, anti-aliased over about one pixel at the edges. Strokes are `thickness` wide.
 */
export function shapeCoverage(kind: number, p: ShapeParams, px: number, py: number): number {
  const cx = p.cx;
  const cy = p.cy;
  const s = p.size;
  const half = p.thickness / 2 + 0.5; // stroke coverage: clamp01(half − distance)
  const dx = px - cx;
  const dy = py - cy;
  switch (kind) {
    case 0: // circle (filled disk)
      return clamp01(0.5 - (Math.sqrt(dx * dx + dy * dy) - s));
    case 1: {
      // square (outline)
      const qx = Math.abs(dx) - s;
      const qy = Math.abs(dy) - s;
      const ox = qx > 0 ? qx : 0;
      const oy = qy > 0 ? qy : 0;
      const sd = Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0);
      return clamp01(half - Math.abs(sd));
    }
    case 2: // triangle (filled, pointing up)
      return clamp01(0.5 - triangleSd(px, py, cx, cy - s, cx + s, cy + 0.8 * s, cx - s, cy + 0.8 * s));
    case 3: // cross (+)
      return clamp01(half - Math.min(segDist(px, py, cx - s, cy, cx + s, cy), segDist(px, py, cx, cy - s, cx, cy + s)));
    case 4: // horizontal bar (thick)
      return clamp01(0.5 - (segDist(px, py, cx - s, cy, cx + s, cy) - (p.thickness + 1)));
    case 5: // vertical bar (thick)
      return clamp01(0.5 - (segDist(px, py, cx, cy - s, cx, cy + s) - (p.thickness + 1)));
    case 6: // ring (circle outline)
      return clamp01(half - Math.abs(Math.sqrt(dx * dx + dy * dy) - s));
    case 7: // diagonal (one stroke, "\\" or "/")
      return clamp01(half - (p.flip ? segDist(px, py, cx - s, cy - s, cx + s, cy + s) : segDist(px, py, cx - s, cy + s, cx + s, cy - s)));
    case 8: // X
      return clamp01(half - Math.min(segDist(px, py, cx - s, cy - s, cx + s, cy + s), segDist(px, py, cx - s, cy + s, cx + s, cy - s)));
    case 9: {
      // dot grid (3 × 3 dots)
      const r = Math.max(1, 0.6 * p.thickness);
      // The nearest dot centre, per axis.
      const ax = dx < -s / 2 ? -s : dx > s / 2 ? s : 0;
      const ay = dy < -s / 2 ? -s : dy > s / 2 ? s : 0;
      const ex = dx - ax;
      const ey = dy - ay;
      return clamp01(0.5 - (Math.sqrt(ex * ex + ey * ey) - r));
    }
    default:
      throw new Error(`no shape ${kind}`);
  }
}

/** Standard normal draws, two per Box-Muller step. */
class Gaussian {
  private spare = 0;
  private has = false;
  constructor(private readonly rng: Rng) {}
  next(): number {
    if (this.has) {
      this.has = false;
      return this.spare;
    }
    let u = 0;
    while (u === 0) u = this.rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.rng.next();
    this.spare = r * Math.sin(a);
    this.has = true;
    return r * Math.cos(a);
  }
}

/**
 * Draws one 28×28 shape as pixel values 0..255 (whole numbers) into `out` at `offset`: ink ×
 * coverage, plus Gaussian pixel noise of std `noise` × 255 drawn from `gauss`, clipped to 0..255.
 */
function drawInto(kind: number, p: ShapeParams, noise: number, gauss: Gaussian | undefined, out: Float32Array, offset: number): void {
  // Only pixels near the shape can be covered (extent + stroke + anti-aliasing).
  const reach = p.size + p.thickness + 2.5;
  const r0 = Math.max(0, Math.floor(p.cy - reach));
  const r1 = Math.min(SIZE - 1, Math.ceil(p.cy + reach));
  const c0 = Math.max(0, Math.floor(p.cx - reach));
  const c1 = Math.min(SIZE - 1, Math.ceil(p.cx + reach));
  for (let r = 0; r < SIZE; r++) {
    for (let c = 0; c < SIZE; c++) {
      const cover = r >= r0 && r <= r1 && c >= c0 && c <= c1 ? shapeCoverage(kind, p, c + 0.5, r + 0.5) : 0;
      let v = 255 * p.ink * cover;
      if (gauss) v += 255 * noise * gauss.next();
      out[offset + r * SIZE + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
}

/** One 28×28 image of shape `kind` (pixel values 0..255), e.g. for a lesson's illustration. */
export function drawShape(kind: number, p: ShapeParams, noise = 0, seed = 0): Float32Array {
  const out = new Float32Array(SIZE * SIZE);
  drawInto(kind, p, noise, noise > 0 ? new Gaussian(new Rng(seed)) : undefined, out, 0);
  return out;
}

export async function shapes(opts: SyntheticOptions, stop?: Stopper): Promise<SyntheticData> {
  const n = opts.samples ?? DEFAULT_SAMPLES.shapes;
  const k = opts.numClasses ?? SHAPE_NAMES.length;
  checkClasses('shapes', k, SHAPE_NAMES.length);
  const noise = opts.noise ?? 0.1;
  const root = new Rng(opts.seed);
  const y = balancedLabels(n, k, root.fork(1));
  const rng = root.fork(2);
  const gauss = noise > 0 ? new Gaussian(root.fork(3)) : undefined;
  const x = new Float32Array(n * SIZE * SIZE);
  for (let i = 0; i < n; i++) {
    const size = 5 + 6 * rng.next(); // half-extent 5..11 px
    const margin = size + 2;
    const p: ShapeParams = {
      size,
      cx: margin + (SIZE - 2 * margin) * rng.next(),
      cy: margin + (SIZE - 2 * margin) * rng.next(),
      thickness: 1.5 + 2 * rng.next(),
      ink: 0.6 + 0.4 * rng.next(),
      flip: rng.next() < 0.5,
    };
    drawInto(y[i], p, noise, gauss, x, i * SIZE * SIZE);
    if (stop?.due()) await stop.check();
  }
  return { name: 'shapes', x, y, n, inputShape: [SIZE, SIZE], numClasses: k, classNames: SHAPE_NAMES.slice(0, k), pixels: true };
}

/**
 * Generates a synthetic set. The two that can be large (blobs with many features, shapes: about
 * 70 µs an image) give the event loop a turn through `stop` and end with `Cancelled` when stopped;
 * spirals and moons take under 40 ms at the 100,000-sample limit.
 */
export async function generateSynthetic(name: SyntheticName, opts: SyntheticOptions, stop?: Stopper): Promise<SyntheticData> {
  switch (name) {
    case 'spirals':
      return spirals(opts);
    case 'moons':
      return moons(opts);
    case 'blobs':
      return blobs(opts, stop);
    case 'shapes':
      return shapes(opts, stop);
    default: {
      const never: never = name;
      throw new Error(`unknown synthetic dataset ${String(never)}`);
    }
  }
}
