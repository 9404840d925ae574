/**
 * A step-by-step trace of the engine, for the PyTorch reference to replay (see docs/reference.md):
 * the model's initial weights, then for each of the first N steps the rows of the batch, the loss
 * and each Dense kernel's gradient norm. `reference.py --replay FILE` starts from the same weights,
 * takes the same batches in float64 and prints both side by side, so a formula that differs shows
 * at the first step where it matters instead of as a different learning curve.
 *
 *   node --import tsx bench/reference/trace.ts SPEC.json STEPS OUT.json
 * SPEC.json is an experiment as `deep-lessons run` takes it (plain SGD, no dropout or batch norm).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { initBackend, resolveSpec } from '../../src/engine';
import { widthOf } from '../../src/engine/context';
import { loadDataset } from '../../src/engine/data/prepare';
import { taskOf } from '../../src/engine/losses';
import { Model } from '../../src/engine/model';
import { createOptimizer } from '../../src/engine/optim/optimizers';
import { Rng } from '../../src/engine/rng';
import { Batch, trainStep } from '../../src/engine/step';

async function main(): Promise<void> {
  const [specFile, stepsArg, out] = process.argv.slice(2);
  if (!specFile || !out) throw new Error('usage: trace.ts SPEC.json STEPS OUT.json');
  const spec = resolveSpec(JSON.parse(readFileSync(specFile, 'utf8')));
  const steps = Number(stepsArg ?? 100);
  await initBackend('auto');
  const t = spec.training;
  const data = await loadDataset(spec.dataset, { dataDir: process.env.DEEP_LESSONS_DATA_DIR, seed: spec.dataset.seed ?? t.seed });
  // As the engine builds and trains it (build.ts, train.ts): weights from fork(1), shuffles from fork(2).
  const model = Model.build(spec.model.input_shape ?? data.inputShape, spec.model.layers, new Rng(t.seed).fork(1));
  const vars = model.trainableVariables();
  const weights = vars.map((v) => ({ shape: v.shape, data: Buffer.from((v.dataSync() as Float32Array).buffer).toString('base64') }));
  const dense = model.denseLayers;
  const kernelIdx = dense.map((d) => vars.indexOf(d.kernel));
  const optimizer = createOptimizer(t.optimizer);
  const setup = { model, task: taskOf(spec, data), numClasses: data.numClasses, optimizer, clip: {}, autoencoder: false, seed: t.seed };
  const width = widthOf(data.inputShape);
  const batchSize = Math.min(t.batch_size, data.train.n);
  const perEpoch = Math.ceil(data.train.n / batchSize);
  const batch = new Batch(batchSize, width);
  const rng = new Rng(t.seed).fork(2);
  const trace: { idx: number[]; loss: number; norms: number[] }[] = [];
  let order = rng.permutation(data.train.n);
  for (let s = 0; s < steps; s++) {
    const b = s % perEpoch;
    if (s > 0 && b === 0) order = rng.permutation(data.train.n);
    const from = b * batchSize;
    const to = Math.min(data.train.n, from + batchSize);
    batch.fill(data.train, order, from, to);
    optimizer.learningRate = t.optimizer.learning_rate;
    const r = trainStep(setup, batch, { vars, kernelIdx }, s, true);
    trace.push({ idx: Array.from(order.subarray(from, to)), loss: r.loss, norms: r.norms ?? [] });
    if (s % 50 === 0) process.stderr.write(`step ${s}: loss ${r.loss.toFixed(4)}\n`);
  }
  writeFileSync(out, JSON.stringify({ spec, weights, steps: trace }));
  optimizer.dispose();
  model.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
