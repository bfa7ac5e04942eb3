"""Closedness rules C0-C3, C5, (via constant_rank.py) C4, C6 and (via onto.py) C7 (docs/theory.md
§3) and the search for a closedness proof of a layered chain.

Proof trees are dicts mirroring the certificate format (docs/certificate-format.md):
``layer`` (one mask: a coordinate subspace), ``C3`` (split with twin
classes), ``components`` (R6 on the chain) and ``reduce`` (R1-R6, then C1/C2/C5/C4/C6/C7
on every component with a hidden node; C0 for the rest).
"""

from __future__ import annotations

import numpy as np

from .chains import Chain, Node, or_merge, or_product, pack_rows, popcount_rows, unpack_rows
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


COMPONENT_RULE_TEXT = {
    "C1": "one rank-one term whose observed blocks are complete",
    "C2": "rank-one terms on disjoint observed patterns with complete blocks",
    "C5": "two rank-one terms on the same rows with nested columns, or the converse",
    "C4": "rank-one terms whose linear fibres have constant rank",
    "C6": "rank-one terms one of whose linear fibres already fills every entry",
    "C7": "a set that is every matrix on its observed entries, shown case by case",
    "C8": "a set cut out by 2 x 2 minors of single rank-one terms, shown case by case",
}


def component_proof(state: State, comp: list[Node], rules: str = "all") -> dict | None:
    """The proof object of a closed component: C1/C2/C5, else (rules "all")
    C6 (a full fibre) or C4 (constant rank) on two-factor components, else C7
    (onto by cases, any component), with their certificate data; None if no
    rule applies."""
    rule = closed_component_rule(state, comp, rules)
    if rule is not None:
        return {"rule": rule}
    if rules != "all":
        return None
    g = state.graph
    if state.two_factor(comp) and not any(v in state.sinks for u in comp if u in state.sources
                                          for v in g.successors(u)):
        from .constant_rank import prove_c4
        found = prove_c4(state, comp)
        if found is not None:
            return found
    from .onto import prove_onto
    return prove_onto(state, comp)


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
    equal rows of mask s and equal columns of mask s+1.  The representative
    is the first member; the list is increasing."""
    n = len(chain.index[s])
    r_in, c_in = chain.nonzeros(s - 1)            # row-major: in-lists sorted per node
    r_out, c_out = chain.nonzeros(s)
    order = np.argsort(c_out, kind="stable")      # by node, out-lists sorted per node
    r_out, c_out = r_out[order], c_out[order]
    bounds_in = np.searchsorted(r_in, np.arange(n + 1)) * 8
    bounds_out = np.searchsorted(c_out, np.arange(n + 1)) * 8
    ins, outs = c_in.astype(np.int64).tobytes(), r_out.astype(np.int64).tobytes()
    # Group by the exact neighbour lists in a hash table: linear in the edges,
    # where sorting dense keys (np.unique(axis=0)) was the C3 check's largest cost.
    first: dict[tuple[bytes, bytes], int] = {}
    for i in range(n):
        key = (ins[bounds_in[i]:bounds_in[i + 1]], outs[bounds_out[i]:bounds_out[i + 1]])
        first.setdefault(key, i)
    return np.array(sorted(first.values()), dtype=np.intp)


def rectangles_disjoint(groups: np.ndarray, items: np.ndarray, cols: np.ndarray) -> bool:
    """Are the rectangles ``R_k x cols[k]`` pairwise disjoint, where the pairs
    ``(groups[p], items[p])`` (sorted by group) say that row ``groups[p]`` is in
    ``R_items[p]`` and ``cols`` holds packed column sets (``pack_rows``)?  They are exactly
    when, for every row, the column sets of the rectangles on it are
    disjoint: their OR has as many bits as their sizes add up to.  Cost
    O(pairs x bytes per set), never the sum of the areas."""
    sizes = popcount_rows(cols)
    pos = 0
    for ids, merged in or_merge(groups, items, cols):
        end = int(np.searchsorted(groups, ids[-1], side="right"))   # this chunk's pairs: pos..end
        if int(popcount_rows(merged).sum()) != int(sizes[items[pos:end]].sum()):
            return False
        pos = end
    return True


def c3_applies(chain: Chain, s: int, product=None) -> bool:
    """Do the twin classes of level ``s`` have pairwise disjoint rectangles?
    ``product(sub)`` gives the bit-packed path matrix of a sub-chain (cached
    by the prover)."""
    product = product or Chain.product
    n_in, n_s, n_out = len(chain.index[0]), len(chain.index[s]), len(chain.index[-1])
    if min(n_in, n_s, n_out) == 0:
        return True                                       # every rectangle is empty
    reach_in = product(chain.slice(1, s))                 # level s x inputs, packed
    if s == chain.depth - 1:                              # outputs x level s is the last mask
        out_rows, out_nodes = chain.nonzeros(s)
    else:
        reach_out = product(chain.slice(s + 1, chain.depth))
        out_rows, out_nodes = np.nonzero(unpack_rows(reach_out, n_s))
    reps = twin_classes(chain, s)
    cls = np.full(n_s, -1, dtype=np.intp)
    cls[reps] = np.arange(reps.size)
    keep = cls[out_nodes] >= 0
    groups, items = out_rows[keep], cls[out_nodes[keep]]   # (output, class), sorted by output
    cols = reach_in[reps]                                 # classes x inputs, packed
    # Walk the cheaper side: (output, class) pairs x input bytes, or
    # (input, class) pairs x output bytes.
    in_pairs = int(popcount_rows(cols).sum())
    if groups.size * cols.shape[1] <= in_pairs * ((n_out + 7) // 8):
        return rectangles_disjoint(groups, items, cols)
    rows = np.zeros((reps.size, n_out), dtype=bool)
    rows[items, groups] = True
    k, i = np.nonzero(unpack_rows(cols, n_in))
    order = np.argsort(i, kind="stable")
    return rectangles_disjoint(i[order], k[order], pack_rows(rows))


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
        """Bit-packed path matrix (outputs x inputs) of a chain, built one
        mask at a time so that prefixes are shared between splits."""
        if chain.key not in self._products:
            if chain.depth == 1:
                p = pack_rows(chain.masks[0])
            else:
                p = or_product(chain.masks[-1], self.product(chain.slice(1, chain.depth - 1)),
                               len(chain.index[0]), chain.nonzeros(chain.depth - 1))
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

