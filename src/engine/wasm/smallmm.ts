/**
 * The small-matrix products of `smallmm.c` (WebAssembly SIMD), run inside the wasm backend's own
 * memory: the module imports the backend's `WebAssembly.Memory`, reads the operands where the
 * backend keeps them and writes into an output tensor the backend allocated. `kernels.ts` sends
 * it the products under `SMALL_MATMUL_MAX_FLOPS` (see `smallPlan`); larger ones go to XNNPACK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of the WebAssembly JS API used here (the project's `lib` has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: object };
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export const SMALL_MM_FILE = 'smallmm.wasm';

/** Beside the bundle (dist/, copied by scripts/build.mjs) or beside this source file (tsx). */
export function smallMatMulPath(): string | undefined {
  return [join(__dirname, SMALL_MM_FILE), join(__dirname, 'wasm', SMALL_MM_FILE)].find((p) => existsSync(p));
}

export interface SmallMatMul {
  /** C[M×N] = op(A)·B (B stored K×N): A·B with A stored M×K, or Aᵀ·B with A stored K×M (`transposeA`). Byte offsets. */
  nb(a: number, transposeA: boolean, b: number, c: number, M: number, K: number, N: number): void;
  /** C[M×N] = A·Bᵀ, A stored M×K, B stored N×K. Byte offsets. */
  nt(a: number, b: number, c: number, M: number, K: number, N: number): void;
}

interface Exports {
  mm_nb(a: number, sam: number, sak: number, b: number, c: number, M: number, K: number, N: number): void;
  mm_nt(a: number, b: number, c: number, M: number, K: number, N: number): void;
}

/** Instantiate the module on `memory` (synchronously: 8 KB). Undefined when the file is missing or the engine lacks SIMD. */
export function loadSmallMatMul(memory: WasmMemory, path = smallMatMulPath()): SmallMatMul | undefined {
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
  };
}
