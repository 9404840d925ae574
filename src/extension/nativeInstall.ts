/**
 * Installing the native backend (`@tensorflow/tfjs-node`, TensorFlow's C library) into a folder of
 * the extension's storage, with npm in a child process: platform check, install into a staging
 * folder, a verification in a separate process (injected: see nativeVerify.ts), then the swap into
 * place and a marker file. Every failure is a `NativeInstallError` whose `kind` says what happened
 * and whose message says what to do; nothing is left half-installed. No `vscode` here (the command
 * in nativeBackend.ts gives it progress, cancellation and the log), so tests drive it with a fake npm.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** The version the project pins (package.json's optionalDependencies; a unit test checks they agree). */
export const TFJS_NODE_VERSION = '4.22.0';
/** The marker written once an installation is verified; the extension hands the trainer only a verified one. */
export const MARKER = 'installed.json';
/** Where tfjs-node 4.22.0 has prebuilt binaries (libtensorflow 2.9.1 and the N-API addon): elsewhere its install builds from source. */
export const SUPPORTED_PLATFORMS = ['linux-x64', 'darwin-x64', 'win32-x64'] as const;

export type NativeFailure = 'platform' | 'npm-missing' | 'offline' | 'download-blocked' | 'npm-failed' | 'load-failed' | 'cancelled';

export class NativeInstallError extends Error {
  constructor(
    readonly kind: NativeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'NativeInstallError';
  }
}

/** What the verification in a separate process found. */
export interface VerifyResult {
  ok: boolean;
  /** The backend the trainer chose and why (from its `start` event). */
  backend?: string;
  reason?: string;
  /** The loss of the training step, when it trained. */
  loss?: number;
  ms: number;
  error?: string;
}

export interface Marker {
  version: string;
  platform: string;
  verifiedAt: string;
  reason?: string;
  loss?: number;
}

export interface InstallOptions {
  /** The folder the installation ends up in (`<globalStorage>/native`): an npm prefix. */
  dir: string;
  /** The npm command and leading arguments (default: `npm`, `npm.cmd` on Windows); tests pass `node fake-npm.js`. */
  npm?: string[];
  platform?: string;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** A step for the progress notification. */
  step?: (message: string) => void;
  signal?: AbortSignal;
  /** Loads the module in a separate process and trains one step (nativeVerify.ts). */
  verify: (prefix: string) => Promise<VerifyResult>;
}

/** The tfjs-node package folder inside an npm prefix, if it is there. */
export function tfjsNodeIn(prefix: string): string | undefined {
  const dir = join(prefix, 'node_modules', '@tensorflow', 'tfjs-node');
  return existsSync(join(dir, 'package.json')) ? dir : undefined;
}

/** The marker of a verified installation in `dir`, if any. */
export async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const m = JSON.parse(await fsp.readFile(join(dir, MARKER), 'utf8')) as Marker;
    return typeof m.version === 'string' && tfjsNodeIn(dir) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The source names the run header shows for each way an installation reaches the trainer. */
export const FROM_SETTING = 'the setting deepLessons.nativeBackendPath';
export const FROM_INSTALL = 'installed by DL Lessons: Install Native Backend';

/**
 * What the trainer is handed: the folder of the setting when one is given, else the verified
 * installation in `storageDir`, else nothing (then `auto` finds no tfjs-node and uses wasm).
 */
export async function nativeBackendFolder(settingPath: string | undefined, storageDir: string): Promise<{ dir: string; from: string } | undefined> {
  if (settingPath) return { dir: settingPath, from: FROM_SETTING };
  return (await readMarker(storageDir)) ? { dir: storageDir, from: FROM_INSTALL } : undefined;
}

const NETWORK = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|CERT_\w+|UNABLE_TO_GET_ISSUER_CERT\w*|SELF_SIGNED_CERT\w*)\b/;

/** What a failed `npm install` means, from its output: the registry unreachable, or the libtensorflow download blocked, or else. */
export function classifyNpmFailure(output: string, code: number | null): NativeInstallError {
  const lines = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const tail = lines.slice(-6).join('\n');
  const scriptFailed = /tfjs-node/.test(output) && /(scripts\/install\.js|node-pre-gyp|libtensorflow|storage\.googleapis\.com)/.test(output) && /(command failed|code 1|ERR!|Error)/i.test(output);
  if (scriptFailed) {
    const reason = lines.filter((l) => NETWORK.test(l) || /libtensorflow|storage\.googleapis\.com|node-pre-gyp/.test(l)).slice(-3).join('\n') || tail;
    return new NativeInstallError(
      'download-blocked',
      `npm fetched @tensorflow/tfjs-node, but its install script could not download TensorFlow's C library (libtensorflow 2.9.1) and the addon from storage.googleapis.com:\n${reason}\n` +
        'What to do: allow that host (or set the environment variable TFJS_NODE_CDN_STORAGE to a mirror of it) and run the command again. Training goes on with wasm.',
    );
  }
  const net = lines.find((l) => NETWORK.test(l) && /(registry|request to|network|fetch)/i.test(l)) ?? lines.find((l) => NETWORK.test(l));
  if (net) {
    return new NativeInstallError(
      'offline',
      `npm could not reach its registry: ${net}\n` +
        "What to do: connect to the network (or configure npm's proxy: `npm config set proxy http://…`) and run the command again. Training goes on with wasm.",
    );
  }
  return new NativeInstallError('npm-failed', `npm install failed (exit ${code ?? 'signal'}):\n${tail}\nThe full output is in the "DL Lessons" log. Training goes on with wasm.`);
}

/** Runs npm in `cwd`, each output line to `log`; resolves with the output, or rejects (cancelled, npm missing, failed). */
function runNpm(npm: string[], args: string[], cwd: string, o: InstallOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const windows = (o.platform ?? process.platform) === 'win32';
    const [cmd, ...lead] = npm;
    o.log(`$ ${[cmd, ...lead, ...args].join(' ')}   (in ${cwd})`);
    const child = spawn(cmd!, [...lead, ...args], {
      cwd,
      env: { ...process.env, ...o.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that a cancel also ends the install script npm runs.
      detached: !windows,
      shell: windows,
    });
    let output = '';
    let partial = '';
    const onData = (d: Buffer) => {
      const text = partial + d.toString('utf8');
      const parts = text.split(/\r?\n/);
      partial = parts.pop() ?? '';
      for (const l of parts) if (l.trim()) o.log(l);
      output = (output + d.toString('utf8')).slice(-200_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const kill = () => {
      try {
        if (!windows && child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const onAbort = () => kill();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e: NodeJS.ErrnoException) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (e.code === 'ENOENT') {
        reject(
          new NativeInstallError(
            'npm-missing',
            `npm was not found (${cmd} is not on PATH). What to do: install Node.js, which includes npm (https://nodejs.org), and run the command again; or point the setting deepLessons.nativeBackendPath at an existing @tensorflow/tfjs-node installation. Training goes on with wasm.`,
          ),
        );
      } else reject(new NativeInstallError('npm-failed', `npm could not be started: ${e.message}`));
    });
    child.on('close', (code) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (partial.trim()) o.log(partial);
      if (o.signal?.aborted) reject(new NativeInstallError('cancelled', 'The install was cancelled; nothing was changed. Training goes on with the backend it used before.'));
      else if (code === 0) resolve(output);
      else reject(classifyNpmFailure(output, code));
    });
  });
}

/**
 * Installs and verifies `@tensorflow/tfjs-node@TFJS_NODE_VERSION` into `o.dir`. The previous
 * installation, if any, stays in place until the new one is verified.
 */
export async function installNative(o: InstallOptions): Promise<{ marker: Marker; verify: VerifyResult }> {
  const platform = `${o.platform ?? process.platform}-${o.arch ?? process.arch}`;
  if (!(SUPPORTED_PLATFORMS as readonly string[]).includes(platform)) {
    throw new NativeInstallError(
      'platform',
      `@tensorflow/tfjs-node ${TFJS_NODE_VERSION} has prebuilt binaries for ${SUPPORTED_PLATFORMS.join(', ')} only; this machine is ${platform}. ` +
        'Training goes on with wasm. (Built from source it may work: install it yourself and set deepLessons.nativeBackendPath to its folder.)',
    );
  }
  const staging = `${o.dir}.staging`;
  await fsp.rm(staging, { recursive: true, force: true });
  await fsp.mkdir(staging, { recursive: true });
  try {
    // A project of its own, which allows tfjs-node's install script (npm 11 runs no dependency's
    // install script unless the project allows it; older npm runs them anyway).
    await fsp.writeFile(join(staging, 'package.json'), JSON.stringify({ name: 'deep-lessons-native-backend', private: true, allowScripts: { '@tensorflow/tfjs-node': true } }, null, 2));
    const npm = o.npm ?? [(o.platform ?? process.platform) === 'win32' ? 'npm.cmd' : 'npm'];
    o.step?.(`npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION} (downloads TensorFlow's C library)…`);
    await runNpm(npm, ['install', `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`, '--omit=dev', '--no-audit', '--no-fund', '--loglevel=http'], staging, o);
    if (!tfjsNodeIn(staging)) throw new NativeInstallError('npm-failed', `npm finished but ${join(staging, 'node_modules', '@tensorflow', 'tfjs-node')} is not there. Training goes on with wasm.`);
    if (o.signal?.aborted) throw new NativeInstallError('cancelled', 'The install was cancelled; nothing was changed.');
    o.step?.('checking, in a separate process, that it loads and trains one step…');
    const verify = await o.verify(staging);
    if (!verify.ok || verify.backend !== 'tensorflow') {
      throw new NativeInstallError(
        'load-failed',
        `@tensorflow/tfjs-node installed but does not work here: ${verify.error ?? `the trainer chose ${verify.backend ?? 'nothing'} (${verify.reason ?? 'no reason given'})`}\n` +
          'What to do: see the "DL Lessons" log; on Linux it needs glibc 2.28 or newer. Nothing was changed: training goes on with wasm.',
      );
    }
    const marker: Marker = { version: TFJS_NODE_VERSION, platform, verifiedAt: new Date().toISOString(), reason: verify.reason, loss: verify.loss };
    await fsp.writeFile(join(staging, MARKER), JSON.stringify(marker, null, 2));
    await fsp.rm(o.dir, { recursive: true, force: true });
    await fsp.rename(staging, o.dir);
    return { marker, verify };
  } catch (e) {
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
}
