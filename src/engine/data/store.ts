/**
 * The real datasets (`fashion-mnist`, `mnist`): where their IDX files are found, how they are
 * downloaded, checked and cached, and their decoding (memoised in-process: a trainer process
 * runs many experiments on the same data).
 *
 * Resolution order, per file:
 *   1. a local folder: the `dataDir` option, else the environment variable `DEEP_LESSONS_DATA_DIR`;
 *      both `<dir>/<dataset>/<file>` and `<dir>/<file>` are accepted, gzipped (`.gz`) or not;
 *   2. the cache (`cacheDir`, default `~/.cache/deep-lessons/datasets`): `<cacheDir>/<dataset>/<file>`;
 *   3. a download from the official host (then a mirror), written to a temporary file in the cache
 *      folder and renamed into place only once its SHA-256 matches the pinned one.
 * Every file is checked against its pinned SHA-256 wherever it comes from.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseIdx, maybeGunzip } from './idx';

export const DATA_DIR_ENV = 'DEEP_LESSONS_DATA_DIR';
/** The extension's setting for a local dataset folder (named in error messages). */
export const DATASET_FOLDER_SETTING = 'deepLessons.dataDir';
export const SYNTHETIC_NAMES = ['spirals', 'moons', 'blobs', 'shapes'] as const;

export type RealDatasetName = 'fashion-mnist' | 'mnist';
export const REAL_DATASETS: readonly RealDatasetName[] = ['fashion-mnist', 'mnist'];

export type IdxRole = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export interface IdxFileInfo {
  role: IdxRole;
  /** The official file name (gzipped). */
  file: string;
  kind: 'images' | 'labels';
  /** SHA-256 of the official `.gz` file. */
  sha256: string;
  /** Size of the official `.gz` file, in bytes. */
  bytes: number;
  /** SHA-256 of the gunzipped file (accepted in a local folder under the name without `.gz`). */
  rawSha256: string;
  /** Size of the gunzipped file: the IDX header and 60,000 (train) or 10,000 (test) 28×28 images or labels. */
  rawBytes: number;
}

export interface RealDatasetInfo {
  name: RealDatasetName;
  title: string;
  classNames: string[];
  /** Base URLs tried in order: the official host first, then a well-known mirror. */
  baseUrls: string[];
  files: IdxFileInfo[];
}

/** The four files of a dataset in MNIST's format, in this order, as both datasets name them. */
const IDX_FILES: readonly [IdxRole, string, 'images' | 'labels'][] = [
  ['trainImages', 'train-images-idx3-ubyte.gz', 'images'],
  ['trainLabels', 'train-labels-idx1-ubyte.gz', 'labels'],
  ['testImages', 't10k-images-idx3-ubyte.gz', 'images'],
  ['testLabels', 't10k-labels-idx1-ubyte.gz', 'labels'],
];

/** A dataset's pinned files: per role, the `.gz` file's SHA-256 and size, and the gunzipped file's SHA-256. */
function idxFiles(pins: Record<IdxRole, [sha256: string, bytes: number, rawSha256: string]>): IdxFileInfo[] {
  return IDX_FILES.map(([role, file, kind]) => {
    const [sha256, bytes, rawSha256] = pins[role];
    const n = role.startsWith('train') ? 60_000 : 10_000;
    return { role, file, kind, sha256, bytes, rawSha256, rawBytes: kind === 'images' ? 16 + n * 28 * 28 : 8 + n };
  });
}

export const DATASETS: Record<RealDatasetName, RealDatasetInfo> = {
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (Zalando Research)',
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    baseUrls: [
      // The official links of github.com/zalandoresearch/fashion-mnist (an S3 website: plain HTTP;
      // the pinned SHA-256 is what makes the bytes trustworthy).
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
      // The same files as Keras downloads them.
      'https://storage.googleapis.com/tensorflow/tf-keras-datasets/',
    ],
    files: idxFiles({
      trainImages: ['3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 26421880, 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888'],
      trainLabels: ['a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', 29515, 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9'],
      testImages: ['346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 4422102, '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b'],
      testLabels: ['67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', 5148, '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34'],
    }),
  },
  mnist: {
    name: 'mnist',
    title: 'MNIST handwritten digits',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    baseUrls: [
      // torchvision's first source.
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
    ],
    files: idxFiles({
      trainImages: ['440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422, 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db'],
      trainLabels: ['3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881, '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5'],
      testImages: ['8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877, '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7'],
      testLabels: ['f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542, 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2'],
    }),
  },
};

export function isRealDataset(name: string): name is RealDatasetName {
  return (REAL_DATASETS as readonly string[]).includes(name);
}

/** Progress of one file's resolution; `loadedBytes`/`totalBytes` during `download` (and sizes otherwise). */
export interface DatasetProgress {
  dataset: string;
  file: string;
  phase: 'local' | 'cache' | 'download' | 'verify' | 'done';
  loadedBytes?: number;
  totalBytes?: number;
}

/** A `fetch`-compatible function (the global `fetch` by default; tests pass a fake one). */
export type FetchFn = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface StoreOptions {
  /** A local folder with the IDX files (else `DEEP_LESSONS_DATA_DIR`). */
  dataDir?: string;
  /** Where downloads are kept (default `~/.cache/deep-lessons/datasets`). */
  cacheDir?: string;
  onProgress?: (p: DatasetProgress) => void;
  signal?: AbortSignal;
  fetch?: FetchFn;
  /** A download that receives nothing for this long (connecting included) is given up. Default 30 s. */
  stallTimeoutMs?: number;
  /**
   * A mirror tried before the official hosts: a base URL that the official file names are
   * appended to (e.g. `http://intranet/datasets/fashion-mnist/`). Its files are checked all the same.
   */
  mirror?: string;
}

/** A dataset that cannot be had; the message says why and what to do. `where` names the file. */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export function defaultCacheDir(): string {
  return join(homedir(), '.cache', 'deep-lessons', 'datasets');
}

/** The local folder in effect: the option, else the environment variable, else none. */
export function effectiveDataDir(opts: { dataDir?: string }): { dir: string; from: string } | undefined {
  if (opts.dataDir) return { dir: opts.dataDir, from: 'the data folder option' };
  const env = process.env[DATA_DIR_ENV];
  if (env) return { dir: env, from: DATA_DIR_ENV };
  return undefined;
}


/** Which known file has this SHA-256 (gzipped or raw), if any. */
function identify(hash: string): { dataset: RealDatasetName; file: string } | undefined {
  for (const d of REAL_DATASETS) {
    for (const info of DATASETS[d].files) {
      if (info.sha256 === hash) return { dataset: d, file: info.file };
      if (info.rawSha256 === hash) return { dataset: d, file: info.file.replace(/\.gz$/, '') };
    }
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await fsp.stat(path)).isFile();
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await fsp.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

const duration = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);

/** The largest file the store ever reads (the gunzipped training images): anything larger is refused unread. */
const LARGEST = Math.max(...REAL_DATASETS.flatMap((d) => DATASETS[d].files.map((x) => Math.max(x.bytes, x.rawBytes))));

/**
 * Reads a file of `size` bytes (its size on disk, already checked) in chunks, hashing as it goes,
 * into one buffer of that size: memory is the file's size, never more, and a stop is honoured
 * between chunks. With `keep: false` only the hash is computed (nothing is kept).
 */
async function readHashed(path: string, size: number, signal: AbortSignal | undefined, keep = true): Promise<{ bytes: Uint8Array; hash: string }> {
  const hasher = createHash('sha256');
  const out = new Uint8Array(keep ? size : 0);
  const chunk = new Uint8Array(keep ? 0 : Math.min(size, 1 << 20));
  const handle = await fsp.open(path, 'r');
  try {
    let at = 0;
    while (at < size) {
      if (signal?.aborted) throw abortError(signal);
      const into = keep ? out.subarray(at, Math.min(size, at + (1 << 20))) : chunk.subarray(0, Math.min(chunk.length, size - at));
      const { bytesRead } = await handle.read(into, 0, into.length, at);
      if (bytesRead === 0) throw new DatasetError(`${path}: the file shrank while it was read (${at} of ${size} bytes); run again`, path);
      hasher.update(into.subarray(0, bytesRead));
      at += bytesRead;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { bytes: out, hash: hasher.digest('hex') };
}

/** A size in words: "26,421,880 bytes (25 MiB)". */
function sizeText(n: number): string {
  return `${n.toLocaleString('en-US')} bytes${n >= 2 ** 20 ? ` (${Math.round(n / 2 ** 20).toLocaleString('en-US')} MiB)` : ''}`;
}

async function removeQuietly(path: string): Promise<void> {
  await fsp.rm(path, { force: true }).catch(() => undefined);
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('the dataset load was cancelled');
  e.name = 'AbortError';
  return e;
}

function what(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause;
    const c = cause instanceof Error ? cause.message : cause !== undefined ? String(cause) : '';
    return c && !e.message.includes(c) ? `${e.message}: ${c}` : e.message;
  }
  return String(e);
}

function advice(dataset: RealDatasetName): string {
  const names = DATASETS[dataset].files.map((x) => x.file).join(', ');
  return (
    `What to do: set the environment variable ${DATA_DIR_ENV}, or the extension's setting "${DATASET_FOLDER_SETTING}", ` +
    `to a folder that holds the four IDX files (${names}), directly or in a "${dataset}" subfolder; ` +
    `or connect to the network and run again; or use a synthetic dataset (${SYNTHETIC_NAMES.join(', ')}) that needs no download.`
  );
}

interface Resolved {
  bytes: Uint8Array;
  path: string;
  from: 'local' | 'cache' | 'download';
}

/** Looks for a file in the local folder. Returns undefined when it is not there. */
async function fromLocal(
  dataset: RealDatasetName,
  info: IdxFileInfo,
  dir: string,
  emit: (p: Omit<DatasetProgress, 'dataset' | 'file'>) => void,
  tried: string[],
  signal: AbortSignal | undefined,
): Promise<Resolved | undefined> {
  const raw = info.file.replace(/\.gz$/, '');
  const candidates = [join(dir, dataset, info.file), join(dir, dataset, raw), join(dir, info.file), join(dir, raw)];
  for (const path of candidates) {
    if (!(await exists(path))) continue;
    const flat = !path.startsWith(join(dir, dataset));
    const gz = path.endsWith('.gz');
    const size = (await fsp.stat(path)).size;
    const expectedSize = gz ? info.bytes : info.rawBytes;
    if (size !== expectedSize) {
      // Another dataset's file in a flat folder has its own size: identify it (hashing only, nothing kept) and keep looking.
      const other = flat && size <= LARGEST ? identify((await readHashed(path, size, signal, false)).hash) : undefined;
      if (other && other.dataset !== dataset) {
        tried.push(`${path} is ${other.dataset}'s ${other.file}, not ${dataset}'s`);
        continue;
      }
      throw new DatasetError(
        `${path}: wrong size for ${dataset}'s ${gz ? info.file : raw}: ${sizeText(size)}, expected ${sizeText(expectedSize)}. ` +
          `The file is damaged, truncated or is not the official one: replace it with the official file, or remove it so that the dataset is downloaded (it was not read).`,
        path,
      );
    }
    emit({ phase: 'local', loadedBytes: size, totalBytes: size });
    emit({ phase: 'verify', loadedBytes: size, totalBytes: size });
    const { bytes, hash } = await readHashed(path, size, signal);
    if (hash === info.sha256 || hash === info.rawSha256) return { bytes, path, from: 'local' };
    const other = identify(hash);
    if (flat && other && other.dataset !== dataset) {
      // `<dir>/<file>` holds another dataset's file: not ours, keep looking.
      tried.push(`${path} is ${other.dataset}'s ${other.file}, not ${dataset}'s`);
      continue;
    }
    const expected = path.endsWith('.gz') ? info.sha256 : info.rawSha256;
    const is = other ? ` (it is ${other.dataset}'s ${other.file})` : '';
    throw new DatasetError(
      `${path}: wrong checksum for ${dataset}'s ${path.endsWith('.gz') ? info.file : raw}: SHA-256 ${hash}, expected ${expected}${is}. ` +
        `The file is damaged or is not the official one: replace it with the official file, or remove it so that the dataset is downloaded.`,
      path,
    );
  }
  tried.push(`not in the local folder ${dir} (looked for ${join(dir, dataset, info.file)} and ${join(dir, info.file)}, also without .gz)`);
  return undefined;
}

/** Whether a process with this id is alive (signal 0 checks without signalling; EPERM means it exists). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files of earlier downloads of this file that no running process holds: their
 * name carries the downloading process's id (`.<file>.<pid>.<random>.part`); one whose process is
 * gone is removed at once, any other after an hour without change.
 */
async function removeStaleParts(folder: string, file: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(folder);
  } catch {
    return;
  }
  const hourAgo = Date.now() - 3600_000;
  for (const n of names) {
    if (!n.startsWith(`.${file}.`) || !n.endsWith('.part')) continue;
    const pid = Number(n.slice(file.length + 2).split('.')[0]);
    const p = join(folder, n);
    const st = await fsp.stat(p).catch(() => undefined);
    if (!st) continue;
    if (!(Number.isInteger(pid) && pid > 0 && alive(pid)) || st.mtimeMs < hourAgo) await removeQuietly(p);
  }
}

/**
 * Downloads `url` into `tmp`, hashing as it goes. Gives up when nothing arrives for `stallMs`
 * (connecting included) and when the server sends more than the expected size. Returns the hash.
 */
async function download(url: string, tmp: string, info: IdxFileInfo, fetchFn: FetchFn, stallMs: number, signal: AbortSignal | undefined, emit: (p: Omit<DatasetProgress, 'dataset' | 'file'>) => void): Promise<{ hash: string; bytes: number }> {
  const ac = new AbortController();
  const onAbort = () => ac.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let stalled = false;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ac.abort(new Error(`no data for ${duration(stallMs)}`));
    }, stallMs);
  };
  const handle = await fsp.open(tmp, 'wx');
  try {
    arm();
    const res = await fetchFn(url, { signal: ac.signal });
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''}`);
    if (!res.body) throw new Error('the response has no body');
    const header = Number(res.headers.get('content-length'));
    const total = Number.isFinite(header) && header > 0 ? header : info.bytes;
    const limit = Math.max(total, info.bytes);
    const hasher = createHash('sha256');
    const reader = res.body.getReader();
    let loaded = 0;
    let reported = 0;
    emit({ phase: 'download', loadedBytes: 0, totalBytes: total });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      loaded += value.byteLength;
      if (loaded > limit) {
        await reader.cancel().catch(() => undefined);
        throw new Error(`the server sent more than the expected ${limit} bytes`);
      }
      hasher.update(value);
      await handle.write(value);
      if (loaded - reported >= total / 100) {
        reported = loaded;
        emit({ phase: 'download', loadedBytes: loaded, totalBytes: total });
      }
    }
    if (reported !== loaded) emit({ phase: 'download', loadedBytes: loaded, totalBytes: total });
    await handle.sync();
    return { hash: hasher.digest('hex'), bytes: loaded };
  } catch (e) {
    if (signal?.aborted) throw abortError(signal);
    if (stalled) throw new Error(`no data for ${duration(stallMs)} (offline, or the host does not answer)`, { cause: e });
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await handle.close().catch(() => undefined);
  }
}

/** Finds one IDX file (local folder, cache, download), checked against its pinned SHA-256. */
export async function resolveIdxFile(dataset: RealDatasetName, info: IdxFileInfo, opts: StoreOptions = {}): Promise<Resolved> {
  const emit = (p: Omit<DatasetProgress, 'dataset' | 'file'>) => opts.onProgress?.({ dataset, file: info.file, ...p });
  const tried: string[] = [];
  const signal = opts.signal;
  if (signal?.aborted) throw abortError(signal);

  // 1. The local folder.
  const local = effectiveDataDir(opts);
  if (local) {
    if (await isDir(local.dir)) {
      const r = await fromLocal(dataset, info, local.dir, emit, tried, signal);
      if (r) {
        emit({ phase: 'done', loadedBytes: r.bytes.length, totalBytes: r.bytes.length });
        return r;
      }
    } else {
      tried.push(`the local folder ${local.dir} (from ${local.from}) does not exist`);
    }
  }

  // 2. The cache.
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const folder = join(cacheDir, dataset);
  const target = join(folder, info.file);
  await removeStaleParts(folder, info.file);
  const cachedSize = (await exists(target)) ? (await fsp.stat(target)).size : undefined;
  if (cachedSize !== undefined && cachedSize !== info.bytes) {
    // Checked before reading: a cache entry of the wrong size is damaged (the cache is only written after a check).
    await removeQuietly(target);
    tried.push(`the cached ${target} had the wrong size (${sizeText(cachedSize)}, expected ${sizeText(info.bytes)}) and has been removed`);
  } else if (cachedSize !== undefined) {
    const { bytes, hash } = await readHashed(target, cachedSize, signal);
    emit({ phase: 'cache', loadedBytes: bytes.length, totalBytes: bytes.length });
    emit({ phase: 'verify', loadedBytes: bytes.length, totalBytes: bytes.length });
    if (hash === info.sha256) {
      emit({ phase: 'done', loadedBytes: bytes.length, totalBytes: bytes.length });
      return { bytes, path: target, from: 'cache' };
    }
    // A damaged cache entry (the cache is only ever written after a check): drop it, fetch again.
    await removeQuietly(target);
    tried.push(`the cached ${target} was damaged and has been removed`);
  } else {
    tried.push(`not in the cache (${target})`);
  }

  // 3. Download, to a temporary file renamed into place only once it checks.
  const fetchFn: FetchFn | undefined = opts.fetch ?? (typeof fetch === 'function' ? (url, init) => fetch(url, init) : undefined);
  if (!fetchFn) {
    throw new DatasetError(`${dataset}: cannot get ${info.file}: no way to download here (no fetch). ${tried.join('; ')}.\n${advice(dataset)}`, info.file);
  }
  try {
    await fsp.mkdir(folder, { recursive: true });
  } catch (e) {
    throw new DatasetError(`${dataset}: cannot create the cache folder ${folder}: ${what(e)}.\n${advice(dataset)}`, folder);
  }
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  const mirror = opts.mirror ? (opts.mirror.endsWith('/') ? opts.mirror : opts.mirror + '/') : undefined;
  for (const base of [...(mirror ? [mirror] : []), ...DATASETS[dataset].baseUrls]) {
    const url = base + info.file;
    const tmp = join(folder, `.${info.file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
    try {
      const { hash, bytes } = await download(url, tmp, info, fetchFn, stallMs, signal, emit);
      emit({ phase: 'verify', loadedBytes: bytes, totalBytes: bytes });
      if (hash !== info.sha256) {
        await removeQuietly(tmp);
        tried.push(`downloaded from ${url}, but the checksum is wrong (SHA-256 ${hash}, expected ${info.sha256}; ${bytes} bytes, expected ${info.bytes}); nothing was kept`);
        continue;
      }
      await fsp.rename(tmp, target);
      const { bytes: data } = await readHashed(target, info.bytes, signal);
      emit({ phase: 'done', loadedBytes: data.length, totalBytes: data.length });
      return { bytes: data, path: target, from: 'download' };
    } catch (e) {
      await removeQuietly(tmp);
      if (signal?.aborted) throw abortError(signal);
      tried.push(`download from ${url} failed (${what(e)})`);
    }
  }
  throw new DatasetError(`${dataset}: cannot get ${info.file}:\n  - ${tried.join('\n  - ')}\n${advice(dataset)}`, info.file);
}

/** A real dataset's four files, decoded. Images are `n × rows × cols` bytes, labels `n` bytes. */
export interface RawImageDataset {
  name: RealDatasetName;
  rows: number;
  cols: number;
  numClasses: number;
  classNames: string[];
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
  /** Where each file was found. */
  sources: Record<IdxRole, { path: string; from: 'local' | 'cache' | 'download' }>;
}

const memo = new Map<string, Promise<RawImageDataset>>();

/** Forgets the decoded datasets (tests; or to free memory). */
export function clearDatasetMemo(): void {
  memo.clear();
}

/**
 * Loads and decodes a real dataset. Memoised in-process per (dataset, local folder, cache folder):
 * the second call costs nothing. Callers must not modify the arrays returned.
 */
export function loadRealDataset(name: RealDatasetName, opts: StoreOptions = {}): Promise<RawImageDataset> {
  const key = JSON.stringify([name, effectiveDataDir(opts)?.dir ?? null, opts.cacheDir ?? defaultCacheDir()]);
  const hit = memo.get(key);
  if (hit) return hit;
  const p = decodeRealDataset(name, opts);
  memo.set(key, p);
  p.catch(() => memo.delete(key));
  return p;
}

async function decodeRealDataset(name: RealDatasetName, opts: StoreOptions): Promise<RawImageDataset> {
  const info = DATASETS[name];
  const resolved: Partial<Record<IdxRole, Resolved>> = {};
  for (const file of info.files) resolved[file.role] = await resolveIdxFile(name, file, opts);
  const decoded = await Promise.all(
    info.files.map(async (file) => {
      const r = resolved[file.role]!;
      return parseIdx(await maybeGunzip(r.bytes, r.path), r.path, file.kind);
    }),
  );
  const by = Object.fromEntries(info.files.map((file, i) => [file.role, decoded[i]])) as Record<IdxRole, ReturnType<typeof parseIdx>>;
  const path = (role: IdxRole) => resolved[role]!.path;
  for (const split of ['train', 'test'] as const) {
    const images = by[`${split}Images`];
    const labels = by[`${split}Labels`];
    if (images.dims[0] !== labels.dims[0]) {
      throw new DatasetError(`${path(`${split}Labels`)}: ${labels.dims[0]} labels for ${images.dims[0]} images in ${path(`${split}Images`)}`, path(`${split}Labels`));
    }
    const k = info.classNames.length;
    const bad = labels.data.findIndex((v) => v >= k);
    if (bad >= 0) throw new DatasetError(`${path(`${split}Labels`)}: label ${labels.data[bad]} at index ${bad} is not a class of ${name} (0..${k - 1})`, path(`${split}Labels`));
  }
  const [, rows, cols] = by.trainImages.dims;
  if (by.testImages.dims[1] !== rows || by.testImages.dims[2] !== cols) {
    throw new DatasetError(`${path('testImages')}: images are ${by.testImages.dims.slice(1).join('×')}, the training images ${rows}×${cols}`, path('testImages'));
  }
  const sources = Object.fromEntries(info.files.map((file) => [file.role, { path: resolved[file.role]!.path, from: resolved[file.role]!.from }])) as RawImageDataset['sources'];
  return {
    name,
    rows,
    cols,
    numClasses: info.classNames.length,
    classNames: info.classNames,
    trainImages: by.trainImages.data,
    trainLabels: by.trainLabels.data,
    testImages: by.testImages.data,
    testLabels: by.testLabels.data,
    sources,
  };
}
