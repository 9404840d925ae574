/** Datasets for the engine: the real IDX sets (found, downloaded, checked, cached), synthetic sets, and their preparation. */
export { loadDataset, standardize, DEFAULT_VAL_SIZE, type Prepared, type Split, type LoadOptions, type DatasetSpecInput } from './prepare';
export {
  DATASETS,
  REAL_DATASETS,
  DATA_DIR_ENV,
  DATASET_FOLDER_SETTING,
  DatasetError,
  clearDatasetMemo,
  defaultCacheDir,
  effectiveDataDir,
  isRealDataset,
  loadRealDataset,
  resolveIdxFile,
  type DatasetProgress,
  type FetchFn,
  type IdxFileInfo,
  type RawImageDataset,
  type RealDatasetInfo,
  type RealDatasetName,
  type StoreOptions,
} from './store';
export { IdxError, isGzip, maybeGunzip, parseIdx, readIdx, type IdxArray, type IdxKind } from './idx';
export {
  SHAPE_NAMES,
  SYNTHETIC_DATASETS,
  DEFAULT_SAMPLES,
  blobs,
  drawShape,
  generateSynthetic,
  isSynthetic,
  moons,
  shapes,
  spirals,
  type SyntheticData,
  type SyntheticName,
  type SyntheticOptions,
} from './synthetic';
