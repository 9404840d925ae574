// Installs VS Code in the browser (code-server) into .cache/code-server/, the way that works offline
// from the npm registry alone (issue 5): the package with --ignore-scripts, then its native modules
// rebuilt for this Node, VS Code's own dependencies, and Debian's ripgrep in place of the download.
// Idempotent: a stamp file records what was installed; a second run returns at once.
//   node scripts/code-server/setup.mjs           install if needed, print where
//   node scripts/code-server/setup.mjs --force   install again from scratch
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cacheRoot = join(root, '.cache');
export const installDir = join(cacheRoot, 'code-server');
export const packageDir = join(installDir, 'node_modules', 'code-server');
export const vscodeDir = join(packageDir, 'lib', 'vscode');
/** The script to run with node: `node <entry> --auth none ...`. */
export const codeServerEntry = join(packageDir, 'out', 'node', 'entry.js');
const stampFile = join(installDir, 'installed.json');
/** code-server's config file: ours, so that it never writes one into ~/.config. */
export const configFile = join(installDir, 'config.yaml');
const logFile = join(installDir, 'setup.log');

/** Debian packages the editor and the browser tests need (see scripts/setup-machine.sh). */
export const DEBIAN_PACKAGES = ['ripgrep', 'libkrb5-dev', 'pkg-config', 'chromium'];
const NATIVE_VSCODE_MODULES = ['node-pty', '@parcel/watcher', 'native-watchdog', '@vscode/spdlog', '@vscode/deviceid', 'kerberos'];

export class SetupError extends Error {
  constructor(step, detail, advice) {
    super(`code-server setup failed at step "${step}": ${detail}\n  What to do: ${advice}\n  Full log: ${logFile}`);
    this.step = step;
  }
}

function wantedStamp() {
  // Native modules are built for one Node ABI: a different Node means a new install.
  return { codeServer: CODE_SERVER_VERSION, node: process.version, modules: process.versions.modules, platform: `${process.platform}-${process.arch}` };
}

/** True when the stamp says this exact install is complete. */
export function isInstalled() {
  if (!existsSync(stampFile) || !existsSync(codeServerEntry)) return false;
  try {
    const have = JSON.parse(readFileSync(stampFile, 'utf8'));
    const want = wantedStamp();
    return Object.keys(want).every((k) => have[k] === want[k]);
  } catch {
    return false;
  }
}

function log(text) {
  appendFileSync(logFile, text);
}

/** Loopback, no password, no TLS; the command line sets the port and folders. */
export function writeConfig() {
  mkdirSync(installDir, { recursive: true });
  writeFileSync(configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
}

/**
 * node-gyp needs this Node's headers. Node's own installs ship them beside the binary
 * (<prefix>/include/node); pointing npm at them (npm_config_nodedir) spares node-gyp a download
 * from nodejs.org, which a machine that reaches only the npm registry cannot make.
 */
function nodeHeadersEnv() {
  if (process.env.npm_config_nodedir) return {};
  const prefix = join(dirname(process.execPath), '..');
  const header = join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(header)) return {};
  const text = readFileSync(header, 'utf8');
  const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`#define NODE_${k}_VERSION (\\d+)`).exec(text)?.[1]).join('.');
  return v === process.versions.node ? { npm_config_nodedir: prefix } : {};
}

/** Runs one step's command; on failure throws a SetupError naming the step with the output's tail. */
function run(step, cmd, args, cwd, advice, extraEnv = {}) {
  return new Promise((resolve, reject) => {
    log(`\n$ (${cwd}) ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, npm_config_yes: 'true', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false', ...nodeHeadersEnv(), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const keep = (d) => {
      log(d.toString());
      tail = (tail + d.toString()).slice(-3000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => reject(new SetupError(step, `could not start ${cmd}: ${e.message}`, advice)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new SetupError(step, `\`${cmd} ${args.join(' ')}\` in ${cwd} exited with ${signal ?? code}. Last output:\n${indent(lastLines(tail, 15))}`, advice));
    });
  });
}

const lastLines = (s, n) => s.trimEnd().split('\n').slice(-n).join('\n');
const indent = (s) => s.split('\n').map((l) => `    ${l}`).join('\n');

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function link(step, target, path, advice) {
  try {
    if (existsSync(path) || isLink(path)) unlinkSync(path);
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(target, path);
  } catch (e) {
    throw new SetupError(step, `could not link ${path} -> ${target}: ${e.message}`, advice);
  }
}

function isLink(p) {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * Makes sure code-server is installed; returns its paths. `say` receives one line per step.
 * Throws a SetupError naming the failed step and what to do.
 */
export async function ensureCodeServer({ force = false, say = (line) => console.log(line) } = {}) {
  if (!force && isInstalled()) {
    if (!existsSync(configFile)) writeConfig();
    return { installDir, codeServerEntry, fresh: false };
  }
  // One install at a time (npm start and a test run may both ask on a fresh machine).
  const release = await lock(say);
  try {
    if (!force && isInstalled()) return { installDir, codeServerEntry, fresh: false };
    return await install(say);
  } finally {
    release();
  }
}

const lockFile = join(cacheRoot, 'code-server.lock');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

async function lock(say) {
  mkdirSync(cacheRoot, { recursive: true });
  for (let waited = 0; ; waited += 1) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw new SetupError('lock', `could not create ${lockFile}: ${e.message}`, `check that ${cacheRoot} is writable`);
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (!holder || !alive(holder)) {
        rmSync(lockFile, { force: true }); // left by a process that is gone
        continue;
      }
      if (waited === 0) say(`waiting for another install of code-server (process ${holder}) to finish…`);
      if (waited > 600) throw new SetupError('lock', `process ${holder} has held ${lockFile} for 10 minutes`, `stop that process, or delete ${lockFile} if it is not installing`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function install(say) {
  const t0 = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (Number(process.versions.node.split('.')[0]) !== 20) {
    say(`warning: code-server ${CODE_SERVER_VERSION} is built for Node 20; this is Node ${process.version}`);
  }
  mkdirSync(installDir, { recursive: true });
  writeFileSync(logFile, `code-server ${CODE_SERVER_VERSION} setup, ${new Date().toISOString()}, node ${process.version}\n`);
  rmSync(stampFile, { force: true });

  say('[1/7] Debian packages: ' + DEBIAN_PACKAGES.join(', '));
  if (process.platform === 'linux' && existsSync('/usr/bin/dpkg-query')) {
    const missing = missingDebianPackages();
    if (missing.length) {
      await run('Debian packages', 'bash', [join(root, 'scripts', 'setup-machine.sh'), ...missing], root,
        `install them as root: apt-get install -y ${missing.join(' ')}`);
    }
  } else {
    say('      (not a Debian system: install ripgrep, the Kerberos headers, pkg-config and Chromium yourself)');
  }
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) throw new SetupError('Debian packages', 'ripgrep (`rg`) is not on PATH', 'install ripgrep (apt-get install -y ripgrep)');

  // Without a stamp, whatever is in node_modules is from an install that did not finish: start clean.
  const modules = join(installDir, 'node_modules');
  if (existsSync(modules)) {
    say('      removing the previous, unfinished or forced, install');
    const old = `${modules}.old-${process.pid}`;
    try {
      renameSync(modules, old);
      rmSync(old, { recursive: true, force: true, maxRetries: 5 });
    } catch (e) {
      throw new SetupError('clean', `could not remove ${modules}: ${e.message}`, `delete ${installDir} by hand (rm -rf ${installDir}), then run \`npm run setup:editor\` again`);
    }
  }
  // A package.json of its own, so that npm never walks up to the project's.
  writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'deep-lessons-code-server', private: true, description: 'code-server for npm start and the editor tests; made by scripts/code-server/setup.mjs' }, null, 2) + '\n');

  say(`[2/7] npm install code-server@${CODE_SERVER_VERSION} (without its install script, which needs the network beyond npm)`);
  await run('install code-server', npm, ['install', '--ignore-scripts', '--no-save', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], installDir,
    'check that the npm registry is reachable (npm ping) and that the disk has ~1 GB free, then run `npm run setup:editor` again');

  say('[3/7] rebuild argon2 for this Node');
  // npm hoists argon2 next to code-server, so rebuild it from the install folder.
  await run('rebuild argon2', npm, ['rebuild', 'argon2'], installDir,
    'a C++ toolchain is needed (apt-get install -y build-essential python3), then run `npm run setup:editor` again');

  say('[4/7] VS Code\'s own dependencies (lib/vscode)');
  await run('install VS Code dependencies', npm, ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock'], vscodeDir,
    'check that the npm registry is reachable (npm ping), then run `npm run setup:editor -- --force`');

  say('[5/7] rebuild VS Code\'s native modules: ' + NATIVE_VSCODE_MODULES.join(', '));
  await run('rebuild native modules', npm, ['rebuild', ...NATIVE_VSCODE_MODULES], vscodeDir,
    'these need a C++ toolchain, python3, pkg-config and the Kerberos headers (apt-get install -y build-essential python3 pkg-config libkrb5-dev), and node-gyp from the npm registry; then run `npm run setup:editor -- --force`');

  say('[6/7] link Debian\'s ripgrep and node_modules.asar');
  const advice = `check that ${vscodeDir} is writable, then run \`npm run setup:editor -- --force\``;
  link('link ripgrep', rg, join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'), advice);
  link('link node_modules.asar', 'node_modules', join(vscodeDir, 'node_modules.asar'), advice);

  say('[7/7] the built-in extensions\' dependencies (lib/vscode/extensions)');
  await run('install built-in extension dependencies', npm, ['install', '--omit=dev', '--ignore-scripts', '--no-package-lock'], join(vscodeDir, 'extensions'),
    'check that the npm registry is reachable (npm ping), then run `npm run setup:editor -- --force`');

  if (!existsSync(codeServerEntry)) throw new SetupError('check', `${codeServerEntry} is missing after the install`, 'run `npm run setup:editor -- --force`');
  writeConfig();
  const check = spawnSync(process.execPath, [codeServerEntry, '--config', configFile, '--version'], { encoding: 'utf8', timeout: 60_000 });
  if (check.status !== 0 || !check.stdout.split('\n').some((l) => l.startsWith(`${CODE_SERVER_VERSION} `))) {
    throw new SetupError('check', `\`code-server --version\` answered ${JSON.stringify((check.stdout + check.stderr).trim().slice(0, 500))}`, 'run `npm run setup:editor -- --force`');
  }
  writeFileSync(stampFile, JSON.stringify({ ...wantedStamp(), installedAt: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000) }, null, 2) + '\n');
  say(`code-server ${CODE_SERVER_VERSION} installed in ${installDir} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  return { installDir, codeServerEntry, fresh: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const t0 = Date.now();
  try {
    const r = await ensureCodeServer({ force: process.argv.includes('--force') });
    if (!r.fresh) console.log(`code-server ${CODE_SERVER_VERSION} already installed in ${installDir} (${Date.now() - t0} ms)`);
  } catch (e) {
    console.error(e instanceof SetupError ? e.message : e);
    process.exit(1);
  }
}
