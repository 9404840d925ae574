/**
 * The small-matrix products of `smallmm.c` (WebAssembly SIMD), run inside the wasm backend's own
 * memory: the module imports the backend's `WebAssembly.Memory`, reads the operands where the
 * backend keeps them and writes into an output tensor the backend allocated. `kernels.ts` sends
 * it the products under `fastMatMulOptions.smallMaxFlops` (see `smallPlan`); larger ones go to XNNPACK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

/** The parts of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const SMALL_MM_FILE = 'smallmm.wasm';
/** The same module with relaxed SIMD's fused multiply-add in the matrix products (`-DSMALLMM_FMA`). */
export const SMALL_MM_FMA_FILE = 'smallmm-fma.wasm';

/** Beside the bundle (dist/, copied by scripts/build.mjs) or beside this source file (tsx). */
export function smallMatMulPath(file = SMALL_MM_FILE): string | undefined {
  return [join(__dirname, file), join(__dirname, 'wasm', file)].find((p) => existsSync(p));
}

/**
 * Which build to load: the fused multiply-add one when the runtime runs relaxed SIMD, else the
 * plain one. V8 ships relaxed SIMD from 11.4 (Node 22, Electron 25 and later, so VS Code's own
 * runtime); Node 20 has it behind `--experimental-wasm-relaxed-simd`, which is turned on here
 * before the module is compiled (it only enables an instruction set). `DEEP_LESSONS_FMA=0` keeps
 * the plain build (to compare the two, or for bit-identical runs across machines: relaxed SIMD
 * rounds once where FMA hardware exists and twice where it does not).
 */
export function smallMatMulChoice(env: NodeJS.ProcessEnv = process.env): { path: string; fma: boolean } | undefined {
  const plain = smallMatMulPath();
  const fma = env.DEEP_LESSONS_FMA === '0' ? undefined : smallMatMulPath(SMALL_MM_FMA_FILE);
  if (fma) {
    const bytes = readFileSync(fma);
    if (!wasmApi.validate(bytes)) {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
      } catch {
        // A runtime without the flag: the plain build below.
      }
    }
    if (wasmApi.validate(bytes)) return { path: fma, fma: true };
  }
  return plain ? { path: plain, fma: false } : undefined;
}

export interface SmallMatMul {
  /** C[M×N] = op(A)·B (B stored K×N): A·B with A stored M×K, or Aᵀ·B with A stored K×M (`transposeA`). Byte offsets. */
  nb(a: number, transposeA: boolean, b: number, c: number, M: number, K: number, N: number): void;
  /** C[M×N] = A·Bᵀ, A stored M×K, B stored N×K. Byte offsets. */
  nt(a: number, b: number, c: number, M: number, K: number, N: number): void;
  /** Y[M×N] = act(X[M×K]·W[K×N] + b); `b` undefined for no bias. Byte offsets. */
  denseForward(x: number, w: number, b: number | undefined, y: number, M: number, K: number, N: number, act: FusedActivation): void;
  /** dZ = dY ⊙ act′(Y) (into the scratch `dz`), dW = Xᵀ·dZ, db = Σ dZ, dX = dZ·Wᵀ; `db`, `dx` undefined to skip them. */
  denseBackward(p: { dy: number; x: number; w: number; y: number; dz: number; dx?: number; dw: number; db?: number }, M: number, K: number, N: number, act: FusedActivation): void;
  /** One optimizer's update over `count` float32 values: new θ into `ov`, new slots into `oa`, `ob` (absent for fewer slots). Byte offsets; `params` as `optim4` in smallmm.c orders them. */
  optimStep(kind: OptimKind, p: { v: number; g: number; a?: number; b?: number; ov: number; oa?: number; ob?: number }, count: number, params: readonly number[]): void;
  /** Batch norm's training forward over X[M×N]: Y, X̂, mean, r = 1/√(σ² + ε) and the new moving statistics. Byte offsets. */
  bnForward(p: { x: number; gamma: number; beta: number; movMean: number; movVar: number; y: number; xhat: number; mean: number; r: number; movMeanOut: number; movVarOut: number }, M: number, N: number, eps: number, momentum: number): void;
  /** Its backward: dX, dγ, dβ from dY, X̂, r and γ. Byte offsets. */
  bnBackward(p: { dy: number; xhat: number; r: number; gamma: number; dx: number; dgamma: number; dbeta: number }, M: number, N: number): void;
  /** out[0..4) = mean, std, zero fraction, saturated fraction (sat 1 sigmoid, 2 tanh) or −1 (sat 0). Byte offsets. */
  blockStats(x: number, count: number, sat: 0 | 1 | 2, out: number): void;
}

/** The activations the fused Dense kernels compute (their derivative is a function of the output). */
export const FUSED_ACTIVATIONS = { linear: 0, relu: 1, elu: 2, selu: 3 } as const;
export type FusedActivation = keyof typeof FUSED_ACTIVATIONS;

/** The optimizers' updates `optim_step` computes (the numbers are smallmm.c's K_* constants). */
export const OPTIM_KINDS = { sgd: 0, momentum: 1, nesterov: 2, adagrad: 3, rmsprop: 4, rmsprop_momentum: 5, adam: 6, adamax: 7, nadam: 8 } as const;
export type OptimKind = keyof typeof OPTIM_KINDS;

interface Exports {
  mm_nb(a: number, sam: number, sak: number, b: number, c: number, M: number, K: number, N: number): void;
  mm_nt(a: number, b: number, c: number, M: number, K: number, N: number): void;
  dense_forward(x: number, w: number, b: number, hasBias: number, y: number, M: number, K: number, N: number, act: number): void;
  optim_step(kind: number, v: number, g: number, a: number, b: number, ov: number, oa: number, ob: number, count: number, p0: number, p1: number, p2: number, p3: number, p4: number, p5: number, p6: number, p7: number, p8: number): void;
  block_stats(x: number, count: number, sat: number, out: number): void;
  bn_forward(x: number, gamma: number, beta: number, movMean: number, movVar: number, y: number, xhat: number, mean: number, r: number, movMeanOut: number, movVarOut: number, M: number, N: number, eps: number, m: number, onem: number): void;
  bn_backward(dy: number, xhat: number, r: number, gamma: number, dx: number, dgamma: number, dbeta: number, M: number, N: number): void;
  dense_backward(dy: number, x: number, w: number, y: number, dz: number, dx: number, dw: number, db: number, wantDx: number, wantDb: number, M: number, K: number, N: number, act: number): void;
}

/** Instantiate the module on `memory` (synchronously: 17 KB). Undefined when the file is missing or the engine lacks SIMD. */
export function loadSmallMatMul(memory: WasmMemory, path = smallMatMulChoice()?.path): SmallMatMul | undefined {
  if (!path) return undefined;
  let e: Exports;
  try {
    const mod = new wasmApi.Module(readFileSync(path));
    e = new wasmApi.Instance(mod, { env: { memory } }).exports as unknown as Exports;
  } catch {
    return undefined;
  }
  return {
    nb: (a, transposeA, b, c, M, K, N) => e.mm_nb(a, transposeA ? 1 : K, transposeA ? M : 1, b, c, M, K, N),
    nt: (a, b, c, M, K, N) => e.mm_nt(a, b, c, M, K, N),
    denseForward: (x, w, b, y, M, K, N, act) => e.dense_forward(x, w, b ?? 0, b === undefined ? 0 : 1, y, M, K, N, FUSED_ACTIVATIONS[act]),
    optimStep: (kind, p, count, q) =>
      e.optim_step(OPTIM_KINDS[kind], p.v, p.g, p.a ?? 0, p.b ?? 0, p.ov, p.oa ?? 0, p.ob ?? 0, count, q[0] ?? 0, q[1] ?? 0, q[2] ?? 0, q[3] ?? 0, q[4] ?? 0, q[5] ?? 0, q[6] ?? 0, q[7] ?? 0, q[8] ?? 0),
    blockStats: (x, count, sat, out) => e.block_stats(x, count, sat, out),
    bnForward: (p, M, N, eps, momentum) => e.bn_forward(p.x, p.gamma, p.beta, p.movMean, p.movVar, p.y, p.xhat, p.mean, p.r, p.movMeanOut, p.movVarOut, M, N, eps, momentum, 1 - momentum),
    bnBackward: (p, M, N) => e.bn_backward(p.dy, p.xhat, p.r, p.gamma, p.dx, p.dgamma, p.dbeta, M, N),
    denseBackward: (p, M, K, N, act) => e.dense_backward(p.dy, p.x, p.w, p.y, p.dz, p.dx ?? 0, p.dw, p.db ?? 0, p.dx === undefined ? 0 : 1, p.db === undefined ? 0 : 1, M, K, N, FUSED_ACTIVATIONS[act]),
  };
}
