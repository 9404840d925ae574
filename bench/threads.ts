/**
 * Can the multi-threaded wasm build run under Node, and what does it gain? tfjs turns it off under
 * Node (tfjs issue 3830): its pthread workers are loaded from `blob:` URLs, which Node's
 * worker_threads cannot open. This script forces it with a shim (worker script written to a
 * temporary file; the main script, sent to the workers as a Blob, written to a file by the worker
 * before it loads), sets the thread count, and runs `deep-lessons bench` workloads through the
 * product's loop.
 *   node --import tsx bench/threads.ts <threads> [workload,...] [samples]
 * Prints one JSON line per workload. Exits with process.exit() (the pthread pool keeps Node alive).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/engine';
import { WORKLOADS, measureThroughput, randomData } from '../src/cli/bench';

const dir = mkdtempSync(join(tmpdir(), 'tfjs-threads-'));
const workerShim = `
const __fs = require('fs');
const __path = require('path');
const __orig = self.onmessage;
let __ready = false;
const __queue = [];
self.onmessage = (e) => {
  if (e.data && e.data.cmd === 'load' && typeof e.data.urlOrBlob !== 'string') {
    e.data.urlOrBlob.text().then((text) => {
      const p = __path.join(${JSON.stringify(dir)}, 'main-' + process.pid + '-' + Math.random().toString(36).slice(2) + '.js');
      // The factory was bundled by rollup: it refers to the bundle's names for Node modules.
      __fs.writeFileSync(p, "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\\n" + text);
      e.data.urlOrBlob = p;
      __orig(e);
      __ready = true;
      for (const q of __queue.splice(0)) __orig(q);
    });
    return;
  }
  if (!__ready) __queue.push(e); else __orig(e);
};
`;

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? 2);
  const names = (process.argv[3] ?? 'mlp-32,mlp-256').split(',');
  const samples = Number(process.argv[4] ?? 4096);
  // The worker script tfjs embeds (it sets up worker_threads under Node), taken from its bundle.
  const bundle = readFileSync(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js'), 'utf8');
  const literal = /var wasmWorkerContents = ("(?:[^"\\]|\\.)*");/.exec(bundle);
  if (!literal) throw new Error('the worker script was not found in the tfjs wasm bundle');
  const workerSrc = (JSON.parse(literal[1]) as string).replace(/\n/g, '\\n'); // as tfjs does before making its Blob
  const workerPath = join(dir, 'worker.js');
  writeFileSync(workerPath, workerSrc + workerShim);
  const create = URL.createObjectURL;
  URL.createObjectURL = (obj: Blob) => (obj.type === 'application/javascript' ? workerPath : create(obj));
  if (threads > 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  // tfjs caps the pool at half the logical cores (1 of 2 here), read through os.cpus() under Node.
  const cpus = os.cpus;
  os.cpus = () => Array.from({ length: threads * 2 }, () => cpus()[0]);
  const info = await initBackend('wasm');
  os.cpus = cpus;
  const backendThreads = (tf.backend() as unknown as { wasm: { tfjs: { getThreadsCount(): number } } }).wasm.tfjs.getThreadsCount();
  process.stderr.write(`${info.reason}; threads asked ${threads}, getThreadsCount ${getThreadsCount()}, backend ${backendThreads}\n`);
  for (const name of names) {
    const w = WORKLOADS.find((x) => x.name === name)!;
    const r = await measureThroughput(w, 'plain', { samples, repeats: 3, backend: 'wasm', data: randomData(samples, w.inputs, w.classes) });
    process.stdout.write(JSON.stringify({ threads: getThreadsCount(), name, samplesPerSecond: Math.round(r.samplesPerSecond), epochs: r.epochsPerSecond, perCpuSecond: Math.round(r.samplesPerCpuSecond), loss: r.finalLoss }) + '\n');
  }
  process.exit(0);
}
main().catch((e: unknown) => {
  process.stderr.write(`threads: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
