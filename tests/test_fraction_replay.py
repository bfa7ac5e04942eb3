"""A second, independent replay of the certificates' arithmetic.

The checker multiplies curves, expands Nullstellensatz sums and runs the
training forward pass with FLINT.  Here the same identities are recomputed
with Python's ``fractions`` and plain dicts (no FLINT, no engine, no checker
code), so a FLINT bug cannot make a wrong certificate pass unnoticed:

* ``not_closed`` (and the linear part of ``no_optimum``): the product of the
  curve layers, multiplied out as Laurent polynomials in t, has no negative
  power and its constant term is the stated limit;
* refutations, on the graph of the stated reduced core: propagation steps
  replayed (a ``block`` step's rank by fraction Gaussian elimination), and
  Nullstellensatz sums ``Σ g_e (φ_e − A_e)`` expanded to 1;
* ``closed`` with C7 components (onto by cases): on the stated reduced core,
  every leaf of the decision tree gives Laurent weights whose path sums
  expand to ``a_k`` (0 for an entry tested zero), with negative powers only
  of entries tested non-zero and no entry tested zero;
* ``member``: the factors multiply to the matrix;
* ``no_optimum``: the count bound, the targets ``A' x(t_i)`` and the exact
  forward pass of ``θ(ε)`` at every data point.

It runs over proofs/ and over engine certificates of every kind
(tests/corpus.py, plus the C7 and W4 examples below), and tampered copies
must fail it.
"""

from __future__ import annotations

import copy
import functools
import pathlib
from fractions import Fraction

import pytest

import corpus


class Wrong(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Wrong(msg)


def q(text: str) -> Fraction:
    return Fraction(text)


# --- Laurent polynomials {exponent: Fraction}, no zero coefficients ----------

def laurent(terms) -> dict:
    out: dict = {}
    for e, c in terms:
        out[e] = out.get(e, 0) + q(c)
    return {e: c for e, c in out.items() if c}


def l_add(a: dict, b: dict) -> dict:
    out = dict(a)
    for e, c in b.items():
        out[e] = out.get(e, 0) + c
    return {e: c for e, c in out.items() if c}


def l_mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for e1, c1 in a.items():
        for e2, c2 in b.items():
            out[e1 + e2] = out.get(e1 + e2, 0) + c1 * c2
    return {e: c for e, c in out.items() if c}


def mat_mul(a: dict, b: dict, mul, add) -> dict:
    """a @ b for sparse matrices {(i, j): value}."""
    out: dict = {}
    for (i, k), x in a.items():
        for (k2, j), y in b.items():
            if k == k2:
                out[(i, j)] = add(out[(i, j)], mul(x, y)) if (i, j) in out else mul(x, y)
    return out


def support_pairs(cert) -> list[set]:
    return [{tuple(p) for p in layer["nonzeros"]} for layer in cert["support"]["layers"]]


def widths(cert) -> list[int]:
    layers = cert["support"]["layers"]
    return [layers[0]["shape"][1]] + [m["shape"][0] for m in layers]


def sparse(obj) -> dict:
    return {(i, j): q(v) for i, j, v in obj["nonzeros"]}


# --- not_closed: the curve and its limit --------------------------------------

def curve_limit(layers: list[set], curve) -> dict:
    need(len(curve) == len(layers), "one curve layer per mask")
    mats = []
    for allowed, entries in zip(layers, curve):
        m = {}
        for i, j, x in entries:
            need((i, j) in allowed and (i, j) not in m, f"curve entry ({i},{j}) off the support")
            m[(i, j)] = laurent(x)
        mats.append(m)
    prod = mats[0]
    for m in mats[1:]:
        prod = mat_mul(m, prod, l_mul, l_add)
    limit = {}
    for ij, x in prod.items():
        need(all(e >= 0 for e in x), f"product entry {ij} has a negative power of t")
        if x.get(0):
            limit[ij] = x[0]
    return limit


def check_curve(layers, proof, shape):
    need(proof["limit"]["shape"] == shape, "limit shape")
    need(curve_limit(layers, proof["curve"]) == sparse(proof["limit"]), "the curve does not tend to the limit")


# --- refutations on the stated reduced core -----------------------------------

def label(text: str) -> tuple[int, int]:
    a, b = text.split(":")
    return int(a), int(b)


class Core:
    def __init__(self, reduction, component, depth):
        core = reduction["core"]
        self.depth = depth
        self.sources = {label(x) for x in core["sources"]}
        self.sinks = {label(x) for x in core["sinks"]}
        self.dont_care = {(label(a), label(b)) for a, b in core["dont_care"]}
        self.succ: dict = {}
        for u, v in core["edges"]:
            self.succ.setdefault(label(u), set()).add(label(v))
        if component is None:
            nodes = self.sources | self.sinks | {label(x) for x in core["hidden"]}
        else:
            r6 = reduction["steps"][-1]
            need(r6["rule"] == "R6", "the reduction ends with R6")
            nodes = {label(x) for x in r6["components"][component]}
        self.nodes = nodes

    def paths(self, src, snk) -> list[frozenset]:
        out = []

        def walk(v, acc):
            if v == snk:
                out.append(frozenset(acc))
                return
            for w in self.succ.get(v, ()):
                walk(w, acc + [(v, w)])

        walk(src, [])
        return out

    def entry(self, pair):
        snk, src = label(pair[0]), label(pair[1])
        need(snk in self.sinks and src in self.sources and snk in self.nodes and src in self.nodes
             and (snk, src) not in self.dont_care, f"{pair} is not an observed entry")
        return snk, src

    def target(self, matrix: dict, snk, src) -> Fraction:
        out, inp = (snk, src) if snk[0] == self.depth else (src, snk)
        need(out[0] == self.depth and inp[0] == 0, "not an output/input pair")
        return matrix.get((out[1], inp[1]), Fraction(0))


def check_propagation(core: Core, steps, matrix):
    facts = []
    for n, step in enumerate(steps):
        zero = set().union(*(facts[k][0] for k in step["uses"]))
        nonzero = set().union(*(facts[k][1] for k in step["uses"]))
        need(all(k < n for k in step["uses"]), "uses must name earlier steps")
        last = n == len(steps) - 1
        if step["rule"] == "minor":
            facts.append(minor_facts(core, step, matrix, zero, nonzero, last, n))
            continue
        snk, src = core.entry(step["entry"])
        a = core.target(matrix, snk, src)
        live = [m for m in core.paths(src, snk) if not (m & zero)]
        if step["rule"] == "nonzero":
            need(a != 0 and len(live) == 1 and not last, f"step {n}: nonzero")
            facts.append((set(), set(live[0])))
        elif step["rule"] == "zero":
            var = (label(step["var"][0]), label(step["var"][1]))
            need(a == 0 and len(live) == 1 and var in live[0] and live[0] - {var} <= nonzero,
                 f"step {n}: zero")
            need(last == (var in nonzero), f"step {n}: only the last step contradicts")
            facts.append(({var}, set()))
        elif step["rule"] == "block":
            need(not last, f"step {n}: a block step cannot end the refutation")
            facts.append((block_zeros(core, step, snk, src, matrix, n), set()))
        elif step["rule"] == "contradiction":
            need(a != 0 and not live and last, f"step {n}: contradiction")
            facts.append((set(), set()))
        else:
            raise Wrong(f"unknown step {step['rule']}")
    need(set().union(*(s["uses"] for s in steps)) >= set(range(len(steps) - 1)), "a step is not used")


def minor_facts(core: Core, step, matrix, zero, nonzero, last, n):
    """docs/theory.md §4 ``minor``: det over R x C of (target − monomials not
    through H), a fresh variable on a free entry, expanded by permutations
    with sparse dicts {frozen multiset of variables: Fraction}."""
    import itertools
    from collections import Counter
    H = {label(x) for x in step["nodes"]}
    R = [label(x) for x in step["rows"]]
    C = [label(x) for x in step["cols"]]
    k = len(R)
    need(len(H) == k - 1 == len(step["nodes"]) and len(C) == k and len(set(R)) == k == len(set(C)) and 2 <= k <= 4,
         f"step {n}: a minor is k x k over k - 1 nodes")

    def cell(q, p) -> dict:
        need(q in core.sinks and p in core.sources and q in core.nodes and p in core.nodes, f"step {n}: not in the component")
        if (q, p) in core.dont_care:
            return {frozenset({(("free", q, p), 1)}): Fraction(1)}
        out = {frozenset(): core.target(matrix, q, p)}
        for path in core.paths(p, q):
            if len(path) == 2 and any(path == {(p, h), (h, q)} for h in H):
                continue
            key = frozenset((e, 1) for e in path)
            out[key] = out.get(key, 0) - 1
        return out

    def mul(a: dict, b: dict) -> dict:
        out: dict = {}
        for m1, c1 in a.items():
            for m2, c2 in b.items():
                powers = Counter(dict(m1))
                powers.update(dict(m2))
                key = frozenset(powers.items())
                out[key] = out.get(key, 0) + c1 * c2
        return out

    M = [[cell(q, p) for p in C] for q in R]
    det: dict = {}
    for perm in itertools.permutations(range(k)):
        sign = (-1) ** sum(perm[i] > perm[j] for i in range(k) for j in range(i + 1, k))
        term = {frozenset(): Fraction(sign)}
        for i in range(k):
            term = mul(term, M[i][perm[i]])
        for m, c in term.items():
            det[m] = det.get(m, 0) + c
    constant = det.get(frozenset(), 0)
    live = [{v for v, _ in m} for m, c in det.items() if c and m and not ({v for v, _ in m} & zero)]
    if step["gives"] == "contradiction":
        need(constant != 0 and not live and last, f"step {n}: minor contradiction")
        return set(), set()
    need(len(live) == 1, f"step {n}: minor needs one live monomial")
    free = {v for v in live[0] if v[0] == "free"}
    if step["gives"] == "nonzero":
        need(constant != 0 and not last, f"step {n}: minor nonzero")
        return set(), live[0] - free
    var = (label(step["var"][0]), label(step["var"][1]))
    need(step["gives"] == "zero" and constant == 0 and not free and var in live[0] and live[0] - {var} <= nonzero,
         f"step {n}: minor zero")
    need(last == (var in nonzero), f"step {n}: only the last step contradicts")
    return {var}, set()


def rank(rows: list[list[Fraction]]) -> int:
    """Rank by Gaussian elimination over the rationals."""
    m = [list(r) for r in rows]
    r = 0
    for c in range(len(m[0]) if m else 0):
        pivot = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c] / m[r][c]
                m[i] = [x - f * y for x, y in zip(m[i], m[r])]
        r += 1
    return r


def block_zeros(core: Core, step, snk, src, matrix, n) -> set:
    """docs/theory.md §4 ``block``: on rows R x cols C every entry is
    sum_h X[q,h] Y[h,p] over two-edge paths p -> h -> q; if the k x k target
    is non-singular and the paths use exactly k nodes H, X_R and Y_C are
    invertible, so a line outside the block with target 0 and nodes in H has
    its factors to (from) H zero.  -> those edge variables."""
    R = [label(x) for x in step["rows"]]
    C = [label(x) for x in step["cols"]]
    k = len(R)
    need(k >= 2 and len(C) == k and len(set(R)) == k and len(set(C)) == k, f"step {n}: a block is k x k, k >= 2")
    need((snk in R) != (src in C), f"step {n}: the entry is not on a line through the block, outside it")

    def nodes(q, p) -> set:
        q, p = core.entry([f"{q[0]}:{q[1]}", f"{p[0]}:{p[1]}"])
        out = set()
        for path in core.paths(p, q):
            first = [e for e in path if e[0] == p]
            need(len(path) == 2 and len(first) == 1 and (first[0][1], q) in path,
                 f"step {n}: entry {q},{p} has a path that is not source -> node -> sink")
            out.add(first[0][1])
        return out

    H = set().union(*(nodes(q, p) for q in R for p in C))
    need(len(H) == k, f"step {n}: the block involves {len(H)} nodes, not {k}")
    need(rank([[core.target(matrix, q, p) for p in C] for q in R]) == k, f"step {n}: the block target is singular")
    line = [(snk, p) for p in C] if src in C else [(q, src) for q in R]
    for q, p in line:
        need(core.target(matrix, q, p) == 0, f"step {n}: the line has a non-zero target at {q},{p}")
        need(nodes(q, p) <= H, f"step {n}: the line involves a node outside the block's")
    if src in C:            # row snk: the edges h -> snk
        return {(h, snk) for h in H if snk in core.succ.get(h, ())}
    return {(src, h) for h in H if h in core.succ.get(src, ())}


def p_mul(a: dict, b: dict) -> dict:
    out: dict = {}
    for e1, c1 in a.items():
        for e2, c2 in b.items():
            e = tuple(x + y for x, y in zip(e1, e2))
            out[e] = out.get(e, 0) + c1 * c2
    return {e: c for e, c in out.items() if c}


def check_nullstellensatz(core: Core, refutation, matrix):
    variables = [(label(u), label(v)) for u, v in refutation["variables"]]
    n = len(variables)
    index = {v: k for k, v in enumerate(variables)}
    for u, v in variables:
        need(u in core.nodes and v in core.succ.get(u, ()), "a variable is not an edge of the component")
    total: dict = {}
    for item in refutation["cofactors"]:
        snk, src = core.entry(item["entry"])
        phi: dict = {}
        for path in core.paths(src, snk):
            e = [0] * n
            for edge in path:
                e[index[edge]] += 1
            phi[tuple(e)] = phi.get(tuple(e), 0) + 1
        zero = (0,) * n
        phi[zero] = phi.get(zero, 0) - core.target(matrix, snk, src)
        g: dict = {}
        for powers, c in item["terms"]:
            e = [0] * n
            for k, p in powers:
                e[k] += p
            g[tuple(e)] = g.get(tuple(e), 0) + q(c)
        for e, c in p_mul(g, {e: c for e, c in phi.items() if c}).items():
            total[e] = total.get(e, 0) + c
    total = {e: c for e, c in total.items() if c}
    need(total == {(0,) * n: 1}, "the Nullstellensatz combination does not expand to 1")


def check_refutation(cert_depth, reduction, component, refutation, matrix):
    core = Core(reduction, component, cert_depth)
    if refutation["method"] == "nullstellensatz":
        check_nullstellensatz(core, refutation, matrix)
    else:
        need(refutation["method"] == "propagation", "method")
        check_propagation(core, refutation["steps"], matrix)


def check_not_closed(cert_layers, cert_widths, proof):
    check_curve(cert_layers, proof, [cert_widths[-1], cert_widths[0]])
    check_refutation(len(cert_layers), proof["reduction"], proof["component"], proof["refutation"],
                     sparse(proof["limit"]))
    return sparse(proof["limit"])


# --- closed: C7 (onto by cases) components ------------------------------------

def check_c7(core: Core, part):
    """The tree's leaves, expanded symbolically: Laurent polynomials in the
    entries as {exponent tuple: Fraction}."""
    nodes = core.nodes
    edges = {(u, v) for u in nodes for v in core.succ.get(u, ()) if v in nodes}
    entries = [(snk, src) for snk in sorted(core.sinks & nodes) for src in sorted(core.sources & nodes)
               if (snk, src) not in core.dont_care and core.paths(src, snk)]
    need([(label(a), label(b)) for a, b in part["entries"]] == entries,
         "C7 entries are not the observed entries reached by a path")
    m, index = len(entries), {e: k for k, e in enumerate(entries)}
    one = (0,) * m

    def weight(terms, zero, nonzero) -> dict:
        out: dict = {}
        for powers, c in terms:
            e = [0] * m
            for k, p in powers:
                need(e[k] == 0 and p != 0 and k not in zero and (p > 0 or k in nonzero),
                     f"C7: a_{k}^{p} may not occur on this branch")
                e[k] = p
            out[tuple(e)] = out.get(tuple(e), 0) + q(c)
        return {e: c for e, c in out.items() if c}

    # C8: minors of entries one node alone covers, by one path each.
    quads = []
    for quad in part.get("minors", []):
        four = [(label(a), label(b)) for a, b in quad]
        (r1, c1), (r1b, c2), (r2, c1b), (r2b, c2b) = four
        need(r1 == r1b and r2 == r2b and c1 == c1b and c2 == c2b and r1 != r2 and c1 != c2, "C8: minor shape")
        middles = set()
        for snk, src in four:
            ps = core.paths(src, snk)
            need(len(ps) == 1 and len(ps[0]) == 2, "C8: a minor entry is not one two-edge path")
            middles |= {v for edge in ps[0] for v in edge} - {snk, src}
        need(len(middles) == 1, "C8: a minor spans two nodes")
        quads.append([index[e] for e in four])

    def value(k, zero, solved):
        return {} if k in zero else solved[k] if k in solved else {tuple(int(i == k) for i in range(m)): Fraction(1)}

    def walk(node, zero, nonzero, solved):
        if "solve" in node:
            x = index.get((label(node["solve"][0]), label(node["solve"][1])))
            quad = quads[node["minor"]]
            need(x in quad and x not in zero | nonzero | set(solved), "C8: solve names a tested or solved entry")
            pos = quad.index(x)
            y = quad[3 - pos]
            o1, o2 = (quad[i] for i in range(4) if i not in (pos, 3 - pos))
            need(y in nonzero and y not in solved, "C8: the partner of a solved entry is not known non-zero")
            inv = {tuple(-int(i == y) for i in range(m)): Fraction(1)}
            walk(node["then"], zero, nonzero,
                 {**solved, x: p_mul(p_mul(value(o1, zero, solved), value(o2, zero, solved)), inv)})
            return
        if "test" in node:
            need(set(node) == {"test", "zero", "nonzero"}, "C7: a test needs both children")
            k = index.get((label(node["test"][0]), label(node["test"][1])))
            need(k is not None and k not in zero | nonzero | set(solved), "C7: a test names an entry tested above")
            walk(node["zero"], zero | {k}, nonzero, {x: {e: c for e, c in v.items() if not e[k]}
                                                     for x, v in solved.items()})
            walk(node["nonzero"], zero, nonzero | {k}, solved)
            return
        w = {}
        for tail, head, terms in node["weights"]:
            edge = (label(tail), label(head))
            need(edge in edges and edge not in w, f"C7: weight on {edge}, not an edge of the component")
            w[edge] = weight(terms, zero | set(solved), nonzero)
        for k, (snk, src) in enumerate(entries):
            total: dict = {}
            for path in core.paths(src, snk):
                term = {one: Fraction(1)}
                for edge in path:
                    term = p_mul(term, w.get(edge, {}))
                total = l_add(total, term)
            need(total == value(k, zero, solved), f"C7: the path sum at entry {k} is not a_{k} on this branch")

    walk(part["tree"], frozenset(), frozenset(), {})


def check_closed(cert) -> int:
    """Replay every C7 component of every ``reduce`` node; -> how many."""
    done = 0

    def visit(x):
        nonlocal done
        if isinstance(x, dict):
            if x.get("rule") == "reduce" and isinstance(x.get("components"), list):
                for k, part in enumerate(x["components"]):
                    if part.get("rule") in ("C7", "C8"):
                        check_c7(Core(x, k, len(cert["support"]["layers"])), part)
                        done += 1
            for v in x.values():
                visit(v)
        elif isinstance(x, list):
            for v in x:
                visit(v)

    visit(cert["proof"])
    return done


# --- member, no_optimum ----------------------------------------------------------

def check_member(layers, proof):
    mats = []
    for allowed, entries in zip(layers, proof["factors"]):
        need(all((i, j) in allowed for i, j, _ in entries), "a factor entry is off the support")
        mats.append({(i, j): q(v) for i, j, v in entries})
    need(len(mats) == len(layers), "one factor per mask")
    prod = mats[0]
    for m in mats[1:]:
        prod = mat_mul(m, prod, lambda x, y: x * y, lambda x, y: x + y)
    need({ij: x for ij, x in prod.items() if x} == sparse(proof["matrix"]), "the factors miss the matrix")


def check_no_optimum(layers, w, proof):
    cols = proof["columns"]
    d, L = len(cols), len(layers)
    pos = {j: k for k, j in enumerate(cols)}
    sub_layers = [{(i, pos[j]) for i, j in layers[0] if j in pos}] + layers[1:]
    limit = check_not_closed(sub_layers, [d] + w[1:], proof["linear"])
    reach, bound = set(cols), d
    for l in range(L - 1):
        reach = {i for i, j in layers[l] if j in reach}
        bound *= 1 + d * len(reach)
    ts = [q(t) for t in proof["t"]]
    need(len(ts) >= bound + 1 and len(set(ts)) == len(ts), "too few or repeated data points")
    weights = [{(i, j): laurent(x) for i, j, x in layer} for layer in proof["theta"]["weights"]]
    for allowed, m in zip(layers, weights):
        need(set(m) <= allowed, "θ off the support")
    biases = [[laurent(b) for b in layer] for layer in proof["theta"]["biases"]]
    for t, y in zip(ts, proof["targets"], strict=True):
        x = [Fraction(0)] * w[0]
        for k, j in enumerate(cols):
            x[j] = t ** (k + 1)
        want = [Fraction(0)] * w[-1]
        for (i, k), a in limit.items():
            want[i] += a * x[cols[k]]
        need([q(v) for v in y] == want, "a target is not A' x(t)")
        h = [{0: v} if v else {} for v in x]
        for l in range(L):
            z = [dict(b) for b in biases[l]]
            for (i, j), wt in weights[l].items():
                z[i] = l_add(z[i], l_mul(wt, h[j]))
            if l < L - 1:
                need(all(not zi or zi[min(zi)] > 0 for zi in z), "a hidden unit is not active for small ε")
            h = z
        for zi, target in zip(h, want):
            need(all(e >= 0 for e in zi) and zi.get(0, 0) == target, "an output misses its target")


def replay(cert: dict) -> str:
    """Raise Wrong unless the certificate's arithmetic holds; return what was
    replayed ('' when the claim has no arithmetic: closed, unknown, optimum_exists)."""
    layers, w, proof = support_pairs(cert), widths(cert), cert["proof"]
    claim = cert["claim"]
    if claim == "closed":
        return "C7 path sums" if check_closed(cert) else ""
    if claim == "not_closed":
        check_not_closed(layers, w, proof)
        return f"curve limit + {proof['refutation']['method']}"
    if claim == "member":
        check_member(layers, proof)
        return "factors"
    if claim == "not_member":
        check_refutation(len(layers), proof["reduction"], proof["component"], proof["refutation"],
                         sparse(proof["matrix"]))
        return proof["refutation"]["method"]
    if claim == "no_optimum":
        check_no_optimum(layers, w, proof)
        return "training set + forward pass"
    return ""


# ---------------------------------------------------------------------------

# The examples of docs/theory.md §3 C7 and §4 W4 (masks input side first).
EXAMPLES = {"c7-example": "001,011,011/001,011,110", "w4-example": "001,011,101/011,101,110"}


@functools.lru_cache(maxsize=None)
def examples() -> dict:
    import json

    from certify.engine import decide
    from certify.support import from_masks
    out = {}
    for name, text in EXAMPLES.items():
        d = decide(from_masks([[[c == "1" for c in row] for row in layer.split(",")]
                               for layer in text.split("/")]))
        out[name] = json.loads(d.text)
    # The three-leaf tree the tampering below edits (the engine now finds a
    # two-leaf one): a fixed, valid certificate of the same support.
    out["c7-three-leaves"] = json.loads((pathlib.Path(__file__).resolve().parent / "data"
                                         / "c7_three_leaves.json").read_text())
    return out


def certificates() -> dict:
    return {**corpus.all_certificates(), **examples()}


@pytest.mark.parametrize("name", sorted(certificates()))
def test_fraction_replay_agrees_with_the_checker(name):
    cert = certificates()[name]
    replay(cert)      # raises Wrong on a failure


def test_the_replay_covers_every_kind_of_arithmetic():
    done = {replay(c) for c in certificates().values()}
    assert done >= {"curve limit + propagation", "curve limit + nullstellensatz", "factors",
                    "propagation", "nullstellensatz",
                    "training set + forward pass", "C7 path sums"}
    assert examples()["w4-example"]["proof"]["rule"] == "W4"
    assert [p["rule"] for p in examples()["c7-example"]["proof"]["components"]] == ["C7"]


def test_nullstellensatz_example_of_the_theory_expands_to_one():
    # docs/theory.md §4: 011,101/11,11 and A = [[1,1,1],[1,1,-1]].
    cert = corpus.engine_certificates()["not-member-nullstellensatz"]
    assert cert["proof"]["refutation"]["method"] == "nullstellensatz"
    assert replay(cert) == "nullstellensatz"


def _tampered(name, edit, words=""):
    cert = copy.deepcopy(certificates()[name])
    edit(cert["proof"])
    with pytest.raises(Wrong) as e:
        replay(cert)
    assert words in str(e.value), (edit.__name__, str(e.value))


def test_tampered_arithmetic_fails_the_replay():
    def limit_value(p):
        p["limit"]["nonzeros"][0][2] = "2"

    def curve_coefficient(p):
        p["curve"][0][0][2][0][1] = "3"

    def cofactor(p):
        p["refutation"]["cofactors"][0]["terms"][0][1] = "5"

    def factor(p):
        p["factors"][0][0][2] = "99"

    def target(p):
        p["targets"][3][0] = "12345"

    def theta_weight(p):
        p["theta"]["weights"][0][0][2][0][1] = "7"

    def matrix_entry(p):
        entry = p["matrix"]["nonzeros"][0]
        entry[2] = "2" if entry[2] == "1" else "1"

    _tampered("lu_4.json", limit_value)
    _tampered("lu3", curve_coefficient)
    _tampered("not-member-nullstellensatz", cofactor)
    _tampered("member-lu3", factor)
    _tampered("no-optimum-lu3", target)
    _tampered("no-optimum-lu3", theta_weight)
    _tampered("not-member-nullstellensatz", matrix_entry)


def test_tampered_c7_trees_fail_the_replay():
    # Tree of the example: test a_0; zero: a leaf; non-zero: test a_1, two leaves.
    def tree(p):
        return p["components"][0]["tree"]

    def coefficient(p):
        tree(p)["zero"]["weights"][3][2][0][1] = "2"

    def dropped_weight(p):
        del tree(p)["nonzero"]["nonzero"]["weights"][2]

    def inverse_of_an_untested_entry(p):
        tree(p)["zero"]["weights"][3][2][0][0][0][1] = -1          # a_2 -> 1/a_2

    def zero_entry_used(p):
        tree(p)["zero"]["weights"][0][2] = [[[[0, 1]], "1"], [[], "1"]]     # 1 -> 1 + a_0

    def retested(p):
        tree(p)["nonzero"]["test"] = tree(p)["test"]

    def entries(p):
        del p["components"][0]["entries"][-1]

    def outside(p):
        tree(p)["zero"]["weights"].append(["0:0", "1:1", [[[], "1"]]])

    for edit, words in ((coefficient, "path sum at entry 2"), (dropped_weight, "path sum at entry 1"),
                        (inverse_of_an_untested_entry, "a_2^-1 may not occur"),
                        (zero_entry_used, "a_0^1 may not occur"), (retested, "tested above"),
                        (entries, "C7 entries"), (outside, "not an edge of the component")):
        _tampered("c7-three-leaves", edit, words)


def test_tampered_w4_curves_fail_the_replay():
    def limit(p):
        p["limit"]["nonzeros"][-1][2] = "2"

    def background(p):
        # The background term h: row -> col is the weight pair (h, col) in
        # layer 1 and (row, h) in layer 2 of the curve.
        (h, row, col), = p["witness"]["background"]
        h, row, col = label(h)[1], label(row)[1], label(col)[1]
        before = [len(layer) for layer in p["curve"]]
        p["curve"][0] = [x for x in p["curve"][0] if x[:2] != [h, col]]
        p["curve"][1] = [x for x in p["curve"][1] if x[:2] != [row, h]]
        assert [len(layer) for layer in p["curve"]] == [n - 1 for n in before]

    _tampered("w4-example", limit, "does not tend to the limit")
    _tampered("w4-example", background, "does not tend to the limit")


def test_block_steps_replay_and_tampered_blocks_fail():
    import blockcases as B
    w4 = certificates()["w4-block"]
    assert [s["rule"] for s in w4["proof"]["refutation"]["steps"]] == ["block", "contradiction"]
    assert replay(w4) == "curve limit + propagation"
    for steps in (B.ROW_LINE, B.COLUMN_LINE):
        assert replay(B.not_member("dense:4,2,4", B.DIAG3, steps)) == "propagation"

    def fails(cert, words):
        with pytest.raises(Wrong) as e:
            replay(cert)
        assert words in str(e.value), str(e.value)

    # W4's block rows {1, 2} x cols {0, 1} is [[0, 1], [1, 0]]; rows {0, 2}
    # give [[0, 0], [1, 0]] (the entry moved to row 1, off the block).
    singular = copy.deepcopy(w4)
    step = singular["proof"]["refutation"]["steps"][0]
    step["rows"], step["entry"] = ["2:0", "2:2"], ["2:1", "0:0"]
    fails(singular, "the block target is singular")
    inside = copy.deepcopy(w4)
    inside["proof"]["refutation"]["steps"][0]["entry"] = ["2:1", "0:0"]
    fails(inside, "not on a line through the block")
    last = copy.deepcopy(w4)
    del last["proof"]["refutation"]["steps"][1]
    fails(last, "cannot end the refutation")
    one = copy.deepcopy(w4)
    step = one["proof"]["refutation"]["steps"][0]
    step["rows"], step["cols"] = step["rows"][:1], step["cols"][:1]
    fails(one, "a block is k x k")
    # Targets: diag(1, 0, 1, 0) makes the block [[1, 0], [0, 0]]; a 1 at
    # (2, 0) puts a non-zero target on the line; dense:4,3,4 has three nodes.
    fails(B.not_member("dense:4,2,4", {(0, 0): "1", (2, 2): "1"}, B.ROW_LINE), "the block target is singular")
    fails(B.not_member("dense:4,2,4", {**B.DIAG3, (2, 0): "1"}, B.ROW_LINE), "the line has a non-zero target")
    fails(B.not_member("dense:4,2,4", {**B.DIAG3, (1, 2): "1"}, B.COLUMN_LINE), "the line has a non-zero target")
    fails(B.not_member("dense:4,3,4", B.DIAG3, B.ROW_LINE), "the block involves 3 nodes, not 2")
    # A third node reads inputs {0, 2} and feeds outputs {2, 3}: the row line
    # of output 2 reaches input 0 through it.
    from certify.support import from_masks
    through = from_masks([[[1, 1, 1], [1, 1, 1], [1, 0, 1]], [[1, 1, 0], [1, 1, 0], [1, 1, 1], [1, 1, 1]]])
    fails(B.not_member(through, B.DIAG3, B.ROW_LINE), "the line involves a node outside the block's")
