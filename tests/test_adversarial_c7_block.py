"""Hand-crafted attacks on C7 (onto by cases, docs/theory.md §3) and on the
``block`` propagation step (§4): certificates built to claim ``closed`` for
supports that are not closed, or ``not_member`` / ``not_closed`` for a matrix
that IS a product.  Each must stay rejected, for the stated reason.  The last
tests replay every block step the checker could be offered on a few genuine
members and require each accepted step's zero facts to hold in the genuine
factors.  The budget tests at the end were bugs (a C7 path product and a C4
cofactor times minor were multiplied out without a bound) before their fix."""

from __future__ import annotations

import copy
import itertools
import json

from flint import fmpq

from certify import certificate
from certify.chains import Chain
from certify.checker.graphs import State as CheckerState, replay
from certify.checker.numbers import Reject
from certify.checker.verify import _block, check_certificate
from certify.engine import decide
from certify.patterns import build_pattern
from certify.reductions import State, reduce
from certify.support import from_masks


def support(spec):
    if "/" in spec:
        return from_masks([[[c == "1" for c in row] for row in layer.split(",")] for layer in spec.split("/")])
    return build_pattern(spec)


def reduction(s) -> dict:
    r = reduce(State.from_chain(Chain.from_support(s)))
    return json.loads(json.dumps(certificate.encode({"steps": r.steps, "core": r.final.core()})))


def build(s, claim: str, proof: dict) -> dict:
    return json.loads(certificate.dumps(certificate.build(s, claim, proof)))


def rejected(cert: dict, words: str) -> None:
    v = check_certificate(cert)
    assert not v.accepted and words in v.message, v.message


def accepted(cert: dict) -> None:
    v = check_certificate(cert)
    assert v.accepted, v.message


def term(coefficient: str, *powers) -> list:
    """c * prod a_k^p for (k, p) in powers."""
    return [[[k, p] for k, p in powers], coefficient]


def leaf(**weights) -> dict:
    return {"weights": [[*edge.split("->"), terms] for edge, terms in weights.items()]}


def split(entry, zero, nonzero) -> dict:
    return {"test": list(entry), "zero": zero, "nonzero": nonzero}


# ---------------------------------------------------------------------------
# C7 on lu:2 (not closed; the engine proves it).  Reduced: node 1:0 reads
# 0:0 (weight a), 0:1 (b) and feeds 2:0 (d), 2:1 (e); (2:1, 0:1) is free.
# Entries a_0 = (2:0,0:0) = da, a_1 = (2:0,0:1) = db, a_2 = (2:1,0:0) = ea.
# a_0 = 0 with a_1 a_2 != 0 is not a product (a_1 a_2 = a_0 * eb), so every
# tree has a leaf that fails; these attempts hide the failure in various ways.
# ---------------------------------------------------------------------------

LU2 = support("lu:2")
A, B, D, E = "0:0->1:0", "0:1->1:0", "1:0->2:0", "1:0->2:1"
LU2_ENTRIES = [["2:0", "0:0"], ["2:0", "0:1"], ["2:1", "0:0"]]
GENERIC = leaf(**{A: [term("1")], B: [term("1", (1, 1), (0, -1))], D: [term("1", (0, 1))],
                  E: [term("1", (2, 1))]})          # valid where a_0 != 0


def lu2_closed(tree, entries=LU2_ENTRIES, steps=None) -> dict:
    red = reduction(LU2)
    proof = {"rule": "reduce", "steps": steps or red["steps"], "core": red["core"],
             "components": [{"rule": "C7", "entries": entries, "tree": tree}]}
    return build(LU2, "closed", proof)


def test_lu2_is_not_closed_by_the_engine():
    d = decide(LU2)
    assert d.verdict == "not_closed" and check_certificate(d.certificate).accepted


def test_lu2_generic_leaf_without_a_test_is_rejected():
    # The identity holds in the ring with a_0 inverted, but a_0 is never tested.
    rejected(lu2_closed(GENERIC), "an entry that may not occur (or not inverted) here")


def test_lu2_zero_branch_reusing_the_generic_leaf_is_rejected():
    rejected(lu2_closed(split(LU2_ENTRIES[0], GENERIC, GENERIC)), "an entry that may not occur")


def test_lu2_inverse_tested_nonzero_only_on_a_sibling_branch_is_rejected():
    # a_1 is tested non-zero below a_0 != 0 only; the a_0 = 0 leaf divides by it.
    good = split(LU2_ENTRIES[1], leaf(**{A: [term("1")], D: [term("1", (0, 1))], E: [term("1", (2, 1))]}),
                GENERIC)
    sneaky = leaf(**{A: [term("1", (2, 1), (1, -1))], B: [term("1")], E: [term("1", (1, 1))]})
    rejected(lu2_closed(split(LU2_ENTRIES[0], sneaky, good)), "an entry that may not occur")


def test_lu2_best_honest_tree_fails_at_the_obstruction():
    # Every leaf is valid except a_0 = 0, a_1 != 0, a_2 != 0, where no weights
    # exist; the closest leaf gets a_0 and a_1 right and misses a_2.
    nonzero_a0 = GENERIC
    a1_zero = leaf(**{A: [term("1")], E: [term("1", (2, 1))]})
    a2_zero = leaf(**{B: [term("1")], D: [term("1", (1, 1))]})
    impossible = leaf(**{B: [term("1")], D: [term("1", (1, 1))], E: [term("1", (2, 1), (1, -1))]})
    tree = split(LU2_ENTRIES[0], split(LU2_ENTRIES[1], a1_zero, split(LU2_ENTRIES[2], a2_zero, impossible)),
                nonzero_a0)
    rejected(lu2_closed(tree), "the path sum at entry ((2, 1), (0, 0)) is not a_2")
    # Hiding the impossible leaf behind a second test of a_2 on the same
    # branch is refused, so the obstruction cannot be skipped.
    cut = copy.deepcopy(tree)
    cut["zero"]["nonzero"]["nonzero"] = split(LU2_ENTRIES[2], a2_zero, a2_zero)
    rejected(lu2_closed(cut), "a test must name an untested entry")


def test_lu2_entries_list_dropping_the_obstructed_entry_is_rejected():
    # Without a_2 the set would be everything (a_0, a_1 free): a C7 tree exists.
    tree = split(LU2_ENTRIES[0], leaf(**{B: [term("1")], D: [term("1", (1, 1))]}),
                leaf(**{A: [term("1")], B: [term("1", (1, 1), (0, -1))], D: [term("1", (0, 1))]}))
    rejected(lu2_closed(tree, entries=LU2_ENTRIES[:2]), "entries must list the observed entries")


def test_lu2_with_the_free_entry_kept_as_a_direct_edge():
    # Skip R5: the direct edge 0:1 -> 2:1 stays in the component and (2:1, 0:1)
    # becomes an observed entry a_2 with paths of lengths 1 and 2 (the checker
    # shifts the short one).  The generic leaf with f = a_3 - a_1 a_2 / a_0 is valid
    # where a_0 != 0 (accepted as a subtree), but a_0 = 0 is still not onto.
    red = reduction(LU2)
    steps = [red["steps"][0], {"rule": "R6", "components": red["steps"][-1]["components"]}]
    entries = [["2:0", "0:0"], ["2:0", "0:1"], ["2:1", "0:0"], ["2:1", "0:1"]]
    F = "0:1->2:1"
    generic = leaf(**{A: [term("1")], B: [term("1", (1, 1), (0, -1))], D: [term("1", (0, 1))],
                      E: [term("1", (2, 1))], F: [term("1", (3, 1)), term("-1", (1, 1), (2, 1), (0, -1))]})
    core = copy.deepcopy(red["core"])
    core["edges"] = sorted(core["edges"] + [["0:1", "2:1"]])
    core["dont_care"] = []
    closest = leaf(**{B: [term("1")], D: [term("1", (1, 1))], F: [term("1", (3, 1))]})
    proof = {"rule": "reduce", "steps": steps, "core": core,
             "components": [{"rule": "C7", "entries": entries, "tree": split(entries[0], closest, generic)}]}
    rejected(build(LU2, "closed", proof), "the path sum at entry ((2, 1), (0, 0)) is not a_2")
    # Dropping the short path's shift would make the generic leaf wrong; it is
    # right, so only the zero branch fails: check that alone.
    proof["components"][0]["tree"] = split(entries[0], generic, generic)
    rejected(build(LU2, "closed", proof), "an entry that may not occur")


def test_lu2_weights_on_edges_outside_the_component_or_twice_are_rejected():
    # (The offending weight comes first in each leaf, so it is what is rejected.)
    bad = copy.deepcopy(GENERIC)
    bad["weights"].insert(0, ["0:1", "2:1", [term("1")]])       # the edge R2 made, removed by R5
    rejected(lu2_closed(bad), "a weight on an edge outside the component")
    twice = copy.deepcopy(GENERIC)
    twice["weights"].insert(1, [*A.split("->"), [term("-1")]])
    rejected(lu2_closed(twice), "a weight on an edge outside the component, or twice")


def test_lu2_budget_and_exponent_edges():
    # Each offending weight is the first of a root leaf, so it is what is rejected.
    huge = leaf(**{A: [term("1", (1, 65))], D: [term("1", (0, 1))]})
    rejected(lu2_closed(huge), "bad power")
    zero_power = leaf(**{A: [term("1", (1, 0))], B: [term("1", (1, 1), (0, -1))], D: [term("1", (0, 1))],
                         E: [term("1", (2, 1))]})
    rejected(lu2_closed(zero_power), "bad power")
    # A repeated monomial must not be read as "the last one wins" (here 1 + 1 would be 2).
    repeated = leaf(**{A: [term("1"), term("-1")], B: [term("1", (1, 1), (0, -1))],
                       D: [term("1", (0, 1))], E: [term("1", (2, 1))]})
    rejected(lu2_closed(repeated), "a monomial is repeated")
    many = leaf(**{A: [term("1")] + [term("1", (1, p)) for p in range(1, 10_001)]})
    rejected(lu2_closed(many), "a weight must be a list of terms")


# ---------------------------------------------------------------------------
# Transplanting the engine's C7 proof of 001,011,011/001,011,110 (closed).
# ---------------------------------------------------------------------------

C7_SPEC = "001,011,011/001,011,110"


def c7_certificate() -> dict:
    d = decide(support(C7_SPEC))
    assert d.verdict == "closed" and d.certificate["proof"]["components"][0]["rule"] == "C7"
    return copy.deepcopy(d.certificate)


def test_c7_proof_transplanted_onto_lu2_is_rejected():
    donor = c7_certificate()["proof"]
    rejected(build(LU2, "closed", donor), "(1, 0) needs exactly one in-edge and some out-edge")
    # With lu:2's own reduction the component (and its entries) differ.
    red = reduction(LU2)
    rejected(build(LU2, "closed", {**donor, "steps": red["steps"], "core": red["core"]}),
             "entries must list the observed entries")


def test_c7_proof_on_a_support_with_one_edge_removed_is_rejected():
    # Remove 0:2 -> 1:2 (the edge that makes the free entry's partner): the
    # donor's reduction no longer replays to its core.
    masks = "001,011,001/001,011,110"
    rejected(build(support(masks), "closed", c7_certificate()["proof"]), "reduction")


def test_c7_proof_with_the_free_entry_claimed_for_another_component_is_rejected():
    # Pretend the don't-care (2:2, 0:2) is an entry of the component: the
    # entries list is derived, so it must match the replayed state.
    cert = c7_certificate()
    comp = cert["proof"]["components"][0]
    comp["entries"] = sorted(comp["entries"] + [["2:2", "0:2"]])
    rejected(cert, "entries must list the observed entries")


# ---------------------------------------------------------------------------
# block steps: a false not_member whose only flaw is the line through a
# don't-care entry.  Support 111,111,010/110,110,111: hidden 1:0, 1:1 read every
# input, feed every output; 1:2 reads only 0:1 and feeds only 2:2, so R2 + R5
# make (2:2, 0:1) free.  M = [[1,0,0],[0,1,1],[0,0,1]] has rank 3, but with the
# free entry it is a product (below), so no refutation may hold.
# ---------------------------------------------------------------------------

DC = support("111,111,010/110,110,111")
M = {(0, 0): "1", (1, 1): "1", (1, 2): "1", (2, 2): "1"}
FACTORS = [[[0, 0, "1"], [1, 1, "1"], [1, 2, "1"], [2, 1, "1"]],        # W1: 1:2 reads 0:1 with 1
           [[0, 0, "1"], [1, 1, "1"], [2, 1, "1"], [2, 2, "-1"]]]       # W2: 2:2 = 1:1 - 1:2


def sparse(m: dict) -> dict:
    return {"shape": [3, 3], "nonzeros": [[i, j, v] for (i, j), v in sorted(m.items())]}


def block(entry, rows, cols, uses=()) -> dict:
    return {"entry": list(entry), "rule": "block", "rows": list(rows), "cols": list(cols), "uses": list(uses)}


def contradiction(entry, uses) -> dict:
    return {"entry": list(entry), "rule": "contradiction", "uses": list(uses)}


def dc_not_member(steps) -> dict:
    red = reduction(DC)
    assert red["core"]["dont_care"] == [["2:2", "0:1"]]
    return build(DC, "not_member", {"rule": "refutation", "matrix": sparse(M), "reduction": red,
                                    "component": 0, "refutation": {"method": "propagation", "steps": steps}})


# The block rows {2:0, 2:1} x cols {0:0, 0:1} is the identity; the row line of
# 2:2 across those columns is 0 at (2:2, 0:0) and free at (2:2, 0:1).
DC_STEPS = [block(("2:2", "0:0"), ("2:0", "2:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])]


def test_the_dc_matrix_is_a_member():
    accepted(build(DC, "member", {"rule": "factors", "matrix": sparse(M), "factors": FACTORS}))


def test_a_block_line_through_a_dont_care_entry_is_rejected():
    rejected(dc_not_member(DC_STEPS), "(2, 2),(0, 1) is not an observed entry of the component")


def test_the_same_false_refutation_as_not_closed_is_rejected():
    # A constant curve (the factors) tends to M; the refutation is the false one.
    red = reduction(DC)
    curve = [[[i, j, [[0, v]]] for i, j, v in layer] for layer in FACTORS]
    proof = {"rule": "W4", "reduction": red, "component": 0, "curve": curve, "limit": sparse(M),
             "refutation": {"method": "propagation", "steps": DC_STEPS}}
    rejected(build(DC, "not_closed", proof), "(2, 2),(0, 1) is not an observed entry of the component")


def test_block_variants_on_the_dc_support_are_rejected():
    cases = [
        # the block itself through the don't-care entry
        ([block(("2:0", "0:0"), ("2:1", "2:2"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])],
         "(2, 2),(0, 1) is not an observed entry"),
        # duplicated row label (k would look like 2)
        ([block(("2:2", "0:0"), ("2:0", "2:0"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])],
         "a block is k x k"),
        # hidden nodes given as rows
        ([block(("2:2", "0:0"), ("1:0", "1:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])],
         "is not an observed entry"),
        # the entry inside the block
        ([block(("2:0", "0:0"), ("2:0", "2:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])],
         "the entry must lie on a row or a column through the block, outside it"),
        # the entry off every line through the block
        ([block(("2:2", "0:2"), ("2:0", "2:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])],
         "the entry must lie on a row or a column through the block, outside it"),
        # a column line with a non-zero target ((2:1, 0:2) = 1)
        ([block(("2:0", "0:2"), ("2:0", "2:1"), ("0:0", "0:1")), contradiction(("2:2", "0:2"), [0])],
         "the line must have target 0"),
    ]
    for steps, words in cases:
        rejected(dc_not_member(steps), words)


# ---------------------------------------------------------------------------
# Every block step on genuine members: whatever the checker accepts must be
# true of the genuine factors (a block conclusion holds for every solution).
# ---------------------------------------------------------------------------

def _edge_weights(s, factors) -> dict:
    """Layered edge (l-1, j) -> (l, i) -> its weight in the factors."""
    out = {}
    for l, layer in enumerate(factors, start=1):
        for i, j, v in layer:
            out[((l - 1, j), (l, i))] = fmpq(*map(int, (v.split("/") + ["1"])[:2]))
    return out


def _all_block_conclusions(s, m: dict):
    """Replay the engine's reduction in the checker and yield (step, zero
    variables) for every block step the checker accepts, over all 2 x 2 and
    3 x 3 blocks and every entry on a line through them."""
    red = reduction(s)
    chain_state = CheckerState(_checker_chain(s))
    comps = replay(chain_state, red["steps"])

    def target(q, p):
        return fmpq(*map(int, (m.get((q[1], p[1]), "0").split("/") + ["1"])[:2]))

    for comp in comps:
        inside = set(comp)
        sinks = sorted(v for v in comp if v in chain_state.sinks)
        sources = sorted(v for v in comp if v in chain_state.sources)
        for k in (2, 3):
            for R in itertools.combinations(sinks, k):
                for C in itertools.combinations(sources, k):
                    entries = [(q, p) for q in sinks if q not in R for p in C[:1]] + \
                              [(q, p) for p in sources if p not in C for q in R[:1]]
                    for q, p in entries:
                        step = {"rows": [f"{a}:{b}" for a, b in R], "cols": [f"{a}:{b}" for a, b in C]}
                        try:
                            yield (q, p, R, C), _block(chain_state, inside, step, q, p, target, "step")
                        except Reject:
                            pass


def _checker_chain(s):
    from certify.checker.graphs import Chain as CheckerChain, parse_support
    widths, layers = parse_support(json.loads(certificate.dumps(certificate.build(s, "unknown", {})))["support"])
    return CheckerChain.of_support(widths, layers)


def _two_factor_member(X, Y):
    """Factors (W1 = Y, W2 = X) and the matrix X Y, in certificate form."""
    factors = [[[h, p, str(v)] for h, row in enumerate(Y) for p, v in enumerate(row) if v],
               [[q, h, str(v)] for q, row in enumerate(X) for h, v in enumerate(row) if v]]
    m = {(q, p): str(sum(X[q][h] * Y[h][p] for h in range(len(Y)))) for q in range(len(X)) for p in range(len(Y[0]))}
    return factors, {k: v for k, v in m.items() if v != "0"}


def test_every_accepted_block_on_genuine_members_is_true():
    # Members whose factors have a zero row of X and a zero column of Y, so
    # that row and column lines fire: dense:4,2,4; dense:4,3,4 (3 x 3 blocks;
    # its 2 x 2 blocks involve three nodes); dense:4,2,4 without the edge
    # 1:1 -> 2:2 (the line of output 2 meets one block node only); and the
    # don't-care support with M (every line meets the free entry or a non-zero).
    X2, Y2 = [[1, 2], [3, 1], [0, 0], [1, -1]], [[1, 0, 2, 0], [1, 1, -1, 0]]
    X3 = [[1, 0, 2], [0, 1, 1], [1, 1, 0], [0, 0, 0]]
    Y3 = [[1, 2, 0, 0], [0, 1, 1, 0], [3, 0, 1, 0]]
    missing = from_masks([[[1] * 4] * 2, [[1, 1], [1, 1], [1, 0], [1, 1]]])
    cases = [(support("dense:4,2,4"), *_two_factor_member(X2, Y2), 18),
             (support("dense:4,3,4"), *_two_factor_member(X3, Y3), 2),
             (missing, *_two_factor_member(X2, Y2), 18),
             (DC, FACTORS, M, 0)]
    for s, factors, m, expected in cases:
        accepted(build(s, "member", {"rule": "factors",
                                     "matrix": {"shape": [s.widths[-1], s.widths[0]],
                                                "nonzeros": [[i, j, v] for (i, j), v in sorted(m.items())]},
                                     "factors": factors}))
        w = _edge_weights(s, factors)
        conclusions = list(_all_block_conclusions(s, m))
        assert len(conclusions) == expected
        for where, zeros in conclusions:
            assert zeros and all(w.get(e, 0) == 0 for e in zeros), (where, zeros)


# ---------------------------------------------------------------------------
# Budget: a path's product has up to the PRODUCT of its weights' term counts
# terms.  The checker used to charge their sum, so two weights of 10,000 terms
# (a 1.6 MB certificate) made it build a 10^8-term polynomial (about 5 GB; two
# weights of 3,000 terms already took 0.5 GB), and a deep path of three such
# weights far more.  Now a path whose product could exceed the bound is
# refused before anything is multiplied.
# ---------------------------------------------------------------------------

def _wide_leaf_certificate(n: int, missing_last: bool = False) -> dict:
    """dense:4,1,4 (no reduction; 16 entries): weights of n distinct terms on
    0:0 -> 1:0 (in a_0..a_7) and on 1:0 -> 2:0 (in a_8..a_15); their product
    has n^2 distinct terms."""
    s = support("dense:4,1,4")

    def many(variables):
        exps = itertools.islice(itertools.product(range(1, 5), repeat=len(variables)), n)
        return [[[[k, e] for k, e in zip(variables, x)], "1"] for x in exps]

    weights = [["0:0", "1:0", many(range(8))], ["1:0", "2:0", many(range(8, 16))]]
    if missing_last:       # 1:0 -> 2:0 absent (weight 0): the path (2:0, 0:0) is 0
        weights = weights[:1]
    red = reduction(s)
    entries = [[f"2:{q}", f"0:{p}"] for q in range(4) for p in range(4)]
    return build(s, "closed", {"rule": "reduce", "steps": red["steps"], "core": red["core"],
                               "components": [{"rule": "C7", "entries": entries, "tree": {"weights": weights}}]})


def test_a_path_product_beyond_the_term_bound_is_refused_before_multiplying():
    rejected(_wide_leaf_certificate(1001), "beyond this checker's bound")
    # 1,000 x 1,000 terms is within the bound: rejected for being wrong, not for size.
    rejected(_wide_leaf_certificate(1000), "the path sum at entry ((2, 0), (0, 0)) is not a_0")
    # A path with a weight missing is 0 whatever the others: never multiplied out.
    rejected(_wide_leaf_certificate(1001, missing_last=True), "the path sum at entry ((2, 0), (0, 0)) is not a_0")
    # The same with the weight listed as the zero polynomial.
    cert = _wide_leaf_certificate(1001)
    cert["proof"]["components"][0]["tree"]["weights"][1][2] = []
    rejected(cert, "the path sum at entry ((2, 0), (0, 0)) is not a_0")


# The same hole in C4 (docs/theory.md §3): a chart's cofactor (up to 200,000
# terms) times its minor's determinant (up to 200,000 terms) was multiplied
# without a bound or a charge.  Four twin nodes (the reduction stops before
# R4) on 3 inputs x 6 outputs, oriented by their rows: no kernel (rank 12 of
# 12), and the 12 x 12 minor on the outputs 0..3 is a product of three generic
# 4 x 4 determinants (24^3 = 13,824 terms).  A degree-3 cofactor of 1,540 terms
# makes a 2*10^7-term product (0.5 s and 0.2 GB; 200,000 terms would take
# minutes and gigabytes): refused before multiplying.

def _c4_twins_certificate(cofactor: list) -> dict:
    s = support("dense:3,4,6")
    core = {"sources": [f"0:{p}" for p in range(3)], "sinks": [f"2:{q}" for q in range(6)],
            "hidden": [f"1:{h}" for h in range(4)],
            "edges": sorted([[f"0:{p}", f"1:{h}"] for p in range(3) for h in range(4)]
                            + [[f"1:{h}", f"2:{q}"] for h in range(4) for q in range(6)]),
            "dont_care": []}
    comp = sorted(core["sources"] + core["sinks"] + core["hidden"])
    # Variables k = 6 h + q (node h's coordinate at output q); columns 3 h + p;
    # rows 3 q + p.  The first chart fixes output 5 of every node, off the minor.
    charts = [{"ones": [f"2:{q}" for q in ones],
               "minors": [{"rows": list(range(12)), "cols": list(range(12)),
                           "cofactor": cofactor if ones == (5, 5, 5, 5) else [[[], "1"]]}]}
              for ones in itertools.product(range(6), repeat=4)]
    charts.sort(key=lambda c: c["ones"] != ["2:5"] * 4)
    part = {"rule": "C4", "orientation": [[f"1:{h}", "out"] for h in range(4)], "rank": 12, "kernel": [],
            "point": ["1"] * 24, "charts": charts}
    return build(s, "closed", {"rule": "reduce", "steps": [{"rule": "R6", "components": [comp]}],
                               "core": core, "components": [part]})


def test_a_c4_cofactor_times_minor_beyond_the_bound_is_refused_before_multiplying():
    free = [k for k in range(24) if k % 6 != 5]

    def cofactor(degree):
        out = []
        for combo in itertools.combinations_with_replacement(free, degree):
            powers = {k: combo.count(k) for k in combo}
            out.append([[[k, p] for k, p in sorted(powers.items())], "1"])
        return out

    rejected(_c4_twins_certificate(cofactor(3)), "beyond this checker's bound")
    # A small cofactor is multiplied out and found wrong (det * (1 + ...) != 1).
    rejected(_c4_twins_certificate([[[], "1"], [[[0, 1]], "1"]]),
             "the minors' combination on a chart does not expand to 1")
