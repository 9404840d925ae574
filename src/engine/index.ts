/** The engine's public face: what the trainer process and the CLI call. */
export { runExperiment, ModelStore, defaultStore, type Emit, type RunResult } from './run';
export { initBackend, currentBackend, type BackendInfo } from './backend';
export { resolveSpec } from './spec';
export { formatSummary, Model } from './model';
export { runSeeds, seedRunId, seedsOf, MAX_SEEDS, type SeedRun } from './seeds';
export { PauseGate, type PauseState } from './pause';
