/**
 * The optimizers' updates on wasm: every variable of a step in one tfjs kernel, each variable one
 * call of `optim_step` (`wasm/smallmm.c`): the new θ and the new slots, the hyperparameters
 * passed as numbers. tfjs's ops make 4 to 17 kernels, a scalar tensor per hyperparameter and a
 * tidy scope per variable and step (Adam 14 kernels, Nadam 17; the 100-layer net has 200
 * variables). The formulas are those of `optim/optimizers.ts`, computed in the same order with
 * the same float32 operations, so the numbers are the same to the bit
 * (`test/unit/optimStep.test.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, registerOwnKernel, smallMatMulModule, type OwnKernelArgs } from './kernels';
import type { OptimKind } from './wasm/smallmm';

const KERNEL = 'DeepLessonsOptimSteps';

/** How many slots each kind reads and writes. */
const SLOTS: Record<OptimKind, 0 | 1 | 2> = { sgd: 0, momentum: 1, nesterov: 1, adagrad: 1, rmsprop: 1, rmsprop_momentum: 2, adam: 2, adamax: 2, nadam: 2 };

/** One variable's update: θ, its gradient, its slots before the step, the kind and its hyperparameters (`optim4`'s order in smallmm.c). */
export interface OptimItem {
  v: tf.Tensor;
  g: tf.Tensor;
  slots: readonly tf.Tensor[];
  kind: OptimKind;
  params: readonly number[];
}

interface Attrs {
  kinds: OptimKind[];
  params: number[][];
  inPlace: boolean;
}

/**
 * Where the new value of `t` goes: `t`'s own buffer when nothing else shares it (the variable or
 * slot alone holds it, so the old value is never read again: the update reads each element before
 * writing it), else a fresh one. Writing in place saves allocating and filling a second copy of
 * every parameter per step (1.25 M for the 100-layer net); the output shares the buffer as the
 * zero-copy `Identity` does, and `assign` then hands it back to the variable.
 */
function outputFor(t: tf.TensorInfo, wb: OwnKernelArgs['wb'], inPlace: boolean): tf.TensorInfo {
  if (inPlace && wb.refCount(t.dataId) === 1) {
    wb.incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  }
  return wb.makeOutput(t.shape, 'float32');
}

// Inputs v{i}, g{i}, a{i}, b{i}; outputs, per variable in order: the new θ, then its new slots.
function stepsKernel({ inputs, attrs, mm, wb, at }: OwnKernelArgs): tf.TensorInfo[] {
  const { kinds, params, inPlace } = attrs as unknown as Attrs;
  const where = (t: tf.TensorInfo | undefined) => (t ? at(t) : undefined);
  const outs: tf.TensorInfo[] = [];
  kinds.forEach((kind, i) => {
    const [v, g, a, b] = ['v', 'g', 'a', 'b'].map((k) => inputs[`${k}${i}`]);
    const o = [v, a, b].filter((t) => t !== undefined).map((t) => outputFor(t!, wb, inPlace));
    mm.optimStep(kind, { v: at(v!), g: at(g!), a: where(a), b: where(b), ov: at(o[0]), oa: where(o[1]), ob: where(o[2]) }, tf.util.sizeFromShape(v!.shape), params[i]);
    outs.push(...o);
  });
  return outs;
}

/** Whether the kernel can take these tensors (the variables, gradients and slots of a step). */
export function canOptimStep(tensors: readonly tf.Tensor[]): boolean {
  return fastMatMulOptions.fusedOptim && smallMatMulModule() !== undefined && tf.getBackend() === 'wasm' && tensors.every((t) => t.dtype === 'float32');
}

/**
 * Every item's update in one kernel: per item the new θ and the new slots (tensors to `assign`),
 * or undefined where the kernel does not apply (then compute them with tfjs's ops). `inPlace`:
 * the caller assigns every result to its variable or slot and never reads their old values, so
 * a buffer nothing else shares may take its new value in place (`fastMatMulOptions.optimInPlace`).
 */
export function optimSteps(items: readonly OptimItem[], { inPlace = false } = {}): { value: tf.Tensor; slots: tf.Tensor[] }[] | undefined {
  if (!canOptimStep(items.flatMap((it) => [it.v, it.g, ...it.slots]))) return undefined;
  const inputs: tf.NamedTensorMap = {};
  items.forEach((it, i) => {
    if (it.slots.length !== SLOTS[it.kind] || it.params.length > 9) throw new Error(`optimSteps ${it.kind}: ${it.slots.length} slots and ${it.params.length} parameters`);
    if ([it.g, ...it.slots].some((t) => t.size !== it.v.size)) throw new Error(`optimSteps ${it.kind}: sizes differ from the variable's ${it.v.size}`);
    inputs[`v${i}`] = it.v;
    inputs[`g${i}`] = it.g;
    if (it.slots[0]) inputs[`a${i}`] = it.slots[0];
    if (it.slots[1]) inputs[`b${i}`] = it.slots[1];
  });
  registerOwnKernel(KERNEL, stepsKernel);
  const attrs: Attrs = { kinds: items.map((it) => it.kind), params: items.map((it) => [...it.params]), inPlace: inPlace && fastMatMulOptions.optimInPlace };
  const outs = tf.engine().runKernel(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  let k = 0;
  return items.map((it) => ({ value: outs[k++], slots: it.slots.map(() => outs[k++]) }));
}

/** One variable's update (see `optimSteps`). */
export function optimStep(kind: OptimKind, v: tf.Tensor, g: tf.Tensor, slots: readonly tf.Tensor[], params: readonly number[]): { value: tf.Tensor; slots: tf.Tensor[] } | undefined {
  return optimSteps([{ kind, v, g, slots, params }])?.[0];
}
