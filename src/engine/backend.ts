/**
 * Backend choice. `auto` tries, in order: `tensorflow` (@tensorflow/tfjs-node: TensorFlow's C
 * library, native and multi-threaded, where it is installed and loads), `wasm` (its .wasm files
 * ship in the npm package and beside our bundles, so it works offline everywhere), `cpu` (plain JS).
 * Every choice comes with the reason, shown in each run's header.
 *
 * Where tfjs-node is looked for: the folder in DEEP_LESSONS_TFJS_NODE (the package folder itself,
 * or an npm prefix holding node_modules/@tensorflow/tfjs-node: what "Install Native Backend"
 * makes, or the `deepLessons.nativeBackendPath` setting; DEEP_LESSONS_TFJS_NODE_SOURCE says which),
 * else ordinary module resolution (an optional dependency in a development checkout).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendChoice, BackendName } from '../protocol/events';
import { installFastWasmMatMul, smallMatMulFused, smallMatMulLoaded } from './kernels';

export interface BackendInfo {
  name: BackendName;
  reason: string;
}

/** Environment variables through which the extension hands the trainer a tfjs-node installation. */
export const TFJS_NODE_ENV = 'DEEP_LESSONS_TFJS_NODE';
export const TFJS_NODE_SOURCE_ENV = 'DEEP_LESSONS_TFJS_NODE_SOURCE';

let current: BackendInfo | undefined;
let tfjsNodeError: string | undefined;
let tfjsNodeFrom = '';

/** The package folder of tfjs-node inside `dir` (the folder itself, or `<dir>/node_modules/@tensorflow/tfjs-node`). */
export function findTfjsNode(dir: string): string | undefined {
  for (const candidate of [dir, join(dir, 'node_modules', '@tensorflow', 'tfjs-node')]) {
    try {
      const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === '@tensorflow/tfjs-node') return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function packageVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

function loadTfjsNode(): boolean {
  if (tf.findBackend('tensorflow')) return true;
  if (tfjsNodeError) return false;
  const dir = process.env[TFJS_NODE_ENV];
  const source = process.env[TFJS_NODE_SOURCE_ENV] || TFJS_NODE_ENV;
  try {
    if (dir) {
      const pkgDir = findTfjsNode(dir);
      if (!pkgDir) {
        tfjsNodeError = `${dir} (from ${source}) holds no @tensorflow/tfjs-node (looked for ${join(dir, 'package.json')} and ${join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json')}); install it again or fix the path`;
        return false;
      }
      tfjsNodeFrom = ` ${packageVersion(pkgDir)} from ${pkgDir} (${source})`;
      // A native addon outside our bundle: it registers the `tensorflow` backend into the global
      // tfjs engine that our bundled tfjs shares.
      createRequire(join(pkgDir, 'package.json'))(pkgDir);
    } else {
      // Kept external by the bundler (an optional dependency in a development checkout).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-node');
    }
    if (!tf.findBackend('tensorflow')) {
      tfjsNodeError = `@tensorflow/tfjs-node${tfjsNodeFrom} loaded but registered no "tensorflow" backend (a different tfjs version?)`;
      return false;
    }
    return true;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    tfjsNodeError =
      !dir && /Cannot find module '@tensorflow\/tfjs-node'/.test(msg)
        ? '@tensorflow/tfjs-node is not installed (DL Lessons: Install Native Backend installs it)'
        : `@tensorflow/tfjs-node${tfjsNodeFrom || (dir ? ` in ${dir}` : '')} did not load: ${msg}`;
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
    current = { name: 'tensorflow', reason: `forced: tensorflow (tfjs-node${tfjsNodeFrom}: TensorFlow's C library, multi-threaded)` };
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
      current = { name: 'tensorflow', reason: `auto: tfjs-node${tfjsNodeFrom} loaded (TensorFlow's C library, multi-threaded)` };
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
  const own = smallMatMulLoaded()
    ? `Dense layers and small products on our own SIMD kernels${smallMatMulFused() ? ' with fused multiply-add' : ''}`
    : 'our SIMD kernels not found: transposed matmuls made explicit';
  return `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : 'one thread'}, ${own}`;
}

export function currentBackend(): BackendInfo | undefined {
  return current;
}
