/**
 * Every command the extension registers. `commands.ts` registers a handler for each (the type
 * `Record<CommandId, …>` makes a missing one a compile error), and a unit test checks that
 * package.json contributes exactly these, with `palette: false` ones hidden from the palette.
 */
export const COMMANDS = {
  'deepLessons.openLesson': { title: 'Open Lesson…', palette: true },
  'deepLessons.runExperiment': { title: 'Run Experiment', palette: true },
  'deepLessons.stopTraining': { title: 'Stop Training', palette: true },
  'deepLessons.compareRuns': { title: 'Compare Runs', palette: true },
  'deepLessons.resetProgress': { title: 'Reset Progress', palette: true },
  'deepLessons.selectBackend': { title: 'Select Backend', palette: true },
  'deepLessons.downloadDatasets': { title: 'Download Datasets', palette: true },
  'deepLessons.newLesson': { title: 'New Lesson', palette: true },
  'deepLessons.showLog': { title: 'Show Training Log', palette: true },
  'deepLessons.exportMetrics': { title: 'Export Run Metrics…', palette: true },
  'deepLessons.refreshLessons': { title: 'Refresh Lessons', palette: true },
  'deepLessons.installNativeBackend': { title: 'Install Native Backend', palette: true },
  'deepLessons.exportKeras': { title: 'Export as Keras Script', palette: true },
  // Internal: from the tree, CodeLenses, the status bar and the panel.
  'deepLessons.openLessonById': { title: 'Open Lesson', palette: false },
  'deepLessons.runExperimentFull': { title: 'Run Experiment (Full Size)', palette: false },
  'deepLessons.compareWithLast': { title: 'Compare with Last Run', palette: false },
  'deepLessons.openLessonFile': { title: 'Open Lesson File', palette: false },
  'deepLessons.pauseTraining': { title: 'Pause Training', palette: false },
  'deepLessons.resumeTraining': { title: 'Resume Training', palette: false },
  'deepLessons.stepEpoch': { title: 'Step One Epoch', palette: false },
} as const;

export type CommandId = keyof typeof COMMANDS;
export const COMMAND_IDS = Object.keys(COMMANDS) as CommandId[];
export const CATEGORY = 'DL Lessons';

/** Ids that package.json must spell the same way. */
export const PANEL_VIEW_TYPE = 'deepLessons.lesson';
export const TREE_VIEW_ID = 'deepLessons.lessons';
export const VIEW_CONTAINER_ID = 'deepLessons';
export const SETTINGS = ['deepLessons.backend', 'deepLessons.dataDir', 'deepLessons.chartUpdateRate', 'deepLessons.epochsBudget', 'deepLessons.trainerRuntime', 'deepLessons.budget.gigaWork', 'deepLessons.budget.memoryMiB', 'deepLessons.nativeBackendPath', 'deepLessons.openOnStartup', 'deepLessons.seeds', 'deepLessons.historySize'] as const;
