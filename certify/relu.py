"""ReLU-network constructions of docs/theory.md §5: from a linear witness on a
column restriction ``I|C'`` to a finite training set with no least-squares
minimizer, and the parameter sequence ``θ(ε)`` whose loss tends to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import fmpq

from .laurent import ZERO, Laurent
from .support import Support, from_masks

SparseMatrix = dict[tuple[int, int], Laurent]


def restrict_columns(support: Support, cols: list[int]) -> Support:
    """``I|C'``: the first mask keeps only the input columns ``cols``."""
    masks = [support.mask(1)[:, cols]] + list(support.masks[1:])
    return from_masks([np.array(m) for m in masks])


def reachable_counts(support: Support, cols: list[int]) -> list[int]:
    """``N'_l`` for the hidden layers l = 1..L-1: neurons reachable from ``cols``."""
    reach = np.zeros(support.widths[0], dtype=bool)
    reach[cols] = True
    counts = []
    for l in range(1, support.depth):
        reach = support.mask(l)[:, reach].any(axis=1)
        counts.append(int(reach.sum()))
    return counts


def data_count(d: int, counts: list[int]) -> int:
    """``M = d' · Π_l (1 + d' · N'_l) + 1``: enough points that d'+1 of them
    share one affine piece of any network along the moment curve."""
    m = d
    for n in counts:
        m *= 1 + d * n
    return m + 1


@dataclass
class TrainingSet:
    cols: list[int]              # C'
    t: list[int]                 # curve parameters, 1..M
    inputs: list[list[fmpq]]     # M x N_0: x_i[C'[k]] = t_i^(k+1), other coordinates 0
    targets: list[list[fmpq]]    # M x N_L: y_i = A' x_i


def training_set(support: Support, cols: list[int], limit: dict[tuple[int, int], fmpq]) -> TrainingSet:
    """Moment-curve data at t = 1..M; ``limit`` is A' (N_L x d', sparse)."""
    d = len(cols)
    M = data_count(d, reachable_counts(support, cols))
    n_in, n_out = support.widths[0], support.widths[-1]
    inputs, targets = [], []
    for t in range(1, M + 1):
        x = [fmpq(0)] * n_in
        for k, j in enumerate(cols):
            x[j] = fmpq(t) ** (k + 1)
        y = [fmpq(0)] * n_out
        for (i, k), a in limit.items():
            y[i] += a * x[cols[k]]
        inputs.append(x)
        targets.append(y)
    return TrainingSet(list(cols), list(range(1, M + 1)), inputs, targets)


@dataclass
class Theta:
    weights: list[SparseMatrix]          # W_l(ε), support-conforming
    biases: list[list[Laurent]]          # b_l(ε)


def pole_order(m: SparseMatrix) -> int:
    return max([0] + [-x.valuation() for x in m.values() if not x.is_zero() and x.valuation() < 0])


def _apply(m: SparseMatrix, v: list[Laurent], n_out: int) -> list[Laurent]:
    out = [ZERO] * n_out
    for (i, j), w in m.items():
        if not v[j].is_zero():
            out[i] = out[i] + w * v[j]
    return out


def theta(support: Support, cols: list[int], curve: list[SparseMatrix]) -> Theta:
    """Weights: the witness curve of ``I|C'`` (t renamed ε), its first layer
    placed on the columns C'.  A hidden unit that carries a weight gets the
    bias ``ε^(-k_l)`` with ``k_l = pole(W_l) + k_(l-1) + 1``, which dominates
    its pre-activation, so it is active for small ε; the other hidden units
    get 0 and their pre-activation is identically 0.  The output bias cancels
    the constant the hidden biases carry to the output, leaving
    ``W_L(ε)⋯W_1(ε) x``.  Every coefficient of θ then matters."""
    weights = [{(i, cols[k]): w for (i, k), w in curve[0].items()}] + [dict(m) for m in curve[1:]]
    biases: list[list[Laurent]] = []
    offset = [ZERO] * support.widths[0]
    k_prev = 0
    for l in range(1, support.depth + 1):
        n = support.widths[l]
        carried = _apply(weights[l - 1], offset, n)
        if l < support.depth:
            k_prev = pole_order(weights[l - 1]) + k_prev + 1
            busy = {i for i, _ in weights[l - 1]} | {j for _, j in weights[l]}
            b = [Laurent.monomial(1, -k_prev) if i in busy else ZERO for i in range(n)]
            offset = [c + x for c, x in zip(carried, b)]
        else:
            b = [-c for c in carried]
        biases.append(b)
    return Theta(weights, biases)


