/**
 * A faster `BatchMatMul` for the wasm backend.
 *
 * tfjs's wasm `BatchMatMul` reaches XNNPACK's fast path only when neither operand is transposed;
 * with `transposeA` or `transposeB` it falls back to a scalar loop (about 2.3 GFLOP/s here). The
 * backward pass of every Dense layer asks for exactly those products (dX = dY·Wᵀ, dW = Xᵀ·dY).
 * Transposing the operand first with the wasm `Transpose` kernel and then multiplying without the
 * flags gives the same numbers (to float rounding) several times faster: see
 * `docs/performance.md` and `test/unit/kernels.test.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { loadSmallMatMul, smallMatMulChoice, wasmApi, type SmallMatMul, type WasmMemory } from './wasm/smallmm';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;

let installed = false;
/**
 * The small-matrix path's threshold (`smallPlan`), in floating-point operations (2·M·K·N): up to a
 * batch of 4,096 through a 784×300 layer. Measured (docs/performance.md): our kernels beat XNNPACK
 * at every size the lessons use, since XNNPACK packs the new weights on every call; at batch 256
 * the MLP trains 1.35× faster per CPU-second with the whole step on our kernels.
 */
export const SMALL_MATMUL_MAX_FLOPS_DEFAULT = 2 * 4096 * 784 * 300;
/**
 * The swapped matmul form (`matMulPlan`) and the small-matrix SIMD path (`smallPlan`) on or off:
 * and the fused kernels (`denseFused`, `denseStack`, `optimStep`, `blockStats`) on or off; the
 * inspection's probe pass as stacked runs (`probeStack`) and its read in place on the backend's
 * memory (`inspectInPlace`, `readViews`) on or off: for A/B measurements (bench/ab.ts,
 * bench/smallmm.ts) and tests.
 */
export const fastMatMulOptions = {
  swap: true,
  small: true,
  fusedDense: true,
  denseStack: true,
  fusedOptim: true,
  optimInPlace: true,
  fusedBatchNorm: true,
  fusedStats: true,
  probeStack: true,
  inspectInPlace: true,
  smallMaxFlops: SMALL_MATMUL_MAX_FLOPS_DEFAULT,
};
let smallMM: SmallMatMul | undefined;
let smallMMFused = false;
/** Whether the small-matrix SIMD module is loaded (after `installFastWasmMatMul`). */
export const smallMatMulLoaded = (): boolean => smallMM !== undefined;
/** Whether the loaded module is the fused multiply-add build (`wasm/smallmm.ts`'s `smallMatMulChoice`). */
export const smallMatMulFused = (): boolean => smallMMFused;
/** The loaded small-matrix SIMD module (for the fused Dense kernels, `denseFused.ts`). */
export const smallMatMulModule = (): SmallMatMul | undefined => smallMM;

/** The wasm backend's internals the small-matrix path uses. */
export interface WasmBackendInternals {
  wasm: { asm: { memory: WasmMemory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): Info;
  disposeData(id: object): void;
  /** How many tensors share a buffer (the wasm backend counts them: `Reshape` and our `Identity` share). */
  refCount(id: object): number;
  incRef(id: object): void;
}
let identityInstalled = false;

/** What a kernel of ours gets: its inputs and attributes, our module, the backend, and where a tensor lies in the backend's memory (byte offset). */
export interface OwnKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs: tf.NamedAttrMap;
  mm: SmallMatMul;
  wb: WasmBackendInternals;
  at: (t: Info) => number;
}
const ownKernels = new Set<string>();

/**
 * Register a kernel of ours (running `smallmm.wasm` against the wasm backend's memory) under
 * `name`, once: call it before each use, it returns at once after the first time.
 */
export function registerOwnKernel(name: string, f: (k: OwnKernelArgs) => Info | Info[]): void {
  if (ownKernels.has(name)) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wb = backend as unknown as WasmBackendInternals;
      return f({ inputs, attrs: attrs ?? {}, mm: smallMM!, wb, at: (t) => wb.dataIdMap.get(t.dataId)!.memoryOffset });
    },
  });
  ownKernels.add(name);
}

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
    const a = inputs.a as Info;
    const b = inputs.b as Info;
    const small = smallMM && fastMatMulOptions.small ? smallPlan(a, b, transposeA, transposeB) : undefined;
    if (small) {
      const wb = backend as unknown as WasmBackendInternals;
      const out = wb.makeOutput(small.outShape, 'float32');
      const at = (x: Info) => wb.dataIdMap.get(x.dataId)!.memoryOffset;
      if (small.form === 'nt') smallMM!.nt(at(a), at(b), at(out), small.M, small.K, small.N);
      else smallMM!.nb(at(a), small.form === 'tb', at(b), at(out), small.M, small.K, small.N);
      return out;
    }
    const plan = fastMatMulOptions.swap ? matMulPlan(a.shape, b.shape, transposeA, transposeB) : 'direct';
    if (plan === 'direct' && !transposeA && !transposeB) return matmul(args);
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
    const data = backend as unknown as { disposeData(id: object): void };
    const plain = { ...attrs, transposeA: false, transposeB: false };
    let out: Info;
    if (plan === 'direct') {
      out = matmul({ inputs: { a: transposeA ? flip(a) : a, b: transposeB ? flip(b) : b }, backend, attrs: plain }) as Info;
    } else {
      // C = op(A)·op(B) = (op(B)ᵀ·op(A)ᵀ)ᵀ, where op(X)ᵀ is X itself when X is flagged transposed.
      const bt = transposeB ? b : flip(b);
      const at = transposeA ? a : flip(a);
      const ct = matmul({ inputs: { a: bt, b: at }, backend, attrs: plain }) as Info;
      out = flip(ct);
      disposable.splice(disposable.indexOf(out), 1);
      disposable.push(ct);
    }
    for (const info of disposable) data.disposeData(info.dataId);
    return out;
  };

  const internals = tf.backend() as unknown as Partial<WasmBackendInternals>;
  const memory = internals.wasm?.asm?.memory;
  const build = smallMatMulChoice();
  smallMM = memory instanceof wasmApi.Memory && build ? loadSmallMatMul(memory, build.path) : undefined;
  smallMMFused = smallMM !== undefined && build?.fma === true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...original, kernelFunc: fast, setupFunc: undefined });
  installed = true;
  // The other fast kernel goes in with this one (backend.ts calls this function once).
  installZeroCopyWasmIdentity();
  return true;
}

/**
 * How to run C = op(A)·op(B) (M×K times K×N) on wasm, from measured costs per element: the wasm
 * `Transpose` about 0.9 ns, and XNNPACK's packing of the right operand B (done again whenever B is a
 * new tensor, which a variable is after every update) about 2.5 ns; A is read as it is.
 *   - `direct`: transpose flagged operands first, multiply without flags: packs K·N.
 *   - `swapped`: C = (op(B)ᵀ·op(A)ᵀ)ᵀ: packs op(A)ᵀ (K·M) and transposes the output (M·N);
 *     an operand flagged transposed needs no transpose at all. With a batch of 32 and a layer of
 *     300 units this avoids packing the weights: the forward x·W and the backward dY·Wᵀ.
 * Only for one matrix (batch dimension 1); batched products stay `direct`.
 */
export function matMulPlan(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): 'direct' | 'swapped' {
  const r = aShape.length;
  const batch = aShape.slice(0, -2).reduce((x, y) => x * y, 1) * bShape.slice(0, -2).reduce((x, y) => x * y, 1);
  if (batch !== 1) return 'direct';
  const M = transposeA ? aShape[r - 1] : aShape[r - 2];
  const K = transposeA ? aShape[r - 2] : aShape[r - 1];
  const N = transposeB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
  const T = 0.9;
  const P = 2.5;
  const direct = (transposeA ? T * M * K : 0) + (transposeB ? T * N * K : 0) + P * K * N;
  const swapped = (transposeB ? 0 : T * K * N) + (transposeA ? 0 : T * M * K) + P * K * M + T * M * N;
  return swapped < 0.8 * direct ? 'swapped' : 'direct';
}

/**
 * Products small enough for our SIMD kernels (`wasm/smallmm.c`), where XNNPACK's fixed cost per
 * call (creating an operator, packing the right operand: about 110 µs here) outweighs the
 * arithmetic. Only float32, one matrix (no batch of matrices), and the three forms a Dense layer
 * asks for: x·W (`nb`), xᵀ·dY (`tb`) and dY·Wᵀ (`nt`); both operands transposed stays with XNNPACK.
 */
export function smallPlan(a: Info, b: Info, transposeA: boolean, transposeB: boolean): { form: 'nb' | 'tb' | 'nt'; M: number; K: number; N: number; outShape: number[] } | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (transposeA && transposeB)) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || a.shape.slice(0, -2).some((d) => d !== 1) || b.shape.slice(0, -2).some((d) => d !== 1)) return undefined;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (M * K * N === 0 || 2 * M * K * N > fastMatMulOptions.smallMaxFlops) return undefined;
  const outer = ra >= rb ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  return { form: transposeB ? 'nt' : transposeA ? 'tb' : 'nb', M, K, N, outShape: [...outer, M, N] };
}

/** Size of the wasm backend's linear memory in bytes (it only grows), or undefined on other backends. */
export function wasmHeapBytes(): number | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.buffer.byteLength;
}


/**
 * Batch normalization in training mode for a rank-2 batch, with its gradient written out:
 *   x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ·x̂ + β;
 *   dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·r/n · (n·dy − dβ − x̂·dγ)   (sums over the batch)
 * which is what differentiating `tf.moments` + `tf.batchNorm` gives (the dependence of μ and σ² on
 * x included), in about 10 kernels instead of about 50 (tfjs's BatchNorm gradient tiles and
 * reduces several times). `mean` and `variance` are the batch's moments (the caller also uses them
 * for the moving averages); they are only read in the forward pass.
 */
export function batchNormTraining(x: tf.Tensor2D, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xx, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const r = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(xx, mean), r);
    save([xhat, r, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved;
        const n = dy.shape[0];
        const dbeta = tf.sum(dy, 0);
        const dgamma = tf.sum(tf.mul(dy, sx), 0);
        const dx = tf.mul(tf.div(tf.mul(sg, sr), n), tf.sub(tf.sub(tf.mul(dy, n), dbeta), tf.mul(sx, dgamma)));
        return [dx, dgamma, dbeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor2D;
}
