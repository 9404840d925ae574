#!/usr/bin/env python3
"""A reference trainer in PyTorch for the engine's experiments (see docs/reference.md).

Reads one experiment as the engine resolves it (JSON: the validated spec, defaults applied) and
trains the same model with the same formulas, written out here from their published sources and
not from the engine: Keras's VarianceScaling initializers (truncated normal cut at 2 sigma, std
divided by .87962566103423978), the TF 2 Keras optimizers (training_ops / optimizer_v2 equations),
Keras's clipping, the book's data split (validation = the first val_size images of the training
file) and preprocessing (x/255, then the training set's per-pixel mean and std).

Differences by design: its own random numbers (torch's generator), so curves agree in
distribution, not bit for bit; a `test_size` subset is the first N test images (the engine draws
a seeded random subset); no autoencoders or LR finder (it says so and exits with status 4). Reuse (transfer learning)
needs the reused experiment's spec (`--source`): it trains that model first, with its own seed.

Output: JSON lines, {"type": "epoch", "epoch": 1, "loss": ..., "accuracy": ..., "val_loss": ...,
"val_accuracy": ...} after each epoch, {"type": "batch", "step": ..., "loss": ...} every
`record.every` steps, then {"type": "end", ...}.

  python3 bench/reference/reference.py SPEC.json --data-dir DIR [--max-batches N] [--seed S] [--threads N]
      [--source SOURCE.json [--source-weights FILE]]
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover - depends on the machine
    sys.stdout.write(json.dumps({'type': 'missing', 'message': f'{e}: install python3-torch and python3-numpy'}) + '\n')
    sys.exit(3)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
TRUNCATED_STD = 0.87962566103423978
CLASS_COUNT = {'fashion-mnist': 10, 'mnist': 10}


class Unsupported(Exception):
    pass


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


# ------------------------------------------------------------------ data

def read_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('>I', data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_data(ds, data_dir):
    name = ds['name']
    if name not in CLASS_COUNT:
        raise Unsupported(f'dataset {name}: the reference reads only the real IDX sets (fashion-mnist, mnist)')
    folder = os.path.join(data_dir, name)
    xtr = read_idx(os.path.join(folder, 'train-images-idx3-ubyte.gz'))
    ytr = read_idx(os.path.join(folder, 'train-labels-idx1-ubyte.gz')).astype(np.int64)
    xte = read_idx(os.path.join(folder, 't10k-images-idx3-ubyte.gz'))
    yte = read_idx(os.path.join(folder, 't10k-labels-idx1-ubyte.gz')).astype(np.int64)
    k = CLASS_COUNT[name]
    if ds.get('classes'):
        kept = list(ds['classes'])
    elif ds.get('exclude_classes'):
        kept = [c for c in range(k) if c not in ds['exclude_classes']]
    else:
        kept = list(range(k))
    mapping = np.full(k, -1, dtype=np.int64)
    for i, c in enumerate(kept):
        mapping[c] = i
    val_size = ds.get('val_size', 5000)
    # The book's split: X_valid, X_train = X_train_full[:5000], X_train_full[5000:]; then the class filter.
    xv, yv = xtr[:val_size], ytr[:val_size]
    xt, yt = xtr[val_size:], ytr[val_size:]

    def keep(x, y):
        m = mapping[y] >= 0
        return x[m], mapping[y[m]]

    xv, yv = keep(xv, yv)
    xt, yt = keep(xt, yt)
    xte, yte = keep(xte, yte)
    if ds.get('train_size') is not None:
        xt, yt = xt[:ds['train_size']], yt[:ds['train_size']]
    if ds.get('test_size') is not None:
        xte, yte = xte[:ds['test_size']], yte[:ds['test_size']]
    pre = ds.get('preprocess', 'scale')
    conv = (lambda a: a.reshape(len(a), -1).astype(np.float64)) if pre == 'none' else (lambda a: a.reshape(len(a), -1).astype(np.float64) / 255.0)
    xt, xv, xte = conv(xt), conv(xv), conv(xte)
    if pre == 'standardize':
        # X_train_scaled = (X_train - pixel_means) / pixel_stds with the training set's statistics
        # (numpy's std: population, ddof 0); a pixel constant over the training set is left unscaled.
        mean = xt.mean(axis=0, keepdims=True)
        std = xt.std(axis=0, keepdims=True)
        std = np.where(std > 0, std + 1e-7, 1.0)
        xt, xv, xte = (xt - mean) / std, (xv - mean) / std, (xte - mean) / std
    f = lambda a: torch.from_numpy(a.astype(np.float32))
    binary = bool(ds.get('binary'))
    lab = (lambda y: torch.from_numpy(y.astype(np.float32))) if binary else (lambda y: torch.from_numpy(y))
    return dict(train=(f(xt), lab(yt)), val=(f(xv), lab(yv)), test=(f(xte), lab(yte)), classes=len(kept), binary=binary, shape=(28, 28))


# ------------------------------------------------------------------ model

NAMED_INIT = {
    'glorot_uniform': (1.0, 'fan_avg', 'uniform'),
    'glorot_normal': (1.0, 'fan_avg', 'truncated_normal'),
    'he_normal': (2.0, 'fan_in', 'truncated_normal'),
    'he_uniform': (2.0, 'fan_in', 'uniform'),
    'lecun_normal': (1.0, 'fan_in', 'truncated_normal'),
    'lecun_uniform': (1.0, 'fan_in', 'uniform'),
}


def init_kernel(spec, fan_in, fan_out, gen):
    w = torch.empty(fan_in, fan_out)
    if spec == 'zeros':
        return w.zero_()
    if spec == 'ones':
        return w.fill_(1.0)
    if isinstance(spec, dict) and spec['name'] == 'random_normal':
        return w.normal_(spec.get('mean', 0.0), spec.get('stddev', 0.05), generator=gen)
    if isinstance(spec, dict) and spec['name'] == 'random_uniform':
        return w.uniform_(spec.get('minval', -0.05), spec.get('maxval', 0.05), generator=gen)
    if isinstance(spec, dict):
        scale, mode, dist = spec.get('scale', 1.0), spec.get('mode', 'fan_in'), spec.get('distribution', 'truncated_normal')
    else:
        scale, mode, dist = NAMED_INIT[spec]
    fan = {'fan_in': fan_in, 'fan_out': fan_out, 'fan_avg': (fan_in + fan_out) / 2}[mode]
    variance = scale / max(1.0, fan)
    if dist == 'uniform':
        limit = math.sqrt(3 * variance)
        return w.uniform_(-limit, limit, generator=gen)
    if dist == 'truncated_normal':
        # tf.random.truncated_normal: redraw outside two standard deviations.
        std = math.sqrt(variance) / TRUNCATED_STD
        return _trunc(w, gen).mul_(std)
    return w.normal_(0.0, math.sqrt(variance), generator=gen)


def _trunc(w, gen):
    """Standard normal draws, redrawn outside [-2, 2] (tf.random.truncated_normal's rule)."""
    flat = w.view(-1)
    filled = 0
    while filled < flat.numel():
        draw = torch.randn(2 * (flat.numel() - filled) + 16, generator=gen)
        draw = draw[draw.abs() <= 2.0][: flat.numel() - filled]
        flat[filled:filled + draw.numel()] = draw
        filled += draw.numel()
    return w


def activation_of(spec):
    if spec is None:
        return 'linear', None
    if isinstance(spec, str):
        return spec, None
    return spec['name'], spec.get('alpha')


def activate(x, name, alpha, prelu=None):
    if name in ('linear', 'softmax'):
        return x  # softmax is fused into the loss (logits out), as the engine does
    if name == 'sigmoid':
        return torch.sigmoid(x)
    if name == 'tanh':
        return torch.tanh(x)
    if name == 'relu':
        return torch.relu(x)
    if name == 'leaky_relu':
        return torch.nn.functional.leaky_relu(x, 0.2 if alpha is None else alpha)
    if name == 'elu':
        a = 1.0 if alpha is None else alpha
        return torch.where(x > 0, x, a * (torch.exp(torch.clamp(x, max=0)) - 1))
    if name == 'selu':
        return SELU_SCALE * torch.where(x > 0, x, SELU_ALPHA * (torch.exp(torch.clamp(x, max=0)) - 1))
    if name == 'gelu':
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    if name == 'swish':
        return x * torch.sigmoid(x)
    if name == 'prelu':
        return torch.where(x > 0, x, prelu * x)
    raise Unsupported(f'activation {name}')


class Net:
    """The layers as plain tensors, so that optimizers, constraints and clipping are written out."""

    def __init__(self, spec, in_features, gen):
        self.layers = []
        self.params = []
        self.frozen = set()  # ids of the parameters no step updates (transfer learning's frozen phase)
        width = in_features
        for i, l in enumerate(spec['model']['layers']):
            t = l['type']
            if t == 'Flatten':
                continue
            if t == 'Dense':
                act, alpha = activation_of(l.get('activation'))
                w = init_kernel(l.get('kernel_initializer', 'glorot_uniform'), width, l['units'], gen).requires_grad_()
                b = torch.zeros(l['units'], requires_grad=True) if l.get('use_bias', True) else None
                p = torch.zeros(l['units'], requires_grad=True) if act == 'prelu' else None
                self.layers.append(dict(type='Dense', w=w, b=b, act=act, alpha=alpha, prelu=p, reg=l.get('kernel_regularizer'), maxnorm=l.get('kernel_constraint')))
                self.params += [q for q in (w, b, p) if q is not None]
                width = l['units']
            elif t == 'BatchNormalization':
                g = torch.ones(width, requires_grad=True)
                be = torch.zeros(width, requires_grad=True)
                self.layers.append(dict(type='BN', gamma=g, beta=be, mean=torch.zeros(width), var=torch.ones(width), momentum=l.get('momentum', 0.99), eps=l.get('epsilon', 1e-3)))
                self.params += [g, be]
            elif t == 'Activation':
                act, alpha = activation_of(l['activation'])
                p = torch.zeros(width, requires_grad=True) if act == 'prelu' else None
                self.layers.append(dict(type='Activation', act=act, alpha=alpha, prelu=p))
                if p is not None:
                    self.params.append(p)
            elif t in ('Dropout', 'AlphaDropout'):
                self.layers.append(dict(type=t, rate=l['rate']))
            else:
                raise Unsupported(f'layer {t}')
        # A sigmoid output is fused into the loss (logits out, binary_cross_entropy_with_logits), as
        # softmax is: applied here too, it would be applied twice.
        if self.layers and self.layers[-1]['type'] in ('Dense', 'Activation') and self.layers[-1]['act'] == 'sigmoid':
            self.layers[-1]['act'] = 'linear'

    def trainable(self):
        return [p for p in self.params if id(p) not in self.frozen]

    def forward(self, x, training, dropout, gen=None):
        for l in self.layers:
            t = l['type']
            if t == 'Dense':
                x = x @ l['w']
                if l['b'] is not None:
                    x = x + l['b']
                x = activate(x, l['act'], l['alpha'], l['prelu'])
            elif t == 'Activation':
                x = activate(x, l['act'], l['alpha'], l['prelu'])
            elif t == 'BN':
                # A frozen batch-norm layer runs in inference mode, as in Keras (TF 2).
                if training and id(l['gamma']) not in self.frozen:
                    mean = x.mean(0)
                    var = x.var(0, unbiased=False)
                    with torch.no_grad():
                        m = l['momentum']
                        # Keras: moving = moving * momentum + batch * (1 - momentum), with the biased variance (TF 2 fused=False path)
                        l['mean'].mul_(m).add_(mean.detach() * (1 - m))
                        l['var'].mul_(m).add_(var.detach() * (1 - m))
                else:
                    mean, var = l['mean'], l['var']
                x = (x - mean) / torch.sqrt(var + l['eps']) * l['gamma'] + l['beta']
            elif t in ('Dropout', 'AlphaDropout') and dropout and l['rate'] > 0:
                keep = 1 - l['rate']
                mask = (torch.rand(x.shape, generator=gen) < keep).float()
                if t == 'Dropout':
                    x = x * mask / keep
                else:
                    ap = -SELU_ALPHA * SELU_SCALE
                    a = (keep * (1 + l['rate'] * ap * ap)) ** -0.5
                    b = -a * ap * l['rate']
                    x = a * (x * mask + ap * (1 - mask)) + b
        return x

    def regularization(self):
        total = None
        for l in self.layers:
            r = l.get('reg') if l['type'] == 'Dense' else None
            if not r:
                continue
            term = 0
            if r.get('l1'):
                term = term + r['l1'] * l['w'].abs().sum()
            if r.get('l2'):
                term = term + r['l2'] * (l['w'] ** 2).sum()
            total = term if total is None else total + term
        return total

    def constrain(self):
        # Keras MaxNorm(max_value, axis=0): w * clip(norms, 0, max) / (epsilon + norms), epsilon 1e-7.
        with torch.no_grad():
            for l in self.layers:
                c = l.get('maxnorm') if l['type'] == 'Dense' else None
                if c:
                    norms = torch.sqrt((l['w'] ** 2).sum(dim=c.get('axis', 0), keepdim=True))
                    l['w'].mul_(torch.clamp(norms, 0, c['max_norm']) / (1e-7 + norms))


# ------------------------------------------------------------------ optimizers (TF 2 Keras equations)

class Optimizer:
    def __init__(self, spec):
        self.name = spec['name']
        self.lr = spec['learning_rate']
        self.spec = spec
        self.eps = spec.get('epsilon', 1e-7)
        self.t = 0
        self.slots = {}
        self.m_cache = 1.0
        if self.name in ('momentum', 'nesterov'):
            self.momentum = spec.get('momentum', 0.9)
        elif self.name == 'sgd':
            self.momentum = spec.get('momentum', 0.0)
        elif self.name == 'rmsprop':
            self.momentum = spec.get('momentum', 0.0)
        elif self.name in ('adam', 'adamax', 'nadam'):
            self.momentum = spec.get('beta_1', 0.9)
        else:
            self.momentum = None

    def slot(self, p, k, init=0.0):
        key = (id(p), k)
        if key not in self.slots:
            self.slots[key] = torch.full_like(p, init)
        return self.slots[key]

    @torch.no_grad()
    def step(self, params, grads):
        self.t += 1
        t, lr, eps, name = self.t, self.lr, self.eps, self.name
        s = self.spec
        if name == 'nadam':
            b1 = self.momentum
            mu_t = b1 * (1 - 0.5 * 0.96 ** (0.004 * t))
            mu_next = b1 * (1 - 0.5 * 0.96 ** (0.004 * (t + 1)))
            sched_new = self.m_cache * mu_t
            sched_next = sched_new * mu_next
            self.m_cache = sched_new
        for p, g in zip(params, grads):
            if name == 'sgd' and not self.momentum:
                p.sub_(lr * g)
            elif name in ('sgd', 'momentum', 'nesterov'):
                m = self.slot(p, 'm')
                m.mul_(self.momentum).sub_(lr * g)
                if name == 'nesterov' or s.get('nesterov'):
                    p.add_(self.momentum * m - lr * g)
                else:
                    p.add_(m)
            elif name == 'adagrad':
                a = self.slot(p, 'a', s.get('initial_accumulator_value', 0.1))
                a.add_(g * g)
                p.sub_(lr * g / (torch.sqrt(a) + eps))
            elif name == 'rmsprop':
                rho = s.get('rho', 0.9)
                ms = self.slot(p, 'ms')
                ms.mul_(rho).add_((1 - rho) * g * g)
                step = lr * g / torch.sqrt(ms + eps)
                if self.momentum:
                    mom = self.slot(p, 'mom')
                    mom.mul_(self.momentum).add_(step)
                    p.sub_(mom)
                else:
                    p.sub_(step)
            elif name == 'adam':
                b1, b2 = self.momentum, s.get('beta_2', 0.999)
                m, v = self.slot(p, 'm'), self.slot(p, 'v')
                m.mul_(b1).add_((1 - b1) * g)
                v.mul_(b2).add_((1 - b2) * g * g)
                lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p.sub_(lr_t * m / (torch.sqrt(v) + eps))
            elif name == 'adamax':
                b1, b2 = self.momentum, s.get('beta_2', 0.999)
                m, u = self.slot(p, 'm'), self.slot(p, 'u')
                m.mul_(b1).add_((1 - b1) * g)
                torch.maximum(b2 * u, g.abs(), out=u)
                p.sub_(lr / (1 - b1 ** t) * m / (u + eps))
            elif name == 'nadam':
                b1, b2 = self.momentum, s.get('beta_2', 0.999)
                m, v = self.slot(p, 'm'), self.slot(p, 'v')
                g_prime = g / (1 - sched_new)
                m.mul_(b1).add_((1 - b1) * g)
                m_prime = m / (1 - sched_next)
                v.mul_(b2).add_((1 - b2) * g * g)
                v_prime = v / (1 - b2 ** t)
                m_bar = (1 - mu_t) * g_prime + mu_next * m_prime
                p.sub_(lr * m_bar / (torch.sqrt(v_prime) + eps))
            else:
                raise Unsupported(f'optimizer {name}')


def clip(grads, tr):
    # Keras (TF 2 optimizer_v2 `_transform_gradients`): clipvalue, then clipnorm (each tensor) or
    # global_clipnorm (all together); both norms at once are refused in its `__init__`.
    if tr.get('clipnorm') is not None and tr.get('global_clipnorm') is not None:
        raise Unsupported('clipnorm with global_clipnorm (Keras refuses both)')
    if tr.get('clipvalue') is not None:
        v = tr['clipvalue']
        grads = [torch.clamp(g, -v, v) for g in grads]
    if tr.get('clipnorm') is not None:
        c = tr['clipnorm']
        grads = [g * (c / torch.clamp(torch.sqrt((g * g).sum()), min=c)) for g in grads]
    if tr.get('global_clipnorm') is not None:
        c = tr['global_clipnorm']
        joint = torch.sqrt(sum((g * g).sum() for g in grads))
        grads = [g * (c / torch.clamp(joint, min=c)) for g in grads]
    return grads


# ------------------------------------------------------------------ schedules

class Schedule:
    def __init__(self, spec, lr0, total_steps, steps_per_epoch):
        self.spec, self.lr0, self.total, self.per_epoch = spec, lr0, total_steps, steps_per_epoch
        self.lr = lr0
        self.best = None
        self.wait = 0

    def at(self, step, epoch):
        s = self.spec
        if not s:
            return self.lr, None
        n = s['name']
        if n == 'performance':
            return self.lr, None
        t = step if s.get('per', 'batch' if n == 'power' else 'epoch') == 'batch' else epoch
        if n == 'power':
            return self.lr0 / (1 + t / s['steps']) ** s.get('power', 1), None
        if n == 'exponential':
            return self.lr0 * 0.1 ** (t / s['steps']), None
        if n == 'piecewise_constant':
            for b, v in zip(s['boundaries'], s['values']):
                if t < b:
                    return v, None
            return s['values'][-1], None
        if n == 'one_cycle':
            # Géron's OneCycleScheduler (notebook): half = int(0.9 * iterations / 2), last phase after 2 * half.
            it, mx = self.total, s['max_lr']
            start = mx / s.get('start_div', 10)
            last = start / s.get('end_div', 1000)
            half = int((1 - s.get('last_fraction', 0.1)) * it / 2)
            mmax, mmin = s.get('max_momentum', 0.95), s.get('min_momentum', 0.85)
            if step < half:
                return start + (mx - start) * step / half, mmax + (mmin - mmax) * step / half
            if step < 2 * half:
                return mx + (start - mx) * (step - half) / half, mmin + (mmax - mmin) * (step - half) / half
            return start + (last - start) * (step - 2 * half) / max(1, it - 2 * half), mmax
        raise Unsupported(f'schedule {n}')

    def epoch_end(self, logs):
        s = self.spec
        if not s or s['name'] != 'performance':
            return
        mon = s.get('monitor', 'val_loss')
        cur = logs.get(mon)
        if cur is None:
            return
        d = s.get('min_delta', 1e-4)  # Keras ReduceLROnPlateau's min_delta
        better = (lambda a, b: a > b + d) if 'acc' in mon else (lambda a, b: a < b - d)
        if self.best is None or better(cur, self.best):
            self.best, self.wait = cur, 0
        else:
            self.wait += 1
            if self.wait >= s.get('patience', 5):
                self.lr = max(self.lr * s.get('factor', 0.5), s.get('min_lr', 0.0))
                self.wait = 0


# ------------------------------------------------------------------ reuse (transfer learning)

def source_net(source_file, weights_file, data_dir):
    """The reused experiment's model (the notebook's model A), trained with its own spec and seed,
    as the engine trains a dependency; its weights kept in `weights_file` for the next runs."""
    if not source_file:
        raise Unsupported('model.reuse needs --source SPEC.json, the reused experiment')
    with open(source_file) as f:
        source = json.load(f)
    if source['model'].get('reuse'):
        raise Unsupported('a reused experiment that itself reuses another')
    key = json.dumps(source, sort_keys=True)
    data = load_data(source['dataset'], data_dir)
    gen = torch.Generator().manual_seed(source['training'].get('seed', 42))
    net = Net(source, data['train'][0].shape[1], gen)
    if weights_file and os.path.exists(weights_file):
        saved = torch.load(weights_file)
        if saved['spec'] == key:
            with torch.no_grad():
                for p, w in zip(net.params, saved['params']):
                    p.copy_(w)
            for l, st in zip((l for l in net.layers if l['type'] == 'BN'), saved['bn']):
                l['mean'], l['var'] = st
            emit({'type': 'source', 'trained': False, 'weights': weights_file})
            return source, net
    t0 = time.time()
    fit(net, source, data, gen, kind='source_epoch')
    _, acc = evaluate(net, *data['val'], data['binary']) if len(data['val'][0]) else (None, None)
    emit({'type': 'source', 'trained': True, 'val_accuracy': acc, 'seconds': time.time() - t0})
    if weights_file:
        bn = [(l['mean'], l['var']) for l in net.layers if l['type'] == 'BN']
        torch.save({'spec': key, 'params': [p.detach() for p in net.params], 'bn': bn}, weights_file)
    return source, net


def reusing_net(spec, source_and_net, gen):
    """Copies of the source's first layers (`take_first`, or all but `drop_last`, counted as the
    engine counts them: Flatten included), frozen while `freeze_epochs` > 0, under `spec`'s own
    new layers, initialized from `gen` (Keras: clone_model, set_weights, Sequential(layers[:-1]))."""
    source, src = source_and_net
    reuse = spec['model']['reuse']
    specs = source['model']['layers']
    count = reuse.get('take_first', len(specs) - reuse.get('drop_last', 1))
    if not 1 <= count <= len(specs):
        raise Unsupported(f'cannot reuse {count} of the {len(specs)} layers of the source')
    kept = sum(1 for l in specs[:count] if l['type'] != 'Flatten')
    width = next((l['w'].shape[1] for l in reversed(src.layers[:kept]) if l['type'] == 'Dense'), None)
    if width is None:
        raise Unsupported('reuse of layers without a Dense layer')
    net = Net(spec, width, gen)
    copies, params = [], []
    for l in src.layers[:kept]:
        c = {k: (v.detach().clone().requires_grad_() if isinstance(v, torch.Tensor) and v.requires_grad else v.clone() if isinstance(v, torch.Tensor) else v) for k, v in l.items()}
        copies.append(c)
        params += [c[k] for k in ('w', 'b', 'prelu', 'gamma', 'beta') if c.get(k) is not None]
    net.layers = copies + net.layers
    net.params = params + net.params
    if reuse.get('freeze_epochs', 0) > 0:
        net.frozen = {id(p) for p in params}
    return net


# ------------------------------------------------------------------ loop

def loss_of(out, y, binary):
    if binary:
        return torch.nn.functional.binary_cross_entropy_with_logits(out.reshape(-1), y)
    return torch.nn.functional.cross_entropy(out, y)


def evaluate(net, x, y, binary):
    with torch.no_grad():
        total, correct = 0.0, 0
        for i in range(0, len(x), 1000):
            out = net.forward(x[i:i + 1000], training=False, dropout=False)
            yy = y[i:i + 1000]
            total += float(loss_of(out, yy, binary)) * len(yy)
            pred = (out.reshape(-1) > 0).float() if binary else out.argmax(1)
            correct += int((pred == yy).sum())
        reg = net.regularization()
        return total / len(x) + (float(reg) if reg is not None else 0.0), correct / len(x)


def replay(path, data_dir, dtype):
    """Replays an engine trace (bench/reference/trace.ts): same initial weights, same batches."""
    import base64
    with open(path) as f:
        tr = json.load(f)
    spec = tr['spec']
    if spec['training']['optimizer']['name'] != 'sgd':
        raise Unsupported('replay is for plain SGD traces')
    torch.set_default_dtype(dtype)
    data = load_data(spec['dataset'], data_dir)
    x, y = data['train']
    x = x.to(dtype)
    net = Net(spec, x.shape[1], torch.Generator().manual_seed(0))
    with torch.no_grad():
        for p, w in zip(net.params, tr['weights']):
            arr = np.frombuffer(base64.b64decode(w['data']), dtype=np.float32).reshape(w['shape'])
            p.copy_(torch.from_numpy(arr.astype(np.float64 if dtype == torch.float64 else np.float32)))
    lr = spec['training']['optimizer']['learning_rate']
    kernels = [l['w'] for l in net.layers if l['type'] == 'Dense']
    for step, s in enumerate(tr['steps']):
        idx = torch.tensor(s['idx'])
        out = net.forward(x[idx], training=True, dropout=False)
        loss = loss_of(out, y[idx], data['binary'])
        grads = torch.autograd.grad(loss, net.params)
        gmap = {id(p): g for p, g in zip(net.params, grads)}
        norms = [float(torch.sqrt((gmap[id(k)] ** 2).sum())) for k in kernels]
        with torch.no_grad():
            for p, g in zip(net.params, grads):
                p.sub_(lr * g)
        ours = s['norms']
        emit({'type': 'replay', 'step': step, 'loss_ours': s['loss'], 'loss_ref': float(loss),
              'norm_first_ours': ours[0] if ours else None, 'norm_first_ref': norms[0],
              'norm_last_ours': ours[-1] if ours else None, 'norm_last_ref': norms[-1],
              'max_norm_rel_diff': max(abs(a - b) / max(b, 1e-30) for a, b in zip(ours, norms)) if ours else None})


def main():
    if len(sys.argv) > 2 and sys.argv[1] == '--replay':
        rp = argparse.ArgumentParser()
        rp.add_argument('--replay')
        rp.add_argument('--data-dir', default=os.environ.get('DEEP_LESSONS_DATA_DIR'))
        rp.add_argument('--float32', action='store_true')
        ra = rp.parse_args()
        try:
            replay(ra.replay, ra.data_dir, torch.float32 if ra.float32 else torch.float64)
        except Unsupported as e:
            emit({'type': 'unsupported', 'message': str(e)})
            sys.exit(4)
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('spec')
    ap.add_argument('--data-dir', default=os.environ.get('DEEP_LESSONS_DATA_DIR'))
    ap.add_argument('--max-batches', type=int, default=0, help='stop each epoch after N batches (0: all)')
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--source', help='with model.reuse: the reused experiment (JSON, resolved as the spec)')
    ap.add_argument('--source-weights', help='with --source: a file keeping its trained weights (made on the first run)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(a.spec) as f:
        spec = json.load(f)
    tr = spec['training']
    try:
        for field, what in (('lr_finder', 'the LR finder'), ('autoencoder', 'autoencoders'), ('early_stopping', 'early stopping')):
            if tr.get(field):
                raise Unsupported(what)
        if not a.data_dir:
            raise Unsupported('no --data-dir and no DEEP_LESSONS_DATA_DIR')
        data = load_data(spec['dataset'], a.data_dir)
        seed = tr.get('seed', 42) if a.seed is None else a.seed
        gen = torch.Generator().manual_seed(seed)
        x, y = data['train']
        if spec['model'].get('reuse'):
            net = reusing_net(spec, source_net(a.source, a.source_weights, a.data_dir), gen)
        else:
            net = Net(spec, x.shape[1], gen)
    except Unsupported as e:
        emit({'type': 'unsupported', 'message': str(e)})
        sys.exit(4)
    emit({'type': 'start', 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'trainSize': len(x), 'seed': seed})
    t0 = time.time()
    fit(net, spec, data, gen, a.max_batches)
    end = {'type': 'end', 'seconds': time.time() - t0}
    if spec.get('evaluate', {}).get('test', True) and len(data['test'][0]):
        tl, ta = evaluate(net, *data['test'], data['binary'])
        end['test'] = {'loss': tl, 'accuracy': ta}
    emit(end)


def fit(net, spec, data, gen, max_batches=0, kind='epoch'):
    """The training loop: shuffled batches, the schedule, clipping, constraints; one `kind` event per
    epoch. With `model.reuse`, the reused layers (net.frozen) stay frozen for `freeze_epochs`, then
    train with a new optimizer at `unfreeze_learning_rate` (the notebook compiles again: SGD anew)."""
    tr = spec['training']
    x, y = data['train']
    bs = tr.get('batch_size', 32)
    epochs = tr.get('epochs', 5)
    per_epoch = math.ceil(len(x) / bs)
    if max_batches:
        per_epoch = min(per_epoch, max_batches)
    opt = Optimizer(tr['optimizer'])
    sched = Schedule(tr.get('schedule'), opt.lr, epochs * per_epoch, per_epoch)
    reuse = spec['model'].get('reuse') or {}
    every = spec.get('record', {}).get('every', 10)
    step = 0
    t0 = time.time()
    for epoch in range(epochs):
        if net.frozen and epoch == reuse.get('freeze_epochs'):
            net.frozen = set()
            opt = Optimizer(dict(tr['optimizer'], learning_rate=reuse.get('unfreeze_learning_rate') or tr['optimizer']['learning_rate']))
            sched = Schedule(tr.get('schedule'), opt.lr, epochs * per_epoch, per_epoch)
        params = net.trainable()
        order = torch.randperm(len(x), generator=gen) if tr.get('shuffle', True) else torch.arange(len(x))
        loss_sum, correct, seen = 0.0, 0, 0
        for b in range(per_epoch):
            idx = order[b * bs:(b + 1) * bs]
            xb, yb = x[idx], y[idx]
            lr, mom = sched.at(step, epoch)
            opt.lr = lr
            if mom is not None and opt.momentum:
                opt.momentum = mom
            out = net.forward(xb, training=True, dropout=True, gen=gen)
            loss = loss_of(out, yb, data['binary'])
            reg = net.regularization()
            total = loss + reg if reg is not None else loss
            grads = torch.autograd.grad(total, params)
            opt.step(params, clip(list(grads), tr))
            net.constrain()
            lv = float(total)
            n = len(idx)
            loss_sum += lv * n
            seen += n
            with torch.no_grad():
                pred = (out.reshape(-1) > 0).float() if data['binary'] else out.argmax(1)
                correct += int((pred == yb).sum())
            if kind == 'epoch' and step % every == 0:
                emit({'type': 'batch', 'epoch': epoch + 1, 'step': step, 'loss': lv, 'lr': lr})
            step += 1
            if not math.isfinite(lv):
                break
        logs = {'loss': loss_sum / max(1, seen), 'accuracy': correct / max(1, seen)}
        if len(data['val'][0]):
            vl, va = evaluate(net, *data['val'], data['binary'])
            logs.update(val_loss=vl, val_accuracy=va)
        sched.epoch_end(logs)
        emit({'type': kind, 'epoch': epoch + 1, **logs, 'lr': opt.lr, 'seconds': time.time() - t0})
        if not math.isfinite(logs['loss']):
            break


if __name__ == '__main__':
    main()
