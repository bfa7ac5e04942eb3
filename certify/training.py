"""Training the sparse ReLU network on a written training set (numpy only),
to watch what the certificate predicts: on an ill-posed support the loss
keeps falling while the parameter norm keeps growing.

Floating point is fine here: nothing in this module is part of a certificate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .support import Support


@dataclass
class Config:
    steps: int = 20_000
    log_every: int = 1_000
    lr_adam: float = 1e-2
    lr_gd: float = 1e-2
    seed: int = 0
    bias_init: float = 1.0      # hidden biases start at 1 so no unit starts dead
    rescale: bool = True        # inputs and targets divided by their column maxima


@dataclass
class Run:
    optimizer: str
    steps: list[int]
    loss: list[float]
    norm: list[float]


def load_data(folder: str) -> tuple[np.ndarray, np.ndarray]:
    path = os.path.join(folder, "data.npz")
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file (write a training set with 'certify optimum SUPPORT "
                         f"--data-out {folder}')")
    import zipfile
    try:
        with np.load(path, allow_pickle=False) as f:
            X, Y = f["inputs"], f["targets"]
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise InputError(f"{path}: not a training set written by certify ({str(e)[:200]})") from None
    if not all(np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating) for a in (X, Y)):
        raise InputError(f"{path}: inputs and targets must be real numbers")
    X, Y = X.astype(float), Y.astype(float)
    if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y) or len(X) == 0:
        raise InputError(f"{path}: inputs and targets must be matrices with one row per data point")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise InputError(f"{path}: inputs and targets must be finite")
    return X, Y


def check_shapes(support: Support, X: np.ndarray, Y: np.ndarray) -> None:
    if X.shape[1] != support.widths[0] or Y.shape[1] != support.widths[-1]:
        raise InputError(f"the training set has {X.shape[1]} inputs and {Y.shape[1]} outputs but the "
                         f"support has widths {'-'.join(map(str, support.widths))}")


def _column_scale(A: np.ndarray) -> np.ndarray:
    scale = np.abs(A).max(axis=0)
    return np.where(scale > 0, scale, 1.0)


def _init(support: Support, cfg: Config):
    rng = np.random.default_rng(cfg.seed)
    weights, biases = [], []
    for l, m in enumerate(support.masks, start=1):
        w = rng.normal(size=m.shape) * np.sqrt(2.0 / m.shape[1]) * m
        b = np.full(m.shape[0], cfg.bias_init if l < support.depth else 0.0)
        weights.append(w)
        biases.append(b)
    return weights, biases


def _loss_and_grads(weights, biases, X, Y):
    hs, zs = [X], []
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = hs[-1] @ w.T + b
        zs.append(z)
        hs.append(np.maximum(z, 0) if l < len(weights) - 1 else z)
    r = hs[-1] - Y
    loss = float((r ** 2).sum(axis=1).mean())
    dz = 2.0 * r / len(X)
    gw, gb = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        gw[l] = dz.T @ hs[l]
        gb[l] = dz.sum(axis=0)
        if l:
            dz = (dz @ weights[l]) * (zs[l - 1] > 0)
    return loss, gw, gb


def _norm(weights, biases) -> float:
    return float(np.sqrt(sum((w ** 2).sum() for w in weights) + sum((b ** 2).sum() for b in biases)))


def train(support: Support, X: np.ndarray, Y: np.ndarray, optimizer: str, cfg: Config,
          progress=None) -> Run:
    """Full-batch training; masks are applied after every step."""
    if cfg.rescale:
        # Column scalings keep the problem ill-posed (or well-posed): the
        # product set is invariant under scaling inputs and outputs.
        X = X / _column_scale(X)
        Y = Y / _column_scale(Y)
    masks = [m.astype(float) for m in support.masks]
    weights, biases = _init(support, cfg)
    state = [(np.zeros_like(p), np.zeros_like(p)) for p in weights + biases]
    run = Run(optimizer, [], [], [])
    with np.errstate(all="ignore"):         # a diverging run ends the table, not with warnings
        _steps(run, weights, biases, masks, state, X, Y, optimizer, cfg, progress)
    return run


def _steps(run, weights, biases, masks, state, X, Y, optimizer, cfg, progress) -> None:
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(cfg.steps + 1):
        loss, gw, gb = _loss_and_grads(weights, biases, X, Y)
        if step % cfg.log_every == 0:
            run.steps.append(step)
            run.loss.append(loss)
            run.norm.append(_norm(weights, biases))
            if progress:
                progress(step, loss, run.norm[-1])
        if step == cfg.steps or not np.isfinite(loss):
            break
        params, grads = weights + biases, gw + gb
        for k, (p, g) in enumerate(zip(params, grads)):
            if optimizer == "adam":
                m, v = state[k]
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * g * g
                mhat = m / (1 - beta1 ** (step + 1))
                vhat = v / (1 - beta2 ** (step + 1))
                p -= cfg.lr_adam * mhat / (np.sqrt(vhat) + eps)
            else:
                p -= cfg.lr_gd * g
        for w, m in zip(weights, masks):
            w *= m


def summary(run: Run) -> str:
    """One line on what the logged norms and losses did after step 1,000."""
    name = {"gd": "gradient descent", "adam": "Adam"}[run.optimizer]
    late = [(s, l, n) for s, l, n in zip(run.steps, run.loss, run.norm) if s >= 1000]
    if len(late) < 2:
        return f"{name}: too few logged steps after step 1,000 to summarise"
    rising = all(b[2] > a[2] for a, b in zip(late, late[1:]))
    trend = "grew at every log" if rising else "did not grow at every log"
    return (f"{name}: from step {late[0][0]} to {late[-1][0]} the parameter norm went "
            f"{late[0][2]:.4g} -> {late[-1][2]:.4g} ({trend}); the loss went {late[0][1]:.3g} -> "
            f"{late[-1][1]:.3g} (best {min(r[1] for r in late):.3g}).")


def require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install matplotlib (or pip install -e '.[plot]' "
                         "in a clone)") from None


def plot(runs: dict[str, list[Run]], path: str) -> None:
    """Loss (log scale) and parameter norm against the step, one curve per
    (support, optimizer).  Needs matplotlib."""
    require_matplotlib()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for label, rs in runs.items():
        for r in rs:
            ax1.semilogy(r.steps, r.loss, label=f"{label} {r.optimizer}")
            ax2.plot(r.steps, r.norm, label=f"{label} {r.optimizer}")
    ax1.set_xlabel("step")
    ax1.set_ylabel("training loss")
    ax2.set_xlabel("step")
    ax2.set_ylabel("parameter norm")
    ax2.set_ylim(bottom=0)
    ax1.legend()
    ax2.legend()
    fig.tight_layout()
    # Through a temporary file of the same kind, then renamed: never half a plot.
    import tempfile
    folder, suffix = os.path.dirname(os.path.abspath(path)), os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(prefix=".certify-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110)
        os.replace(tmp, path)
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror}") from None
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
