// scripts/fetch-datasets.ts: where DEEP_LESSONS_DATA_DIR is unset, the test runner gets the real
// datasets once into a cache folder through the engine's checksummed downloader; where it is set,
// nothing is fetched. The "network" is a loopback HTTP server serving the real files (from
// DEEP_LESSONS_DATA_DIR), reached through an injected fetch that only knows that server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASETS, REAL_DATASETS, type FetchFn } from '../../src/engine/data/store';
import { testDatasets } from '../../scripts/fetch-datasets';

const DATA_DIR = process.env.DEEP_LESSONS_DATA_DIR;

/** A loopback server of `<dir>/<dataset>/<file>`; counts the requests it answers. */
async function fileServer(dir: string): Promise<{ server: Server; base: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const path = join(dir, ...(req.url ?? '/').split('/').filter((s) => s && s !== '..'));
    if (!existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** A fetch that sends each official URL to the loopback server (`/<dataset>/<file>`) and refuses every other host. */
function loopbackFetch(base: string, seen: string[]): FetchFn {
  return (url, init) => {
    seen.push(url);
    for (const d of REAL_DATASETS) {
      for (const b of DATASETS[d].baseUrls) if (url.startsWith(b)) return fetch(`${base}/${d}/${url.slice(b.length)}`, init);
    }
    return Promise.reject(new TypeError(`fetch failed: ${url} is not a dataset host`));
  };
}

/** Runs `fn` with DEEP_LESSONS_DATA_DIR unset in this process (the engine's downloader reads it too). */
async function withoutDataDir<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.DEEP_LESSONS_DATA_DIR;
  delete process.env.DEEP_LESSONS_DATA_DIR;
  try {
    return await fn();
  } finally {
    process.env.DEEP_LESSONS_DATA_DIR = saved;
  }
}

test('unset: the eight files are downloaded once into the cache, checked, with progress lines; the second time nothing is fetched', async () => {
  assert.ok(DATA_DIR, 'DEEP_LESSONS_DATA_DIR is not set: point it at the real datasets (scripts/run-tests.mjs does)');
  const { server, base, requests } = await fileServer(DATA_DIR);
  const cache = mkdtempSync(join(tmpdir(), 'datasets-'));
  try {
    const seen: string[] = [];
    const lines: string[] = [];
    const first = await withoutDataDir(() => testDatasets({ env: {}, cacheDir: cache, fetch: loopbackFetch(base, seen), say: (l) => lines.push(l) }));
    assert.deepEqual(first, { dir: cache, from: 'cache', downloaded: 8 });
    assert.equal(requests.length, 8, requests.join(', '));
    // Each file from its dataset's first (official) host, nowhere else.
    for (const d of REAL_DATASETS) {
      for (const f of DATASETS[d].files) {
        assert.ok(seen.includes(DATASETS[d].baseUrls[0] + f.file), `${d}/${f.file}`);
        assert.ok(existsSync(join(cache, d, f.file)), `${d}/${f.file} in the cache`);
      }
      assert.deepEqual(readdirSync(join(cache, d)).filter((n) => n.endsWith('.part')), [], 'no partial file left');
    }
    assert.match(lines[0], /DEEP_LESSONS_DATA_DIR is not set: getting Fashion-MNIST and MNIST into /);
    assert.ok(lines.some((l) => /downloading fashion-mnist\/train-images-idx3-ubyte\.gz: 50% of 26\.4 MB/.test(l)), lines.join('\n'));
    assert.equal(lines.filter((l) => /: ready \(.*SHA-256 checked\)$/.test(l)).length, 8);

    const again = await withoutDataDir(() => testDatasets({ env: {}, cacheDir: cache, fetch: loopbackFetch(base, seen), say: () => undefined }));
    assert.deepEqual(again, { dir: cache, from: 'cache', downloaded: 0 });
    assert.equal(requests.length, 8, 'nothing fetched the second time');
  } finally {
    server.close();
    rmSync(cache, { recursive: true, force: true });
  }
});

test('unset and offline: a clear error saying what to do, and nothing left in the cache', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'datasets-'));
  try {
    const offline: FetchFn = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND') }));
    await assert.rejects(
      withoutDataDir(() => testDatasets({ env: {}, cacheDir: cache, fetch: offline, say: () => undefined })),
      (e: Error) => {
        assert.match(e.message, /could not be downloaded/);
        assert.match(e.message, /fashion-mnist: cannot get train-images-idx3-ubyte\.gz/);
        assert.match(e.message, /ENOTFOUND/);
        assert.match(e.message, /What to do: connect to the network and run the tests again .* or set DEEP_LESSONS_DATA_DIR to a folder/);
        return true;
      },
    );
    const left = existsSync(join(cache, 'fashion-mnist')) ? readdirSync(join(cache, 'fashion-mnist')) : [];
    assert.deepEqual(left, []);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('unset, and a host that serves the wrong bytes: refused by the checksum, nothing kept', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'datasets-'));
  try {
    const wrong: FetchFn = () => Promise.resolve(new Response(new Uint8Array(5000).fill(7)));
    await assert.rejects(
      withoutDataDir(() => testDatasets({ env: {}, cacheDir: cache, fetch: wrong, say: () => undefined })),
      /the checksum is wrong/,
    );
    assert.deepEqual(readdirSync(join(cache, 'fashion-mnist')), []);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('set: that folder is used as it is and nothing is fetched', async () => {
  const calls: string[] = [];
  const never: FetchFn = (url) => {
    calls.push(url);
    return Promise.reject(new Error('the network was touched'));
  };
  const lines: string[] = [];
  const r = await testDatasets({ env: { DEEP_LESSONS_DATA_DIR: '/some/folder' }, cacheDir: '/nowhere', fetch: never, say: (l) => lines.push(l) });
  assert.deepEqual(r, { dir: '/some/folder', from: 'env', downloaded: 0 });
  assert.deepEqual(calls, []);
  assert.deepEqual(lines, []);
});
