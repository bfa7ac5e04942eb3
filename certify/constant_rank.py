"""C4, the constant-rank rule for two-factor components, and its degenerate
case C6, a fibre that fills every observed entry (docs/theory.md §3).

Each hidden node ``h`` contributes ``x_h y_hᵀ`` on its rectangle.  An
*orientation* replaces one factor of every node by a direction ``κ_h``
(homogeneous coordinates; side ``"out"``: the factor over the sinks, ``"in"``:
the factor over the sources); the other factor stays free.  With ``κ`` fixed,
``M(κ)``: free factors -> observed entries is linear, every entry of ``M`` is
0 or one coordinate of ``κ``, and the component's set is the union of the
images ``im M(κ)``.  If ``rank M(κ) = r`` for every ``κ`` the set is closed.
The certificate proves both bounds:

* ``rank <= r`` everywhere: ``n - r`` kernel vectors ``K(κ)`` with polynomial
  entries, ``M K = 0`` identically, independent at one rational point;
* ``rank >= r`` everywhere: on every chart (one coordinate of each ``κ_h`` set
  to 1) a Nullstellensatz identity ``1 = Σ c_i det M[I_i, J_i]``.

The search uses work budgets (sizes, orientations, candidate minors), never
time, so the verdict is the same on every machine.
"""

from __future__ import annotations

from itertools import product

from flint import fmpq, fmpq_mat, fmpq_mpoly_ctx

from .refutations import nullstellensatz_polys

MAX_ROWS = 40           # observed entries of the component
MAX_COLS = 14           # free coordinates
MAX_VARS = 16           # direction coordinates
MAX_CHARTS = 64
MAX_ORIENTATIONS = 16
MAX_CANDIDATE_MINORS = 4
MAX_EXPANSION = 20_000  # terms in one determinant expansion (the checker allows 200,000)


class Setup:
    """Rows (observed covered entries), columns (free coordinates) and
    direction coordinates of one orientation, as the checker rebuilds them."""

    def __init__(self, state, comp, sides: dict):
        g = state.graph
        inside = set(comp)
        self.hidden = sorted(v for v in comp if state.is_hidden(v))
        self.ins = {h: sorted(g.predecessors(h)) for h in self.hidden}
        self.outs = {h: sorted(g.successors(h)) for h in self.hidden}
        self.sides = sides
        self.dirs = [(h, v) for h in self.hidden
                     for v in (self.outs[h] if sides[h] == "out" else self.ins[h])]
        self.cols = [(h, v) for h in self.hidden
                     for v in (self.ins[h] if sides[h] == "out" else self.outs[h])]
        covered = {(q, p) for h in self.hidden for q in self.outs[h] for p in self.ins[h]}
        self.rows = sorted(e for e in covered if e not in state.dont_care
                           and e[0] in inside and e[1] in inside)
        dindex = {d: k for k, d in enumerate(self.dirs)}
        cindex = {c: k for k, c in enumerate(self.cols)}
        # entries[row] = {column: index of the direction coordinate}
        self.entries = []
        for q, p in self.rows:
            e = {}
            for h in self.hidden:
                if q in self.outs[h] and p in self.ins[h]:
                    if sides[h] == "out":
                        e[cindex[(h, p)]] = dindex[(h, q)]
                    else:
                        e[cindex[(h, q)]] = dindex[(h, p)]
            self.entries.append(e)
        self.ctx = fmpq_mpoly_ctx.get(tuple(f"k{i}" for i in range(len(self.dirs))), "lex")
        self.gens = self.ctx.gens()

    def at(self, point) -> fmpq_mat:
        m = fmpq_mat(len(self.rows), len(self.cols))
        for i, e in enumerate(self.entries):
            for c, k in e.items():
                m[i, c] = point[k]
        return m

    def symbolic(self, ones=frozenset()):
        """M as a list of rows {column: polynomial}; coordinates in ``ones`` are 1."""
        one = self.ctx.from_dict({(0,) * len(self.dirs): 1})
        return [{c: (one if k in ones else self.gens[k]) for c, k in e.items()} for e in self.entries]


def determinant(rows: list[dict], I: list[int], J: list[int], ctx):
    """det M[I, J] by expansion along the columns, memoised on the set of
    rows used (sparse entries keep the number of states small)."""
    dp = {0: ctx.from_dict({(0,) * ctx.nvars(): 1})}
    for c in J:
        new: dict = {}
        for mask, val in dp.items():
            for pos, i in enumerate(I):
                if mask >> pos & 1 or c not in rows[i]:
                    continue
                sign = -1 if bin(mask >> (pos + 1)).count("1") % 2 else 1
                term = val * rows[i][c] * sign
                key = mask | 1 << pos
                new[key] = new[key] + term if key in new else term
        dp = {k: v for k, v in new.items() if not v.is_zero()}
        if not dp:
            return ctx.from_dict({})
        if sum(len(v) for v in dp.values()) > MAX_EXPANSION:
            raise OverflowError       # beyond the work budget: C4 is not tried further
    return dp.get((1 << len(I)) - 1, ctx.from_dict({}))


def _points(nvars: int, count: int):
    """Deterministic small integer points (no randomness: reproducible)."""
    x = 12345
    for _ in range(count):
        pt = []
        for _ in range(nvars):
            x = (x * 1103515245 + 12345) % (1 << 31)
            pt.append(fmpq(x % 97 - 48 or 1))
        yield pt


def _pivots(m: fmpq_mat, col_order=None):
    """Pivot rows and columns of a numeric matrix (Gaussian elimination)."""
    a = [[m[i, j] for j in range(m.ncols())] for i in range(m.nrows())]
    order = col_order or list(range(m.ncols()))
    rows, cols, used = [], [], set()
    for j in order:
        piv = next((i for i in range(len(a)) if i not in used and a[i][j] != 0), None)
        if piv is None:
            continue
        used.add(piv)
        rows.append(piv)
        cols.append(j)
        for i in range(len(a)):
            if i not in used and a[i][j] != 0:
                f = a[i][j] / a[piv][j]
                a[i] = [x - f * y for x, y in zip(a[i], a[piv])]
    return rows, cols


def _kernel(s: Setup):
    """(r, kernel vectors, point) or None: Cramer vectors from a generic
    r x r minor; each must satisfy M v = 0 identically."""
    best = None
    for pt in _points(len(s.dirs), 3):
        m = s.at(pt)
        if best is None or m.rank() > best[1].rank():
            best = (pt, m)
    pt, m = best
    I, J = _pivots(m)
    r = len(I)
    sym = s.symbolic()
    vectors = []
    for k in range(len(s.cols)):
        if k in J:
            continue
        v = {k: determinant(sym, I, J, s.ctx)}
        for t, j in enumerate(J):
            swapped = [dict(row) for row in sym]
            for i in I:
                swapped[i].pop(j, None)
                if k in sym[i]:
                    swapped[i][j] = sym[i][k]
            d = determinant(swapped, I, J, s.ctx)
            if not d.is_zero():
                v[j] = -d
        for e in sym:
            total = s.ctx.from_dict({})
            for c, x in e.items():
                if c in v:
                    total += x * v[c]
            if not total.is_zero():
                return None       # the point was not generic enough; give up (unknown)
        common = None
        for x in v.values():
            common = x if common is None else common.gcd(x)
        vectors.append({c: x / common for c, x in v.items()})   # exact: common divides every entry
    return r, vectors, pt


def _constant_minor(rows: list[dict], r: int):
    """Eliminate with constant pivots only; r of them give an r x r minor
    whose determinant is a non-zero constant."""
    a = [dict(row) for row in rows]
    I, J, used = [], [], set()
    while len(I) < r:
        choice = None
        for i, row in enumerate(a):
            if i in used:
                continue
            for c, x in sorted(row.items()):
                if c not in J and x.is_constant() and not x.is_zero():
                    choice = (i, c)
                    break
            if choice:
                break
        if choice is None:
            return None
        p, c = choice
        used.add(p)
        I.append(p)
        J.append(c)
        for i, row in enumerate(a):
            if i in used or c not in row:
                continue
            f = row[c] / a[p][c]
            for cc, y in a[p].items():
                x = row.get(cc, 0) - f * y
                if x == 0:
                    row.pop(cc, None)
                else:
                    row[cc] = x
    return sorted(I), sorted(J)


def _chart_minors(s: Setup, rows: list[dict], r: int, ones: tuple):
    """Candidate r x r minors for the Nullstellensatz search: pivots of M at
    points of the chart, some with coordinates set to 0 (rank drops tend to
    sit on coordinate subspaces), with rotated row and column orders."""
    found = {}
    free = [k for k in range(len(s.dirs)) if k not in ones]
    # Zero patterns on the free coordinates, most zeros first (the chart's origin first).
    masks = sorted(range(1 << min(len(free), 6)), key=lambda z: (-bin(z).count("1"), z))
    for n, (z, pt) in enumerate(zip(masks[:4 * MAX_CANDIDATE_MINORS], _points(len(s.dirs), 4 * MAX_CANDIDATE_MINORS))):
        if len(found) >= MAX_CANDIDATE_MINORS:
            break
        zero = {k for b, k in enumerate(free[:6]) if z >> b & 1}
        pt = [fmpq(1) if k in ones else (fmpq(0) if k in zero else x) for k, x in enumerate(pt)]
        m = s.at(pt)
        nr, nc = m.nrows(), m.ncols()
        rperm = [(i + n) % nr for i in range(nr)]
        order = [(j + n) % nc for j in range(nc)]
        sub = fmpq_mat([[m[i, j] for j in range(nc)] for i in rperm])
        I, J = _pivots(sub, order)
        if len(I) < r:
            continue
        key = (tuple(sorted(rperm[i] for i in I)), tuple(sorted(J)))
        if key not in found:
            d = determinant(rows, list(key[0]), list(key[1]), s.ctx)
            if not d.is_zero():
                found[key] = d
    return found


def _chart(s: Setup, r: int, ones: tuple):
    """Minors with cofactors whose combination is 1 on this chart, or None."""
    rows = s.symbolic(frozenset(ones))
    hit = _constant_minor(rows, r)
    if hit is not None:
        I, J = hit
        det = determinant(rows, I, J, s.ctx)
        if det.is_constant() and not det.is_zero():
            return [(I, J, {(0,) * len(s.dirs): 1 / det.coeffs()[0]})]
    minors = _chart_minors(s, rows, r, ones)
    keys = sorted(minors)
    free = [k for k in range(len(s.dirs)) if k not in ones]     # chart coordinates never appear
    polys = [{tuple(int(e[k]) for k in free): fmpq(c) for e, c in minors[key].to_dict().items()} for key in keys]
    found = nullstellensatz_polys(polys, len(free), max_degree=2, max_unknowns=1000)
    if found is None:
        return None
    out = []
    for i, g in found:
        full = {}
        for e, c in g.items():
            x = [0] * len(s.dirs)
            for k, p in zip(free, e):
                x[k] = p
            full[tuple(x)] = c
        out.append((list(keys[i][0]), list(keys[i][1]), full))
    return out


def _terms(poly: dict) -> list:
    """{exponent tuple: coefficient} -> [[[[var, power], ...], "coef"], ...]."""
    from .certificate import rational
    out = []
    for e, c in sorted(poly.items()):
        if c != 0:
            out.append([[[k, int(p)] for k, p in enumerate(e) if p], rational(c)])
    return out


_CACHE: dict = {}      # component (edges, free entries) -> proof or None; a pure function of it


def prove_c4(state, comp) -> dict | None:
    """A C6 or C4 proof object for a two-factor component, or None (memoised: the
    engine asks again when it describes an unknown verdict)."""
    return state.memo(_CACHE, comp, _prove_c4)


def _prove_c4(state, comp) -> dict | None:
    hidden = sorted(v for v in comp if state.is_hidden(v))
    g = state.graph
    if not hidden or len(hidden) > 4:
        return None
    size = {h: (g.out_degree(h), g.in_degree(h)) for h in hidden}
    options = sorted(product(("out", "in"), repeat=len(hidden)),
                     key=lambda o: (sum(size[h][0] if s == "out" else size[h][1] for h, s in zip(hidden, o)), o))
    setups = [Setup(state, comp, dict(zip(hidden, sides))) for sides in options[:MAX_ORIENTATIONS]]
    for s in setups:
        # C6: one fibre already fills every observed entry.
        if len(s.cols) >= len(s.rows) and len(s.cols) <= MAX_COLS:
            for pt in _points(len(s.dirs), 3):
                if s.at(pt).rank() == len(s.rows):
                    return {"rule": "C6", "orientation": [[h, s.sides[h]] for h in hidden], "point": pt}
    for s in setups:
        charts = 1
        for h in hidden:
            charts *= size[h][0] if s.sides[h] == "out" else size[h][1]
        if (len(s.rows) > MAX_ROWS or len(s.cols) > MAX_COLS or len(s.dirs) > MAX_VARS
                or charts > MAX_CHARTS):
            continue
        try:
            found = _orientation(s, hidden)
        except OverflowError:
            continue
        if found is not None:
            return found
    return None


def _orientation(s: Setup, hidden: list):
    """The C4 proof for one orientation, or None."""
    kern = _kernel(s)
    if kern is None:
        return None
    r, vectors, pt = kern
    dindex = {d: k for k, d in enumerate(s.dirs)}
    proofs = []
    for choice in product(*[[dindex[(h, v)] for v in
                             (s.outs[h] if s.sides[h] == "out" else s.ins[h])] for h in hidden]):
        got = _chart(s, r, choice)
        if got is None:
            return None
        proofs.append({"ones": [s.dirs[k][1] for k in choice],
                       "minors": [{"rows": I, "cols": J, "cofactor": _terms(gc)} for I, J, gc in got]})
    return {"rule": "C4",
            "orientation": [[h, s.sides[h]] for h in hidden],
            "rank": r,
            "kernel": [[_terms({e: fmpq(c) for e, c in v[k].to_dict().items()}) if k in v else []
                        for k in range(len(s.cols))] for v in vectors],
            "point": [pt[k] for k in range(len(s.dirs))],
            "charts": proofs}
