/**
 * The datasets the tests train on. Where `DEEP_LESSONS_DATA_DIR` is set, that folder is used and
 * nothing touches the network. Where it is not, Fashion-MNIST and MNIST are fetched once into
 * `.cache/datasets/` (ignored by git) through the engine's own checksummed downloader, with a
 * progress line, and that folder is used from then on.
 *   node --import tsx scripts/fetch-datasets.ts [CACHE_DIR]
 * prints progress on stderr and, last on stdout, `DEEP_LESSONS_DATA_DIR=<folder>`; exit 1 with what
 * to do when the files cannot be had. scripts/run-tests.mjs runs it before the tiers.
 */
import { join } from 'node:path';
import { DATA_DIR_ENV, DATASETS, REAL_DATASETS, resolveIdxFile, type DatasetProgress, type FetchFn } from '../src/engine/data/store';

export interface TestDatasetOptions {
  /** The environment to read `DEEP_LESSONS_DATA_DIR` from. */
  env: Record<string, string | undefined>;
  /** Where the files are kept when they must be fetched (`.cache/datasets`). */
  cacheDir: string;
  /** A `fetch` for tests (a loopback server); the global one by default. */
  fetch?: FetchFn;
  /** One line of progress or news. */
  say: (line: string) => void;
}

export interface TestDatasets {
  dir: string;
  /** Where it came from: the environment variable, or the cache (with how many files were downloaded now). */
  from: 'env' | 'cache';
  downloaded: number;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A progress reporter that says one line per file and one per tenth of each download. */
function progress(say: (line: string) => void): (p: DatasetProgress) => void {
  let lastTenth = -1;
  return (p) => {
    const name = `${p.dataset}/${p.file}`;
    if (p.phase === 'download' && p.totalBytes) {
      const tenth = Math.floor((10 * (p.loadedBytes ?? 0)) / p.totalBytes);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        say(`  downloading ${name}: ${tenth * 10}% of ${mb(p.totalBytes)}`);
      }
    } else if (p.phase === 'done') {
      lastTenth = -1;
      say(`  ${name}: ready (${mb(p.totalBytes ?? 0)}, SHA-256 checked)`);
    }
  };
}

/** The datasets folder the tests should use; fetches into `cacheDir` only where the variable is unset. */
export async function testDatasets(opts: TestDatasetOptions): Promise<TestDatasets> {
  const set = opts.env[DATA_DIR_ENV];
  if (set) return { dir: set, from: 'env', downloaded: 0 };
  opts.say(`${DATA_DIR_ENV} is not set: getting Fashion-MNIST and MNIST into ${opts.cacheDir} (once; about 43 MB)`);
  let downloaded = 0;
  const onProgress = progress(opts.say);
  for (const dataset of REAL_DATASETS) {
    for (const info of DATASETS[dataset].files) {
      try {
        const r = await resolveIdxFile(dataset, info, { cacheDir: opts.cacheDir, fetch: opts.fetch, onProgress });
        if (r.from === 'download') downloaded++;
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new Error(
          `the tests need the real Fashion-MNIST and MNIST, and they could not be downloaded:\n${why}\n` +
            `What to do: connect to the network and run the tests again (the files are kept in ${opts.cacheDir}), ` +
            `or set ${DATA_DIR_ENV} to a folder that already holds them (<folder>/fashion-mnist/*.gz and <folder>/mnist/*.gz).`,
          { cause: e },
        );
      }
    }
  }
  return { dir: opts.cacheDir, from: 'cache', downloaded };
}

if (require.main === module) {
  const cacheDir = process.argv[2] ?? join(__dirname, '..', '.cache', 'datasets');
  testDatasets({ env: process.env, cacheDir, say: (l) => process.stderr.write(l + '\n') }).then(
    (r) => {
      process.stdout.write(`${DATA_DIR_ENV}=${r.dir}\n`);
    },
    (e: unknown) => {
      process.stderr.write(`datasets: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
