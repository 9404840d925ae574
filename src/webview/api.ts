/** The page's side of the webview channel, typed by the shared protocol. */
import type { PanelState, WebviewToHost } from '../protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}

export function getState(): PanelState | undefined {
  return vscode.getState() as PanelState | undefined;
}

export function setState(state: PanelState): void {
  vscode.setState(state);
}
