#!/usr/bin/env python3
"""The initial network of a plain Dense ReLU/linear stack, engine draws against the reference's (see
docs/reference.md): for each seed, the net at initialization evaluated in float64 on the first N
training images: the log std of the last hidden layer, the initial loss, the fraction of units that
output 0 for all N images (mean over the hidden layers, and in the last one) and the mean cosine
similarity of two images' activations after layers 1, 10, 50 and 99 (where the net has them).

  node --import tsx bench/reference/init-weights.ts SPEC.json 42 40 DIR
  /usr/bin/python3 bench/reference/init_stats.py SPEC.json DIR 42 40 [--images 2000] [--json OUT.json]
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference as R  # noqa: E402


def stats(ws, x, y, acts):
    h, log_std, dead, cos = x, [], [], {}
    for i in range(len(acts)):
        z = h @ ws[2 * i] + ws[2 * i + 1]
        if i == len(acts) - 1:
            h = z
            break
        h = np.maximum(z, 0) if acts[i] == 'relu' else z
        log_std.append(math.log(h.std()))
        dead.append(float((h.max(0) <= 0).mean()))
        if i + 1 in (1, 10, 50, 99):
            n = np.linalg.norm(h[:500], axis=1, keepdims=True)
            u = h[:500] / np.where(n == 0, 1, n)
            c = u @ u.T
            cos[i + 1] = float((c.sum() - np.trace(c)) / (len(u) * (len(u) - 1)))
    z = h - h.max(1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(1, keepdims=True))
    out = dict(log_std_last=log_std[-1], loss=float(-lp[np.arange(len(y)), y].mean()), dead_mean=float(np.mean(dead)), dead_last=dead[-1])
    out.update({f'cos_{k}': v for k, v in cos.items()})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('spec')
    ap.add_argument('dir', help="init-weights.ts's output folder")
    ap.add_argument('first', type=int)
    ap.add_argument('count', type=int)
    ap.add_argument('--images', type=int, default=2000)
    ap.add_argument('--data-dir', default=os.environ.get('DEEP_LESSONS_DATA_DIR'))
    ap.add_argument('--json', help='also write the per-seed values here (for a test of your choice)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    with open(a.spec) as f:
        spec = json.load(f)
    dense = [l for l in spec['model']['layers'] if l['type'] == 'Dense']
    if len(dense) + 1 != len(spec['model']['layers']) or any(l.get('use_bias') is False for l in dense):
        raise SystemExit('init_stats.py: a Flatten then Dense layers with biases only')
    acts = [R.activation_of(l.get('activation'))[0] for l in dense]
    if any(x not in ('relu', 'linear', 'softmax') for x in acts):
        raise SystemExit('init_stats.py: ReLU or linear hidden layers only')
    data = R.load_data(spec['dataset'], a.data_dir)
    x = data['train'][0][:a.images].double().numpy()
    y = data['train'][1][:a.images].numpy()
    shapes, width = [], x.shape[1]
    for l in dense:
        shapes += [(width, l['units']), (l['units'],)]
        width = l['units']

    def ours(seed):
        raw = np.fromfile(os.path.join(a.dir, f'seed-{seed}.f32'), dtype=np.float32)
        out, at = [], 0
        for s in shapes:
            n = int(np.prod(s))
            out.append(raw[at:at + n].reshape(s).astype(np.float64))
            at += n
        if at != raw.size:
            raise SystemExit(f'seed-{seed}.f32 holds {raw.size} values, the model {at}')
        return out

    def reference(seed):
        net = R.Net(spec, x.shape[1], torch.Generator().manual_seed(seed))
        return [p.detach().double().numpy() for p in net.params]

    seeds = range(a.first, a.first + a.count)
    rows = {'engine': [stats(ours(s), x, y, acts) for s in seeds], 'reference': [stats(reference(s), x, y, acts) for s in seeds]}
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'seeds': list(seeds), **rows}, f)
    for k in rows['engine'][0]:
        e = np.array([r[k] for r in rows['engine']])
        t = np.array([r[k] for r in rows['reference']])
        print(f'{k:13s} engine {e.mean():8.4f} ± {e.std(ddof=1):.4f}   reference {t.mean():8.4f} ± {t.std(ddof=1):.4f}')


if __name__ == '__main__':
    main()
