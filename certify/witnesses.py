"""Non-closedness witnesses (docs/theory.md §4): the W1 curve on a reduced
two-factor component, lifted to the original weights, multiplied out, and its
limit refuted.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from flint import fmpq

from .chains import Node
from .laurent import ONE, ZERO, Laurent
from .reductions import Edge, Reduction, State, lift, original_entry
from .refutations import BlockTable, MinorTable, component_system, minor_groups, propagate, w1_refutation, w2_refutation
from .rules import TwoFactor, complete_blocks
from .support import Support


@dataclass
class Local:
    """A witness on a reduced component: a curve on its edges whose limit is
    refuted by ``refutation`` (propagation steps on the component)."""
    rule: str
    curve: dict[Edge, Laurent]
    refutation: dict         # {"method": "propagation", "steps": [...]} or a Nullstellensatz one
    info: dict               # what the certificate's "witness" field records
    text: str                # the explanation's description of the mechanism


T, INV = Laurent.monomial(1, 1), Laurent.monomial(1, -1)


def _entry_text(a: Node, b: Node) -> str:
    return "({},{})".format(*original_entry(a, b))


def _unit(v: Node) -> str:
    return f"hidden unit {v[1]} of layer {v[0]}"


def find_w1(state: State, comp: list[Node]) -> Local | None:
    """W1, an exclusive P4: rows i1, i2, columns j1, j2 of a hidden node's
    rectangle with (i1,j1), (i2,j1), (i2,j2) covered by it alone and observed,
    (i1,j2) not.  Exists iff some node's exclusive-entry graph has a
    component that is not complete bipartite, i.e. two of its rows whose
    column sets meet without being equal.

    Curve: u_i1 = 1, v_j1 = 1, u_i2 = t, v_j2 = 1/t; a node that also covers
    (i1, j2) puts -1/t there (or it is a free entry).  Limit: 1 at (i1, j1)
    and (i2, j2), 0 elsewhere."""
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
        i1, j1, i2, j2 = tf.sinks[r1], tf.sources[c1], tf.sinks[r2], tf.sources[c2]
        others = [tf.hidden[m] for m in np.flatnonzero(tf.U[r1] & tf.V[:, c2]) if m != k]
        cancel = None if tf.D[r1, c2] else min(others)
        curve = {(j1, h): ONE, (h, i1): ONE, (h, i2): T, (j2, h): INV}
        if cancel is not None:
            curve[(j2, cancel)] = -INV
            curve[(cancel, i1)] = ONE
        refutation = {"method": "propagation", "steps": w1_refutation(h, i1, j1, i2, j2)}
        e = _entry_text
        how = f"also gets a contribution from {_unit(cancel)}" if cancel else "is a free entry"
        text = (f"rule W1 (exclusive P4) at {_unit(h)} (node {h[0]}:{h[1]}): the product entries "
                f"(output,input) {e(i1, j1)}, {e(i2, j1)}, {e(i2, j2)} get contributions from this "
                f"unit alone, and {e(i1, j2)} {how}")
        info = {"node": h, "rows": [i1, i2], "cols": [j1, j2], "cancel": cancel or "dont_care"}
        return Local("W1", curve, refutation, info, text)
    return None


def find_w2(state: State, comp: list[Node]) -> Local | None:
    """W2, the two-node mechanism (docs/theory.md §4): rank-one nodes a, b
    sharing rows r1, r2 and a column c, with columns ca (covered at r1, r2 by
    a alone) and cb (by b alone), and (r2, c) covered by exactly a and b.
    Curve: u^a = (1, 0) and u^b = (1, t) on (r1, r2); v^a = 1 at ca, -1/t at c;
    v^b = 1/t at c, 1 at cb.  Limit: 1 at (r1, ca), (r1, cb), (r2, c).
    Also tried transposed (rows and columns exchanged)."""
    if not state.two_factor(comp):
        return None
    tf = TwoFactor(state, comp)
    for transposed in (False, True):
        U, V, D = (tf.V.T, tf.U.T, tf.D.T) if transposed else (tf.U, tf.V, tf.D)
        rows_lab, cols_lab = (tf.sources, tf.sinks) if transposed else (tf.sinks, tf.sources)
        count = tf.count.T if transposed else tf.count
        single = (count == 1) & ~D
        n = len(tf.hidden)
        for a in range(n):
            for b in range(n):
                if a == b:
                    continue
                shared = np.flatnonzero(U[:, a] & U[:, b])
                if shared.size < 2:
                    continue
                two = (count[shared] == 2) & ~D[shared] & V[a] & V[b]
                if not two.any():
                    continue
                Ea = single[shared] & V[a] & ~V[b]        # columns a alone covers on shared rows
                Eb = single[shared] & V[b] & ~V[a]
                # A match needs a column that a alone covers on two shared
                # rows, and one for b: skip the products when there is none
                # (most pairs; the products made W2 the largest cost on
                # random supports).
                if not ((Ea.sum(axis=0) >= 2).any() and (Eb.sum(axis=0) >= 2).any()):
                    continue
                pa = (Ea.astype(np.int64) @ Ea.T.astype(np.int64)) > 0
                pb = (Eb.astype(np.int64) @ Eb.T.astype(np.int64)) > 0
                for x, y in np.argwhere(pa & pb):
                    if x == y or not two[y].any():
                        continue
                    r1, r2 = shared[x], shared[y]
                    ca = int(np.flatnonzero(Ea[x] & Ea[y])[0])
                    cb = int(np.flatnonzero(Eb[x] & Eb[y])[0])
                    c = int(np.flatnonzero(two[y])[0])
                    return _w2(tf.hidden[a], tf.hidden[b], rows_lab[r1], rows_lab[r2],
                               cols_lab[ca], cols_lab[c], cols_lab[cb], transposed)
    return None


def _w2(a, b, r1, r2, ca, c, cb, transposed: bool) -> Local:
    # u lives on the row side, v on the column side; in the transposed
    # orientation rows are sources (edges row -> node) and columns sinks.
    def u(h, r):
        return (r, h) if transposed else (h, r)

    def v(h, col):
        return (h, col) if transposed else (col, h)

    def entry(r, col):
        return (col, r) if transposed else (r, col)

    curve = {u(a, r1): ONE, u(b, r1): ONE, u(b, r2): T,
             v(a, ca): ONE, v(a, c): -INV, v(b, c): INV, v(b, cb): ONE}
    refutation = {"method": "propagation", "steps": w2_refutation(entry, u, a, b, r1, r2, ca, c, cb)}
    side, other = ("inputs", "outputs") if transposed else ("outputs", "inputs")
    text = (f"rule W2 (two-node mechanism{', transposed' if transposed else ''}) at {_unit(a)} and "
            f"{_unit(b)}: they share the {side} {r1[1]} and {r2[1]}; on the {other} they cover "
            f"{ca[1]} (the first alone), {cb[1]} (the second alone) and {c[1]} (both); the "
            f"directions of the first two become parallel while the shared one leaves their span")
    info = {"nodes": [a, b], "shared": [r1, r2], "exclusive": [ca, cb], "both": c,
            "transposed": transposed}
    return Local("W2", curve, refutation, info, text)


class Budget:
    """A deterministic work budget (candidate limits tried), so that the same
    input gives the same verdict on any machine."""

    def __init__(self, n: int):
        self.left = n

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


CROSS_CANDIDATES = 4000      # candidate limits per decide
CROSS_NONZEROS = 4           # non-zeros in (α, β)


def find_cross(state: State, comp: list[Node], max_side: int = 8, budget: Budget | None = None,
               background: int = 0, blocks: bool = False, minors: bool = False) -> Local | None:
    """W3, first-order cancellation at one entry (docs/theory.md §4): the
    leading terms of one node (entry (r, c) free) or of two nodes covering
    (r, c) cancel there, and the first-order terms leave the cross-shaped
    limit A = e_r β^T + α e_c^T, with α on the nodes' rows and β on their
    columns.  Tries 0/1 vectors α, β, smallest first, and keeps the first
    limit that propagation refutes.  W1 and W2 are special cases.  Stops when
    ``budget`` runs out.

    W4 (``background`` = 1 or 2): the same cross plus, on that many other
    nodes, a constant single-entry term e_i e_jᵀ (a "background" the limit
    keeps; it pins other nodes' factors for the refutation).  ``blocks``,
    ``minors``: the refutation may use block steps, minor steps on twin
    classes (docs/theory.md §4)."""
    budget = budget or Budget(CROSS_CANDIDATES)
    if not state.two_factor(comp):
        return None
    tf = TwoFactor(state, comp)
    if max(len(tf.sinks), len(tf.sources), len(tf.hidden)) > max_side:
        return None
    row = {v: i for i, v in enumerate(tf.sinks)}
    col = {v: i for i, v in enumerate(tf.sources)}
    eqs = component_system(state, comp, lambda a, b: fmpq(0))
    if eqs is None:
        return None
    n = len(tf.hidden)
    # Built once: only the targets change from candidate to candidate.
    block_table = BlockTable(eqs) if blocks else False
    table = MinorTable(eqs, singles=True) if minors else False
    for r, c in itertools.product(range(len(tf.sinks)), range(len(tf.sources))):
        cover = [k for k in range(n) if tf.U[r, k] and tf.V[k, c]]
        groups = [(k,) for k in cover] if tf.D[r, c] else list(itertools.combinations(cover, 2))
        for G in groups:
            rows = sorted(set(np.flatnonzero(tf.U[:, list(G)].any(axis=1))))
            cols = sorted(set(np.flatnonzero(tf.V[list(G)].any(axis=0))))
            for back in _backgrounds(tf, G, background):
                for alpha, beta in _pairs_of_subsets(rows, cols, CROSS_NONZEROS - background):
                    if not budget.take():
                        return None
                    A = np.zeros((len(tf.sinks), len(tf.sources)), dtype=np.int64)
                    A[r, list(beta)] += 1
                    A[list(alpha), c] += 1
                    for _, i, j in back:
                        A[i, j] += 1
                    for eq in eqs:
                        eq.target = fmpq(int(A[row[eq.entry[0]], col[eq.entry[1]]]))
                    steps = propagate(eqs, block_table, table)
                    if steps is not None:
                        return _cross(tf, G, r, c, alpha, beta, steps, back)
    return None


def _backgrounds(tf: TwoFactor, G, size: int):
    """Choices of ``size`` other nodes, each with one observed entry of its
    rectangle: [(node index, row, col), ...]; [()] when size is 0."""
    if size == 0:
        return [()]
    options = []
    for k in range(len(tf.hidden)):
        if k not in G:
            options.append([(k, int(i), int(j)) for i in np.flatnonzero(tf.U[:, k])
                            for j in np.flatnonzero(tf.V[k]) if not tf.D[i, j]])
    return [combo for nodes in itertools.combinations(options, size) for combo in itertools.product(*nodes)]


def _pairs_of_subsets(rows, cols, cap: int = CROSS_NONZEROS):
    """(α, β) with 0/1 entries, at most ``cap`` non-zeros, fewest first,
    not both empty."""
    subsets = lambda xs: [c for k in range(min(len(xs), cap) + 1)  # noqa: E731
                          for c in itertools.combinations(xs, k)]
    pairs = [(a, b) for a in subsets(rows) for b in subsets(cols) if (a or b) and len(a) + len(b) <= cap]
    return sorted(pairs, key=lambda ab: (len(ab[0]) + len(ab[1]), ab))


def _cross(tf: TwoFactor, G, r, c, alpha, beta, steps, back=()) -> Local:
    """u_h = e_r + t a_h, v_h = ±e_c / t + b_h for h in G (signs cancel the
    1/t terms for a pair); a, b split α, β between the nodes; ``back``:
    constant single-entry terms on other nodes (W4)."""
    curve: dict = {}

    def add(edge, x):
        curve[edge] = curve.get(edge, ZERO) + x

    for n_, k in enumerate(G):
        h = tf.hidden[k]
        sign = 1 if n_ == 0 else -1
        add((h, tf.sinks[r]), ONE)
        add((tf.sources[c], h), Laurent.monomial(sign, -1))
        for q in alpha:
            if tf.U[q, k] and (n_ == 0 or not tf.U[q, G[0]]):
                add((h, tf.sinks[q]), Laurent.monomial(sign, 1))
        for p in beta:
            if tf.V[k, p] and (n_ == 0 or not tf.V[G[0], p]):
                add((tf.sources[p], h), ONE)
    for k, i, j in back:
        add((tf.hidden[k], tf.sinks[i]), ONE)
        add((tf.sources[j], tf.hidden[k]), ONE)
    curve = {e: x for e, x in curve.items() if not x.is_zero()}
    nodes = [tf.hidden[k] for k in G]
    i, j = tf.sinks[r], tf.sources[c]
    cancel = "the free entry" if len(G) == 1 else "both nodes"
    name = "W4 (first-order cancellation over a background)" if back else "W3 (first-order cancellation)"
    text = (f"rule {name} at {' and '.join(_unit(h) for h in nodes)}: their "
            f"leading terms cancel at entry {_entry_text(i, j)} ({cancel}), and the first-order terms "
            f"leave a limit on output {i[1]} and input {j[1]} that is not a product")
    info = {"nodes": nodes, "entry": (i, j), "rows": [tf.sinks[q] for q in alpha],
            "cols": [tf.sources[p] for p in beta]}
    if not back:
        return Local("W3", curve, {"method": "propagation", "steps": steps}, info, text)
    info["background"] = [(tf.hidden[k], tf.sinks[i], tf.sources[j]) for k, i, j in back]
    text += (", while " + " and ".join(f"{_unit(tf.hidden[k])} keeps a constant term at entry "
                                       f"{_entry_text(tf.sinks[i], tf.sources[j])}" for k, i, j in back)
             + ", which pins the other nodes' factors")
    return Local("W4", curve, {"method": "propagation", "steps": steps}, info, text)


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
    component: int
    local: Local
    layers: list[SparseMatrix]              # W_l(t) in original coordinates
    limit: dict[tuple[int, int], fmpq]      # non-zero entries of the limit

    @property
    def rule(self) -> str:
        return self.local.rule


BACKGROUND_CANDIDATES = 20_000   # W4 candidate limits per decide


def find_background(state: State, comp: list[Node], budget: Budget | None = None) -> Local | None:
    """W4: W3's cross over a background of one, then two, other nodes; then
    the crosses of W3 and W4 again with block steps in the refutation."""
    budget = budget or Budget(BACKGROUND_CANDIDATES)
    for blocks, sizes in ((False, (1, 2)), (True, (0, 1, 2))):
        for size in sizes:
            found = find_cross(state, comp, budget=budget, background=size, blocks=blocks)
            if found is not None:
                return found
    return None


MINOR_CANDIDATES = 5_000   # candidate limits per decide with minor steps
SINGLE_MINOR_CANDIDATES = 1_000   # ... of them on a component without a twin class


def find_minors(state: State, comp: list[Node], budget: Budget | None = None) -> Local | None:
    """W3 and W4 again, the refutation now with minor steps: on twin classes
    (|H| nodes, same rectangle, 1 < |H| < both sides; the rank of their sum
    is at most |H|, which separate rank-one nodes do not see), then on single
    nodes (a 2 x 2 minor of what one node alone must give has to vanish)."""
    if not state.two_factor(comp):
        return None
    eqs = component_system(state, comp, lambda a, b: fmpq(0))
    groups = minor_groups(eqs, singles=True) if eqs is not None else []
    if not groups:
        return None
    budget = budget or Budget(MINOR_CANDIDATES)
    # Single nodes alone: a smaller share, as their steps need few candidates
    # where they work at all (at most 634 on the supports they decide in
    # bench/width_two.py and bench/exhaustive.py) and every two-factor
    # component has them, so an unknown answer pays the whole share.
    twins = any(len(H) > 1 for H, _, _ in groups)
    share = budget if twins else Budget(min(budget.left, SINGLE_MINOR_CANDIDATES))
    start = share.left
    found = None
    for size in (0, 1, 2):
        found = find_cross(state, comp, budget=share, background=size, blocks=True, minors=True)
        if found is not None:
            break
    if share is not budget:
        budget.left -= start - max(share.left, 0)
    return found


SEARCHES = {"core": (find_w1,), "all": (find_w1, find_w2, find_cross, find_background), "minors": (find_minors,)}


def find_witness(support: Support, original: State, reduction: Reduction,
                 rules: str = "all") -> Witness | None:
    """The first witness (W1, then W2, W3, W4; components in order), lifted
    to the original weights and multiplied out."""
    state = reduction.final
    budgets = {find_cross: Budget(CROSS_CANDIDATES), find_background: Budget(BACKGROUND_CANDIDATES),
               find_minors: Budget(MINOR_CANDIDATES)}
    for search in SEARCHES[rules]:
        for index, comp in enumerate(reduction.components):
            local = search(state, comp, budget=budgets[search]) if search in budgets else search(state, comp)
            if local is None:
                continue
            weights = lift(original, reduction.steps, local.curve)
            layers = layer_matrices(support, weights)
            A = limit_of(multiply(layers))
            # The lift cancels every pole (docs/theory.md §2, lifting); the
            # checker verifies this independently.
            assert A is not None, f"lifted {local.rule} curve keeps a pole"
            return Witness(index, local, layers, A)
    return None
