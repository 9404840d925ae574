/**
 * The engine's initial weights for several seeds, as `build.ts` draws them (`new Rng(seed).fork(1)`),
 * for `init_stats.py` to compare with the reference's own draws (see docs/reference.md):
 *
 *   node --import tsx bench/reference/init-weights.ts SPEC.json FIRST_SEED COUNT OUT_DIR
 *
 * writes OUT_DIR/seed-<s>.f32: every trainable variable in the engine's order, raw float32.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend, resolveSpec } from '../../src/engine';
import { loadDataset } from '../../src/engine/data/prepare';
import { Model } from '../../src/engine/model';
import { Rng } from '../../src/engine/rng';

async function main(): Promise<void> {
  const [specFile, firstArg, countArg, out] = process.argv.slice(2);
  if (!specFile || !out) throw new Error('usage: init-weights.ts SPEC.json FIRST_SEED COUNT OUT_DIR');
  const spec = resolveSpec(JSON.parse(readFileSync(specFile, 'utf8')));
  await initBackend('auto');
  const inputShape = spec.model.input_shape ?? (await loadDataset(spec.dataset, { dataDir: process.env.DEEP_LESSONS_DATA_DIR, seed: spec.training.seed })).inputShape;
  mkdirSync(out, { recursive: true });
  const first = Number(firstArg);
  for (let s = first; s < first + Number(countArg ?? 1); s++) {
    const model = Model.build(inputShape, spec.model.layers, new Rng(s).fork(1));
    writeFileSync(join(out, `seed-${s}.f32`), Buffer.concat(model.trainableVariables().map((v) => Buffer.from((v.dataSync() as Float32Array).buffer))));
    model.dispose();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
