// "DL Lessons: Install Native Backend", its failure paths: a wrong platform, npm missing, offline, a
// blocked libtensorflow download (npm's real output on this machine), a module that installs but
// does not load (checked in a real trainer process), and a cancel. Each leaves a previous
// installation as it was and no staging folder behind. npm is a stand-in script (no network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyNpmFailure, FROM_INSTALL, FROM_SETTING, installNative, MARKER, nativeBackendFolder, NativeInstallError, readMarker, TFJS_NODE_VERSION, type InstallOptions, type NativeFailure } from '../../src/extension/nativeInstall';
import { VERIFY_SPEC, verifyNative } from '../../src/extension/nativeVerify';
import { TrainerClient } from '../../src/extension/trainerClient';

const root = join(__dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'native');
const fakeNpm = [process.execPath, join(fixtures, 'fake-npm.mjs')];
const trainerPath = join(root, 'dist', 'trainer.js');

/** A storage folder holding an earlier, verified installation (which every failure must leave alone). */
function storage(): { base: string; dir: string } {
  const base = mkdtempSync(join(tmpdir(), 'native-'));
  const dir = join(base, 'native');
  mkdirSync(join(dir, 'node_modules', '@tensorflow', 'tfjs-node'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'), '{"name":"@tensorflow/tfjs-node","version":"4.21.0"}');
  writeFileSync(join(dir, MARKER), JSON.stringify({ version: '4.21.0', platform: 'linux-x64', verifiedAt: '2026-01-01T00:00:00Z' }));
  return { base, dir };
}

async function failure(o: Partial<InstallOptions> & { dir: string }, mode?: string): Promise<{ err: NativeInstallError; lines: string[]; verified: number }> {
  const lines: string[] = [];
  let verified = 0;
  try {
    await installNative({
      npm: fakeNpm,
      platform: 'linux',
      arch: 'x64',
      env: mode ? { FAKE_NPM_MODE: mode } : {},
      log: (l) => lines.push(l),
      verify: (prefix) => {
        verified++;
        return verifyNative(prefix, { trainerPath, timeoutMs: 60_000 });
      },
      ...o,
    });
  } catch (e) {
    assert.ok(e instanceof NativeInstallError, String(e));
    return { err: e, lines, verified };
  }
  assert.fail('the install succeeded');
}

async function assertUntouched(dir: string, kind: NativeFailure): Promise<void> {
  assert.equal((await readMarker(dir))?.version, '4.21.0', `${kind}: the earlier installation is kept`);
  assert.ok(!existsSync(`${dir}.staging`), `${kind}: no staging folder left`);
}

test('the pinned version is the one package.json pins', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
  assert.equal(TFJS_NODE_VERSION, pkg.optionalDependencies['@tensorflow/tfjs-node']);
});

test('a platform without prebuilt binaries: refused before npm runs, saying which platforms have them', async () => {
  const s = storage();
  try {
    const args = join(s.base, 'args.json');
    const { err } = await failure({ dir: s.dir, platform: 'linux', arch: 'arm64', env: { FAKE_NPM_MODE: 'offline', FAKE_NPM_ARGS: args } });
    assert.equal(err.kind, 'platform');
    assert.match(err.message, /has prebuilt binaries for linux-x64, darwin-x64, win32-x64 only; this machine is linux-arm64\. Training goes on with wasm/);
    assert.ok(!existsSync(args), 'npm did not run');
    await assertUntouched(s.dir, 'platform');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('npm not on PATH: says to install Node.js or to point the setting at an installation', async () => {
  const s = storage();
  try {
    const { err } = await failure({ dir: s.dir, npm: [join(s.base, 'no-such-npm')] });
    assert.equal(err.kind, 'npm-missing');
    assert.match(err.message, /npm was not found .* install Node\.js, which includes npm .* deepLessons\.nativeBackendPath/);
    await assertUntouched(s.dir, 'npm-missing');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('offline: npm cannot reach its registry; the message quotes npm and says what to do; npm got the pinned version and a project that allows its install script', async () => {
  const s = storage();
  try {
    const args = join(s.base, 'args.json');
    const { err, lines, verified } = await failure({ dir: s.dir, env: { FAKE_NPM_MODE: 'offline', FAKE_NPM_ARGS: args } });
    assert.equal(err.kind, 'offline');
    assert.match(err.message, /^npm could not reach its registry: npm error network request to .* failed, reason: getaddrinfo ENOTFOUND/);
    assert.match(err.message, /What to do: connect to the network .* Training goes on with wasm\./);
    assert.equal(verified, 0);
    assert.ok(lines.some((l) => /^\$ .*fake-npm\.mjs install @tensorflow\/tfjs-node@4\.22\.0/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /npm error code ENOTFOUND/.test(l)), 'npm output goes to the log');
    const called = JSON.parse(readFileSync(args, 'utf8')) as { argv: string[]; cwd: string; pkg: { allowScripts: Record<string, boolean> } };
    assert.deepEqual(called.argv.slice(0, 2), ['install', '@tensorflow/tfjs-node@4.22.0']);
    assert.equal(called.cwd, `${s.dir}.staging`);
    assert.deepEqual(called.pkg.allowScripts, { '@tensorflow/tfjs-node': true });
    await assertUntouched(s.dir, 'offline');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('a blocked libtensorflow download (npm 11 output captured on this machine): names the host and the way around it', async () => {
  const s = storage();
  try {
    const { err, verified } = await failure({ dir: s.dir }, 'blocked');
    assert.equal(err.kind, 'download-blocked');
    assert.match(err.message, /its install script could not download TensorFlow's C library \(libtensorflow 2\.9\.1\)/);
    assert.match(err.message, /getaddrinfo ENOTFOUND storage\.googleapis\.com/);
    assert.match(err.message, /allow that host \(or set the environment variable TFJS_NODE_CDN_STORAGE to a mirror of it\)/);
    assert.equal(verified, 0);
    await assertUntouched(s.dir, 'download-blocked');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('a module that installs but fails to load: the check in a real trainer process reports the load error; nothing is swapped in', async () => {
  assert.ok(existsSync(trainerPath), `${trainerPath} is missing: run \`npm run build\` first (npm test does)`);
  const s = storage();
  try {
    const { err, verified } = await failure({ dir: s.dir }, 'broken');
    assert.equal(verified, 1);
    assert.equal(err.kind, 'load-failed');
    assert.match(err.message, /^@tensorflow\/tfjs-node installed but does not work here: backend "tensorflow" is not available: @tensorflow\/tfjs-node 4\.22\.0 from .*native\.staging.* did not load: libtensorflow\.so\.2: cannot open shared object file/);
    assert.match(err.message, /Nothing was changed: training goes on with wasm\./);
    await assertUntouched(s.dir, 'load-failed');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('cancel: npm and its children are killed, nothing is changed', async () => {
  const s = storage();
  try {
    const ac = new AbortController();
    const lines: string[] = [];
    const p = installNative({
      dir: s.dir,
      npm: fakeNpm,
      platform: 'linux',
      arch: 'x64',
      env: { FAKE_NPM_MODE: 'slow' },
      signal: ac.signal,
      log: (l) => {
        lines.push(l);
        if (/npm http fetch/.test(l)) ac.abort();
      },
      verify: () => Promise.reject(new Error('not reached')),
    });
    await assert.rejects(p, (e: NativeInstallError) => e.kind === 'cancelled' && /nothing was changed/.test(e.message));
    await assertUntouched(s.dir, 'cancelled');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('npm output that is neither: the last lines of npm and where the full log is', () => {
  const e = classifyNpmFailure('npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@tensorflow%2ftfjs-node - Not found\n', 1);
  assert.equal(e.kind, 'npm-failed');
  assert.match(e.message, /^npm install failed \(exit 1\):\nnpm error code E404\nnpm error 404 Not Found/);
  assert.match(e.message, /The full output is in the "DL Lessons" log/);
});

test('success (with a stand-in module that registers a working "tensorflow" backend): verified, swapped in with its marker, and the next trainer uses it and says so', async () => {
  assert.ok(existsSync(trainerPath), `${trainerPath} is missing: run \`npm run build\` first (npm test does)`);
  const s = storage();
  try {
    const steps: string[] = [];
    const r = await installNative({
      dir: s.dir,
      npm: fakeNpm,
      platform: 'linux',
      arch: 'x64',
      env: { FAKE_NPM_MODE: 'standin' },
      log: () => undefined,
      step: (m) => steps.push(m),
      verify: (prefix) => verifyNative(prefix, { trainerPath, timeoutMs: 60_000 }),
    });
    assert.equal(r.verify.ok, true, r.verify.error);
    assert.equal(r.verify.backend, 'tensorflow');
    assert.ok(Number.isFinite(r.verify.loss) && r.verify.loss! > 0, `loss ${r.verify.loss}`);
    assert.equal(steps.length, 2);
    const marker = await readMarker(s.dir);
    assert.equal(marker?.version, '4.22.0');
    assert.equal(marker?.platform, 'linux-x64');
    assert.ok(!existsSync(`${s.dir}.staging`));
    // The next run: the folder handed to a fresh trainer, with `auto`.
    const handed = await nativeBackendFolder(undefined, s.dir);
    assert.deepEqual(handed, { dir: s.dir, from: FROM_INSTALL });
    const client = new TrainerClient({ trainerPath, env: { DEEP_LESSONS_TFJS_NODE: handed!.dir, DEEP_LESSONS_TFJS_NODE_SOURCE: handed!.from } });
    const start = await new Promise<{ backend: string; backendReason: string }>((resolve, reject) => {
      client.onMessage((m) => {
        if (m.type === 'start') resolve(m);
        if (m.type === 'error') reject(new Error(m.message));
      });
      client.run({ type: 'run', runId: 'next', experiment: 'next', spec: VERIFY_SPEC, options: { backend: 'auto' } });
    }).finally(() => client.dispose());
    assert.equal(start.backend, 'tensorflow');
    assert.match(start.backendReason, /^auto: tfjs-node 4\.22\.0 from .*native\/node_modules\/@tensorflow\/tfjs-node \(installed by DL Lessons: Install Native Backend\) loaded/);
    // The setting, when given, wins over the installation.
    assert.deepEqual(await nativeBackendFolder('/opt/tfjs-node', s.dir), { dir: '/opt/tfjs-node', from: FROM_SETTING });
    assert.equal(await nativeBackendFolder(undefined, join(s.base, 'nothing-here')), undefined);
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});
