"""Closedness rules C0-C3 (docs/theory.md §3) and the search for a closedness
proof of a layered chain.

Proof trees are dicts mirroring the certificate format (docs/certificates.md):
``layer`` (one mask: a coordinate subspace), ``C3`` (split with twin
classes), ``components`` (R6 on the chain) and ``reduce`` (R1-R6, then C1/C2
on every component with a hidden node; C0 for the rest).
"""

from __future__ import annotations

from .chains import Chain, Node
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

def _bits(x: int):
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


def c3_applies(chain: Chain, s: int) -> bool:
    """Do the twin classes of level ``s`` have pairwise disjoint rectangles?"""
    succ, pred = chain.succ, chain.pred
    reach_in = {v: 1 << k for k, v in enumerate(chain.levels[0])}
    for lev in chain.levels[1:s + 1]:
        for v in lev:
            acc = 0
            for u in pred[v]:
                acc |= reach_in[u]
            reach_in[v] = acc
    reach_out = {v: 1 << k for k, v in enumerate(chain.levels[-1])}
    for lev in reversed(chain.levels[s:-1]):
        for v in lev:
            acc = 0
            for w in succ[v]:
                acc |= reach_out[w]
            reach_out[v] = acc
    classes: dict[tuple, tuple[int, int]] = {}
    for k in chain.levels[s]:
        key = (frozenset(pred[k]), frozenset(succ[k]))
        classes[key] = (reach_out[k], reach_in[k])
    # Rectangles R x C are disjoint iff, for every output, the classes whose R
    # contains it have pairwise disjoint C.
    per_output: dict[int, int] = {}
    for rows, cols in classes.values():
        if not rows or not cols:
            continue
        for o in _bits(rows):
            acc = per_output.get(o, 0)
            if acc & cols:
                return False
            per_output[o] = acc | cols
    return True


class ClosedProver:
    """Search for a closedness proof of a chain (and its sub-chains)."""

    def __init__(self, top_reduction: Reduction | None = None, top: Chain | None = None):
        self._memo: dict[tuple, dict | None] = {}
        self._top = (top, top_reduction)

    def prove(self, chain: Chain) -> dict | None:
        key = chain.levels
        if key not in self._memo:
            self._memo[key] = None   # guards against re-entry on the same chain
            self._memo[key] = self._prove(chain)
        return self._memo[key]

    def _prove(self, chain: Chain) -> dict | None:
        L = chain.depth
        if L == 1:
            return {"rule": "layer"}
        for s in _split_order(L):
            if c3_applies(chain, s):
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
        top, top_reduction = self._top
        reduction = top_reduction if top is not None and chain.levels == top.levels else None
        return reduce_route(chain, reduction)


def _split_order(L: int) -> list[int]:
    """Peel the last layer first (the left side is then one mask), then the
    first, then the inner splits."""
    return [L - 1] + ([1] if L > 2 else []) + list(range(2, L - 1))

