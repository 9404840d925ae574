/**
 * Twin runs: a variant starts where its parent started. Each of the variant's own layers with
 * weights takes the parent's initial weights when the parent has a matching layer (same type,
 * same weight shapes, same initializer), in order; its dropout layers draw the parent's masks.
 * With the shared seed (same batches in the same order), the knob is the only difference.
 */
import type { ExperimentSpec, LayerSpec } from '../protocol/spec';
import type { TwinReport } from '../protocol/events';
import { Dropout, Model, type Layer } from './model';
import { Rng } from './rng';

/** What decides a layer's initial weights besides its shapes. */
function initKey(spec: LayerSpec | undefined): string {
  if (!spec || spec.type !== 'Dense') return '';
  return JSON.stringify([spec.kernel_initializer ?? 'glorot_uniform', spec.use_bias ?? true]);
}

function sameShapes(a: Layer, b: Layer): boolean {
  return a.type === b.type && a.params.length === b.params.length && a.params.every((p, i) => p.name === b.params[i].name && p.variable.shape.join('x') === b.params[i].variable.shape.join('x'));
}

/**
 * Give `child` (just built, its first `baseCount` layers reused from another experiment) its
 * parent's initial weights and dropout masks where they match. Returns which layers were shared
 * and which kept their own fresh initialization.
 */
export function twinStart(child: Model, childSpec: ExperimentSpec, baseCount: number, parentSpec: ExperimentSpec, parentName: string): TwinReport {
  const report: TwinReport = { parent: parentName, shared: [], fresh: [] };
  const inputShape = baseCount > 0 ? child.layers[baseCount - 1].outputShape : child.inputShape;
  let parent: Model;
  try {
    parent = Model.build(inputShape, parentSpec.model.layers, new Rng(parentSpec.training.seed).fork(1));
  } catch {
    // The parent's layers do not fit on this input: nothing to share.
    for (const l of child.layers.slice(baseCount)) if (l.params.length) report.fresh.push(l.name);
    return report;
  }
  try {
    const own = child.layers.slice(baseCount);
    let j = 0;
    own.forEach((layer, i) => {
      if (!layer.params.length) return;
      const key = initKey(childSpec.model.layers[i]);
      let k = j;
      while (k < parent.layers.length && !(sameShapes(layer, parent.layers[k]) && initKey(parentSpec.model.layers[k]) === key)) k++;
      if (k === parent.layers.length) {
        report.fresh.push(layer.name);
        return;
      }
      layer.params.forEach((p, n) => p.variable.assign(parent.layers[k].params[n].variable));
      report.shared.push(layer.name);
      j = k + 1;
    });
    // Dropout layers (that drop anything) take the masks of the parent's next one of the same kind, in order.
    const drops = (ls: Layer[]) => ls.filter((l): l is Dropout => l instanceof Dropout && l.rate > 0);
    const parentDrops = drops(parent.layers);
    let d = 0;
    for (const layer of drops(own)) {
      const k = parentDrops.findIndex((p, n) => n >= d && p.alphaDropout === layer.alphaDropout);
      if (k < 0) break;
      layer.index = parentDrops[k].index + baseCount;
      d = k + 1;
    }
  } finally {
    parent.dispose();
  }
  return report;
}
