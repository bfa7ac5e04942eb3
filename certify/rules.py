"""Closedness rules C0-C3, C5 and (via constant_rank.py) C4, C6 (docs/theory.md
§3) and the search for a closedness proof of a layered chain.

Proof trees are dicts mirroring the certificate format (docs/certificate-format.md):
``layer`` (one mask: a coordinate subspace), ``C3`` (split with twin
classes), ``components`` (R6 on the chain) and ``reduce`` (R1-R6, then C1/C2/C5/C4
on every component with a hidden node; C0 for the rest).
"""

from __future__ import annotations

import numpy as np

from .chains import Chain, Node, or_product
from .reductions import Reduction, State, reduce


# ---------------------------------------------------------------------------
# C1 / C2 on a reduced component
# ---------------------------------------------------------------------------

class TwoFactor:
    """A two-factor component as boolean matrices: ``U`` (sinks x hidden),
    ``V`` (hidden x sources), ``D`` (don't-care), and ``count``, the number
    of hidden nodes covering each entry.  Shared by C1/C2/C5 and the witness searches."""

    def __init__(self, state: State, comp: list[Node]):
        self.hidden = [v for v in comp if state.is_hidden(v)]
        self.sinks = [v for v in comp if v in state.sinks]
        self.sources = [v for v in comp if v in state.sources]
        row = {v: k for k, v in enumerate(self.sinks)}
        col = {v: k for k, v in enumerate(self.sources)}
        hid = {v: k for k, v in enumerate(self.hidden)}
        self.U = np.zeros((len(self.sinks), len(self.hidden)), dtype=bool)
        self.V = np.zeros((len(self.hidden), len(self.sources)), dtype=bool)
        g = state.graph
        for h, k in hid.items():
            self.U[[row[q] for q in g.successors(h)], k] = True
            self.V[k, [col[p] for p in g.predecessors(h)]] = True
        self.D = np.zeros((len(self.sinks), len(self.sources)), dtype=bool)
        for q, p in state.dont_care:
            if q in row and p in col:
                self.D[row[q], col[p]] = True
        # Exact counts (at most the number of hidden nodes) in float64.
        self.count = self.U.astype(np.float64) @ self.V.astype(np.float64)

    def exclusive(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, cols, E): node k's rectangle and its observed entries that no
        other node covers."""
        rows, cols = np.flatnonzero(self.U[:, k]), np.flatnonzero(self.V[k])
        block = np.ix_(rows, cols)
        return rows, cols, (self.count[block] == 1) & ~self.D[block]

    def observed_disjoint(self) -> bool:
        return bool((self.count[~self.D] <= 1).all())


def complete_blocks(E: np.ndarray) -> bool:
    """Is every connected component of the bipartite graph E complete?
    Equivalently: any two rows have equal or disjoint column sets."""
    rows = np.unique(E[E.any(axis=1)], axis=0)
    return int(rows.sum()) == int(rows.any(axis=0).sum())


def closed_component_rule(state: State, comp: list[Node], rules: str = "all") -> str | None:
    """``"C1"``/``"C2"``/``"C5"`` when the component is closed by that rule,
    else None."""
    if not state.two_factor(comp):
        return None
    g = state.graph
    if any(v in state.sinks for u in comp if u in state.sources for v in g.successors(u)):
        return None   # a direct edge: R5 was not applied (never after `reduce`)
    tf = TwoFactor(state, comp)
    if rules == "all" and nested_pair(tf):
        return "C5"
    if not tf.observed_disjoint():
        return None
    if not all(complete_blocks(tf.exclusive(k)[2]) for k in range(len(tf.hidden))):
        return None
    return "C1" if len(tf.hidden) == 1 else "C2"


def nested_pair(tf: TwoFactor) -> bool:
    """C5 (docs/theory.md §3): two rank-one nodes with the same rows and nested
    columns (or the same columns and nested rows), and no free entry."""
    if len(tf.hidden) != 2 or tf.D.any():
        return False
    (ra, rb), (ca, cb) = tf.U.T, tf.V

    def nested(x, y):
        return bool((x <= y).all() or (y <= x).all())

    return bool(((ra == rb).all() and nested(ca, cb)) or ((ca == cb).all() and nested(ra, rb)))


def component_proof(state: State, comp: list[Node], rules: str = "all") -> dict | None:
    """The proof object of a closed component: C1/C2/C5, else (rules "all")
    C6 (a full fibre) or C4 (constant rank) with their certificate data; None if no rule applies."""
    rule = closed_component_rule(state, comp, rules)
    if rule is not None:
        return {"rule": rule}
    if rules != "all" or not state.two_factor(comp):
        return None
    g = state.graph
    if any(v in state.sinks for u in comp if u in state.sources for v in g.successors(u)):
        return None
    from .constant_rank import prove_c4
    return prove_c4(state, comp)


def reduce_route(chain: Chain, reduction: Reduction | None = None, rules: str = "all") -> dict | None:
    """A ``reduce`` proof when every reduced component is closed by C1/C2/C5/C4."""
    if reduction is None:
        reduction = reduce(State.from_chain(chain))
    parts = []
    for comp in reduction.components:
        part = component_proof(reduction.final, comp, rules)
        if part is None:
            return None
        parts.append(part)
    return {"rule": "reduce", "steps": reduction.steps, "core": reduction.final.core(),
            "components": parts}


# ---------------------------------------------------------------------------
# C3 on a layered chain
# ---------------------------------------------------------------------------

def twin_classes(chain: Chain, s: int) -> np.ndarray:
    """Indices (positions in level s) of one representative per twin class:
    equal rows of mask s and equal columns of mask s+1."""
    key = np.concatenate([np.packbits(chain.masks[s - 1], axis=1),
                          np.packbits(chain.masks[s].T, axis=1)], axis=1)
    _, reps = np.unique(key, axis=0, return_index=True)
    return np.sort(reps)


def c3_applies(chain: Chain, s: int, product=None) -> bool:
    """Do the twin classes of level ``s`` have pairwise disjoint rectangles?
    ``product(sub)`` gives the boolean path matrix of a sub-chain (cached by
    the prover)."""
    product = product or Chain.product
    if min(len(chain.index[0]), len(chain.index[s]), len(chain.index[-1])) == 0:
        return True                                       # every rectangle is empty
    reach_in = product(chain.slice(1, s))                 # level s x inputs
    reach_out = product(chain.slice(s + 1, chain.depth))  # outputs x level s
    covered = np.zeros((reach_out.shape[0], reach_in.shape[1]), dtype=bool)
    for k in twin_classes(chain, s):
        rows, cols = np.flatnonzero(reach_out[:, k]), np.flatnonzero(reach_in[k])
        block = np.ix_(rows, cols)
        if covered[block].any():
            return False
        covered[block] = True
    return True


class ClosedProver:
    """Search for a closedness proof of a chain (and its sub-chains)."""

    def __init__(self, top_reduction: Reduction | None = None, top: Chain | None = None,
                 use_reductions: bool = True, rules: str = "all"):
        self._memo: dict[tuple, dict | None] = {}
        self._products: dict[tuple, np.ndarray] = {}
        self._top = (top, top_reduction)
        self._use_reductions = use_reductions
        self._rules = rules

    def product(self, chain: Chain) -> np.ndarray:
        """Boolean path matrix (outputs x inputs) of a chain, built one mask
        at a time so that prefixes are shared between splits."""
        if chain.key not in self._products:
            if chain.depth == 1:
                p = chain.masks[0]
            else:
                p = or_product(chain.masks[-1], self.product(chain.slice(1, chain.depth - 1)))
            self._products[chain.key] = p
        return self._products[chain.key]

    def prove(self, chain: Chain) -> dict | None:
        key = chain.key
        if key not in self._memo:
            self._memo[key] = None   # guards against re-entry on the same chain
            self._memo[key] = self._prove(chain)
        return self._memo[key]

    def _prove(self, chain: Chain) -> dict | None:
        L = chain.depth
        if L == 1:
            return {"rule": "layer"}
        for s in _split_order(L):
            if c3_applies(chain, s, self.product):
                left = self.prove(chain.slice(s + 1, L))
                right = left and self.prove(chain.slice(1, s))
                if left and right:
                    return {"rule": "C3", "split": s, "left": left, "right": right}
        comps = chain.components()
        if len(comps) > 1:
            parts = []
            for comp in comps:
                proof = self.prove(chain.restrict(set(comp)))
                if proof is None:
                    break
                parts.append({"nodes": comp, "proof": proof})
            else:
                return {"rule": "components", "parts": parts}
        if not self._use_reductions:
            return None
        top, top_reduction = self._top
        reduction = top_reduction if top is not None and chain.key == top.key else None
        return reduce_route(chain, reduction, self._rules)


def _split_order(L: int) -> list[int]:
    """Peel the last layer first (the left side is then one mask), then the
    first, then the inner splits."""
    return [L - 1] + ([1] if L > 2 else []) + list(range(2, L - 1))

