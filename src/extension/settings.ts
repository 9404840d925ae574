/** The extension's settings, read fresh each time (they can change while it runs). */
import * as vscode from 'vscode';
import type { BackendChoice } from '../protocol/events';
import { DEFAULT_BUDGET } from '../protocol/cost';
import type { CostBudget } from '../protocol/cost';
import { MAX_SEEDS } from '../protocol/seeds';

const positiveOr = (v: number, fallback: number) => (Number.isFinite(v) && v > 0 ? v : fallback);

export const SECTION = 'deepLessons';

export interface Settings {
  backend: BackendChoice;
  dataDir?: string;
  chartUpdateRate: number;
  /** 0: the lesson's own epochs. */
  epochsBudget: number;
  trainerRuntime?: string;
  /** Open the lesson to continue when VS Code starts: the first time only, every time, or never. */
  openOnStartup: OpenOnStartup;
  /** Above it a run asks before it starts. */
  budget: CostBudget;
  /** An existing @tensorflow/tfjs-node installation (its folder, or an npm prefix holding it). */
  nativeBackendPath?: string;
  /** Seeds a "Run ×N seeds" runs (2 to MAX_SEEDS). */
  seeds: number;
  /** Finished runs kept per experiment. */
  historySize: number;
}

export type OpenOnStartup = 'firstTime' | 'always' | 'never';
const OPEN_ON_STARTUP: readonly OpenOnStartup[] = ['firstTime', 'always', 'never'];

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const backend = c.get<string>('backend', 'auto');
  const rate = c.get<number>('chartUpdateRate', 4);
  const budget = c.get<number>('epochsBudget', 0);
  const dataDir = c.get<string>('dataDir', '').trim();
  const runtime = c.get<string>('trainerRuntime', '').trim();
  const startup = c.get<string>('openOnStartup', 'firstTime');
  const native = c.get<string>('nativeBackendPath', '').trim();
  const seeds = c.get<number>('seeds', 3);
  const historySize = c.get<number>('historySize', 20);
  return {
    backend: (BACKENDS as readonly string[]).includes(backend) ? (backend as BackendChoice) : 'auto',
    dataDir: dataDir || undefined,
    chartUpdateRate: Number.isFinite(rate) && rate > 0 ? Math.min(rate, 30) : 4,
    epochsBudget: Number.isInteger(budget) && budget > 0 ? budget : 0,
    trainerRuntime: runtime || undefined,
    openOnStartup: (OPEN_ON_STARTUP as readonly string[]).includes(startup) ? (startup as OpenOnStartup) : 'firstTime',
    budget: {
      gigaWork: positiveOr(c.get<number>('budget.gigaWork', DEFAULT_BUDGET.gigaWork), DEFAULT_BUDGET.gigaWork),
      memoryMiB: positiveOr(c.get<number>('budget.memoryMiB', DEFAULT_BUDGET.memoryMiB), DEFAULT_BUDGET.memoryMiB),
    },
    nativeBackendPath: native || undefined,
    seeds: Number.isInteger(seeds) ? Math.min(Math.max(seeds, 2), MAX_SEEDS) : 3,
    historySize: Number.isInteger(historySize) ? Math.min(Math.max(historySize, 1), 200) : 20,
  };
}

export async function setBackend(backend: BackendChoice): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('backend', backend, vscode.ConfigurationTarget.Global);
}
