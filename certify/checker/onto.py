"""Replay of C7, onto by cases (docs/theory.md §3): a decision tree over the
observed entries ``a_k`` whose leaves give every edge weight as a Laurent
polynomial in them; negative powers only of entries tested non-zero on the
way, no entry tested zero.  Every observed entry's path sum must expand to
``a_k`` (0 for a tested-zero entry).  Standard library and FLINT only.
"""

from __future__ import annotations

from math import prod

from flint import fmpq_mpoly_ctx

from .graphs import label, pair_labels
from .numbers import integer, need, rational
from .parsing import fields, spend

MAX_ENTRIES = 24
MAX_LEAVES = 4096
MAX_POWER = 64
MAX_TERMS = 10_000       # terms of one weight
MAX_PATH_TERMS = 1_000_000   # the product of a path's weights' term counts (its product's size, at most)


def _laurent(terms, m: int, zero: set, nonzero: set) -> dict:
    """[[[[k, p], ...], "c"], ...] -> {exponents: fmpq}; p != 0, negative only for
    entries known non-zero, never an entry known zero."""
    need(isinstance(terms, list) and len(terms) <= MAX_TERMS, "C7: a weight must be a list of terms")
    spend(len(terms))
    out: dict = {}
    for term in terms:
        need(isinstance(term, list) and len(term) == 2 and isinstance(term[0], list),
             "C7: a term is [[[entry, power], ...], \"coefficient\"]")
        e = [0] * m
        for pair in term[0]:
            need(isinstance(pair, list) and len(pair) == 2, "C7: bad power")
            k, p = integer(pair[0], "entry"), integer(pair[1], "power")
            need(0 <= k < m and e[k] == 0 and p != 0 and abs(p) <= MAX_POWER and k not in zero
                 and (p > 0 or k in nonzero), "C7: bad power, or an entry that may not occur (or not inverted) here")
            e[k] = p
        need(tuple(e) not in out, "C7: a monomial is repeated")
        out[tuple(e)] = rational(term[1])
        need(out[tuple(e)] != 0, "C7: zero coefficient")
    return out


def check_c7(state, comp: list, proof: dict) -> None:
    inside = set(comp)
    edges = {(u, v) for u in comp for v in state.succ[u] if v in inside}
    entries, paths = [], []
    for q in sorted(v for v in comp if v in state.sinks):
        for p in sorted(v for v in comp if v in state.sources):
            if (q, p) not in state.dc:
                ps = state.paths(p, q)
                if ps:
                    entries.append((q, p))
                    paths.append(ps)
    m = len(entries)
    need(0 < m <= MAX_ENTRIES, "C7: the component is beyond this checker's bound")
    need(pair_labels(proof["entries"], "C7 entries") == entries,
         "C7: entries must list the observed entries reached by a path, sorted")
    index = {e: k for k, e in enumerate(entries)}
    ctx = fmpq_mpoly_ctx.get(tuple(f"a{k}" for k in range(m)), "lex")
    longest = max(len(path) for ps in paths for path in ps)
    leaves = [0]

    def leaf(node, zero: set, nonzero: set) -> None:
        leaves[0] += 1
        need(leaves[0] <= MAX_LEAVES, "C7: more leaves than this checker allows")
        weights, listed = {}, fields(node, "C7 leaf", ("weights",))["weights"]
        need(isinstance(listed, list), "C7: weights must be a list")
        for item in listed:
            need(isinstance(item, list) and len(item) == 3, "C7: a weight is [tail, head, terms]")
            edge = (label(item[0]), label(item[1]))
            need(edge in edges and edge not in weights, "C7: a weight on an edge outside the component, or twice")
            weights[edge] = _laurent(item[2], m, zero, nonzero)
        # Multiply everything by a^s (s: the largest inverse power of each entry) to stay polynomial.
        s = [max([0] + [-e[k] for w in weights.values() for e in w]) for k in range(m)]
        shifted = {edge: ctx.from_dict({tuple(x + y for x, y in zip(e, s)): c for e, c in w.items()})
                   for edge, w in weights.items()}

        def power(n: int):
            return ctx.from_dict({tuple(n * x for x in s): 1})

        for k, ps in enumerate(paths):
            total = ctx.from_dict({})
            for path in ps:
                # A path's product has at most prod(term counts) terms, and so has every
                # partial product: bound that (not the sum) before multiplying; 0 if a weight is.
                ws = [shifted.get(e) for e in path]
                size = prod(len(w) for w in ws) if all(ws) else 0
                need(size <= MAX_PATH_TERMS, "C7: a path's product is beyond this checker's bound")
                spend(len(path) * (1 + size))
                if size:
                    term = power(longest - len(path))
                    for w in ws:
                        term *= w
                    total += term
            want = 0 if k in zero else ctx.gens()[k]
            need(total == want * power(longest), f"C7: the path sum at entry {entries[k]} is not a_{k}")

    def walk(node, zero: set, nonzero: set) -> None:
        need(isinstance(node, dict), "C7: a tree node must be an object")
        if "test" not in node:
            leaf(node, zero, nonzero)
            return
        fields(node, "C7 test", ("test", "zero", "nonzero"))
        k = index.get(tuple(pair_labels([node["test"]], "C7 test")[0]))
        need(k is not None and k not in zero and k not in nonzero, "C7: a test must name an untested entry")
        walk(node["zero"], zero | {k}, nonzero)
        walk(node["nonzero"], zero, nonzero | {k})

    walk(proof["tree"], set(), set())
