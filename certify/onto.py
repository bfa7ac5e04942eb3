"""C7, onto by cases: a component whose set is every matrix on its observed
entries (docs/theory.md §3, C7); and C8, a rank-one locus by cases: the set
is the zero set of 2 x 2 minors of entries one node alone covers (§3, C8).

The certificate is a decision tree over the target entries ``a_e``.  An
inner node tests one entry: ``a_e = 0`` (the entry is replaced by 0 below)
or ``a_e != 0`` (negative powers of ``a_e`` are allowed below).  A leaf gives
every edge weight of the component as a Laurent polynomial in the entries,
and every observed entry's path sum must equal ``a_e`` (or 0) identically.
Every real target follows one branch to a leaf, where the weights are
defined and factor it, so the set is all of ``R^E``: closed.

The search is a propagation solver with a depth-first choice of constants
(1, then 0) for weights that no equation determines; where an equation
could be solved but for an entry not yet known non-zero, that entry is a
*wish*, and the tree splits on the most wished entry.  Three branching
orders are tried per leaf, then, where they wish nothing, a fourth that also
tries ``2 a_e`` to split a sum ``s + t = a_e``, and a fifth that makes a
whole monomial ``2 a_e`` where its other weights are already known.  For C8 the tree may also *solve* an entry from a
minor once its partner entry is known non-zero.  All bounds are work counts,
never time, so the verdict is the same on every machine.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import networkx as nx
from flint import fmpq

MAX_ENTRIES = 16        # observed entries (tree variables)
MAX_EDGES = 40
MAX_PATHS = 64          # paths into one entry
MAX_LEAVES = 64
MAX_SEARCH = 4_000      # depth-first nodes per leaf
SUMS_SEARCH = 500       # ... in the last two orders, which branch more and rarely need many
MAX_MULTIPLES = 2       # values 2 a_e tried for a weight, after 1 and 0
ORDERS = ("constrained", "index", "sinks", "sums", "split")   # branching orders, in turn
LAST_RESORT = ("sums", "split")   # run only where the first three find nothing and wish nothing

# A Laurent polynomial in the entries: {exponent tuple (may be negative): fmpq}.


def _mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for e1, c1 in a.items():
        for e2, c2 in b.items():
            e = tuple(x + y for x, y in zip(e1, e2))
            out[e] = out.get(e, 0) + c1 * c2
    return {e: c for e, c in out.items() if c != 0}


def _add(a: dict, b: dict, sign: int = 1) -> dict:
    out = dict(a)
    for e, c in b.items():
        out[e] = out.get(e, 0) + sign * c
    return {e: c for e, c in out.items() if c != 0}


class Problem:
    """Edges (weights), observed entries and, per entry, its path monomials."""

    def __init__(self, state, comp):
        g = state.graph
        inside = set(comp)
        sub = g.subgraph(inside)
        self.edges = sorted(sub.edges)
        eindex = {e: k for k, e in enumerate(self.edges)}
        sources = sorted(v for v in comp if v in state.sources)
        sinks = sorted(v for v in comp if v in state.sinks)
        self.entries, self.paths = [], []
        self.sinks = set(sinks)
        self.too_big = len(self.edges) > MAX_EDGES
        if self.too_big:
            return
        for q in sinks:
            for p in sources:
                if (q, p) in state.dont_care or not nx.has_path(sub, p, q):
                    continue
                paths = []
                for path in nx.all_simple_paths(sub, p, q):
                    paths.append(tuple(sorted(eindex[(u, v)] for u, v in zip(path, path[1:]))))
                    if len(paths) > MAX_PATHS:
                        self.too_big = True
                        return
                self.entries.append((q, p))
                self.paths.append(paths)
        self.too_big = len(self.entries) > MAX_ENTRIES
        self.m = len(self.entries)
        self.minors = self._minors()

    def _minors(self) -> list[tuple]:
        """C8's minors: entry indices (i, j, k, l) of (r1,c1), (r1,c2), (r2,c1),
        (r2,c2), each reached by one path source -> h -> sink through the same
        node h, so a_i a_l = a_j a_k on the whole set."""
        index = {e: k for k, e in enumerate(self.entries)}
        through = {}
        for k, paths in enumerate(self.paths):
            if len(paths) == 1 and len(paths[0]) == 2:
                a, b = (self.edges[v] for v in paths[0])
                through[k] = a[1] if a[1] == b[0] else b[1]
        rows = sorted({q for q, _ in self.entries})
        cols = sorted({p for _, p in self.entries})
        out = []
        for r1, r2 in combinations(rows, 2):
            for c1, c2 in combinations(cols, 2):
                quad = [index.get(e) for e in ((r1, c1), (r1, c2), (r2, c1), (r2, c2))]
                if all(k in through for k in quad) and len({through[k] for k in quad}) == 1:
                    out.append(tuple(quad))
        return out

    def target(self, k: int, zero: frozenset, solved: dict | None = None) -> dict:
        if k in zero:
            return {}
        if solved and k in solved:
            return solved[k]
        return {tuple(int(i == k) for i in range(self.m)): fmpq(1)}


class _Search:
    def __init__(self, prob: Problem, zero: frozenset, nonzero: frozenset, order: str = "constrained",
                 solved: dict | None = None):
        self.prob, self.zero, self.nonzero, self.order = prob, zero, nonzero, order
        self.rhs = [prob.target(k, zero, solved) for k in range(prob.m)]
        self.solved = solved or {}
        self.wishes: Counter = Counter()
        self.nodes = 0

    def _invertible(self, c: dict):
        if len(c) != 1:
            return None
        (e, coef), = c.items()
        bad = [k for k, x in enumerate(e) if x and k not in self.nonzero]
        if bad:
            self.wishes.update(bad)
            return None
        return {tuple(-x for x in e): 1 / coef}

    def _propagate(self, val: dict) -> bool:
        """Solve determined weights in place; False on a contradiction."""
        progress = True
        while progress:
            progress = False
            for paths, rhs in zip(self.prob.paths, self.rhs):
                # A monomial with a weight already 0 is 0, whatever its open weights.
                paths = [m for m in paths if all(val.get(v, True) for v in m)]
                open_ = [m for m in paths if any(v not in val for v in m)]
                if len(open_) > 1:
                    continue
                rest: dict = {}
                for m in paths:
                    if m not in open_:
                        term = {(0,) * self.prob.m: fmpq(1)}
                        for v in m:
                            term = _mul(term, val[v])
                        rest = _add(rest, term)
                if not open_:
                    if rest != rhs:
                        return False
                    continue
                unknown = [v for v in open_[0] if v not in val]
                if len(unknown) != 1:
                    continue
                c = {(0,) * self.prob.m: fmpq(1)}
                for v in open_[0]:
                    if v in val:
                        c = _mul(c, val[v])
                if not c:
                    if rest != rhs:
                        return False
                    continue
                inv = self._invertible(c)
                if inv is not None:
                    val[unknown[0]] = _mul(_add(rhs, rest, -1), inv)
                    progress = True
        return True

    def run(self, val: dict):
        self.nodes += 1
        if self.nodes > (SUMS_SEARCH if self.order in LAST_RESORT else MAX_SEARCH):
            return None
        if not self._propagate(val):
            return None
        free = [v for v in range(len(self.prob.edges)) if v not in val]
        if not free:
            return val if self._allowed(val) else None
        if self.order == "constrained":
            # A weight of the most constrained open equation (fewest open
            # weights in its live monomials): its value then propagates.
            best = None
            for paths in self.prob.paths:
                open_ = {v for m in paths if all(val.get(v, True) for v in m) for v in m if v not in val}
                if open_ and (best is None or len(open_) < len(best)):
                    best = open_
            pick = min(best) if best else free[0]
        elif self.order in LAST_RESORT:
            # A weight of an open equation with the most live monomials: a
            # sum is split (1, or 2a against -a) before its terms are forced;
            # "split" first takes a weight that completes a monomial of a sum.
            best, size, ready = None, 1, None
            for paths, rhs in zip(self.prob.paths, self.rhs):
                live = [m for m in paths if all(val.get(v, True) for v in m)]
                open_ = {v for m in live for v in m if v not in val}
                if open_ and len(live) > size:
                    best, size = open_, len(live)
                if self.order == "split" and ready is None and rhs and len(live) > 1:
                    for m in live:
                        left = [v for v in m if v not in val]
                        if len(left) == 1:
                            ready = left[0]
                            break
            pick = ready if ready is not None else min(best) if best else free[0]
        elif self.order == "index":
            pick = free[0]
        else:                   # "sinks": the out-factors first (directions), then the rest
            heads = [v for v in free if self.prob.edges[v][1] in self.prob.sinks]
            pick = (heads or free)[0]
        one, zero = {(0,) * self.prob.m: fmpq(1)}, {}
        # The 2 a_e values only in the last two orders, so the first three search as before.
        for c in [one, zero] + (self._multiples(pick, val) if self.order in LAST_RESORT else []):
            trial = dict(val)
            trial[pick] = c
            got = self.run(trial)
            if got is not None:
                return got
        return None

    def _allowed(self, val: dict) -> bool:
        """The leaf's weights use only entries neither tested zero nor solved,
        inverted only where tested non-zero (what the checker allows)."""
        return all(not (p and (k in self.zero or k in self.solved)) and (p >= 0 or k in self.nonzero)
                   for w in val.values() for e in w for k, p in enumerate(e))

    def _multiples(self, pick: int, val: dict) -> list[dict]:
        """Twice the target of an entry whose open monomials hold ``pick``: in
        ``s + t = a`` it makes ``s = 2a`` and leaves ``t = -a``, both
        invertible where ``a`` is, where 1 would leave ``t = a - 1``.  In
        "split", divided by the monomial's other weights where they are known
        with an invertible product, so that the whole monomial is 2a."""
        out = []
        for k, (paths, rhs) in enumerate(zip(self.prob.paths, self.rhs)):
            # Raw entries only: a solved entry's value may hold entries solved
            # after it, which may not occur in a weight.
            if not rhs or k in self.solved:
                continue
            for m in paths:
                if pick not in m or not all(val.get(v, True) for v in m):
                    continue
                c = {e: 2 * x for e, x in rhs.items()}
                others = [v for v in m if v != pick]
                if self.order == "split" and all(v in val for v in others):
                    rest = {(0,) * self.prob.m: fmpq(1)}
                    for v in others:
                        rest = _mul(rest, val[v])
                    inv = self._invertible(rest)
                    if inv is not None:
                        c = _mul(c, inv)
                if c not in out:
                    out.append(c)
        return out[:MAX_MULTIPLES]


def section(prob: Problem, zero: frozenset, nonzero: frozenset,
            solved: dict | None = None) -> tuple[dict | None, Counter, Counter]:
    """Weights solving every entry on the branch (entries in ``zero`` are 0,
    those in ``nonzero`` invertible, those in ``solved`` equal to the given
    Laurent polynomials), or None; the entries the first three orders wish
    non-zero, and those the last two wish."""
    unused = {v for v in range(len(prob.edges)) if not any(v in m for paths in prob.paths for m in paths)}
    wishes: Counter = Counter()
    last: Counter = Counter()
    for order in ORDERS:   # each finds sections the others miss
        if order in LAST_RESORT and wishes:
            break               # the tree splits here anyway: the last two orders only where it would stop
        s = _Search(prob, zero, nonzero, order, solved)
        val = s.run({v: {} for v in unused})
        if order in LAST_RESORT:
            # Their wishes count only where nothing else is wished (_tree), so
            # that they never redirect a tree the other orders would find;
            # "split"'s only where "sums" wishes nothing.
            last = last or s.wishes
        else:
            wishes.update(s.wishes)
        if val is not None:
            return val, wishes, last
    return None, wishes, last


def _at_zero(solved: dict, k: int) -> dict:
    """The solved values with a_k = 0 (a_k occurs only with positive powers:
    it was not known non-zero)."""
    return {x: {e: c for e, c in v.items() if not e[k]} for x, v in solved.items()}


def _tree(prob: Problem, zero: frozenset, nonzero: frozenset, budget: list,
          solved: dict | None = None, minors: bool = False):
    """C7's tree; with ``minors`` (C8), an entry of a minor whose partner is
    known non-zero may be solved from it (``solve`` nodes)."""
    budget[0] -= 1
    if budget[0] < 0:
        return None
    solved = solved or {}
    val, wishes, last = section(prob, zero, nonzero, solved)
    if val is not None:
        return {"weights": [[prob.edges[v][0], prob.edges[v][1], _terms(val[v])] for v in sorted(val) if val[v]]}
    open_ = [k for k in range(prob.m) if k not in zero and k not in nonzero and k not in solved]
    if minors:
        for f, quad in enumerate(prob.minors):
            for pos, x in enumerate(quad):
                y = quad[3 - pos]                            # a_x a_y = a_o1 a_o2
                if x in open_ and y in nonzero and y not in solved:
                    o1, o2 = (quad[i] for i in range(4) if i not in (pos, 3 - pos))
                    inv = {tuple(-int(i == y) for i in range(prob.m)): fmpq(1)}
                    value = _mul(_mul(prob.target(o1, zero, solved), prob.target(o2, zero, solved)), inv)
                    then = _tree(prob, zero, nonzero, budget, {**solved, x: value}, minors)
                    return None if then is None else {"solve": prob.entries[x], "minor": f, "then": then}
        # Entries of minors are worth testing: a non-zero one lets its partner be solved.
        wishes.update(k for quad in prob.minors for k in quad if k in open_)
    wished = [k for k, _ in sorted(wishes.items(), key=lambda kv: (-kv[1], kv[0])) if k in open_]
    if not wished:      # only the last two orders' wishes are left
        wished = [k for k, _ in sorted(last.items(), key=lambda kv: (-kv[1], kv[0])) if k in open_]
    if not wished:
        return None
    k = wished[0]
    # Below "a_k = 0", put 0 for a_k in the solved entries' values too.
    z = _tree(prob, zero | {k}, nonzero, budget, _at_zero(solved, k), minors)
    if z is None:
        return None
    nz = _tree(prob, zero, nonzero | {k}, budget, solved, minors)
    if nz is None:
        return None
    return {"test": prob.entries[k], "zero": z, "nonzero": nz}


def _terms(poly: dict) -> list:
    """{exponents: coefficient} -> [[[[entry, power], ...], "coef"], ...] (powers may be negative)."""
    from .certificate import rational
    return [[[[k, int(p)] for k, p in enumerate(e) if p], rational(c)] for e, c in sorted(poly.items())]


_CACHE: dict = {}


def prove_onto(state, comp) -> dict | None:
    """A C7 proof object for a component, else a C8 one, or None (memoised per
    component)."""
    return state.memo(_CACHE, comp, _prove_onto)


def _prove_onto(state, comp) -> dict | None:
    prob = Problem(state, comp)
    if prob.too_big or not prob.m:
        return None
    tree = _tree(prob, frozenset(), frozenset(), [MAX_LEAVES * 2])
    if tree is not None:
        return {"rule": "C7", "entries": list(prob.entries), "tree": tree}
    if prob.minors:
        tree = _tree(prob, frozenset(), frozenset(), [MAX_LEAVES * 2], minors=True)
        if tree is not None:
            return {"rule": "C8", "entries": list(prob.entries),
                    "minors": [[prob.entries[k] for k in quad] for quad in prob.minors], "tree": tree}
    return None
