/**
 * From a dataset spec to ready-to-train arrays: the split, the class filter, the subsets and the
 * preprocessing, as the book does them (Géron, ch. 10-11):
 *
 *   - validation = the FIRST `val_size` examples of the training file (default 5,000), training =
 *     the rest (`X_valid, X_train = X_train_full[:5000], X_train_full[5000:]`). The split is made
 *     on the file, before any class filter, as the book splits and then filters for tasks A and B
 *     (so with a filter the validation set has fewer than `val_size` examples);
 *   - `classes`: keep those, relabelled 0..k-1 in the order given; `exclude_classes`: keep the
 *     others, relabelled in ascending order (task A: exclude 5 sandal and 6 shirt: 8 classes);
 *   - `binary: true` (exactly two classes kept): labels 0/1, 1 for the second class
 *     (task B: `classes: [5, 6]` gives y = 1 for shirt, as the book's `y == 6`);
 *   - `train_size`: the FIRST N training examples after the filter (deterministic, like the book's
 *     task B `X_train_B = X_train_B[:200]`), not a random subset;
 *   - `test_size`: a seeded random subset of the (filtered) test set, kept in file order;
 *   - `preprocess`: `scale` x/255; `standardize`: scale, then subtract the training set's
 *     per-feature mean and divide by its per-feature std + 1e-7 (a feature constant over the
 *     training set is divided by 1, as scikit-learn does, so that it cannot blow up in the test
 *     set), applied to validation and test with the training statistics; `none`: raw 0..255.
 *
 * Synthetic sets: `samples` examples (default 3,000 for points, 6,000 for shapes) in a seeded
 * random order; validation = the first `val_size` (default 15 %), test = the next `test_size`
 * (default 15 %), training = the rest (then `train_size` takes its first N). For point sets
 * (spirals, moons, blobs) `scale` leaves the coordinates as generated (they have no pixel range);
 * `standardize` works as above.
 */
import type { z } from 'zod';
import type { DatasetSpec } from '../../protocol/spec';
import { Stopper } from '../context';
import { Rng } from '../rng';
import { DatasetError, isRealDataset, loadRealDataset, type StoreOptions } from './store';
import { generateSynthetic, isSynthetic, SyntheticError, DEFAULT_SAMPLES } from './synthetic';

/** `n` examples: `x` row-major `n × prod(inputShape)`, `y` class indices (or 0/1 for binary). */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

export interface Prepared {
  name: string;
  inputShape: number[];
  numClasses: number;
  classNames: string[];
  train: Split;
  val: Split;
  test: Split;
  /** Labels are 0/1 targets for a single sigmoid output. */
  binary: boolean;
  /** For image datasets: row `row` of a split's `x` back to grey levels 0..255 (undoing the preprocessing). */
  pixels?: (x: Float32Array, row: number) => Uint8Array;
}

/** A dataset spec as written (defaults such as `preprocess: scale` may be missing) or as validated. */
export type DatasetSpecInput = z.input<typeof DatasetSpec>;

export interface LoadOptions extends StoreOptions {
  /** The training seed: used for subsets and synthetic data unless the spec gives its own `seed`. */
  seed: number;
}

export const DEFAULT_VAL_SIZE = 5000;
const SYNTHETIC_VAL_FRACTION = 0.15;
const SYNTHETIC_TEST_FRACTION = 0.15;
const STD_EPSILON = 1e-7;

function fail(where: string, message: string): never {
  throw new DatasetError(`${where}: ${message}`, where);
}

/** Old label → new label (−1: dropped), and the kept classes' names in the new order. */
function classMap(spec: DatasetSpecInput, numClasses: number, names: string[]): { map: Int32Array; kept: number[] } {
  const map = new Int32Array(numClasses).fill(-1);
  let kept: number[];
  if (spec.classes && spec.exclude_classes) fail('dataset.classes', 'give either `classes` or `exclude_classes`, not both');
  if (spec.classes) {
    spec.classes.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) fail(`dataset.classes[${i}]`, `class ${c} does not exist in ${spec.name} (classes 0..${numClasses - 1})`);
      if (spec.classes!.indexOf(c) !== i) fail(`dataset.classes[${i}]`, `class ${c} (${names[c]}) is listed twice`);
    });
    kept = [...spec.classes];
  } else if (spec.exclude_classes) {
    spec.exclude_classes.forEach((c, i) => {
      if (!Number.isInteger(c) || c < 0 || c >= numClasses) fail(`dataset.exclude_classes[${i}]`, `class ${c} does not exist in ${spec.name} (classes 0..${numClasses - 1})`);
    });
    kept = Array.from({ length: numClasses }, (_, c) => c).filter((c) => !spec.exclude_classes!.includes(c));
    if (kept.length < 2) fail('dataset.exclude_classes', `only ${kept.length} class${kept.length === 1 ? '' : 'es'} of ${spec.name} would be left; keep at least 2`);
  } else {
    kept = Array.from({ length: numClasses }, (_, c) => c);
  }
  kept.forEach((c, i) => (map[c] = i));
  if (spec.binary && kept.length !== 2) {
    fail('dataset.binary', `binary: true needs exactly two classes, ${spec.name} has ${kept.length} here; give \`classes: [a, b]\` (b becomes 1)`);
  }
  return { map, kept };
}

/** Indices in [from, to) whose label is kept. */
function keptIndices(labels: ArrayLike<number>, from: number, to: number, map: Int32Array): Int32Array {
  const out = new Int32Array(to - from);
  let m = 0;
  for (let i = from; i < to; i++) if (map[labels[i]] >= 0) out[m++] = i;
  return out.subarray(0, m);
}

/** A seeded random subset of `size` of the indices, kept in their original order. */
function randomSubset(idx: Int32Array, size: number, rng: Rng): Int32Array {
  if (size >= idx.length) return idx;
  const chosen = Array.from(rng.permutation(idx.length).subarray(0, size)).sort((a, b) => a - b);
  return Int32Array.from(chosen, (i) => idx[i]);
}

/** Copies the chosen rows (with a per-value lookup for bytes, or as floats) and maps the labels. */
async function gather(source: Uint8Array | Float32Array, labels: ArrayLike<number>, idx: Int32Array, dim: number, map: Int32Array, lut: Float32Array | undefined, stop?: Stopper): Promise<Split> {
  const n = idx.length;
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    const src = source.subarray(i * dim, (i + 1) * dim);
    if (lut) {
      const off = r * dim;
      for (let j = 0; j < dim; j++) x[off + j] = lut[src[j]];
    } else {
      x.set(src, r * dim);
    }
    y[r] = map[labels[i]];
    if (stop?.due()) await stop.check();
  }
  return { x, y, n };
}

/** Per-feature mean and std of the training set (float64 sums), applied to every split in place. */
export async function standardize(train: Split, others: Split[], dim: number, stop?: Stopper): Promise<{ mean: Float64Array; std: Float64Array; div: Float64Array }> {
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  const n = train.n;
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    for (let j = 0; j < dim; j++) mean[j] += train.x[off + j];
    if (stop?.due()) await stop.check();
  }
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, n);
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    for (let j = 0; j < dim; j++) {
      const d = train.x[off + j] - mean[j];
      sq[j] += d * d;
    }
    if (stop?.due()) await stop.check();
  }
  const std = new Float64Array(dim);
  const div = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    std[j] = Math.sqrt(sq[j] / Math.max(1, n));
    div[j] = std[j] > 0 ? std[j] + STD_EPSILON : 1;
  }
  for (const s of [train, ...others]) {
    for (let r = 0; r < s.n; r++) {
      const off = r * dim;
      for (let j = 0; j < dim; j++) s.x[off + j] = (s.x[off + j] - mean[j]) / div[j];
      if (stop?.due()) await stop.check();
    }
  }
  return { mean, std, div };
}

/** Reads a preprocessed image row back as grey levels: the inverse of `scale` (and of `standardize` with its statistics). */
function pixelReader(dim: number, preprocess: string, stats?: { mean: Float64Array; div: Float64Array }): (x: Float32Array, row: number) => Uint8Array {
  const scale = preprocess === 'none' ? 1 : 255;
  return (x, row) => {
    const out = new Uint8Array(dim);
    for (let j = 0; j < dim; j++) {
      const v = x[row * dim + j];
      out[j] = Math.round(Math.min(255, Math.max(0, (stats ? v * stats.div[j] + stats.mean[j] : v) * scale)));
    }
    return out;
  };
}

/** Whole pixel values as bytes (as the IDX files hold them), copied a row at a time. */
async function toBytes(x: Float32Array, dim: number, stop?: Stopper): Promise<Uint8Array> {
  const out = new Uint8Array(x.length);
  for (let off = 0; off < x.length; off += dim) {
    out.set(x.subarray(off, off + dim), off);
    if (stop?.due()) await stop.check();
  }
  return out;
}

function scaleLut(preprocess: string): Float32Array | undefined {
  if (preprocess === 'none') {
    return Float32Array.from({ length: 256 }, (_, v) => v);
  }
  return Float32Array.from({ length: 256 }, (_, v) => v / 255);
}

function takeFirst(idx: Int32Array, spec: DatasetSpecInput): Int32Array {
  if (spec.train_size === undefined) return idx;
  if (spec.train_size > idx.length) {
    fail('dataset.train_size', `${spec.train_size} training examples asked, only ${idx.length} are left after the validation split${spec.classes || spec.exclude_classes ? ' and the class filter' : ''}`);
  }
  return idx.subarray(0, spec.train_size);
}

/** Loads (or generates) a dataset and prepares its training, validation and test splits. */
export async function loadDataset(spec: DatasetSpecInput, opts: LoadOptions): Promise<Prepared> {
  const seed = spec.seed ?? opts.seed;
  // Decoding, generating and standardizing give the event loop a turn every 25 ms (a stop must end
  // the run within 250 ms even while a 100,000-image synthetic set is drawn).
  const stop = opts.signal ? new Stopper(opts.signal) : undefined;
  const preprocess = spec.preprocess ?? 'scale';
  if (isRealDataset(spec.name)) {
    for (const field of ['samples', 'noise', 'features', 'num_classes'] as const) {
      if (spec[field] !== undefined) {
        fail(`dataset.${field}`, `${spec.name} is a fixed dataset; \`${field}\` is for the synthetic sets${field === 'samples' ? ' (to train on fewer examples, use `train_size`)' : ''}`);
      }
    }
    const raw = await loadRealDataset(spec.name, opts);
    const dim = raw.rows * raw.cols;
    const numTrainFile = raw.trainLabels.length;
    const valSize = spec.val_size ?? DEFAULT_VAL_SIZE;
    if (valSize >= numTrainFile) fail('dataset.val_size', `${valSize} is not less than the ${numTrainFile} examples of the training file; leave some for training`);
    const { map, kept } = classMap(spec, raw.numClasses, raw.classNames);
    const valIdx = keptIndices(raw.trainLabels, 0, valSize, map);
    const trainIdx = takeFirst(keptIndices(raw.trainLabels, valSize, numTrainFile, map), spec);
    let testIdx = keptIndices(raw.testLabels, 0, raw.testLabels.length, map);
    if (spec.test_size !== undefined) {
      if (spec.test_size > testIdx.length) fail('dataset.test_size', `${spec.test_size} test examples asked, the test set has ${testIdx.length}${spec.classes || spec.exclude_classes ? ' after the class filter' : ''}`);
      testIdx = randomSubset(testIdx, spec.test_size, new Rng(seed).fork(0x7e57));
    }
    const lut = scaleLut(preprocess);
    const train = await gather(raw.trainImages, raw.trainLabels, trainIdx, dim, map, lut, stop);
    const val = await gather(raw.trainImages, raw.trainLabels, valIdx, dim, map, lut, stop);
    const test = await gather(raw.testImages, raw.testLabels, testIdx, dim, map, lut, stop);
    const stats = preprocess === 'standardize' ? await standardize(train, [val, test], dim, stop) : undefined;
    const pixels = pixelReader(dim, preprocess, stats);
    return { name: spec.name, inputShape: [raw.rows, raw.cols], numClasses: kept.length, classNames: kept.map((c) => raw.classNames[c]), train, val, test, binary: spec.binary === true, pixels };
  }
  if (isSynthetic(spec.name)) {
    if (spec.features !== undefined && spec.name !== 'blobs') fail('dataset.features', `\`features\` is for blobs; ${spec.name} has a fixed input shape`);
    let data;
    try {
      data = await generateSynthetic(spec.name, { seed, samples: spec.samples, noise: spec.noise, features: spec.features, numClasses: spec.num_classes }, stop);
    } catch (e) {
      if (e instanceof SyntheticError) throw new DatasetError(e.message, e.where);
      throw e;
    }
    const n = data.n;
    const samplesWhere = spec.samples !== undefined ? 'dataset.samples' : `dataset.samples (default ${DEFAULT_SAMPLES[spec.name]})`;
    const valSize = spec.val_size ?? Math.round(SYNTHETIC_VAL_FRACTION * n);
    const testSize = spec.test_size ?? Math.round(SYNTHETIC_TEST_FRACTION * n);
    if (valSize + testSize >= n) fail(spec.val_size !== undefined ? 'dataset.val_size' : spec.test_size !== undefined ? 'dataset.test_size' : 'dataset.samples', `validation (${valSize}) and test (${testSize}) leave no training example out of ${n} (${samplesWhere})`);
    const dim = data.inputShape.reduce((a, b) => a * b, 1);
    const { map, kept } = classMap(spec, data.numClasses, data.classNames);
    const valIdx = keptIndices(data.y, 0, valSize, map);
    const testIdx = keptIndices(data.y, valSize, valSize + testSize, map);
    const trainIdx = takeFirst(keptIndices(data.y, valSize + testSize, n, map), spec);
    // Pixels take the same scaling as the real images; points are used as generated.
    let lut: Float32Array | undefined;
    let source: Uint8Array | Float32Array = data.x;
    if (data.pixels) {
      source = await toBytes(data.x, dim, stop);
      lut = scaleLut(preprocess);
    }
    const train = await gather(source, data.y, trainIdx, dim, map, lut, stop);
    const val = await gather(source, data.y, valIdx, dim, map, lut, stop);
    const test = await gather(source, data.y, testIdx, dim, map, lut, stop);
    const stats = preprocess === 'standardize' ? await standardize(train, [val, test], dim, stop) : undefined;
    const pixels = data.pixels ? pixelReader(dim, preprocess, stats) : undefined;
    return { name: spec.name, inputShape: data.inputShape, numClasses: kept.length, classNames: kept.map((c) => data.classNames[c]), train, val, test, binary: spec.binary === true, ...(pixels ? { pixels } : {}) };
  }
  return fail('dataset.name', `unknown dataset "${String(spec.name)}"`);
}
