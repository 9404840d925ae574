// What a VSIX must and must not hold, and its size budget: used by `npm run package` after it
// packs, and by the unit test that packs one. Reads the archive itself (a zip) with yauzl.
import { statSync } from 'node:fs';
import yauzl from 'yauzl';

/** The budget for the whole .vsix file; README.md states the size it has now. */
export const VSIX_BUDGET_BYTES = 2_500_000;

/** Entries (paths inside the archive, under extension/) the installed extension cannot work without. */
export const REQUIRED = [
  'extension/package.json',
  'extension/readme.md',
  'extension/LICENSE.txt',
  'extension/dist/extension.js',
  'extension/dist/trainer.js',
  'extension/dist/webview.js',
  'extension/dist/tfjs-backend-wasm.wasm',
  'extension/dist/tfjs-backend-wasm-simd.wasm',
  'extension/dist/tfjs-backend-wasm-threaded-simd.wasm',
  'extension/dist/smallmm.wasm',
  'extension/dist/smallmm-fma.wasm',
  'extension/dist/katex.min.css',
  'extension/media/panel.css',
  'extension/media/icon.png',
  'extension/schemas/experiment.schema.json',
];

/** Patterns no entry may match: maps, sources, tests, dependencies, caches, the CLI bundle. */
export const FORBIDDEN = [
  [/\.map$/, 'a source map'],
  [/^extension\/(src|test|bench|scripts|bin|out|\.cache|\.ci|node_modules)\//, 'part of the development tree'],
  [/^extension\/dist\/cli\.js$/, 'the terminal command'],
];

/** The entries of a zip file: [{ name, size (uncompressed), compressed }]. */
export function listZip(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = [];
      zip.on('entry', (e) => {
        entries.push({ name: e.fileName, size: e.uncompressedSize, compressed: e.compressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/**
 * Checks a .vsix: its size against the budget, the required entries, no forbidden entry, and as
 * many lessons as the repository has. Returns { bytes, entries, problems } (problems empty: good).
 */
export async function checkVsix(file, { lessons = 0, budget = VSIX_BUDGET_BYTES } = {}) {
  const bytes = statSync(file).size;
  const entries = await listZip(file);
  const names = new Set(entries.map((e) => e.name));
  const problems = [];
  if (bytes > budget) problems.push(`${file} is ${bytes} bytes, over the budget of ${budget} (scripts/vsix.mjs): find what grew with \`npx vsce ls\``);
  for (const r of REQUIRED) if (!names.has(r)) problems.push(`${r} is missing: .vscodeignore leaves it out, or the build did not make it`);
  for (const e of entries.filter((x) => !x.name.endsWith('/'))) {
    const bad = FORBIDDEN.find(([re]) => re.test(e.name));
    if (bad) problems.push(`${e.name} is ${bad[1]} and does not belong in the VSIX (.vscodeignore)`);
  }
  const packed = entries.filter((e) => /^extension\/lessons\/[^/]+\.lesson\.md$/.test(e.name)).length;
  if (packed !== lessons) problems.push(`the VSIX has ${packed} lesson files, the repository ${lessons}`);
  return { bytes, entries, problems };
}
