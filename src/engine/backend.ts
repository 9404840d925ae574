/**
 * Backend choice. `auto` tries, in order: `tensorflow` (@tensorflow/tfjs-node, an optional
 * dependency: native speed where its install could fetch libtensorflow), `wasm` (its .wasm files ship
 * in the npm package and beside our bundles, so it works offline everywhere), `cpu` (plain JS).
 * Every choice comes with the reason, shown in each run's header.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackendChoice, BackendName } from '../protocol/events';
import { installFastWasmMatMul } from './kernels';

export interface BackendInfo {
  name: BackendName;
  reason: string;
}

let current: BackendInfo | undefined;
let tfjsNodeError: string | undefined;

function loadTfjsNode(): boolean {
  if (tf.findBackend('tensorflow')) return true;
  if (tfjsNodeError) return false;
  try {
    // Kept external by the bundler: a native addon. It registers the `tensorflow` backend into the
    // global tfjs engine that our bundled tfjs shares.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') !== undefined;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    tfjsNodeError = /Cannot find module/.test(msg)
      ? '@tensorflow/tfjs-node is not installed (an optional dependency whose install downloads libtensorflow)'
      : `@tensorflow/tfjs-node did not load: ${msg}`;
    return false;
  }
}

/** Folder holding the backend's .wasm files: beside the bundle (dist/), else the npm package. */
export function wasmDir(): string {
  if (existsSync(join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) return __dirname;
  // Not a literal, so that the bundler leaves it to Node (it only runs from source, under tsx).
  const pkg = '@tensorflow/tfjs-backend-wasm';
  return dirname(require.resolve(`${pkg}/dist/tfjs-backend-wasm-simd.wasm`));
}

async function tryWasm(): Promise<string | undefined> {
  try {
    setWasmPaths(wasmDir() + '/');
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend failed to initialize';
    await tf.ready();
    installFastWasmMatMul();
    return undefined;
  } catch (e) {
    return `the wasm backend failed: ${(e as Error).message}`;
  }
}

async function use(name: BackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to initialize`);
  await tf.ready();
}

/** Select a backend once per process; later calls with the same choice are free. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  tf.env().set('PROD', true);
  if (choice === 'tensorflow') {
    if (!loadTfjsNode()) throw new Error(`backend "tensorflow" is not available: ${tfjsNodeError}. Use --backend wasm (or auto).`);
    await use('tensorflow');
    current = { name: 'tensorflow', reason: 'forced: tensorflow (native libtensorflow through tfjs-node)' };
  } else if (choice === 'wasm') {
    const err = await tryWasm();
    if (err) throw new Error(`backend "wasm" is not available: ${err}. Use --backend cpu.`);
    current = { name: 'wasm', reason: `forced: wasm (${simdNote()})` };
  } else if (choice === 'cpu') {
    await use('cpu');
    current = { name: 'cpu', reason: 'forced: cpu (plain JavaScript, slow)' };
  } else {
    if (loadTfjsNode()) {
      await use('tensorflow');
      current = { name: 'tensorflow', reason: 'auto: tfjs-node loaded (native libtensorflow)' };
    } else {
      const err = await tryWasm();
      if (!err) current = { name: 'wasm', reason: `auto: ${tfjsNodeError}; using wasm (${simdNote()})` };
      else {
        await use('cpu');
        current = { name: 'cpu', reason: `auto: ${tfjsNodeError}; ${err}; using cpu (plain JavaScript, slow)` };
      }
    }
  }
  return current;
}

function simdNote(): string {
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : 'one thread'}, transposed matmuls made explicit`;
}

export function currentBackend(): BackendInfo | undefined {
  return current;
}
