"""Closedness rules C0-C3 (docs/theory.md §3) and the search for a closedness
proof of a layered chain.

Proof trees are dicts mirroring the certificate format (docs/certificates.md):
``layer`` (one mask: a coordinate subspace), ``C3`` (split with twin
classes), ``components`` (R6 on the chain) and ``reduce`` (R1-R6, then C1/C2
on every component with a hidden node; C0 for the rest).
"""

from __future__ import annotations

import numpy as np

from .chains import Chain, Node, or_product
from .reductions import Reduction, State, reduce


# ---------------------------------------------------------------------------
# C1 / C2 on a reduced component
# ---------------------------------------------------------------------------

def _bipartite_components_complete(entries: set[tuple[Node, Node]]) -> bool:
    """Is every connected component of the bipartite graph ``entries``
    (pairs ``(row, col)``) complete bipartite?"""
    adj: dict[tuple, set] = {}
    for r, c in entries:
        adj.setdefault(("r", r), set()).add(("c", c))
        adj.setdefault(("c", c), set()).add(("r", r))
    seen = set()
    for start in adj:
        if start in seen:
            continue
        comp, stack = [], [start]
        seen.add(start)
        while stack:
            x = stack.pop()
            comp.append(x)
            for y in adj[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        rows = sum(1 for x in comp if x[0] == "r")
        cols = len(comp) - rows
        edges = sum(len(adj[x]) for x in comp if x[0] == "r")
        if edges != rows * cols:
            return False
    return True


def observed_patterns(state: State, comp: list[Node]) -> dict[Node, set[tuple[Node, Node]]]:
    """For a two-factor component: hidden node -> its observed entries
    ``(sink, source)`` (its rectangle minus D)."""
    g = state.graph
    out = {}
    for h in comp:
        if state.is_hidden(h):
            out[h] = {(q, p) for q in g.successors(h) for p in g.predecessors(h)
                      if (q, p) not in state.dont_care}
    return out


def closed_component_rule(state: State, comp: list[Node]) -> str | None:
    """``"C1"``/``"C2"`` when the component is closed by that rule, else None."""
    if not state.two_factor(comp):
        return None
    g = state.graph
    if any(v in state.sinks for u in comp if u in state.sources for v in g.successors(u)):
        return None   # a direct edge: R5 was not applied (never after `reduce`)
    patterns = observed_patterns(state, comp)
    seen: set = set()
    for entries in patterns.values():
        if seen & entries:
            return None
        seen |= entries
        if not _bipartite_components_complete(entries):
            return None
    return "C1" if len(patterns) == 1 else "C2"


def reduce_route(chain: Chain, reduction: Reduction | None = None) -> dict | None:
    """A ``reduce`` proof when every reduced component is closed by C1/C2."""
    if reduction is None:
        reduction = reduce(State.from_chain(chain))
    rules = []
    for comp in reduction.components:
        rule = closed_component_rule(reduction.final, comp)
        if rule is None:
            return None
        rules.append({"rule": rule})
    return {"rule": "reduce", "steps": reduction.steps, "core": reduction.final.core(),
            "components": rules}


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
                 use_reductions: bool = True):
        self._memo: dict[tuple, dict | None] = {}
        self._products: dict[tuple, np.ndarray] = {}
        self._top = (top, top_reduction)
        self._use_reductions = use_reductions

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
        return reduce_route(chain, reduction)


def _split_order(L: int) -> list[int]:
    """Peel the last layer first (the left side is then one mask), then the
    first, then the inner splits."""
    return [L - 1] + ([1] if L > 2 else []) + list(range(2, L - 1))

