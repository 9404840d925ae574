/**
 * "DL Lessons: Install Native Backend" and the native backend's place in the extension: which
 * tfjs-node folder the trainer is handed (the `deepLessons.nativeBackendPath` setting, else the
 * verified installation in the global storage), and a fresh trainer once that changes. The install
 * itself (npm in a child process, the check in a separate process) is in nativeInstall.ts and
 * nativeVerify.ts; here it gets a cancellable progress notification and the log.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import { installNative, nativeBackendFolder, NativeInstallError, TFJS_NODE_VERSION } from './nativeInstall';
import { TFJS_NODE_ENV, TFJS_NODE_SOURCE_ENV, verifyNative } from './nativeVerify';
import type { RunManager } from './runManager';
import { readSettings, SECTION } from './settings';

export class NativeBackend implements vscode.Disposable {
  private folder?: { dir: string; from: string };
  private installing = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly storageDir: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly runs: RunManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.storageDir = join(context.globalStorageUri.fsPath, 'native');
    runs.trainerEnv = () => this.env();
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.nativeBackendPath`)) void this.refresh(true);
      }),
    );
  }

  /** Reads which installation to hand the trainer; `restart`: the next run starts a fresh trainer. */
  async refresh(restart = false): Promise<void> {
    this.folder = await nativeBackendFolder(readSettings().nativeBackendPath, this.storageDir);
    this.log.info(this.folder ? `native backend: ${this.folder.dir} (${this.folder.from})` : 'native backend: none installed (runs use wasm; DL Lessons: Install Native Backend installs it)');
    if (restart) this.runs.restartTrainer();
  }

  /** The environment of the next trainer process. */
  env(): Record<string, string> {
    return this.folder ? { [TFJS_NODE_ENV]: this.folder.dir, [TFJS_NODE_SOURCE_ENV]: this.folder.from } : {};
  }

  /** The command: install, verify, then say what happened and what changes. */
  async install(): Promise<boolean> {
    if (this.installing) {
      void vscode.window.showInformationMessage('The native backend is being installed already (see the notification).');
      return false;
    }
    this.installing = true;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `DL Lessons: installing the native backend (@tensorflow/tfjs-node ${TFJS_NODE_VERSION})`, cancellable: true },
        async (progress, token) => {
          const ac = new AbortController();
          const cancel = token.onCancellationRequested(() => ac.abort());
          this.log.info(`installing @tensorflow/tfjs-node ${TFJS_NODE_VERSION} into ${this.storageDir}`);
          try {
            const { verify } = await installNative({
              dir: this.storageDir,
              log: (line) => this.log.info(`[npm] ${line}`),
              step: (message) => progress.report({ message }),
              signal: ac.signal,
              verify: (prefix) =>
                verifyNative(prefix, {
                  trainerPath: this.context.asAbsolutePath('dist/trainer.js'),
                  runtime: readSettings().trainerRuntime,
                  signal: ac.signal,
                  log: (level, message) => this.log.info(`[check] ${level}: ${message}`),
                }),
            });
            this.log.info(`native backend verified: ${verify.reason ?? ''}; one step, loss ${verify.loss?.toFixed(4)}, ${verify.ms} ms`);
            await this.refresh(true);
            const settings = readSettings();
            const notes = [
              settings.nativeBackendPath ? `The setting deepLessons.nativeBackendPath (${settings.nativeBackendPath}) still takes precedence: clear it to use this installation.` : '',
              settings.backend === 'wasm' || settings.backend === 'cpu' ? `Your backend setting is "${settings.backend}": choose "auto" or "tensorflow" to use it.` : '',
            ].filter(Boolean);
            void vscode.window.showInformationMessage(
              `Native backend installed: @tensorflow/tfjs-node ${TFJS_NODE_VERSION} loaded and trained one step in a separate process. The next run uses it (its header says so). ${notes.join(' ')}`.trim(),
            );
            return true;
          } catch (e) {
            if (!(e instanceof NativeInstallError)) throw e;
            this.log.warn(`native backend not installed (${e.kind}): ${e.message}`);
            if (e.kind === 'cancelled') void vscode.window.showInformationMessage(e.message);
            else void vscode.window.showErrorMessage(e.message, 'Show Log').then((c) => c && this.log.show());
            return false;
          } finally {
            cancel.dispose();
          }
        },
      );
    } finally {
      this.installing = false;
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
