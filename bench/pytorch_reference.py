#!/usr/bin/env python3
"""PyTorch reference for `deep-lessons bench`: the same models, data shapes, batch sizes and SGD.

Workloads (names as in src/cli/bench.ts):
  mlp-32   784-300-100-10 ELU MLP (He normal init), batch 32
  mlp-256  the same, batch 256
  bn-32    the book's batch-norm MLP (BN before each Dense, Keras momentum 0.99 = torch 0.01,
           epsilon 1e-3), batch 32
  deep-32  20 Dense layers of 100 ELU units on 3,072 inputs, then 10, batch 32
  deep100  the notebook's self-normalizing net: Dense 300, then 99 x Dense 100, SELU, LeCun normal
           (Keras's truncated normal), then 10, on 784 inputs, batch 32
Random data (features uniform in [0, 1), uniform labels), sparse categorical cross-entropy, plain
SGD (0.01; 0.001 for deep-32, which diverges on random data at 0.01, and for deep100, as in the notebook), shuffled every epoch with rows gathered into each batch (as our loop does). One
warm-up epoch, then the median of the following epochs' samples per second (wall clock) and per
CPU-second of this process.

Output: JSON lines. The first says which torch, which BLAS (torch.__config__.show()) and how many
threads. Without torch it prints one line {"kind": "missing", ...} and exits with status 3.

  python3 bench/pytorch_reference.py [--quick] [--only mlp-32,bn-32] [--threads N]
"""
import argparse
import json
import os
import platform
import re
import statistics
import sys
import time

WORKLOADS = {
    'mlp-32': dict(inputs=784, batch=32, kind='mlp', lr=0.01, description='784-300-100-10 ELU MLP, batch 32'),
    'mlp-256': dict(inputs=784, batch=256, kind='mlp', lr=0.01, description='784-300-100-10 ELU MLP, batch 256'),
    'bn-32': dict(inputs=784, batch=32, kind='bn', lr=0.01, description="the book's batch-norm MLP, batch 32"),
    'deep-32': dict(inputs=3072, batch=32, kind='deep', lr=0.001, description='20x100 ELU net on 3,072 inputs, batch 32'),
    'deep100': dict(inputs=784, batch=32, kind='selu100', lr=0.001, description='100-layer SELU net (300, then 99 x 100), batch 32'),
}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def blas_of(config):
    """The BLAS torch was built against and, for Debian's build, which one the loader picked."""
    m = re.search(r'BLAS_INFO=([^,\s]+)', config)
    blas = m.group(1) if m else 'unknown'
    loaded = []
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                path = line.split()[-1] if line.split() else ''
                name = os.path.basename(path)
                if ('blas' in name or 'lapack' in name or 'mkl' in name) and path not in loaded:
                    loaded.append(path)
    except OSError:
        pass
    return blas, sorted(set(loaded))


def build(torch, nn, kind, inputs):
    def dense(n_in, n_out, act=True):
        layer = nn.Linear(n_in, n_out)
        if act:
            nn.init.kaiming_normal_(layer.weight, nonlinearity='relu')  # he_normal
        else:
            nn.init.xavier_uniform_(layer.weight)  # Keras's glorot_uniform default
        nn.init.zeros_(layer.bias)
        return [layer, nn.ELU()] if act else [layer]

    def selu(n_in, n_out):
        layer = nn.Linear(n_in, n_out)
        # Keras's lecun_normal: a normal truncated at two standard deviations, std sqrt(1/fan_in)/0.8796...
        std = (1.0 / n_in) ** 0.5 / 0.87962566103423978
        nn.init.trunc_normal_(layer.weight, std=std, a=-2 * std, b=2 * std)
        nn.init.zeros_(layer.bias)
        return [layer, nn.SELU()]

    def bn(n):
        return nn.BatchNorm1d(n, eps=1e-3, momentum=0.01)

    layers = []
    if kind == 'mlp':
        layers = dense(inputs, 300) + dense(300, 100) + dense(100, 10, act=False)
    elif kind == 'bn':
        layers = [bn(inputs)] + dense(inputs, 300) + [bn(300)] + dense(300, 100) + [bn(100)] + dense(100, 10, act=False)
    elif kind == 'deep':
        n = inputs
        for _ in range(20):
            layers += dense(n, 100)
            n = 100
        layers += dense(100, 10, act=False)
    elif kind == 'selu100':
        layers = selu(inputs, 300) + selu(300, 100)
        for _ in range(98):
            layers += selu(100, 100)
        layers += dense(100, 10, act=False)
    return nn.Sequential(*layers)


def measure(torch, nn, name, w, samples, repeats):
    g = torch.Generator().manual_seed(1)
    x = torch.rand(samples, w['inputs'], generator=g)
    y = torch.randint(0, 10, (samples,), generator=g)
    torch.manual_seed(42)
    model = build(torch, nn, w['kind'], w['inputs'])
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=w['lr'])
    loss_fn = nn.CrossEntropyLoss()
    b = w['batch']
    walls, cpus, loss_value = [], [], float('nan')
    for epoch in range(1 + repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        order = torch.randperm(samples, generator=g)
        for i in range(0, samples, b):
            idx = order[i:i + b]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        loss_value = float(loss.item())
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if epoch > 0:  # epoch 0 is the warm-up
            walls.append(samples / wall)
            cpus.append(samples / cpu if cpu > 0 else float('nan'))
    return {
        'kind': 'throughput',
        'engine': 'pytorch',
        'backend': 'torch-cpu',
        'name': name,
        'description': w['description'],
        'batch': b,
        'mode': 'plain',
        'samples': samples,
        'samplesPerSecond': statistics.median(walls),
        'epochsPerSecond': [round(v) for v in walls],
        'samplesPerCpuSecond': statistics.median(cpus),
        'finalLoss': loss_value,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='2,048 samples, 2 measured epochs')
    ap.add_argument('--only', help='comma-separated workloads: ' + ', '.join(WORKLOADS))
    ap.add_argument('--threads', type=int, help='torch.set_num_threads (default: the core count; libgomp may default to 1 here)')
    ap.add_argument('--repeats', type=int, help='measured epochs after the warm-up (default 3, quick 2)')
    args = ap.parse_args()
    try:
        import torch
        from torch import nn
    except ImportError as e:
        emit({'kind': 'missing', 'engine': 'pytorch', 'python': sys.executable,
              'message': f'PyTorch is not installed for {sys.executable} ({e}). On Debian: apt-get install python3-torch libopenblas0-openmp (OpenBLAS: without it torch runs on the slow reference BLAS).'})
        return 3
    names = list(WORKLOADS) if not args.only else [n.strip() for n in args.only.split(',')]
    bad = [n for n in names if n not in WORKLOADS]
    if bad:
        sys.stderr.write(f"pytorch_reference.py: --only: no workload {', '.join(bad)}; there are {', '.join(WORKLOADS)}\n")
        return 2
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    config = torch.__config__.show()
    blas, loaded = blas_of(config)
    emit({'kind': 'machine', 'engine': 'pytorch', 'torch': torch.__version__, 'python': platform.python_version(),
          'threads': torch.get_num_threads(), 'interopThreads': torch.get_num_interop_threads(), 'blas': blas,
          'blasLibrariesLoaded': loaded, 'cores': os.cpu_count(), 'loadavg': list(os.getloadavg())})
    sys.stderr.write(f'torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS_INFO={blas}; BLAS libraries loaded: {", ".join(loaded) or "none found"}\n')
    if blas == 'generic' and not any('openblas' in p or 'mkl' in p for p in loaded):
        sys.stderr.write('  warning: the reference BLAS, about twenty times slower than OpenBLAS: apt-get install libopenblas0-openmp\n')
    samples = 2048 if args.quick else 8192
    repeats = args.repeats or (2 if args.quick else 3)
    for name in names:
        r = measure(torch, nn, name, WORKLOADS[name], samples, repeats)
        emit(r)
        sys.stderr.write(f"  {name}: {r['samplesPerSecond']:,.0f} samples/s ({', '.join(f'{v:,}' for v in r['epochsPerSecond'])}), {r['samplesPerCpuSecond']:,.0f} per CPU-second\n")
    return 0


if __name__ == '__main__':
    sys.exit(main())
