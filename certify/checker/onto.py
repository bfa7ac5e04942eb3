"""Replay of C7, onto by cases, and C8, a rank-one locus by cases
(docs/theory.md §3): a tree of zero tests (and, for C8, entries solved from
single-node 2 x 2 minors) whose leaves give every edge weight as a Laurent
polynomial in the observed entries; every entry's path sum must expand to
its target.  Standard library and FLINT only.
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


def _lmul(a: dict, b: dict) -> dict:
    spend(len(a) * len(b))
    out: dict = {}
    for e1, c1 in a.items():
        for e2, c2 in b.items():
            e = tuple(x + y for x, y in zip(e1, e2))
            out[e] = out.get(e, 0) + c1 * c2
    return {e: c for e, c in out.items() if c != 0}


def _minors(state, proof, index: dict, paths: list) -> list:
    """C8's minors (i, j, k, l) = (r1,c1), (r1,c2), (r2,c1), (r2,c2), each one
    path source -> h -> sink through one h: a_i a_l - a_j a_k = 0 on the set."""
    out = []
    listed = proof["minors"]
    need(isinstance(listed, list) and 0 < len(listed) <= MAX_ENTRIES ** 2, "C8: minors must be a non-empty list")
    for quad in listed:
        four = pair_labels(quad, "C8 minor")
        need(len(four) == 4 and all(e in index for e in four), "C8: a minor names four observed entries")
        (r1, c1), (r1b, c2), (r2, c1b), (r2b, c2b) = four
        need(r1 == r1b and r2 == r2b and c1 == c1b and c2 == c2b and r1 != r2 and c1 != c2,
             "C8: a minor is [(r1,c1), (r1,c2), (r2,c1), (r2,c2)]")
        nodes = set()
        for e in four:
            ps = paths[index[e]]
            need(len(ps) == 1 and len(ps[0]) == 2, f"C8: entry {e} is not one path source -> node -> sink")
            nodes |= {v for edge in ps[0] for v in edge} - set(e)
        need(len(nodes) == 1, "C8: a minor's entries must all pass through one node")
        out.append(tuple(index[e] for e in four))
    return out


def check_c7(state, comp: list, proof: dict, rule: str = "C7") -> None:
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
    need(0 < m <= MAX_ENTRIES, f"{rule}: the component is beyond this checker's bound")
    need(pair_labels(proof["entries"], f"{rule} entries") == entries,
         f"{rule}: entries must list the observed entries reached by a path, sorted")
    index = {e: k for k, e in enumerate(entries)}
    minors = _minors(state, proof, index, paths) if rule == "C8" else []
    ctx = fmpq_mpoly_ctx.get(tuple(f"a{k}" for k in range(m)), "lex")
    longest = max(len(path) for ps in paths for path in ps)
    leaves = [0]

    def value(k: int, zero: set, solved: dict) -> dict:
        return {} if k in zero else solved[k] if k in solved else {tuple(int(i == k) for i in range(m)): 1}

    def leaf(node, zero: set, nonzero: set, solved: dict) -> None:
        leaves[0] += 1
        need(leaves[0] <= MAX_LEAVES, f"{rule}: more leaves than this checker allows")
        weights, listed = {}, fields(node, f"{rule} leaf", ("weights",))["weights"]
        need(isinstance(listed, list), f"{rule}: weights must be a list")
        for item in listed:
            need(isinstance(item, list) and len(item) == 3, f"{rule}: a weight is [tail, head, terms]")
            edge = (label(item[0]), label(item[1]))
            need(edge in edges and edge not in weights, f"{rule}: a weight on an edge outside the component, or twice")
            weights[edge] = _laurent(item[2], m, zero | set(solved), nonzero)
        targets = [value(k, zero, solved) for k in range(m)]
        # Multiply everything by a^s (s: the largest inverse power of each entry) to stay polynomial.
        s = [max([0] + [-e[k] for w in list(weights.values()) + targets for e in w]) for k in range(m)]
        shifted = {edge: ctx.from_dict({tuple(x + y for x, y in zip(e, s)): c for e, c in w.items()})
                   for edge, w in weights.items()}

        def power(n: int):
            return ctx.from_dict({tuple(n * x for x in s): 1})

        for k, ps in enumerate(paths):
            total: dict = {}    # summed here, converted once (adding polynomials term by term is quadratic)
            for path in ps:
                # A path's product has at most prod(term counts) terms, and so has every
                # partial product: bound that (not the sum) before multiplying; 0 if a weight is.
                ws = [shifted.get(e) for e in path]
                size = prod(len(w) for w in ws) if all(ws) else 0
                need(size <= MAX_PATH_TERMS, f"{rule}: a path's product is beyond this checker's bound")
                spend(len(path) * (1 + size))
                if size:
                    term = power(longest - len(path))
                    for w in ws:
                        term *= w
                    for e, c in term.to_dict().items():
                        total[e] = total.get(e, 0) + c
            total = ctx.from_dict({e: c for e, c in total.items() if c != 0})
            want = ctx.from_dict({tuple(x + longest * y for x, y in zip(e, s)): c for e, c in targets[k].items()})
            what = "0" if k in zero else "its solved value" if k in solved else f"a_{k}"
            need(total == want, f"{rule}: the path sum at entry {entries[k]} is not {what}")

    def walk(node, zero: set, nonzero: set, solved: dict) -> None:
        need(isinstance(node, dict), f"{rule}: a tree node must be an object")
        if "solve" in node:
            fields(node, f"{rule} solve", ("solve", "minor", "then"))
            x = index.get(tuple(pair_labels([node["solve"]], "C8 solve")[0]))
            f = node["minor"]
            need(minors and type(f) is int and 0 <= f < len(minors), "C8: solve needs a listed minor")
            quad = minors[f]
            need(x in quad and x not in zero and x not in nonzero and x not in solved,
                 "C8: solve must name an untested, unsolved entry of the minor")
            pos = quad.index(x)
            y = quad[3 - pos]                                  # a_x a_y = a_o1 a_o2
            o1, o2 = [quad[i] for i in range(4) if i not in (pos, 3 - pos)]
            need(y in nonzero and y not in solved, "C8: the entry multiplied with the solved one must be tested non-zero")
            inv = {tuple(-int(i == y) for i in range(m)): 1}
            walk(node["then"], zero, nonzero, {**solved, x: _lmul(_lmul(value(o1, zero, solved),
                                                                       value(o2, zero, solved)), inv)})
            return
        if "test" not in node:
            leaf(node, zero, nonzero, solved)
            return
        fields(node, f"{rule} test", ("test", "zero", "nonzero"))
        k = index.get(tuple(pair_labels([node["test"]], f"{rule} test")[0]))
        need(k is not None and k not in zero and k not in nonzero and k not in solved,
             f"{rule}: a test must name an untested entry")
        # Below "a_k = 0" the solved values have a_k = 0 (it occurs there with positive powers only).
        walk(node["zero"], zero | {k}, nonzero, {x: {e: c for e, c in v.items() if not e[k]} for x, v in solved.items()})
        walk(node["nonzero"], zero, nonzero | {k}, solved)

    walk(proof["tree"], set(), set(), {})
