"""Replay of C4, the constant-rank rule, and C6, the full fibre (docs/theory.md §3).

The checker rebuilds ``M(κ)`` from the replayed state and the stated
orientation (rows: observed entries covered by a hidden node, sorted;
columns: the free coordinates, node by node; variables: the direction
coordinates, node by node), then verifies

* ``M K = 0`` identically for the stated kernel vectors, which are linearly
  independent at the stated rational point: ``rank M(κ) <= rank`` everywhere;
* the charts are exactly one per choice of a coordinate set to 1 in each
  direction, and on each ``Σ c_i det M[I_i, J_i] = 1`` with the determinants
  computed here: ``rank M(κ) >= rank`` everywhere.

Standard library and FLINT only.
"""

from __future__ import annotations

from itertools import product

from flint import fmpq_mat, fmpq_mpoly_ctx

from .graphs import label, labels
from .numbers import integer, monomials, need, rational
from .parsing import fields, spend

MAX_VARS = 24
MAX_COLS = 24
MAX_MINOR = 16
MAX_TERMS = 200_000      # terms of one polynomial, and of a determinant's expansion
MAX_PRODUCT = 2_000_000  # cofactor terms x determinant terms (a bound on their product's size)
MAX_CHARTS = 4096
MAX_DEGREE = 24


def _poly(terms, ctx, n: int, allowed=None):
    need(isinstance(terms, list) and len(terms) <= MAX_TERMS, "C4: a polynomial must be a list of terms")
    spend(len(terms))
    return ctx.from_dict(monomials(terms, n, MAX_DEGREE, "C4", allowed))


def _det(rows: list[dict], I: list[int], J: list[int], ctx):
    """det M[I, J]: expansion along the columns, memoised on the rows used."""
    one = ctx.from_dict({(0,) * ctx.nvars(): 1})
    dp = {0: one}
    for c in J:
        new: dict = {}
        spend(len(dp) * len(I) * (1 + sum(len(v) for v in dp.values()) // max(len(dp), 1)))
        for mask, val in dp.items():
            for pos, i in enumerate(I):
                if not (mask >> pos & 1) and c in rows[i]:
                    sign = -1 if bin(mask >> (pos + 1)).count("1") % 2 else 1
                    key = mask | 1 << pos
                    new[key] = new.get(key, 0) + val * rows[i][c] * sign
        dp = {k: v for k, v in new.items() if v != 0}
        need(sum(len(v) for v in dp.values()) <= MAX_TERMS, "a minor is beyond this checker's bound")
    return dp.get((1 << len(I)) - 1, ctx.from_dict({}))


def check_c6(state, comp: list, proof: dict) -> None:
    """C6: M(κ₀) is onto the observed entries at the stated point, so the
    component's set is all of them (docs/theory.md §3, C6)."""
    rows, entries, dirs, cols, _ = _fibre(state, comp, proof)
    point = proof["point"]
    need(isinstance(point, list) and len(point) == len(dirs), f"C6: the point needs {len(dirs)} coordinates")
    point = [rational(x) for x in point]
    m = fmpq_mat(len(rows), len(cols))
    for i, e in enumerate(entries):
        for c, k in e.items():
            m[i, c] = point[k]
    need(m.rank() == len(rows), "C6: M is not onto the observed entries at the point")


def _fibre(state, comp: list, proof: dict):
    """Rows, entries {column: variable}, variables, columns and sides of M(κ)."""
    inside = set(comp)
    hidden = [v for v in comp if state.hidden(v)]
    for h in hidden:
        need(state.pred[h] <= state.sources and state.succ[h] <= state.sinks, f"C4/C6: {h} is not a two-factor node")
    for u in comp:
        if u in state.sources:
            need(not (state.succ[u] & state.sinks), f"C4/C6: direct edge out of {u}")
    orient = proof["orientation"]
    need(isinstance(orient, list) and len(orient) == len(hidden), "C4/C6: one orientation per hidden node")
    sides = {}
    for item, h in zip(orient, hidden):
        need(isinstance(item, list) and len(item) == 2 and label(item[0]) == h and item[1] in ("out", "in"),
              "orientation must list [node, \"out\"|\"in\"] for the hidden nodes in order")
        sides[h] = item[1]
    # Direction coordinates and free coordinates, node by node, sorted.
    dset = {h: sorted(state.succ[h] if sides[h] == "out" else state.pred[h]) for h in hidden}
    fset = {h: sorted(state.pred[h] if sides[h] == "out" else state.succ[h]) for h in hidden}
    dirs = [(h, v) for h in hidden for v in dset[h]]
    cols = [(h, v) for h in hidden for v in fset[h]]
    n, N = len(cols), len(dirs)
    need(0 < N <= MAX_VARS and n <= MAX_COLS, "C4/C6: the component is beyond this checker's bound")
    dindex = {d: k for k, d in enumerate(dirs)}
    cindex = {c: k for k, c in enumerate(cols)}
    covered = {(q, p) for h in hidden for q in state.succ[h] for p in state.pred[h]}
    rows = sorted(e for e in covered if e not in state.dc and e[0] in inside and e[1] in inside)
    entries = []              # per row: {column: direction coordinate}
    for q, p in rows:
        e = {}
        for h in hidden:
            if q in state.succ[h] and p in state.pred[h]:
                e[cindex[(h, p if sides[h] == "out" else q)]] = dindex[(h, q if sides[h] == "out" else p)]
        entries.append(e)
    return rows, entries, dirs, cols, (hidden, dset)


def check_c4(state, comp: list, proof: dict) -> None:
    rows, entries, dirs, cols, (hidden, dset) = _fibre(state, comp, proof)
    n, N = len(cols), len(dirs)
    dindex = {d: k for k, d in enumerate(dirs)}
    ctx = fmpq_mpoly_ctx.get(tuple(f"k{i}" for i in range(N)), "lex")
    gens = ctx.gens()

    # rank <= r: M K = 0 identically, K independent at a rational point.
    r = integer(proof["rank"], "C4 rank")
    need(0 <= r <= min(n, len(rows)), "C4: rank out of range")
    kernel = proof["kernel"]
    need(isinstance(kernel, list) and len(kernel) == n - r, f"C4: {n - r} kernel vectors are needed")
    point = proof["point"]
    need(isinstance(point, list) and len(point) == N, f"C4: the point needs {N} coordinates")
    point = [rational(x) for x in point]
    K = fmpq_mat(n, max(n - r, 1))
    for j, vec in enumerate(kernel):
        need(isinstance(vec, list) and len(vec) == n, f"C4: kernel vectors have {n} entries")
        polys = [_poly(x, ctx, N) for x in vec]
        for e in entries:
            need(sum((gens[k] * polys[c] for c, k in e.items()), ctx.from_dict({})) == 0,
                  "C4: a kernel vector is not in the kernel of M")
        for c, x in enumerate(polys):
            K[c, j] = x(*point) if N else x
    need(n == r or K.rank() == n - r, "C4: the kernel vectors are dependent at the point")

    # rank >= r on every chart.
    charts = proof["charts"]
    expected = set(product(*[dset[h] for h in hidden]))
    need(isinstance(charts, list) and len(charts) == len(expected) <= MAX_CHARTS,
          "C4: one chart per choice of a coordinate of each direction is needed")
    need(r <= MAX_MINOR, "C4: minors beyond this checker's bound")
    seen = set()
    for chart in charts:
        ones = tuple(labels(fields(chart, "C4 chart", ("ones", "minors"))["ones"], "C4 chart"))
        need(ones in expected and ones not in seen, "C4: a chart is repeated or not a chart")
        seen.add(ones)
        fixed = {dindex[(h, v)] for h, v in zip(hidden, ones)}
        one = ctx.from_dict({(0,) * N: 1})
        sym = [{c: (one if k in fixed else gens[k]) for c, k in e.items()} for e in entries]
        minors = chart["minors"]
        need(isinstance(minors, list) and minors, "C4: a chart needs minors")
        total = ctx.from_dict({})
        for m in minors:
            I, J = fields(m, "C4 minor", ("rows", "cols", "cofactor"))["rows"], m["cols"]
            need(isinstance(I, list) and isinstance(J, list) and len(I) == len(J) == r
                  and all(type(i) is int and 0 <= i < len(rows) for i in I) and len(set(I)) == r
                  and all(type(j) is int and 0 <= j < n for j in J) and len(set(J)) == r,
                  f"C4: a minor needs {r} distinct rows and columns")
            cofactor, det = _poly(m["cofactor"], ctx, N, set(range(N)) - fixed), _det(sym, I, J, ctx)
            # The product has up to len x len terms: bound and charge that before multiplying.
            need(len(cofactor) * len(det) <= MAX_PRODUCT,
                 f"C4: a cofactor times its minor is beyond this checker's bound ({MAX_PRODUCT:,} terms)")
            spend(len(cofactor) * len(det))
            total += cofactor * det
        need(total == 1, "C4: the minors' combination on a chart does not expand to 1")
