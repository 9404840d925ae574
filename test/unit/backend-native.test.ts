// The loader's choice when a tfjs-node installation is handed to the trainer (DEEP_LESSONS_TFJS_NODE):
// a folder that exists but whose module fails to load, one that holds no module, one whose module
// loads but registers no backend. `auto` goes on with wasm and says why; a forced `tensorflow`
// fails with the reason. Each case runs in a fresh process (the choice is made once per process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const probe = join(root, 'test', 'fixtures', 'native', 'backend-probe.ts');

interface Probe { ok: boolean; name?: string; reason?: string; error?: string }
function pick(choice: string, env: Record<string, string>): Probe {
  const r = spawnSync(process.execPath, ['--import', 'tsx', probe, choice], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Probe;
}

/** An npm prefix with node_modules/@tensorflow/tfjs-node whose entry point is `index`. */
function fakeInstall(index: string): string {
  const prefix = mkdtempSync(join(tmpdir(), 'tfjs-node-'));
  const pkg = join(prefix, 'node_modules', '@tensorflow', 'tfjs-node');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'dist/index.js' }));
  mkdirSync(join(pkg, 'dist'));
  writeFileSync(join(pkg, 'dist', 'index.js'), index);
  return prefix;
}

test('a tfjs-node folder that exists but fails to load: auto uses wasm and says why; forced tensorflow fails with the error', () => {
  // What a libtensorflow that never downloaded looks like: the addon cannot find its shared library.
  const prefix = fakeInstall("throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n");
  try {
    const env = { DEEP_LESSONS_TFJS_NODE: prefix, DEEP_LESSONS_TFJS_NODE_SOURCE: 'installed by DL Lessons: Install Native Backend' };
    const auto = pick('auto', env);
    assert.equal(auto.ok, true, auto.error);
    assert.equal(auto.name, 'wasm');
    assert.match(auto.reason!, /^auto: @tensorflow\/tfjs-node 4\.22\.0 from .*tfjs-node-.*\/node_modules\/@tensorflow\/tfjs-node \(installed by DL Lessons: Install Native Backend\) did not load: libtensorflow\.so\.2: cannot open shared object file/);
    assert.match(auto.reason!, /; using wasm \(/);
    const forced = pick('tensorflow', env);
    assert.equal(forced.ok, false);
    assert.match(forced.error!, /^backend "tensorflow" is not available: .*did not load: libtensorflow\.so\.2.*Use --backend wasm/);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test('a folder without tfjs-node: auto uses wasm and names the paths it looked at', () => {
  const empty = mkdtempSync(join(tmpdir(), 'no-tfjs-node-'));
  try {
    const auto = pick('auto', { DEEP_LESSONS_TFJS_NODE: empty, DEEP_LESSONS_TFJS_NODE_SOURCE: 'the setting deepLessons.nativeBackendPath' });
    assert.equal(auto.name, 'wasm');
    assert.ok(auto.reason!.includes(`${empty} (from the setting deepLessons.nativeBackendPath) holds no @tensorflow/tfjs-node`), auto.reason);
    assert.ok(auto.reason!.includes(join(empty, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json')), auto.reason);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('a tfjs-node that loads but registers no backend: auto uses wasm and says so', () => {
  const prefix = fakeInstall('module.exports = {};\n');
  try {
    const auto = pick('auto', { DEEP_LESSONS_TFJS_NODE: join(prefix, 'node_modules', '@tensorflow', 'tfjs-node') });
    assert.equal(auto.name, 'wasm');
    assert.match(auto.reason!, /tfjs-node 4\.22\.0 from .* \(DEEP_LESSONS_TFJS_NODE\) loaded but registered no "tensorflow" backend/);
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test('no installation handed over and none in node_modules: auto uses wasm and says how to install it', () => {
  const auto = pick('auto', { DEEP_LESSONS_TFJS_NODE: '' });
  assert.equal(auto.name, 'wasm');
  assert.match(auto.reason!, /^auto: @tensorflow\/tfjs-node is not installed \(DL Lessons: Install Native Backend installs it\); using wasm/);
});
