// `npm run package`: builds deep-lessons-<version>.vsix with @vscode/vsce, from a staging copy of
// the project whose dist/ holds production bundles (minified, no source maps), so the development
// bundles in dist/ stay as they are. Then checks the archive (scripts/vsix.mjs) and prints its size.
//   node scripts/package.mjs [--out FILE]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkVsix } from './vsix.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outAt = process.argv.indexOf('--out');
const out = resolve(outAt > 0 ? process.argv[outAt + 1] : join(root, `${pkg.name}-${pkg.version}.vsix`));
const stage = join(root, '.cache', 'package');

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${(r.stdout + r.stderr).trim()}`);
  return r.stdout;
}

try {
  // The project's own files as git sees them (tracked, and new ones not ignored); .vscodeignore then
  // decides what of them goes in, exactly as it would in the project folder.
  const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], root).split('\0').filter(Boolean);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const f of files) {
    try {
      cpSync(join(root, f), join(stage, f), { recursive: true });
    } catch (e) {
      if (e.code !== 'ENOENT') throw e; // deleted but not yet committed
    }
  }
  run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production', '--outdir', join(stage, 'dist')], root);
  mkdirSync(dirname(out), { recursive: true });
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--out', out], stage);
  const lessons = readdirSync(join(root, 'lessons')).filter((f) => f.endsWith('.lesson.md')).length;
  const { bytes, entries, problems } = await checkVsix(out, { lessons });
  if (problems.length) throw new Error(`the VSIX fails its check:\n  ${problems.join('\n  ')}`);
  console.log(`${out}: ${entries.length} files, ${(bytes / 1e6).toFixed(2)} MB (${bytes} bytes)`);
} catch (e) {
  console.error(`npm run package: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
