// `npm run package` builds a VSIX that holds what the installed extension needs, nothing of the
// development tree, within the size budget; README states its size (within 10%).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
interface Entry { name: string; size: number }
interface VsixModule {
  VSIX_BUDGET_BYTES: number;
  REQUIRED: string[];
  listZip(file: string): Promise<Entry[]>;
  checkVsix(file: string, o?: { lessons?: number; budget?: number }): Promise<{ bytes: number; entries: Entry[]; problems: string[] }>;
}
const vsixModule = (): Promise<VsixModule> => import(join(root, 'scripts', 'vsix.mjs')) as Promise<VsixModule>;
const lessons = readdirSync(join(root, 'lessons')).filter((f) => f.endsWith('.lesson.md'));

test('npm run package: a VSIX with the bundles, the wasm binaries, every lesson; no maps, sources or tests; within budget', async () => {
  const { checkVsix, VSIX_BUDGET_BYTES } = await vsixModule();
  const dir = mkdtempSync(join(tmpdir(), 'vsix-'));
  try {
    const out = join(dir, 'x.vsix');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), '--out', out], { cwd: root, encoding: 'utf8', timeout: 110_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const { bytes, entries, problems } = await checkVsix(out, { lessons: lessons.length });
    assert.deepEqual(problems, []);
    assert.ok(bytes <= VSIX_BUDGET_BYTES, `${bytes} bytes`);
    const names = entries.map((e) => e.name);
    for (const l of lessons) assert.ok(names.includes(`extension/lessons/${l}`), l);
    assert.ok(!names.some((n) => /\.map$|\/node_modules\/|\/src\/|\/test\//.test(n)), names.join('\n'));
    // The README states the size this VSIX has, to within 10%.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const stated = /VSIX is about (\d+(?:\.\d+)?) MB/.exec(readme);
    assert.ok(stated, 'README.md says "The VSIX is about N MB"');
    const mb = bytes / 1e6;
    assert.ok(Math.abs(Number(stated[1]) - mb) / mb < 0.1, `README says ${stated[1]} MB, the VSIX is ${mb.toFixed(2)} MB`);
    assert.match(r.stdout, new RegExp(`${entries.length} files, ${mb.toFixed(2)} MB`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the VSIX check names what is wrong: over budget, a missing bundle, a source map, a test file, a lesson short', async () => {
  const { checkVsix, REQUIRED } = await vsixModule();
  const dir = mkdtempSync(join(tmpdir(), 'vsix-bad-'));
  try {
    const tree = join(dir, 'tree');
    const files = [...REQUIRED.filter((f) => !f.endsWith('/webview.js')), 'extension/dist/trainer.js.map', 'extension/test/unit/a.test.ts', 'extension/lessons/01-a.lesson.md'];
    for (const f of files) {
      mkdirSync(dirname(join(tree, f)), { recursive: true });
      writeFileSync(join(tree, f), 'x'.repeat(100));
    }
    const zip = join(dir, 'bad.vsix');
    const py = spawnSync('python3', ['-c', 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])', zip.replace(/\.vsix$/, ''), tree], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    renameSync(zip.replace(/\.vsix$/, '.zip'), zip);
    const { problems } = await checkVsix(zip, { lessons: 2, budget: 500 });
    const text = problems.join('\n');
    assert.match(text, /over the budget of 500/);
    assert.match(text, /extension\/dist\/webview\.js is missing/);
    assert.match(text, /extension\/dist\/trainer\.js\.map is a source map/);
    assert.match(text, /extension\/test\/unit\/a\.test\.ts is part of the development tree/);
    assert.match(text, /1 lesson files, the repository 2/);
    assert.equal(problems.length, 5, text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
