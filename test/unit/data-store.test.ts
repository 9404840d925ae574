// The dataset store: local folder first, then the cache, then a download that is checked and
// written atomically. The downloads here go to a fake fetch function: no test touches the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATASETS, DatasetError, loadDataset, resolveIdxFile, type DatasetProgress, type FetchFn } from '../../src/engine/data';

const DATA_DIR = process.env.DEEP_LESSONS_DATA_DIR;
function realFile(dataset: string, file: string): Buffer {
  assert.ok(DATA_DIR, 'DEEP_LESSONS_DATA_DIR is not set: point it at the real datasets folder (scripts/run-tests.mjs sets it)');
  const p = join(DATA_DIR, dataset, file);
  assert.ok(existsSync(p), `${p} is missing: DEEP_LESSONS_DATA_DIR must hold the official IDX files`);
  return readFileSync(p);
}

const tmp = (tag: string) => mkdtempSync(join(tmpdir(), `dl-data-${tag}-`));
/** Every file under a folder, hidden ones included. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)).map((f) => join(n, f)) : [n]));
}

const fm = DATASETS['fashion-mnist'];
const labelsInfo = fm.files.find((f) => f.file === 't10k-labels-idx1-ubyte.gz')!;

/** A fake server: answers every URL with `body` (in 1 KiB chunks) and counts the calls. */
function serving(body: Uint8Array | ((url: string) => Uint8Array)) {
  const calls: string[] = [];
  const fetch: FetchFn = async (url) => {
    calls.push(url);
    const bytes = typeof body === 'function' ? body(url) : body;
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 1024) c.enqueue(bytes.slice(i, i + 1024));
        c.close();
      },
    });
    return new Response(stream, { headers: { 'content-length': String(bytes.length) } });
  };
  return { fetch, calls };
}

const offline: FetchFn = async () => {
  throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND fashion-mnist.s3-website.eu-central-1.amazonaws.com') });
};
const neverCalled: FetchFn = async (url) => {
  throw new Error(`fetch must not be called, was called for ${url}`);
};

test('every pinned file matches the real one: its role, name and kind in order, the .gz SHA-256 and size, and the gunzipped SHA-256 and size', () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  for (const name of ['fashion-mnist', 'mnist'] as const) {
    const files = DATASETS[name].files;
    assert.deepEqual(files.map((f) => [f.role, f.file, f.kind]), [
      ['trainImages', 'train-images-idx3-ubyte.gz', 'images'],
      ['trainLabels', 'train-labels-idx1-ubyte.gz', 'labels'],
      ['testImages', 't10k-images-idx3-ubyte.gz', 'images'],
      ['testLabels', 't10k-labels-idx1-ubyte.gz', 'labels'],
    ]);
    for (const f of files) {
      const gz = realFile(name, f.file);
      const raw = gunzipSync(gz);
      assert.deepEqual([sha(gz), gz.length, sha(raw), raw.length], [f.sha256, f.bytes, f.rawSha256, f.rawBytes], `${name}/${f.file}`);
    }
  }
});

test('a good download lands in the cache after its check, and the second load reads the cache without fetching', async () => {
  const cacheDir = tmp('cache');
  const good = realFile('fashion-mnist', labelsInfo.file);
  const server = serving(good);
  const progress: DatasetProgress[] = [];
  const r = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: join(cacheDir, 'no-such-folder'), cacheDir, fetch: server.fetch, onProgress: (p) => progress.push(p) });
  assert.equal(r.from, 'download');
  assert.deepEqual(server.calls, ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz']);
  assert.equal(r.path, join(cacheDir, 'fashion-mnist', labelsInfo.file));
  assert.deepEqual(readFileSync(r.path), good);
  assert.deepEqual(filesUnder(cacheDir), [join('fashion-mnist', labelsInfo.file)], 'only the verified file, no temporary file');
  // Progress: download from 0 to all 5148 bytes, then verify, then done.
  const dl = progress.filter((p) => p.phase === 'download');
  assert.equal(dl[0].loadedBytes, 0);
  assert.equal(dl.at(-1)!.loadedBytes, 5148);
  assert.equal(dl.at(-1)!.totalBytes, 5148);
  assert.deepEqual(progress.slice(-2).map((p) => p.phase), ['verify', 'done']);
  assert.ok(progress.every((p) => p.dataset === 'fashion-mnist' && p.file === labelsInfo.file));

  const again: DatasetProgress[] = [];
  const r2 = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: join(cacheDir, 'no-such-folder'), cacheDir, fetch: neverCalled, onProgress: (p) => again.push(p) });
  assert.equal(r2.from, 'cache');
  assert.deepEqual(Buffer.from(r2.bytes), good);
  assert.deepEqual(again.map((p) => p.phase), ['cache', 'verify', 'done']);
});

test('a download with the wrong checksum is a clear error and leaves no file in the cache', async () => {
  const cacheDir = tmp('bad');
  const junk = new Uint8Array(5148).fill(7);
  const server = serving(junk);
  await assert.rejects(resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: join(cacheDir, 'none'), cacheDir, fetch: server.fetch }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.match(e.message, /^fashion-mnist: cannot get t10k-labels-idx1-ubyte\.gz:/);
    assert.match(e.message, /downloaded from http:\/\/fashion-mnist\.s3-website\.eu-central-1\.amazonaws\.com\/t10k-labels-idx1-ubyte\.gz, but the checksum is wrong \(SHA-256 [0-9a-f]{64}, expected 67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5; 5148 bytes, expected 5148\); nothing was kept/);
    return true;
  });
  assert.equal(server.calls.length, 2, 'the official host, then the mirror');
  assert.deepEqual(filesUnder(cacheDir), []);
});

test('when the official host sends junk, the mirror is tried, and what checks is kept', async () => {
  const cacheDir = tmp('mirror');
  const good = realFile('fashion-mnist', labelsInfo.file);
  const server = serving((url) => (url.startsWith('http://fashion-mnist') ? new Uint8Array(100) : good));
  const r = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: join(cacheDir, 'none'), cacheDir, fetch: server.fetch });
  assert.equal(r.from, 'download');
  assert.equal(server.calls[1], 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/t10k-labels-idx1-ubyte.gz');
  assert.deepEqual(filesUnder(cacheDir), [join('fashion-mnist', labelsInfo.file)]);
});

test('a damaged file in the cache is dropped and fetched again', async () => {
  const cacheDir = tmp('damaged');
  mkdirSync(join(cacheDir, 'fashion-mnist'));
  writeFileSync(join(cacheDir, 'fashion-mnist', labelsInfo.file), 'not the file');
  const good = realFile('fashion-mnist', labelsInfo.file);
  const server = serving(good);
  const r = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: join(cacheDir, 'none'), cacheDir, fetch: server.fetch });
  assert.equal(r.from, 'download');
  assert.equal(server.calls.length, 1);
  assert.deepEqual(readFileSync(join(cacheDir, 'fashion-mnist', labelsInfo.file)), good);
});

test('the local folder is looked in first, as <dir>/<dataset>/<file> and as <dir>/<file>', async () => {
  assert.ok(DATA_DIR, 'DEEP_LESSONS_DATA_DIR is not set: point it at the real datasets folder (scripts/run-tests.mjs sets it)');
  const cacheDir = tmp('local');
  // A valid copy in the cache too: the local folder still wins.
  mkdirSync(join(cacheDir, 'fashion-mnist'));
  copyFileSync(join(DATA_DIR, 'fashion-mnist', labelsInfo.file), join(cacheDir, 'fashion-mnist', labelsInfo.file));
  const nested = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: DATA_DIR, cacheDir, fetch: neverCalled });
  assert.equal(nested.from, 'local');
  assert.equal(nested.path, join(DATA_DIR, 'fashion-mnist', labelsInfo.file));

  const flat = tmp('flat');
  copyFileSync(join(DATA_DIR, 'fashion-mnist', labelsInfo.file), join(flat, labelsInfo.file));
  const phases: string[] = [];
  const r = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: flat, cacheDir: tmp('empty'), fetch: neverCalled, onProgress: (p) => phases.push(p.phase) });
  assert.equal(r.from, 'local');
  assert.equal(r.path, join(flat, labelsInfo.file));
  assert.deepEqual(phases, ['local', 'verify', 'done']);
});

test('the environment variable DEEP_LESSONS_DATA_DIR is the local folder when no option is given', async () => {
  assert.ok(DATA_DIR, 'DEEP_LESSONS_DATA_DIR is not set: point it at the real datasets folder (scripts/run-tests.mjs sets it)');
  const r = await resolveIdxFile('mnist', DATASETS.mnist.files[3], { cacheDir: tmp('env'), fetch: neverCalled });
  assert.equal(r.from, 'local');
  assert.equal(r.path, join(DATA_DIR, 'mnist', 't10k-labels-idx1-ubyte.gz'));
});

test('an uncompressed local file is accepted against the checksum of its gunzipped bytes', async () => {
  const dir = tmp('raw');
  const { gunzipSync } = await import('node:zlib');
  mkdirSync(join(dir, 'fashion-mnist'));
  writeFileSync(join(dir, 'fashion-mnist', 't10k-labels-idx1-ubyte'), gunzipSync(realFile('fashion-mnist', labelsInfo.file)));
  const r = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: dir, cacheDir: tmp('c'), fetch: neverCalled });
  assert.equal(r.from, 'local');
  assert.equal(r.bytes.length, 10008);
});

test('a local file of the right size with the wrong checksum is an error that says so', async () => {
  const dir = tmp('wrong');
  mkdirSync(join(dir, 'fashion-mnist'));
  const p = join(dir, 'fashion-mnist', labelsInfo.file);
  const junk = Buffer.alloc(labelsInfo.bytes, 'x');
  writeFileSync(p, junk);
  const hash = createHash('sha256').update(junk).digest('hex');
  await assert.rejects(resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: dir, cacheDir: tmp('c'), fetch: neverCalled }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.where, p);
    assert.match(e.message, new RegExp(`^${escape(p)}: wrong checksum for fashion-mnist's t10k-labels-idx1-ubyte\\.gz: SHA-256 ${hash}, expected 67da17c7`));
    assert.match(e.message, /replace it with the official file, or remove it/);
    return true;
  });
});

const escape = (p: string) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

test('a local file of the wrong size is refused before it is read, naming the file, both sizes and what to do', async () => {
  const dir = tmp('size');
  mkdirSync(join(dir, 'fashion-mnist'));
  const small = join(dir, 'fashion-mnist', labelsInfo.file);
  writeFileSync(small, 'hello');
  await assert.rejects(resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: dir, cacheDir: tmp('c'), fetch: neverCalled }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.where, small);
    assert.equal(
      e.message,
      `${small}: wrong size for fashion-mnist's t10k-labels-idx1-ubyte.gz: 5 bytes, expected 5,148 bytes. The file is damaged, truncated or is not the official one: replace it with the official file, or remove it so that the dataset is downloaded (it was not read).`,
    );
    return true;
  });
  // 3 GB (sparse: no disk used): refused at once, without reading it into memory.
  const images = fm.files[0];
  const huge = join(dir, 'fashion-mnist', images.file);
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 3e9);
  closeSync(fd);
  const rss = process.memoryUsage().rss;
  const t = Date.now();
  await assert.rejects(resolveIdxFile('fashion-mnist', images, { dataDir: dir, cacheDir: tmp('c'), fetch: neverCalled }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.match(e.message, new RegExp(`^${escape(huge)}: wrong size for fashion-mnist's train-images-idx3-ubyte\\.gz: 3,000,000,000 bytes \\(2,861 MiB\\), expected 26,421,880 bytes \\(25 MiB\\)\\. `));
    return true;
  });
  assert.ok(process.memoryUsage().rss - rss < 200 * 2 ** 20, `memory grew by ${(process.memoryUsage().rss - rss) / 2 ** 20} MiB`);
  assert.ok(Date.now() - t < 5000);
});

test('stale .part files whose process is gone are removed at start; those of a live process are kept', async () => {
  const cacheDir = tmp('parts');
  const folder = join(cacheDir, 'fashion-mnist');
  mkdirSync(folder);
  writeFileSync(join(folder, labelsInfo.file), realFile('fashion-mnist', labelsInfo.file));
  // A pid above Linux's largest possible pid (2^22) belongs to no process.
  const dead = `.${labelsInfo.file}.9999999.dead.part`;
  const live = `.${labelsInfo.file}.${process.pid}.live.part`;
  const other = `.${'train-labels-idx1-ubyte.gz'}.9999999.dead.part`;
  for (const n of [dead, live, other]) writeFileSync(join(folder, n), 'partial');
  const r = await resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: join(cacheDir, 'none'), cacheDir, fetch: neverCalled });
  assert.equal(r.from, 'cache');
  assert.deepEqual(readdirSync(folder).sort(), [live, other, labelsInfo.file].sort());
});

test("a flat local folder holding another dataset's file is not taken for this one", async () => {
  const dir = tmp('other');
  copyFileSync(join(DATA_DIR ?? '', 'mnist', labelsInfo.file), join(dir, labelsInfo.file));
  await assert.rejects(resolveIdxFile('fashion-mnist', labelsInfo, { dataDir: dir, cacheDir: tmp('c'), fetch: offline }), /is mnist's t10k-labels-idx1-ubyte\.gz, not fashion-mnist's/);
});

test('a missing local folder and no network: the error says where it looked and what to do', async () => {
  const cacheDir = tmp('offline');
  const missing = join(cacheDir, 'datasets-that-are-not-here');
  const t0 = Date.now();
  await assert.rejects(loadDataset({ name: 'fashion-mnist' }, { seed: 1, dataDir: missing, cacheDir, fetch: offline }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    const m = e.message;
    assert.match(m, /^fashion-mnist: cannot get train-images-idx3-ubyte\.gz:/);
    assert.ok(m.includes(`the local folder ${missing} (from the data folder option) does not exist`), m);
    assert.ok(m.includes(`not in the cache (${join(cacheDir, 'fashion-mnist', 'train-images-idx3-ubyte.gz')})`), m);
    assert.ok(m.includes('download from http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz failed (fetch failed: getaddrinfo ENOTFOUND'), m);
    assert.ok(m.includes('What to do: set the environment variable DEEP_LESSONS_DATA_DIR, or the extension\'s setting "deepLessons.dataDir"'), m);
    assert.ok(m.includes('train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz'), m);
    assert.ok(m.includes('use a synthetic dataset (spirals, moons, blobs, shapes)'), m);
    return true;
  });
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(filesUnder(cacheDir), []);
});

test('a host that never answers is given up after the stall timeout, not waited on forever', async () => {
  const cacheDir = tmp('stall');
  const hang: FetchFn = (_url, init) =>
    new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason as Error)));
  const t0 = Date.now();
  await assert.rejects(
    resolveIdxFile('mnist', DATASETS.mnist.files[3], { dataDir: join(cacheDir, 'none'), cacheDir, fetch: hang, stallTimeoutMs: 150 }),
    /download from https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\/t10k-labels-idx1-ubyte\.gz failed \(no data for 150 ms \(offline, or the host does not answer\)\)/,
  );
  const ms = Date.now() - t0;
  assert.ok(ms >= 300 && ms < 3000, `two hosts × 150 ms, took ${ms} ms`);
  assert.deepEqual(filesUnder(cacheDir), []);
});

test('cancelling mid-download stops at once and leaves nothing in the cache', async () => {
  const cacheDir = tmp('abort');
  const ac = new AbortController();
  const fetch: FetchFn = async (_url, init) => {
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (init.signal.aborted) return c.error(init.signal.reason);
        sent += 1000;
        if (sent === 3000) ac.abort();
        c.enqueue(new Uint8Array(1000));
        return new Promise((r) => setTimeout(r, 5));
      },
    });
    return new Response(stream);
  };
  await assert.rejects(resolveIdxFile('mnist', DATASETS.mnist.files[3], { dataDir: join(cacheDir, 'none'), cacheDir, fetch, signal: ac.signal }), { name: 'AbortError' });
  assert.deepEqual(filesUnder(cacheDir), []);
});

test('a real HTTP download (the default fetch) from a mirror on 127.0.0.1 streams, checks and caches the file', async () => {
  const { createServer } = await import('node:http');
  const good = realFile('mnist', 't10k-labels-idx1-ubyte.gz');
  const asked: string[] = [];
  const loaded: number[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    if (req.url === '/mnist/t10k-labels-idx1-ubyte.gz') {
      res.writeHead(200, { 'content-length': good.length });
      // Two writes, so that the body arrives in more than one piece.
      // The rest is sent once the client has reported the first piece (a fixed delay merged the two
      // pieces on a loaded machine), or after 5 s, when the assertion below says what arrived.
      res.write(good.subarray(0, 2000));
      const t0 = Date.now();
      const rest = (): void => {
        if (loaded.includes(2000) || Date.now() - t0 > 5000) res.end(good.subarray(2000));
        else setTimeout(rest, 5);
      };
      rest();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as { port: number };
    const cacheDir = tmp('http');
    const r = await resolveIdxFile('mnist', DATASETS.mnist.files[3], {
      dataDir: join(cacheDir, 'none'),
      cacheDir,
      mirror: `http://127.0.0.1:${port}/mnist`,
      onProgress: (p) => p.phase === 'download' && loaded.push(p.loadedBytes ?? -1),
    });
    assert.equal(r.from, 'download');
    assert.deepEqual(asked, ['/mnist/t10k-labels-idx1-ubyte.gz']);
    assert.deepEqual(readFileSync(join(cacheDir, 'mnist', 't10k-labels-idx1-ubyte.gz')), good);
    assert.equal(loaded[0], 0);
    assert.equal(loaded.at(-1), 4542);
    assert.ok(loaded.length >= 3, `progress in steps: ${loaded}`);
    assert.deepEqual(filesUnder(cacheDir), [join('mnist', 't10k-labels-idx1-ubyte.gz')]);
  } finally {
    server.close();
  }
});
