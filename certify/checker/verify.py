"""Top level of the independent checker: what each claim needs.

* ``closed``: the proof tree (``layer`` / ``C3`` / ``components`` /
  ``reduce`` + C1/C2/C5/C4/C6) is re-derived from the support, every hypothesis
  recomputed.
* ``not_closed``: the curve respects the support; its product, multiplied out
  exactly, has no negative powers and tends to the stated limit; the reduction
  replays to the stated core; the propagation refutation of the limit on the
  named component replays to a contradiction.
* ``unknown``: only the reduction replay (no verdict is claimed).
* ``optimum_exists`` / ``no_optimum``: see ``training.py``.
* ``member``: the factors multiply exactly to the matrix; ``not_member``: the
  reduction replays and the refutation of the matrix holds.

Imports only the standard library and FLINT (never the engine).
"""

from __future__ import annotations

import functools
import gc
import math
from dataclasses import dataclass

from flint import fmpq_mat, fmpq_poly

from .constant_rank import _det, check_c4, check_c6
from .graphs import (Chain, State, check_core, closed_by_c1_c2, fingerprint, labels, pair_labels,
                     parse_support, replay)
from .numbers import (Reject, coefficient, integer, laurent_terms, monomials, need, rational, shifted_poly,
                      short)
from .onto import check_c7
from .parsing import MAX_FILE_BYTES, fields, loads, over_budget, reset_work, spend
from .training import check_no_optimum, check_optimum_exists

FORMAT = "certify-certificate/1"
TOP_FIELDS = ("format", "claim", "support_sha256", "support", "proof")
CLAIMS = ("closed", "not_closed", "unknown", "optimum_exists", "no_optimum", "member", "not_member")
# The name says how the curve was found; what is checked is the same for all:
# curve, limit, reduction and refutation.
# The witness field is an annotation for the reader (not part of the proof);
# only its keys are checked.
WITNESS_RULES = {"W1": ("node", "rows", "cols", "cancel"),
                 "W2": ("nodes", "shared", "exclusive", "both", "transposed"),
                 "W3": ("nodes", "entry", "rows", "cols"),
                 "W4": ("nodes", "entry", "rows", "cols", "background"),
                 "routed": ("free_layers", "matchings", "effective_rule")}
CLOSED_FIELDS = {"layer": (), "C3": ("split", "left", "right"), "components": ("parts",),
                 "reduce": ("steps", "core", "components")}


class Malformed(Exception):
    """Not a certificate at all: unreadable, not JSON, wrong top-level shape."""


@dataclass
class Verdict:
    accepted: bool
    claim: str
    message: str          # what was verified, or why it was rejected


# ---------------------------------------------------------------------------
# closed
# ---------------------------------------------------------------------------

def check_closed(chain: Chain, proof, tally: dict) -> None:
    need(isinstance(proof, dict), "proof node must be an object")
    rule = proof.get("rule")
    need(isinstance(rule, str) and rule in CLOSED_FIELDS, f"rule {short(rule)} does not prove closedness")
    fields(proof, f"proof node {rule}", ("rule",) + CLOSED_FIELDS[rule])
    tally[rule] = tally.get(rule, 0) + 1
    L = chain.depth
    if rule == "layer":
        need(L == 1, f"rule layer needs a single mask, this chain has {L}")
    elif rule == "C3":
        s = integer(proof["split"], "C3 split")
        need(1 <= s < L, f"C3 split {short(s)} is outside 1..{L - 1}")
        need(chain.split_is_disjoint(s), f"C3 at split {s}: twin-class rectangles overlap")
        check_closed(chain.slice(s + 1, L), proof["left"], tally)
        check_closed(chain.slice(1, s), proof["right"], tally)
    elif rule == "components":
        parts = proof["parts"]
        need(isinstance(parts, list), "components: parts must be a list")
        comps = chain.components()
        need([labels(fields(p, "components part", ("nodes", "proof"))["nodes"], "components")
               for p in parts] == comps,
              "components: the parts are not the connected components of the chain")
        for comp, part in zip(comps, parts):
            check_closed(chain.restrict(set(comp)), part["proof"], tally)
    elif rule == "reduce":
        state = State(chain)
        comps = replay(state, proof["steps"])
        check_core(state, proof["core"])
        rules = proof["components"]
        need(isinstance(rules, list) and len(rules) == len(comps),
              "reduce: one C1/C2 rule is needed per component with a hidden node")
        for comp, r in zip(comps, rules):
            rule = r.get("rule") if isinstance(r, dict) else None
            if rule == "C4":
                check_c4(state, comp, fields(r, "C4 component", ("rule", "orientation", "rank", "kernel",
                                                                 "point", "charts")))
            elif rule == "C6":
                check_c6(state, comp, fields(r, "C6 component", ("rule", "orientation", "point")))
            elif rule == "C7":
                check_c7(state, comp, fields(r, "C7 component", ("rule", "entries", "tree")))
            elif rule == "C8":
                check_c7(state, comp, fields(r, "C8 component", ("rule", "entries", "minors", "tree")), "C8")
            else:
                closed_by_c1_c2(state, comp, fields(r, "reduce component", ("rule",))["rule"])
            tally[r["rule"]] = tally.get(r["rule"], 0) + 1


# ---------------------------------------------------------------------------
# not closed
# ---------------------------------------------------------------------------

def sparse_product(a: dict, b: dict, zero, size: int = 1) -> dict:
    """a @ b for matrices stored as {(row, column): value}; ``size`` bounds
    the cost of one multiply-add (digits times coefficients)."""
    by_row: dict = {}
    for (k, j), y in b.items():
        by_row.setdefault(k, []).append((j, y))
    spend(len(a) + size * sum(len(by_row.get(k, ())) for (_, k) in a))
    out: dict = {}
    for (i, k), x in a.items():
        for j, y in by_row.get(k, []):
            out[(i, j)] = out.get((i, j), zero) + x * y
    return out


def curve_limit(widths, layers, curve) -> dict:
    """Multiply the curve out exactly; return the non-zero entries of the
    limit (t -> 0+)."""
    L = len(layers)
    need(isinstance(curve, list) and len(curve) == L, f"curve must list {L} layers")
    allowed = [set(pairs) for pairs in layers]
    mats, shift, span, digits = [], 0, 0, 0
    for l, entries in enumerate(curve, start=1):
        need(isinstance(entries, list), f"curve layer {l} must be a list")
        raw, width = {}, 1
        for item in entries:
            need(isinstance(item, list) and len(item) == 3, f"curve layer {l}: bad entry {short(item)}")
            i, j = integer(item[0], "row"), integer(item[1], "column")
            need((i, j) in allowed[l - 1], f"curve layer {l}: entry ({i},{j}) is not in the support")
            need((i, j) not in raw, f"curve layer {l}: entry ({i},{j}) given twice")
            raw[(i, j)] = laurent_terms(item[2], f"curve layer {l} entry ({i},{j})")
            width = max(width, max((len(c) for _, c in item[2]), default=1))
        k = max([0] + [-e for t in raw.values() for e in t])   # pole order of this layer
        shift += k
        span += max([0] + [e + k for t in raw.values() for e in t])
        need(span <= MAX_CURVE_DEGREE, "curve: the product's degree in t is beyond this checker's bound")
        digits += width + len(raw)           # coefficient digits of a partial product, at most
        mats.append({ij: shifted_poly(t, k) for ij, t in raw.items() if t})
    # Product W_L ... W_1 = t^(-shift) * (product of the polynomial matrices).
    prod = mats[0]
    for m in mats[1:]:
        prod = sparse_product(m, prod, fmpq_poly(0), digits * (span + 1))
    limit = {}
    for (i, j), p in sorted(prod.items()):
        for e in range(min(shift, p.degree() + 1)):
            need(p[e] == 0, f"curve: product entry ({i},{j}) has a t^{e - shift} term: no limit")
        if coefficient(p, shift) != 0:
            limit[(i, j)] = coefficient(p, shift)
    return limit


def parse_limit(obj, widths) -> dict:
    shape = [widths[-1], widths[0]]
    fields(obj, "limit/matrix", ("shape", "nonzeros"))
    need(obj["shape"] == shape
          and isinstance(obj["nonzeros"], list), f"limit must be {{\"shape\": {shape}, \"nonzeros\": [...]}}")
    out, last = {}, (-1, -1)
    for item in obj["nonzeros"]:
        need(isinstance(item, list) and len(item) == 3, f"limit: bad entry {short(item)}")
        i, j = integer(item[0], "limit row"), integer(item[1], "limit column")
        need(0 <= i < shape[0] and 0 <= j < shape[1] and (i, j) > last,
              f"limit: entry ({i},{j}) out of range or out of order")
        value = rational(item[2])
        need(value != 0, f"limit: entry ({i},{j}) is listed as zero")
        out[(i, j)] = value
        last = (i, j)
    return out


MAX_COFACTOR_DEGREE = 12
MAX_COFACTOR_TERMS = 200_000
MAX_CURVE_DEGREE = 20_000
MAX_DENSE_EXPONENTS = 10_000_000     # terms x variables, before any exponent vector is built


def check_nullstellensatz(state: State, comp: list, refutation, target) -> int:
    """Expand sum_e g_e (phi_e - A_e) with FLINT and compare it with 1: then
    the equations of the component have no common complex zero."""
    from flint import fmpq_mpoly_ctx
    variables = pair_labels(refutation["variables"], "nullstellensatz variables")
    need(len(set(variables)) == len(variables) and variables, "nullstellensatz: bad variable list")
    inside = set(comp)
    for u, v in variables:
        need(u in inside and v in state.succ.get(u, ()), f"nullstellensatz: {u}->{v} is not an edge "
                                                          "of the component")
    degree = integer(refutation["degree"], "nullstellensatz degree")
    need(0 <= degree <= MAX_COFACTOR_DEGREE, "nullstellensatz: degree beyond the checker's bound")
    cofactors = refutation["cofactors"]
    need(isinstance(cofactors, list) and cofactors, "nullstellensatz: cofactors must be a non-empty list")
    for item in cofactors:
        fields(item, "nullstellensatz cofactor", ("entry", "terms"))
    terms = sum(len(c["terms"]) if isinstance(c, dict) and isinstance(c.get("terms"), list) else 0
                for c in cofactors)
    need(terms <= MAX_COFACTOR_TERMS and terms * len(variables) <= MAX_DENSE_EXPONENTS,
          "nullstellensatz: too many terms for this checker")
    ctx = fmpq_mpoly_ctx.get(tuple(f"x{k}" for k in range(len(variables))), "lex")
    index = {v: k for k, v in enumerate(variables)}
    n = len(variables)
    total = ctx.from_dict({})
    seen, size = set(), 0
    for item in cofactors:
        (snk, src), = pair_labels([item["entry"]], "nullstellensatz entry")
        need(snk in state.sinks and src in state.sources and snk in inside and src in inside
              and (snk, src) not in state.dc and (snk, src) not in seen,
              f"nullstellensatz: {snk},{src} is not an observed entry of the component (or repeated)")
        seen.add((snk, src))
        phi: dict = {}
        for m in state.paths(src, snk):
            need(all(x in index for x in m), f"nullstellensatz: a path to {snk} uses an edge not "
                                               "in the variable list")
            e = [0] * n
            for x in m:
                e[index[x]] += 1
            phi[tuple(e)] = phi.get(tuple(e), 0) + 1
        zero = (0,) * n
        phi[zero] = phi.get(zero, 0) - target(snk, src)
        g = monomials(item["terms"], n, degree, "nullstellensatz")
        spend(sum(len(t[1]) for t in item["terms"]) * len(phi))
        size += len(g) * len(phi)
        need(size <= MAX_COFACTOR_TERMS, "nullstellensatz: too many terms for this checker")
        total += ctx.from_dict(g) * ctx.from_dict(phi)
    need(total == 1, "nullstellensatz: the combination does not expand to 1")
    return len(cofactors)


def check_refutation(state: State, comp: list, refutation, target) -> int:
    """Replay a refutation of the target on the component: propagation or
    Nullstellensatz."""
    need(isinstance(refutation, dict), "refutation must be an object")
    if refutation.get("method") == "nullstellensatz":
        fields(refutation, "nullstellensatz", ("method", "degree", "variables", "cofactors"))
        return check_nullstellensatz(state, comp, refutation, target)
    need(refutation.get("method") == "propagation",
          "refutation: the method must be propagation or nullstellensatz")
    fields(refutation, "propagation", ("method", "steps"))
    return check_propagation(state, comp, refutation, target)


def check_propagation(state: State, comp: list, refutation, target) -> int:
    """Replay a propagation refutation.  Step k may use only the facts of the
    steps it lists in ``uses`` (all earlier); the last step must reach a
    contradiction and every other step must be used by a later one."""
    steps = refutation["steps"]
    need(isinstance(steps, list) and steps, "refutation: steps must be a non-empty list")
    inside = set(comp)
    facts: list[tuple[set, set]] = []     # per step: (variables proved zero, proved non-zero)
    used = set()
    for n, step in enumerate(steps):
        where = f"refutation step {n}"
        need(isinstance(step, dict), f"{where}: not an object")
        rule = step.get("rule")
        if rule == "minor":
            gives = step.get("gives")
            fields(step, where, ("rule", "nodes", "rows", "cols", "gives", "uses") + (("var",) if gives == "zero" else ()))
        else:
            extra = ("var",) if rule == "zero" else ("rows", "cols") if rule == "block" else ()
            fields(step, where, ("entry", "rule", "uses") + extra)
        uses = step["uses"]
        need(isinstance(uses, list) and all(type(k) is int and 0 <= k < n for k in uses),
              f"{where}: uses must list earlier steps")
        used.update(uses)
        spend(1 + len(uses))
        zero = set().union(*(facts[k][0] for k in uses))
        nonzero = set().union(*(facts[k][1] for k in uses))
        last = n == len(steps) - 1
        if rule == "minor":
            facts.append(_minor(state, inside, step, target, zero, nonzero, last, where))
            continue
        (snk, src), = pair_labels([step["entry"]], where)
        need(snk in state.sinks and src in state.sources and snk in inside and src in inside
              and (snk, src) not in state.dc, f"{where}: {snk},{src} is not an observed entry of the component")
        a = target(snk, src)
        live = [m for m in state.paths(src, snk) if not (m & zero)]
        if rule == "nonzero":
            need(a != 0 and len(live) == 1, f"{where}: nonzero needs a non-zero target and one live monomial")
            facts.append((set(), set(live[0])))
            need(not last, f"{where}: a refutation must end in a contradiction")
        elif rule == "zero":
            (var,) = pair_labels([step["var"]], where)
            need(a == 0 and len(live) == 1 and var in live[0] and live[0] - {var} <= nonzero,
                  f"{where}: zero needs target 0 and one live monomial whose other variables are non-zero")
            need(last == (var in nonzero), f"{where}: only the last step may (and it must) contradict")
            facts.append(({var}, set()))
        elif rule == "block":
            facts.append((_block(state, inside, step, snk, src, target, where), set()))
            need(not last, f"{where}: a refutation must end in a contradiction")
        elif rule == "contradiction":
            need(a != 0 and not live, f"{where}: contradiction needs a non-zero target and no live monomial")
            need(last, f"{where}: steps after the contradiction")
            facts.append((set(), set()))
        else:
            raise Reject(f"{where}: unknown rule {short(rule)}")
    need(used >= set(range(len(steps) - 1)), "refutation: a step is not used by any later step")
    return len(steps)


def _block(state: State, inside: set, step: dict, snk, src, target, where: str) -> set:
    """A block step (docs/theory.md §4): on rows R x columns C every entry is
    a sum of x_h[r] y_h[c] over nodes h in H (every monomial a path c -> h -> r),
    |H| = |R| = |C| and the target block is non-singular, so the y_h on C are
    independent; the line through ``entry`` outside the block (a row, or a
    column) has target 0 on C (on R) and only nodes of H, so its factors
    x_h[i] (y_h[j]) are 0.  Returns those variables."""
    R, C = labels(step["rows"], where), labels(step["cols"], where)
    k = len(R)
    need(2 <= k == len(C) <= 8 and len(set(R)) == k and len(set(C)) == k, f"{where}: a block is k x k, 2 <= k <= 8")
    need((snk in R) != (src in C), f"{where}: the entry must lie on a row or a column through the block, outside it")

    def nodes(q, p) -> set:
        need(q in state.sinks and p in state.sources and q in inside and p in inside and (q, p) not in state.dc,
             f"{where}: {q},{p} is not an observed entry of the component")
        out = set()
        for m in state.paths(p, q):
            need(len(m) == 2, f"{where}: entry {q},{p} has a monomial that is not source -> node -> sink")
            out |= {v for e in m for v in e} - {p, q}
        return out

    H = set().union(*(nodes(q, p) for q in R for p in C))
    need(len(H) == k and fmpq_mat(k, k, [target(q, p) for q in R for p in C]).rank() == k,
         f"{where}: the block's entries must involve exactly {k} nodes and its target must be non-singular")
    line = [(snk, p) for p in C] if src in C else [(q, src) for q in R]
    need(all(target(q, p) == 0 and nodes(q, p) <= H for q, p in line),
         f"{where}: the line must have target 0 and involve only the block's nodes")
    return {(h, snk) for h in H if snk in state.succ[h]} if src in C else {(src, h) for h in H if h in state.succ[src]}


MAX_MINOR = 4
MAX_MINOR_TERMS = 1_000_000
MAX_MINOR_CELL = 10_000      # monomials in one entry of a minor


def _minor(state: State, inside: set, step: dict, target, zero: set, nonzero: set, last: bool,
           where: str) -> tuple[set, set]:
    """A minor step (docs/theory.md §4): for nodes H and k x k entries R x C,
    k = |H| + 1, the terms x_h[q] y_h[p] (paths p -> h -> q, h in H) form a
    matrix of rank <= |H|, so det(target − the other monomials) = 0, with a
    fresh variable on a free entry.  Known-zero variables drop their
    monomials; the rest must be a non-zero constant (contradiction), a
    constant plus one monomial (its weights are non-zero), or one monomial
    whose other weights are non-zero (``var`` is zero).  Returns the facts."""
    H, R, C = labels(step["nodes"], where), labels(step["rows"], where), labels(step["cols"], where)
    k = len(R)
    need(len(set(H)) == len(H) and k == len(H) + 1 == len(C) and 2 <= k <= MAX_MINOR
         and len(set(R)) == k and len(set(C)) == k, f"{where}: a minor is k x k over k - 1 distinct nodes, "
                                                     f"2 <= k <= {MAX_MINOR}")
    cells, index = {}, {}
    for q in R:
        for p in C:
            need(q in state.sinks and p in state.sources and q in inside and p in inside,
                 f"{where}: {q},{p} is not an output/input pair of the component")
            if (q, p) in state.dc:                        # a free entry: any value
                cells[q, p] = [(1, [("free", q, p)])]
            else:                                          # drop x_h[q] y_h[p], h in H
                cells[q, p] = [(target(q, p), [])] + [(-1, sorted(m)) for m in state.paths(p, q)
                                                      if not (len(m) == 2 and any(m == {(p, h), (h, q)} for h in H))]
            need(len(cells[q, p]) <= MAX_MINOR_CELL, f"{where}: entry {q},{p} of the minor has more than "
                                                       f"{MAX_MINOR_CELL:,} monomials, beyond this checker's bound")
            for _, m in cells[q, p]:
                for x in m:
                    index.setdefault(x, len(index))
    size = math.prod(max(len(cells[q, p]) for p in C) for q in R)   # bounds every term of the expansion
    need(size <= MAX_MINOR_TERMS, f"{where}: the minor's expansion is beyond this checker's bound "
                                  f"({MAX_MINOR_TERMS:,} for the product of each row's largest entry)")
    # Each cell's exponent vectors cost (terms x variables); the expansion, its size.
    spend(size * k + sum(len(t) for t in cells.values()) * max(len(index), 1))
    from flint import fmpq_mpoly_ctx
    ctx = fmpq_mpoly_ctx.get(tuple(f"x{i}" for i in range(max(len(index), 1))), "lex")

    def poly(terms):
        out: dict = {}          # summed here, converted once (adding polynomials term by term is quadratic)
        for coef, m in terms:
            e = [0] * ctx.nvars()
            for x in m:
                e[index[x]] += 1
            out[tuple(e)] = out.get(tuple(e), 0) + coef
        return ctx.from_dict({e: c for e, c in out.items() if c != 0})

    det = _det([{c: poly(cells[q, p]) for c, p in enumerate(C)} for q in R], list(range(k)), list(range(k)), ctx)
    names = sorted(index, key=index.get)
    constant, live = 0, []
    for e, coef in det.to_dict().items():
        m = {names[i] for i, x in enumerate(e) if x}
        if not m:
            constant = coef
        elif not (m & zero):
            live.append(m)
    gives = step["gives"]
    if gives == "contradiction":
        need(constant != 0 and not live, f"{where}: contradiction needs a non-zero constant and no live monomial")
        need(last, f"{where}: steps after the contradiction")
        return set(), set()
    need(len(live) == 1, f"{where}: {gives} needs exactly one live monomial")
    (m,) = live
    free = {x for x in m if x[0] == "free"}
    if gives == "nonzero":
        need(constant != 0 and not last, f"{where}: nonzero needs a non-zero constant and must not be last")
        return set(), m - free
    need(gives == "zero", f"{where}: gives must be nonzero, zero or contradiction")
    (var,) = pair_labels([step["var"]], where)
    need(constant == 0 and var in m and not free and m - {var} <= nonzero,
         f"{where}: zero needs constant 0 and one live monomial whose other variables are non-zero")
    need(last == (var in nonzero), f"{where}: only the last step may (and it must) contradict")
    return {var}, set()


def check_not_closed(widths, layers, chain: Chain, proof) -> dict:
    """Verify a W1 proof; return the (sparse) limit it refutes."""
    rule = proof.get("rule") if isinstance(proof, dict) else proof
    need(isinstance(rule, str) and rule in WITNESS_RULES, f"rule {short(rule)} does not prove non-closedness")
    fields(proof, f"{rule} proof", ("rule", "reduction", "component", "curve", "limit", "refutation"), ("witness",))
    if "witness" in proof:
        fields(proof["witness"], f"{rule} witness", WITNESS_RULES[rule])
    L = len(layers)
    stated = parse_limit(proof["limit"], widths)
    computed = curve_limit(widths, layers, proof["curve"])
    for i, j in sorted(set(stated) | set(computed)):
        a, b = stated.get((i, j), 0), computed.get((i, j), 0)
        need(a == b, f"limit entry ({i},{j}) is stated as {a} but the curve tends to {b}")
    integer(proof["component"], "component")          # a witness names one component
    state, comp = _reduced(chain, proof)
    check_refutation(state, comp, proof["refutation"], _target(stated, L))
    return stated


def _reduced(chain: Chain, proof):
    """Replay ``proof["reduction"]``; the state and the component named by
    ``proof["component"]`` (null: the whole reduced state)."""
    red = fields(proof["reduction"], "reduction", ("steps", "core"))
    state = State(chain)
    comps = replay(state, red["steps"])
    check_core(state, red["core"])
    if proof["component"] is None:
        return state, sorted(state.succ)
    k = integer(proof["component"], "component")
    need(0 <= k < len(comps), f"component {short(k)} does not exist")
    return state, comps[k]


def _target(matrix: dict, L: int):
    """The value a refutation must rule out at an (output, input) entry."""
    def target(a, b):
        out, inp = (a, b) if a[0] == L else (b, a)
        need(out[0] == L and inp[0] == 0, f"entry {a},{b} is not an output/input pair")
        return matrix.get((out[1], inp[1]), 0)
    return target


# ---------------------------------------------------------------------------
# membership of a given matrix
# ---------------------------------------------------------------------------

def check_member(widths, layers, proof) -> str:
    """The factors lie on the support and multiply exactly to the matrix."""
    fields(proof, "member proof", ("rule", "matrix", "factors"))
    M = parse_limit(proof["matrix"], widths)
    factors = proof["factors"]
    need(isinstance(factors, list) and len(factors) == len(layers), f"factors must list {len(layers)} layers")
    prod, digits = None, 0
    for l, entries in enumerate(factors):
        allowed, m = set(layers[l]), {}
        need(isinstance(entries, list), f"factor {l + 1} must be a list")
        width = 1
        for item in entries:
            need(isinstance(item, list) and len(item) == 3, f"factor {l + 1}: bad entry {short(item)}")
            i, j = integer(item[0], "row"), integer(item[1], "column")
            need((i, j) in allowed and (i, j) not in m, f"factor {l + 1}: ({i},{j}) is off the support or repeated")
            m[(i, j)] = rational(item[2])
            width = max(width, len(item[2]))
        digits += width + len(m)
        prod = m if prod is None else sparse_product(m, prod, 0, digits)
    for i, j in sorted(set(M) | set(prod)):
        a, b = M.get((i, j), 0), prod.get((i, j), 0)
        need(a == b, f"entry ({i},{j}) of the product is {b}, not {a}")
    return "member: the factors multiply exactly to the matrix"


def check_not_member(widths, layers, chain: Chain, proof) -> str:
    """The reduction replays; the refutation holds on the named component
    (or, with component null, on the whole reduced state)."""
    fields(proof, "not_member proof", ("rule", "matrix", "reduction", "component", "refutation"))
    state, comp = _reduced(chain, proof)
    check_refutation(state, comp, proof["refutation"], _target(parse_limit(proof["matrix"], widths), len(layers)))
    return f"not a member: {proof['refutation']['method']} refutes the matrix on the reduced state"


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------

def _without_gc(fn):
    """Pause the cyclic garbage collector while checking: its repeated passes
    over the many (acyclic) lists of a large certificate cost up to a third
    of the time; reference counting still frees them."""
    @functools.wraps(fn)
    def run(*args):
        paused = gc.isenabled()
        gc.disable()
        try:
            return fn(*args)
        finally:
            if paused:
                gc.enable()
    return run


@_without_gc
def check_certificate(obj) -> Verdict:
    if not isinstance(obj, dict):
        raise Malformed("not a JSON object")
    if "layers" in obj and "format" not in obj:
        raise Malformed("this is a support file, not a certificate (decide it with 'certify decide')")
    missing = [k for k in TOP_FIELDS if k not in obj]
    if missing:
        raise Malformed(f"missing field(s): {', '.join(missing)}")
    unknown = [k for k in obj if k not in TOP_FIELDS]
    if unknown:
        raise Malformed(f"unknown field(s): {short(', '.join(map(str, unknown)))}")
    if not isinstance(obj["format"], str) or obj["format"] != FORMAT:
        raise Malformed(f"unknown format {short(obj['format'])} (this checker reads {FORMAT})")
    claim = obj["claim"]
    if not isinstance(claim, str) or claim not in CLAIMS:
        raise Malformed(f"claim must be one of {', '.join(CLAIMS)}")
    reset_work()
    try:
        widths, layers = parse_support(obj["support"])
        reset_work(sum(widths) + sum(map(len, layers)), len(layers))
        need(isinstance(obj["support_sha256"], str) and fingerprint(obj["support"]) == obj["support_sha256"],
              "the support does not match its SHA-256 fingerprint")
        chain = Chain.of_support(widths, layers)
        proof = obj["proof"]
        shape = "-".join(map(str, widths)) if len(widths) <= 8 else \
            f"{'-'.join(map(str, widths[:3]))}-...-{widths[-1]} ({len(widths) - 1} layers)"
        about = f" [support {shape}, sha256 {obj['support_sha256'][:12]}]"
        if claim == "closed":
            tally: dict = {}
            check_closed(chain, proof, tally)
            rules = ", ".join(f"{r} x{n}" for r, n in sorted(tally.items()))
            return Verdict(True, claim, f"closed: proof tree re-derived ({rules}){about}")
        if claim == "not_closed":
            check_not_closed(widths, layers, chain, proof)
            method = proof["refutation"]["method"]
            return Verdict(True, claim, f"not closed: the curve's products tend to the stated limit, "
                                        f"which {method} refutes{about}")
        need(isinstance(proof, dict), "proof must be an object")
        if claim == "optimum_exists":
            return Verdict(True, claim, check_optimum_exists(widths, layers, proof) + about)
        if claim == "no_optimum":
            return Verdict(True, claim, check_no_optimum(widths, layers, proof, check_not_closed) + about)
        if claim == "member":
            need(proof.get("rule") == "factors", "member needs rule factors")
            return Verdict(True, claim, check_member(widths, layers, proof) + about)
        if claim == "not_member":
            need(proof.get("rule") == "refutation", "not_member needs rule refutation")
            return Verdict(True, claim, check_not_member(widths, layers, chain, proof) + about)
        need(proof.get("rule") == "reduce" and "components" not in proof,
              "an unknown claim carries only a reduction")
        fields(proof, "unknown report", ("rule", "steps", "core"))
        state = State(chain)
        replay(state, proof["steps"])
        check_core(state, proof["core"])
        return Verdict(True, claim, "no verdict claimed; the reduction to the stated core replays" + about)
    except Reject as e:
        return Verdict(False, claim, str(e))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError,
            OverflowError, MemoryError) as e:
        return Verdict(False, claim, f"malformed proof ({type(e).__name__}: {str(e)[:200]})")


@_without_gc
def check_file(path: str) -> Verdict:
    import os
    import stat
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise Malformed("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return Verdict(False, "?", over_budget(f"the file has more than {MAX_FILE_BYTES:,} bytes").args[0])
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)     # never more than the budget, whatever the file
        obj = loads(data)
    except OSError as e:
        raise Malformed(f"cannot read ({e.strerror})") from None
    except Reject as e:                            # over budget, duplicate key, float
        return Verdict(False, "?", str(e))
    except ValueError as e:                        # not JSON, not UTF-8
        raise Malformed(f"not valid JSON ({str(e)[:200]})") from None
    return check_certificate(obj)
