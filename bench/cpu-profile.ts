/**
 * Where a training step's CPU time goes, by function: V8's sampling profiler (the one
 * `node --cpu-prof` uses, through node:inspector) runs over epoch 2 of one workload of
 * `deep-lessons bench`, fed through the product's loop (runExperiment). Prints self time per
 * function and per group (our wasm kernels, tfjs's wasm backend, tfjs's engine, our engine,
 * garbage collection), per training step.
 *   node --import tsx bench/cpu-profile.ts [workload] [plain|instrumented] [samples] [--save file.cpuprofile]
 * Open a saved profile in Chrome's DevTools (Performance) or VS Code for a flame chart.
 */
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { ModelStore, initBackend, runExperiment } from '../src/engine';
import { WORKLOADS, benchSpec, randomData, type Mode } from '../src/cli/bench';
import type { RunRequest } from '../src/protocol/events';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** The group a frame belongs to, from its script. */
function group(url: string, name: string): string {
  if (url.startsWith('wasm://')) return /smallmm|^\d+$/.test(url) || url.includes('wasm-') ? `wasm ${url.split('/').pop()}` : 'wasm';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)' || name === '(idle)' || name === '(root)') return name;
  if (url.includes('tfjs-backend-wasm')) return 'tfjs wasm backend (JS)';
  if (url.includes('@tensorflow')) return 'tfjs engine (JS)';
  if (url.includes('/src/engine/')) return 'our engine (JS)';
  if (url === '') return 'native / builtins';
  return 'other JS';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const saveAt = args.indexOf('--save');
  const save = saveAt >= 0 ? args.splice(saveAt, 2)[1] : undefined;
  const name = args[0] ?? 'mlp-32';
  const mode = (args[1] ?? 'plain') as Mode;
  const samples = Number(args[2] ?? 4096);
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}; there are ${WORKLOADS.map((x) => x.name).join(', ')}`);
  await initBackend('wasm');
  const data = randomData(samples, w.inputs, w.classes);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  const req: RunRequest = { type: 'run', runId: 'p', experiment: 'p', spec: benchSpec(w, mode, 3) as RunRequest['spec'], options: { backend: 'wasm' } };
  let started: Promise<unknown> | undefined;
  let stopped: Promise<{ profile: Profile }> | undefined;
  let cpu0 = process.cpuUsage();
  let cpu = { user: 0, system: 0 };
  await runExperiment(
    req,
    (e) => {
      if (e.type !== 'epoch') return;
      if (e.epoch === 1) {
        started = session.post('Profiler.start');
        cpu0 = process.cpuUsage();
      } else if (e.epoch === 2) {
        cpu = process.cpuUsage(cpu0);
        stopped = session.post('Profiler.stop') as Promise<{ profile: Profile }>;
      }
    },
    new AbortController().signal,
    new ModelStore(),
    { dataset: data },
  );
  await started;
  const { profile } = await stopped!;
  session.disconnect();
  if (save) writeFileSync(save, JSON.stringify(profile));

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // The profiler's own stop (node:inspector's post, under the epoch event) is not the step's time.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inInspector = (id: number): boolean => {
    for (let q: number | undefined = id; q !== undefined; q = parent.get(q)) if (byId.get(q)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i]);
  const fn = new Map<string, number>();
  const groups = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || inInspector(id)) continue;
    total += us;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const g = group(url, functionName);
    groups.set(g, (groups.get(g) ?? 0) + us);
  }
  const steps = Math.ceil(samples / w.batch);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${name} ${mode}: epoch 2, ${steps} steps, ${cpuMs.toFixed(0)} ms CPU (${((cpuMs / steps) * 1000).toFixed(0)} µs per step, ${Math.round(samples / (cpuMs / 1000))} samples per CPU-second); profiled ${(total / 1000).toFixed(0)} ms`);
  const row = (label: string, us: number) => console.log(`${((us / steps) | 0).toString().padStart(7)} µs/step ${((100 * us) / total).toFixed(1).padStart(5)} %  ${label}`);
  console.log('-- by group');
  for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1])) row(g, us);
  console.log('-- by function (top 30)');
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, 30)) row(k, us);
}

void main();
