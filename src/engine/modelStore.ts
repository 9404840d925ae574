/**
 * Trained models kept for reuse by later experiments (transfer learning, pretraining), by
 * experiment key (`lesson-id/experiment-id`). In memory for the life of the process, and, given a
 * folder, on disk too, so that a restarted trainer (a reloaded editor) does not train a source
 * model again. A saved model is its layers' specs, its input shape and its weights; it is used
 * only while the experiment that made it is unchanged (its fingerprint).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerSpec } from '../protocol/spec';
import { Model } from './model';
import { Rng } from './rng';

interface SavedModel {
  format: 1;
  key: string;
  fingerprint: string;
  inputShape: number[];
  layers: LayerSpec[];
  /** Every variable, in `Model.allVariables()` order. */
  weights: { shape: number[]; data: string }[];
}

const fileOf = (dir: string, key: string) => join(dir, `${encodeURIComponent(key)}.model.json`);

export class ModelStore {
  private readonly models = new Map<string, { model: Model; fingerprint: string }>();

  /** The model trained for `key`, if its experiment is unchanged (`fingerprint`, when given). */
  get(key: string, fingerprint?: string, dir?: string): Model | undefined {
    const m = this.models.get(key);
    if (m && (fingerprint === undefined || m.fingerprint === fingerprint)) return m.model;
    if (!dir) return undefined;
    const saved = readSaved(dir, key);
    if (!saved || (fingerprint !== undefined && saved.fingerprint !== fingerprint)) return undefined;
    const model = Model.build(saved.inputShape, saved.layers, new Rng(0));
    const vars = model.allVariables();
    if (vars.length !== saved.weights.length || vars.some((v, i) => v.shape.join() !== saved.weights[i].shape.join())) {
      model.dispose();
      return undefined;
    }
    vars.forEach((v, i) => {
      const bytes = Buffer.from(saved.weights[i].data, 'base64');
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    });
    this.keep(key, model, saved.fingerprint);
    return model;
  }

  set(key: string, model: Model, fingerprint: string, dir?: string): void {
    this.keep(key, model, fingerprint);
    if (dir) save(dir, key, model, fingerprint);
  }

  clear(): void {
    for (const { model } of this.models.values()) model.dispose();
    this.models.clear();
  }

  get size(): number {
    return this.models.size;
  }

  private keep(key: string, model: Model, fingerprint: string): void {
    const old = this.models.get(key);
    if (old && old.model !== model) old.model.dispose();
    this.models.set(key, { model, fingerprint });
  }
}

function readSaved(dir: string, key: string): SavedModel | undefined {
  try {
    const saved = JSON.parse(readFileSync(fileOf(dir, key), 'utf8')) as SavedModel;
    return saved.format === 1 && saved.key === key ? saved : undefined;
  } catch {
    return undefined; // none saved, or unreadable: the source is trained again
  }
}

/** Written to a temporary file, then renamed: a reader never sees half a model. */
function save(dir: string, key: string, model: Model, fingerprint: string): void {
  const saved: SavedModel = {
    format: 1,
    key,
    fingerprint,
    inputShape: model.inputShape,
    layers: model.layers.map((l) => l.toSpec()),
    weights: model.allVariables().map((v) => {
      const data = v.dataSync() as Float32Array;
      return { shape: v.shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
    }),
  };
  mkdirSync(dir, { recursive: true });
  const file = fileOf(dir, key);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(saved));
  renameSync(tmp, file);
}
