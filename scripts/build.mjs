// Builds every bundle with esbuild: extension (node, cjs, `vscode` external), trainer (node),
// CLI (node) and webview (browser). `@tensorflow/tfjs-node` stays external (native, optional);
// the wasm backend's `.wasm` files are copied beside the bundles.
//   node scripts/build.mjs [--watch] [--production] [--outdir DIR]
// --production: minified, no source maps. --outdir: where the bundles go (default dist/; the
// packaging script builds into its staging folder so that the development bundles stay as they are).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outAt = process.argv.indexOf('--outdir');
const dist = outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]) : join(root, 'dist');
const out = (file) => relative(root, join(dist, file));
mkdirSync(dist, { recursive: true });

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', '@tensorflow/tfjs-node'],
};

const entries = [
  { entryPoints: ['src/extension/extension.ts'], outfile: out('extension.js'), ...node },
  { entryPoints: ['src/trainer/main.ts'], outfile: out('trainer.js'), ...node },
  { entryPoints: ['src/cli/main.ts'], outfile: out('cli.js'), ...node },
  {
    entryPoints: ['src/webview/main.ts'],
    outfile: out('webview.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file' },
  },
].filter((e) => existsSync(join(root, e.entryPoints[0])));

// The wasm backend loads its binaries from beside the bundle (see src/engine/backend.ts).
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) cpSync(join(wasmDir, f), join(dist, f));
// Our own small-matrix kernels (src/engine/wasm/smallmm.c, built and committed by scripts/build-wasm.mjs).
for (const f of ['smallmm.wasm', 'smallmm-fma.wasm']) cpSync(join(root, 'src', 'engine', 'wasm', f), join(dist, f));

// KaTeX's stylesheet and fonts for the webview.
const katexDist = join(dirname(require.resolve('katex/package.json')), 'dist');
cpSync(join(katexDist, 'katex.min.css'), join(dist, 'katex.min.css'));
cpSync(join(katexDist, 'fonts'), join(dist, 'fonts'), { recursive: true });

if (watch) {
  const contexts = await Promise.all(entries.map((e) => esbuild.context({ absWorkingDir: root, ...e })));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`watching ${entries.length} bundles`);
} else {
  const t0 = Date.now();
  await Promise.all(entries.map((e) => esbuild.build({ absWorkingDir: root, ...e })));
  console.log(`built ${entries.map((e) => e.outfile).join(', ')} in ${Date.now() - t0} ms`);
}
