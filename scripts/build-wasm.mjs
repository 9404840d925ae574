// Builds src/engine/wasm/smallmm.wasm and smallmm-fma.wasm from smallmm.c with clang and lld: the
// second with relaxed SIMD's fused multiply-add in the matrix products (-DSMALLMM_FMA), which needs
// clang 16 or later (Debian 12: apt-get install clang-19 lld-19). Both files are committed, so
// installing the extension needs no compiler; `node scripts/build-wasm.mjs --check` builds into a
// temporary folder and says whether the bytes match the committed ones (test/unit/smallmm.test.ts
// runs it when such a clang is present).
//   node scripts/build-wasm.mjs [--check] [--clang <path>]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'src', 'engine', 'wasm');
const source = join(dir, 'smallmm.c');
const args = process.argv.slice(2);
const check = args.includes('--check');
const clangAt = args.indexOf('--clang');

/** Exit code when no usable compiler is installed (the test skips on it). */
const NO_TOOLCHAIN = 3;

// No libc, no entry point, the memory imported from the wasm backend (env.memory), no custom
// sections (so the bytes depend on the source and the compiler only); no contraction of a
// multiply and an add into one instruction where the source did not ask for it.
const FLAGS = ['--target=wasm32', '-O3', '-msimd128', '-ffp-contract=off', '-nostdlib', '-fno-builtin', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all'];
const TARGETS = [
  { file: 'smallmm.wasm', flags: [] },
  { file: 'smallmm-fma.wasm', flags: ['-mrelaxed-simd', '-DSMALLMM_FMA'] },
];

/** The major version of a clang, or undefined when it does not run. */
function major(clang) {
  const r = spawnSync(clang, ['--version'], { encoding: 'utf8' });
  const m = r.error ? null : /clang version (\d+)/.exec(r.stdout);
  return m ? { version: Number(m[1]), line: r.stdout.split('\n')[0] } : undefined;
}

// The given clang, else the newest versioned one Debian installs, else plain `clang`.
const candidates = clangAt >= 0 ? [args[clangAt + 1]] : process.env.CLANG ? [process.env.CLANG] : ['clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang'];
const found = candidates.map((c) => ({ clang: c, info: major(c) })).find((c) => c.info && c.info.version >= 16);
if (!found) {
  console.error(`build-wasm: no clang 16 or later found (tried ${candidates.join(', ')}); relaxed SIMD needs it.`);
  console.error('Install the toolchain (Debian 12: apt-get install clang-19 lld-19) or pass --clang <path>.');
  process.exit(NO_TOOLCHAIN);
}

const tmp = check ? mkdtempSync(join(tmpdir(), 'smallmm-')) : undefined;
let allSame = true;
for (const { file, flags } of TARGETS) {
  const target = join(dir, file);
  const out = tmp ? join(tmp, file) : target;
  const r = spawnSync(found.clang, [...FLAGS, ...flags, '-o', out, source], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(`build-wasm: ${found.clang} failed on ${file}: ${r.error?.message ?? r.stderr.trim()}`);
    console.error('wasm-ld comes with lld (Debian 12: apt-get install lld-19).');
    process.exit(r.error ? NO_TOOLCHAIN : 1);
  }
  if (tmp) {
    const same = readFileSync(out).equals(readFileSync(target));
    allSame &&= same;
    console.log(same ? `build-wasm: ${file} matches its source (${found.info.line})` : `build-wasm: ${file} differs from a fresh build of smallmm.c (${found.info.line}): run node scripts/build-wasm.mjs and commit it`);
  } else {
    console.log(`build-wasm: wrote ${target} (${readFileSync(target).length} bytes, ${found.info.line})`);
  }
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
process.exit(allSame ? 0 : 1);
