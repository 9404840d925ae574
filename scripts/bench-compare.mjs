// `npm run bench:compare [-- --quick] [-- --only mlp-32,bn-32] [-- --backend wasm] [-- --torch-threads 1,2]`
// Runs `deep-lessons bench --json --no-process` and `bench/pytorch_reference.py` (one thread, then
// all cores; or the counts given) one after the other, and prints both side by side with the ratio.
// On a machine shared with other work, torch's OpenMP threads spin and collapse (measured here:
// 20-40× slower with 2 threads at a load of 8 on 2 cores): read the one-thread column then.
// PyTorch is optional: where no Python has it, the tfjs figures are printed with a note.
// Python: $PYTHON, else the first of python3 and /usr/bin/python3 that can import torch.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const known = new Set(['--quick', '--only', '--backend', '--torch-threads']);
const unknown = args.filter((a, i) => a.startsWith('-') && !known.has(a) && !known.has(args[i - 1]));
if (unknown.length || args.includes('--help') || args.includes('-h')) {
  if (unknown.length && !unknown.every((a) => a === '--help' || a === '-h')) console.error(`bench:compare: unknown option ${unknown.join(' ')}`);
  console.error('usage: npm run bench:compare [-- --quick] [--only mlp-32,mlp-256,bn-32,deep-32,deep100] [--backend wasm|cpu|tensorflow] [--torch-threads 1,2]');
  process.exit(unknown.every((a) => a === '--help' || a === '-h') ? 0 : 2);
}
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const backendAt = args.indexOf('--backend');
const backend = backendAt >= 0 ? args[backendAt + 1] : 'wasm';
const threadsAt = args.indexOf('--torch-threads');
const threadCounts = threadsAt >= 0 ? args[threadsAt + 1].split(',').map(Number) : [...new Set([1, cpus().length])];

const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error(`bench:compare: ${cli} is missing; build first: npm run build`);
  process.exit(2);
}

function jsonLines(text) {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

function findPython() {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py };
  }
  return { tried: candidates };
}

const common = [...(quick ? ['--quick'] : []), ...(only ? ['--only', only] : [])];
const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
console.error(`load average before: ${loadBefore}`);
console.error(`tfjs (${backend}): node bin/deep-lessons.js bench --json --no-process ${common.join(' ')}`);
const tfjs = spawnSync(process.execPath, [join(root, 'bin', 'deep-lessons.js'), 'bench', '--json', '--no-process', '--backend', backend, ...common], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (tfjs.status !== 0) {
  console.error(`bench:compare: deep-lessons bench failed (exit ${tfjs.status})`);
  process.exit(1);
}
const ours = jsonLines(tfjs.stdout);
const machine = ours.find((r) => r.kind === 'machine');
const rows = ours.filter((r) => r.kind === 'throughput');

const py = findPython();
const torchRuns = [];
let torchMachine;
if (py.python) {
  for (const threads of threadCounts) {
    console.error(`pytorch: ${py.python} bench/pytorch_reference.py --threads ${threads} ${common.join(' ')}`);
    const r = spawnSync(py.python, [join(root, 'bench', 'pytorch_reference.py'), '--threads', String(threads), ...common], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = jsonLines(r.stdout);
    const m = lines.find((l) => l.kind === 'machine');
    if (r.status !== 0) console.error(`bench:compare: pytorch_reference.py ended with ${r.status ?? r.signal}; keeping what it measured`);
    if (!m) continue;
    torchMachine = m;
    torchRuns.push({ threads: m.threads, rows: lines.filter((l) => l.kind === 'throughput') });
  }
} else {
  console.error(`\nPyTorch not found (tried ${py.tried.join(', ')}): the comparison column stays empty.`);
  console.error('To compare: apt-get install python3-torch libopenblas0-openmp (Debian), or set PYTHON to a Python with torch.\n');
}

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const names = [...new Set(rows.map((r) => r.name))];
const head = ['workload', `tfjs ${machine?.backend ?? ''} plain`, 'instrumented', ...torchRuns.map((t) => `torch ${t.threads} thr`), ...torchRuns.map((t) => `plain / torch ${t.threads} thr`), 'per CPU-s: tfjs / torch 1 thr'];
const body = names.map((name) => {
  const p = rows.find((r) => r.name === name && r.mode === 'plain');
  const i = rows.find((r) => r.name === name && r.mode === 'instrumented');
  const t = torchRuns.map((run) => run.rows.find((r) => r.name === name));
  const one = torchRuns.find((run) => run.threads === 1)?.rows.find((r) => r.name === name);
  return [p?.description ?? name, fmt(p?.samplesPerSecond), fmt(i?.samplesPerSecond), ...t.map((r) => fmt(r?.samplesPerSecond)), ...t.map((r) => ratio(p?.samplesPerSecond, r?.samplesPerSecond)), ratio(p?.samplesPerCpuSecond, one?.samplesPerCpuSecond)];
});
// The table first (ours, PyTorch on one thread, the ratio: the next comparison is one
// command), then every column: instrumented, other thread counts, per CPU-second.
const LABELS = {
  'mlp-32': '784-300-100-10 ELU MLP, batch 32',
  'mlp-256': 'the same, batch 256',
  'bn-32': "the book's batch-norm MLP, batch 32",
  'deep-32': '20 × 100 ELU on 3,072 inputs, batch 32',
  deep100: '100 × SELU (300, then 99 × 100), batch 32',
};
function markdown(head, body) {
  const w = head.map((h, c) => Math.max(h.length, ...body.map((r) => String(r[c]).length)));
  const line = (r) => '| ' + r.map((x, c) => (c === 0 ? String(x).padEnd(w[c]) : String(x).padStart(w[c]))).join(' | ') + ' |';
  return [line(head), '| ' + w.map((n, c) => (c === 0 ? '-'.repeat(n) : '-'.repeat(n - 1) + ':')).join(' | ') + ' |', ...body.map(line)].join('\n');
}
const oneThread = torchRuns.find((run) => run.threads === 1);
const ratios = names.map((name) => {
  const p = rows.find((r) => r.name === name && r.mode === 'plain');
  const t = oneThread?.rows.find((r) => r.name === name);
  return [LABELS[name] ?? p?.description ?? name, fmt(p?.samplesPerSecond), fmt(t?.samplesPerSecond), ratio(p?.samplesPerSecond, t?.samplesPerSecond)];
});
const deep100 = rows.find((r) => r.name === 'deep100' && r.mode === 'plain');
const deep100Torch = oneThread?.rows.find((r) => r.name === 'deep100');
console.log(`\n${machine?.cpu ?? ''}, ${machine?.cores ?? '?'} cores; ${machine?.date ?? ''}; tfjs ${machine?.tfjs ?? ''} (${machine?.backendReason ?? ''})`);
if (torchMachine) console.log(`torch ${torchMachine.torch}, BLAS_INFO=${torchMachine.blas}, loaded: ${torchMachine.blasLibrariesLoaded.join(', ') || 'no BLAS library found'}`);
console.log(`load average before: ${loadBefore}; samples/s, wall clock, medians after a warm-up epoch\n`);
console.log(markdown(['workload', 'ours', 'PyTorch 1 thread', 'ratio'], ratios));
if (deep100) {
  const epoch = (r) => (r ? `${(55_000 / r.samplesPerSecond).toFixed(0)} s` : '–');
  console.log(`\nThe 100-layer SELU net, one epoch of 55,000 images at these rates: ${epoch(deep100)} here, ${epoch(deep100Torch)} in PyTorch on one thread.`);
}
console.log('\nEvery column (last: samples per CPU-second, less sensitive to other load):\n');
console.log(markdown(head, body));
console.log(`\nload average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
