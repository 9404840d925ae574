// Starts and stops code-server for `npm start` and the editor tests: loopback only, no password,
// a free port, its own extensions and user-data folders, and every child process killed on stop
// (code-server runs in its own process group, which holds the extension host and the trainer).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { codeServerEntry, configFile, CODE_SERVER_VERSION } from './setup.mjs';

/** A free TCP port on 127.0.0.1 (asked from the kernel). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Writes the user settings code-server's workbench reads (`<userDataDir>/User/settings.json`),
 * merged over quiet defaults: no welcome page, no telemetry, no update checks, no trust prompt.
 * `keepExisting`: what the file already says wins (a learner's own settings survive `npm start`).
 */
export function writeUserSettings(userDataDir, settings = {}, { keepExisting = false } = {}) {
  const dir = join(userDataDir, 'User');
  const file = join(dir, 'settings.json');
  mkdirSync(dir, { recursive: true });
  let existing = {};
  if (keepExisting && existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return; // settings.json with comments (JSONC): leave it as the learner wrote it
    }
  }
  const all = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'chat.commandCenter.enabled': false,
    'chat.disableAIFeatures': true,
    'git.enabled': false,
    'window.restoreWindows': 'none',
    ...settings,
    ...existing,
  };
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n');
}

/**
 * The workbench address. `payload` entries (e.g. extensionDevelopmentPath, extensionTestsPath,
 * openFile) take absolute paths on this machine and become vscode-remote URIs of this server.
 */
export function workbenchUrl(server, { folder, payload = [] } = {}) {
  const authority = `127.0.0.1:${server.port}`;
  const remote = (p) => `vscode-remote://${authority}${p.split('/').map(encodeURIComponent).join('/')}`;
  const entries = payload.map(([k, v]) => [k, v.startsWith('/') ? remote(v) : v]);
  const q = [];
  if (folder) q.push(`folder=${encodeURIComponent(folder)}`);
  if (entries.length) q.push(`payload=${encodeURIComponent(JSON.stringify(entries))}`);
  return `http://${authority}/${q.length ? '?' + q.join('&') : ''}`;
}

/**
 * Starts code-server and resolves when it listens. Options: folder (opened on a plain address),
 * userDataDir, extensionsDir, logFile (code-server's output), env, port (default: a free one),
 * timeoutMs. Returns { port, url, child, logFile, stop(), logTail(n) }.
 */
export async function startCodeServer({ folder, userDataDir, extensionsDir, logFile, env = {}, port, timeoutMs = 60_000 }) {
  if (!existsSync(codeServerEntry)) throw new Error(`code-server is not installed (${codeServerEntry} is missing): run \`npm run setup:editor\``);
  port ??= await freePort();
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const args = [
    codeServerEntry,
    '--config', configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--extensions-dir', extensionsDir,
    '--user-data-dir', userDataDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (folder) args.push(folder);
  const log = logFile ? createWriteStream(logFile, { flags: 'w' }) : null;
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stop() kills the extension host and the trainer with it
  });
  let output = '';
  const keep = (d) => {
    const s = d.toString();
    output = (output + s).slice(-200_000);
    log?.write(s);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));

  const server = {
    port,
    child,
    logFile,
    url: `http://127.0.0.1:${port}/`,
    logTail: (n = 40) => output.trimEnd().split('\n').slice(-n).join('\n'),
    /** Kills code-server's whole process group: TERM, then KILL after graceMs. */
    async stop(graceMs = 3000) {
      if (exited) return exited;
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
      const r = await exit;
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL'); // whatever of the group outlived its leader
      log?.end();
      return r;
    },
  };
  liveServers.add(server);
  exit.then(() => liveServers.delete(server));

  const ready = await Promise.race([
    new Promise((resolve) => {
      const check = () => (/HTTP server listening on/.test(output) ? resolve('ready') : null);
      child.stdout.on('data', check);
      child.stderr.on('data', check);
    }),
    exit.then((r) => `exited with ${r.signal ?? r.code}`),
    new Promise((resolve) => setTimeout(() => resolve(`did not listen within ${timeoutMs / 1000} s`), timeoutMs).unref()),
  ]);
  if (ready !== 'ready') {
    await server.stop();
    throw new Error(`code-server ${CODE_SERVER_VERSION} ${ready}. Last output:\n${server.logTail(30)}`);
  }
  return server;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

const liveServers = new Set();

/** Kills every code-server this process started, synchronously (for exit and signal handlers). */
export function killAllSync() {
  for (const s of liveServers) killGroup(s.child.pid, 'SIGKILL');
}

/** On Ctrl-C, SIGTERM or a normal exit, no code-server outlives this process. */
export function killOnExit(onSignal) {
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      onSignal?.(sig);
      killAllSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Installs the project into an extensions folder as a link (`<publisher>.<name>-<version>` ->
 * the project folder), so every window of that code-server loads it, as a learner's installed
 * extension would be. Old links of the project and the extensions index are removed first: VS
 * Code rebuilds `extensions.json` by scanning the folder.
 */
export function linkExtension(extensionsDir, projectDir) {
  const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}`;
  mkdirSync(extensionsDir, { recursive: true });
  for (const name of readdirSync(extensionsDir)) {
    if (!(name.startsWith(`${id}-`) || name === 'extensions.json' || name === '.obsolete')) continue;
    const p = join(extensionsDir, name);
    // A link is unlinked (never followed); a real folder (an old copy) is removed.
    if (lstatSync(p).isSymbolicLink()) unlinkSync(p);
    else rmSync(p, { recursive: true, force: true });
  }
  symlinkSync(projectDir, join(extensionsDir, `${id}-${pkg.version}`), 'dir');
  return id;
}
