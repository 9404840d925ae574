/**
 * A faster `BatchMatMul` for the wasm backend.
 *
 * tfjs's wasm `BatchMatMul` reaches XNNPACK's fast path only when neither operand is transposed;
 * with `transposeA` or `transposeB` it falls back to a scalar loop (about 2.3 GFLOP/s here). The
 * backward pass of every Dense layer asks for exactly those products (dX = dY·Wᵀ, dW = Xᵀ·dY).
 * Transposing the operand first with the wasm `Transpose` kernel and then multiplying without the
 * flags gives the same numbers (to float rounding) several times faster: see
 * `../shared/design/PERFORMANCE.md` and `test/unit/kernels.test.ts`.
 */
import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;

let installed = false;
let identityInstalled = false;

/**
 * A zero-copy `Identity` for the wasm backend. tfjs's wasm Identity copies the whole buffer, and
 * the engine calls it for every tensor a gradient needs to keep (`saveTensorsForBackwardMode`
 * clones the inputs of each recorded kernel: both operands of every matmul, the weights
 * included), about 20 copies per training step of the MLP. Tensors are immutable and the wasm
 * backend counts references per buffer (its `Reshape` already shares buffers this way, as the cpu
 * backend's Identity does), so the clone can share the buffer. Call after the backend is ready.
 */
export function installZeroCopyWasmIdentity(): boolean {
  if (identityInstalled) return true;
  const original = tf.getKernel('Identity', 'wasm');
  if (!original) return false;
  const copy = original.kernelFunc;
  const share: KernelFunc = (args) => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return copy(args);
    const backend = args.backend as unknown as { incRef(id: object): void };
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: share, setupFunc: undefined });
  identityInstalled = true;
  return true;
}

/**
 * Replace the wasm backend's BatchMatMul with the transpose-first version, and its Identity with
 * the zero-copy one (below). Call after the backend is ready.
 */
export function installFastWasmMatMul(): boolean {
  if (installed) return true;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return false;
  const matmul = original.kernelFunc;
  const transposeFunc = transpose.kernelFunc;

  const fast: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return matmul(args);
    const disposable: Info[] = [];
    const flip = (x: Info): Info => {
      const rank = x.shape.length;
      const perm = Array.from({ length: rank }, (_, i) => i);
      perm[rank - 2] = rank - 1;
      perm[rank - 1] = rank - 2;
      const out = transposeFunc({ inputs: { x }, backend, attrs: { perm } }) as Info;
      disposable.push(out);
      return out;
    };
    const a = transposeA ? flip(inputs.a as Info) : (inputs.a as Info);
    const b = transposeB ? flip(inputs.b as Info) : (inputs.b as Info);
    const out = matmul({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    const data = backend as unknown as { disposeData(id: object): void };
    for (const info of disposable) data.disposeData(info.dataId);
    return out;
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: fast, setupFunc: undefined });
  installed = true;
  // The other fast kernel goes in with this one (backend.ts calls this function once).
  installZeroCopyWasmIdentity();
  return true;
}

/** Size of the wasm backend's linear memory in bytes (it only grows), or undefined on other backends. */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength;
}
