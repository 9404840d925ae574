// Builds src/engine/wasm/smallmm.wasm from smallmm.c with clang and lld (Debian: apt-get install
// clang lld). The built file is committed, so installing the extension needs no compiler;
// `node scripts/build-wasm.mjs --check` builds into a temporary file and says whether the bytes
// match the committed ones (test/unit/smallmm.test.ts runs it when clang is present).
//   node scripts/build-wasm.mjs [--check] [--clang <path>]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'engine', 'wasm', 'smallmm.c');
const target = join(root, 'src', 'engine', 'wasm', 'smallmm.wasm');
const args = process.argv.slice(2);
const check = args.includes('--check');
const clangAt = args.indexOf('--clang');
const clang = clangAt >= 0 ? args[clangAt + 1] : process.env.CLANG ?? 'clang';

// No libc, no entry point, the memory imported from the wasm backend (env.memory), no custom
// sections (so the bytes depend on the source and the compiler only).
const FLAGS = ['--target=wasm32', '-O3', '-msimd128', '-nostdlib', '-fno-builtin', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all'];

const tmp = check ? mkdtempSync(join(tmpdir(), 'smallmm-')) : undefined;
const out = tmp ? join(tmp, 'smallmm.wasm') : target;
const r = spawnSync(clang, [...FLAGS, '-o', out, source], { encoding: 'utf8' });
if (r.error || r.status !== 0) {
  console.error(`build-wasm: ${clang} failed: ${r.error?.message ?? r.stderr.trim()}`);
  console.error('Install the toolchain (Debian: apt-get install clang lld) or pass --clang <path>.');
  process.exit(r.error ? 3 : 1);
}
const version = spawnSync(clang, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
if (tmp) {
  const same = readFileSync(out).equals(readFileSync(target));
  rmSync(tmp, { recursive: true, force: true });
  console.log(same ? `build-wasm: ${target} matches its source (${version})` : `build-wasm: ${target} differs from a fresh build of smallmm.c (${version}): run node scripts/build-wasm.mjs and commit it`);
  process.exit(same ? 0 : 1);
}
console.log(`build-wasm: wrote ${target} (${readFileSync(target).length} bytes, ${version})`);
