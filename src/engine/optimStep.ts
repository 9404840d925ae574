/**
 * The optimizers' updates as one wasm kernel per variable (`wasm/smallmm.c`, `optim_step`): the
 * new θ and the new slots in one call, the hyperparameters passed as numbers. tfjs's ops make 4
 * to 14 kernels and a scalar tensor per hyperparameter per variable and step (SGD 3, Adam 14,
 * Nadam 17 calls). The formulas are those of `optim/optimizers.ts`, computed in the same order
 * with the same float32 operations, so the numbers are the same to the bit
 * (`test/unit/optimStep.test.ts`). Undefined where it does not apply (another backend, the module
 * missing, not float32, the switch off): the caller then uses tfjs's ops.
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions, smallMatMulModule, type WasmBackendInternals } from './kernels';
import type { OptimKind } from './wasm/smallmm';

const KERNEL = 'DeepLessonsOptimStep';
let registered = false;

/** How many slots each kind reads and writes. */
const SLOTS: Record<OptimKind, 0 | 1 | 2> = { sgd: 0, momentum: 1, nesterov: 1, adagrad: 1, rmsprop: 1, rmsprop_momentum: 2, adam: 2, adamax: 2, nadam: 2 };

function register(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wb = backend as unknown as WasmBackendInternals;
      const { v, g, a, b } = inputs as { v: tf.TensorInfo; g: tf.TensorInfo; a?: tf.TensorInfo; b?: tf.TensorInfo };
      const { kind, params } = attrs as unknown as { kind: OptimKind; params: number[] };
      const at = (t: tf.TensorInfo | undefined) => (t ? wb.dataIdMap.get(t.dataId)!.memoryOffset : undefined);
      const outs = [v, a, b].filter((t) => t !== undefined).map(() => wb.makeOutput(v.shape, 'float32'));
      smallMatMulModule()!.optimStep(kind, { v: at(v)!, g: at(g)!, a: at(a), b: at(b), ov: at(outs[0])!, oa: at(outs[1]), ob: at(outs[2]) }, tf.util.sizeFromShape(v.shape), params);
      return outs;
    },
  });
  registered = true;
}

/**
 * One update: `slots` are the optimizer's slot values before the step (as many as the kind has),
 * `params` the hyperparameters in the order `smallmm.c`'s `optim4` documents. Returns the new θ
 * and the new slots (tensors to `assign`), or undefined (then compute it with tfjs's ops).
 */
export function optimStep(kind: OptimKind, v: tf.Tensor, g: tf.Tensor, slots: readonly tf.Tensor[], params: readonly number[]): { value: tf.Tensor; slots: tf.Tensor[] } | undefined {
  if (!fastMatMulOptions.fusedOptim || !smallMatMulModule() || tf.getBackend() !== 'wasm') return undefined;
  if (slots.length !== SLOTS[kind] || params.length > 9) throw new Error(`optimStep ${kind}: ${slots.length} slots and ${params.length} parameters`);
  const all = [v, g, ...slots];
  if (all.some((t) => t.dtype !== 'float32' || t.size !== v.size)) return undefined;
  register();
  const inputs: tf.NamedTensorMap = { v, g };
  if (slots[0]) inputs.a = slots[0];
  if (slots[1]) inputs.b = slots[1];
  const [value, ...rest] = tf.engine().runKernel(KERNEL, inputs, { kind, params: [...params] } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return { value, slots: rest };
}
