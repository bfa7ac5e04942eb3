"""Non-closedness witnesses (docs/theory.md §4): the W1 curve on a reduced
two-factor component, lifted to the original weights, multiplied out, and its
limit refuted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import fmpq

from .chains import Node
from .laurent import ONE, ZERO, Laurent
from .reductions import Edge, Reduction, State, lift
from .refutations import w1_refutation
from .rules import TwoFactor, complete_blocks
from .support import Support


@dataclass
class W1:
    node: Node
    i1: Node
    j1: Node
    i2: Node
    j2: Node
    cancel: Node | None       # another node covering (i1, j2), or None when it is in D


def find_w1(state: State, comp: list[Node]) -> W1 | None:
    """An exclusive P4: rows i1, i2, columns j1, j2 of a hidden node's
    rectangle with (i1,j1), (i2,j1), (i2,j2) covered by it alone and observed,
    (i1,j2) not.  Exists iff some node's exclusive-entry graph has a
    component that is not complete bipartite, i.e. two of its rows whose
    column sets meet without being equal."""
    if not state.two_factor(comp):
        return None
    tf = TwoFactor(state, comp)
    for k, h in enumerate(tf.hidden):
        rows, cols, E = tf.exclusive(k)
        if complete_blocks(E):
            continue
        live = np.flatnonzero(E.any(axis=1))
        _, first = np.unique(E[live], axis=0, return_index=True)
        reps = live[np.sort(first)]                     # one row per distinct pattern
        overlap = E[reps].astype(np.int64) @ E[reps].T.astype(np.int64)
        np.fill_diagonal(overlap, 0)
        a, b = (int(x) for x in np.argwhere(overlap > 0)[0])
        ra, rb = reps[a], reps[b]
        j1 = int(np.flatnonzero(E[ra] & E[rb])[0])
        only_b = np.flatnonzero(E[rb] & ~E[ra])
        # i2 is the row holding a column the other row lacks.
        (i1, i2, j2) = (ra, rb, int(only_b[0])) if only_b.size else \
            (rb, ra, int(np.flatnonzero(E[ra] & ~E[rb])[0]))
        r1, r2, c1, c2 = rows[i1], rows[i2], cols[j1], cols[j2]
        others = [tf.hidden[m] for m in np.flatnonzero(tf.U[r1] & tf.V[:, c2]) if m != k]
        cancel = None if tf.D[r1, c2] else min(others)
        return W1(h, tf.sinks[r1], tf.sources[c1], tf.sinks[r2], tf.sources[c2], cancel)
    return None


def w1_curve(w: W1) -> dict[Edge, Laurent]:
    """u_{i1}=1, v_{j1}=1, u_{i2}=t, v_{j2}=1/t; the cancelling node (if any)
    puts -1/t at (i1, j2).  Limit: 1 at (i1,j1) and (i2,j2), 0 elsewhere."""
    t, inv = Laurent.monomial(1, 1), Laurent.monomial(1, -1)
    curve = {(w.j1, w.node): ONE, (w.node, w.i1): ONE, (w.node, w.i2): t, (w.j2, w.node): inv}
    if w.cancel is not None:
        curve[(w.j2, w.cancel)] = -inv
        curve[(w.cancel, w.i1)] = ONE
    return curve


# ---------------------------------------------------------------------------
# Curves in the original weights
# ---------------------------------------------------------------------------

SparseMatrix = dict[tuple[int, int], Laurent]


def layer_matrices(support: Support, weights: dict[Edge, Laurent]) -> list[SparseMatrix]:
    mats: list[SparseMatrix] = [{} for _ in range(support.depth)]
    for ((l0, j), (l1, i)), x in weights.items():
        assert l1 == l0 + 1 and support.mask(l1)[i, j], "lifted weight off the support"
        if not x.is_zero():
            mats[l1 - 1][(i, j)] = x
    return mats


def multiply(mats: list[SparseMatrix]) -> SparseMatrix:
    """``W_L ⋯ W_1`` for sparse matrices listed input side first."""
    prod = mats[0]
    for m in mats[1:]:
        by_row: dict[int, list[tuple[int, Laurent]]] = {}
        for (k, j), x in prod.items():
            by_row.setdefault(k, []).append((j, x))
        out: SparseMatrix = {}
        for (i, k), y in m.items():
            for j, x in by_row.get(k, []):
                out[(i, j)] = out.get((i, j), ZERO) + y * x
        prod = {e: x for e, x in out.items() if not x.is_zero()}
    return prod


def limit_of(prod: SparseMatrix) -> dict[tuple[int, int], fmpq] | None:
    """The non-zero entries of the limit at t -> 0+ (constant terms), or None
    if a pole survives."""
    A = {}
    for ij, x in prod.items():
        v = x.valuation()
        if v is not None and v < 0:
            return None
        if x.coefficient(0) != 0:
            A[ij] = x.coefficient(0)
    return A


@dataclass
class Witness:
    rule: str
    component: int
    detail: W1
    layers: list[SparseMatrix]      # W_l(t) in original coordinates
    limit: dict[tuple[int, int], fmpq]      # non-zero entries of the limit
    refutation: list[dict]


def find_witness(support: Support, original: State, reduction: Reduction) -> Witness | None:
    """A W1 witness in some reduced component, with its refutation."""
    state = reduction.final
    for index, comp in enumerate(reduction.components):
        w = find_w1(state, comp)
        if w is None:
            continue
        weights = lift(original, reduction.steps, w1_curve(w))
        layers = layer_matrices(support, weights)
        A = limit_of(multiply(layers))
        # The lift cancels every pole (docs/theory.md §2, lifting); the
        # checker verifies this independently.
        assert A is not None, "lifted W1 curve keeps a pole"
        return Witness("W1", index, w, layers, A, w1_refutation(w.node, w.i1, w.j1, w.i2, w.j2))
    return None
