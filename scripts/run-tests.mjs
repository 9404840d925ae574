// Runs the test tiers and closes with one plain line: "tests: N passed, N failed".
//   unit        test/unit/**/*.test.ts       fast, no real training
//   slow        test/slow/**/*.test.ts       real training on the real datasets (DEEP_LESSONS_DATA_DIR)
//   integration test/integration             inside a real extension host (code-server), see test/integration/README.md
//   e2e         test/e2e/run.mjs             a learner's clicks in Chromium against code-server
//               test/e2e/installed.mjs       the same smoke flow against the packaged VSIX, installed
//               test/e2e/inside.mjs          the run card's Inside tab: strip and heat maps, live
//               test/e2e/tryit.mjs           Try it: a knob, a variant run (twin), Save as experiment
//               test/e2e/hostile.mjs         untrusted lesson content: bad and huge math, script HTML,
//                                            links out of the workspace, a 200 KiB file
// `node scripts/run-tests.mjs all` runs every tier that exists; a tier's failure fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';
const filter = process.argv.slice(3);

function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

// The real datasets: tests read them through DEEP_LESSONS_DATA_DIR. Where it is set, that folder
// is used and nothing here touches the network; where it is not, scripts/fetch-datasets.ts gets
// Fashion-MNIST and MNIST once into .cache/datasets (checksummed, with a progress line) and the
// tiers use that folder.
const env = { ...process.env };
if (!env.DEEP_LESSONS_DATA_DIR) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'fetch-datasets.ts'), join(root, '.cache', 'datasets')], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const dir = /^DEEP_LESSONS_DATA_DIR=(.+)$/m.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !dir) {
    console.log('tests: 0 passed, 1 failed (no datasets; see above)');
    process.exit(1);
  }
  env.DEEP_LESSONS_DATA_DIR = dir;
}

let passed = 0;
let failed = 0;
let ok = true;

function nodeTests(tier, files, { concurrency = 1, timeoutMs } = {}) {
  const selected = filter.length ? files.filter((f) => filter.some((s) => f.includes(s))) : files;
  if (selected.length === 0) return;
  console.log(`\n== ${tier}: ${selected.length} files`);
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`];
  if (timeoutMs) args.push(`--test-timeout=${timeoutMs}`);
  const r = spawnSync(process.execPath, [...args, ...selected], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout);
  const count = (label) => Number((r.stdout.match(new RegExp(`^ℹ ${label} (\\d+)$`, 'm')) ?? [])[1] ?? 0);
  passed += count('pass');
  failed += count('fail') + count('cancelled');
  if (r.status !== 0) ok = false;
}

function script(tier, file) {
  if (!existsSync(join(root, file))) return;
  if (filter.length && !filter.some((s) => file.includes(s))) return;
  console.log(`\n== ${tier}: ${file}`);
  const r = spawnSync(process.execPath, [file], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout);
  const m = r.stdout.match(/^(?:[\w-]+: )?(\d+) passed, (\d+) failed/m);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  if (r.status !== 0) {
    ok = false;
    if (!m) failed += 1;
  }
}

const t0 = Date.now();
if (which === 'unit' || which === 'all') nodeTests('unit', findTests(join(root, 'test', 'unit')), { concurrency: 2, timeoutMs: 300_000 });
if (which === 'slow' || which === 'all') nodeTests('slow', findTests(join(root, 'test', 'slow')), { concurrency: 2, timeoutMs: 2_400_000 });
if (which === 'integration' || which === 'all') script('integration', 'test/integration/run.mjs');
if (which === 'e2e' || which === 'all') {
  script('e2e', 'test/e2e/run.mjs');
  script('e2e', 'test/e2e/installed.mjs');
  script('e2e', 'test/e2e/inside.mjs');
  script('e2e', 'test/e2e/tryit.mjs');
  script('e2e', 'test/e2e/hostile.mjs');
}

console.log(`\n${which} tiers took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
