/**
 * Reading float32 tensors into JS for summaries. On the wasm backend the values already lie in
 * the backend's memory: a view on it reads them where they are (no 10 MB copy and allocation per
 * inspection of the 100-layer net). Elsewhere, one `dataSync` of all of them concatenated.
 */
import * as tf from '@tensorflow/tfjs';
import { fastMatMulOptions } from './kernels';

interface HeapBackend {
  typedArrayFromHeap?(t: tf.TensorInfo): Float32Array;
}

/** Whether `readViews` reads float32 tensors in place (the wasm backend; `fastMatMulOptions.inspectInPlace`). */
export function readsInPlace(): boolean {
  return fastMatMulOptions.inspectInPlace && tf.getBackend() === 'wasm' && typeof (tf.backend() as unknown as HeapBackend).typedArrayFromHeap === 'function';
}

/**
 * The values of `tensors` (float32), flat, in order. On wasm the arrays are views on the backend's
 * memory: use them at once, before any other tfjs operation (a kernel may grow the memory, which
 * detaches every view) and before the tensors are disposed.
 */
export function readViews(tensors: readonly tf.Tensor[]): Float32Array[] {
  if (tensors.length === 0) return [];
  const backend = tf.backend() as unknown as HeapBackend;
  if (readsInPlace() && tensors.every((t) => t.dtype === 'float32')) {
    const views = tensors.map((t) => backend.typedArrayFromHeap!(t));
    if (views.every((v, i) => v.length === tensors[i].size)) return views;
  }
  const all = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))));
  const values = all.dataSync() as Float32Array;
  all.dispose();
  let at = 0;
  return tensors.map((t) => {
    const v = values.subarray(at, at + t.size);
    at += t.size;
    return v;
  });
}
