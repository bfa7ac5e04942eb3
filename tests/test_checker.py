"""The checker accepts what the engine proves and rejects tampered copies."""

import copy
import hashlib
import itertools
import json

import pytest

from certify import certificate
from certify.chains import Chain
from certify.checker import Malformed, check_certificate
from certify.engine import decide
from certify.patterns import build_pattern
from certify.reductions import State, apply_step, lift, reduce
from certify.witnesses import find_w1, layer_matrices, limit_of, multiply

from conftest import accepted


def cert_of(spec):
    d = decide(build_pattern(spec))
    assert d.certificate is not None
    return json.loads(certificate.dumps(d.certificate))


def refingerprint(c):
    for layer in c["support"]["layers"]:
        layer["nonzeros"].sort()
    text = json.dumps(c["support"], sort_keys=True, separators=(",", ":"))
    c["support_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return c


def rejected(c, *words):
    v = check_certificate(c)
    assert not v.accepted, "tampered certificate was accepted"
    for w in words:
        assert w in v.message, v.message
    return v.message


@pytest.fixture(scope="module")
def lu3():
    return cert_of("lu:3")


@pytest.fixture(scope="module")
def dense():
    return cert_of("dense:4,6,3,5")


def test_accepts_engine_certificates(lu3, dense):
    assert check_certificate(lu3).accepted
    assert check_certificate(dense).accepted


# -- the tamperings of the acceptance list ---------------------------------

def test_flipped_verdict(lu3, dense):
    c = copy.deepcopy(lu3)
    c["claim"] = "closed"
    rejected(c, "does not prove closedness")
    c = copy.deepcopy(dense)
    c["claim"] = "not_closed"
    rejected(c, "does not prove non-closedness")


def test_flipped_mask_bit(lu3, dense):
    for base in (lu3, dense):
        c = copy.deepcopy(base)
        c["support"]["layers"][0]["nonzeros"].pop(0)
        rejected(c, "fingerprint")


def test_flipped_mask_bit_with_a_fresh_fingerprint(lu3, dense):
    # Removing a weight the curve uses.
    c = copy.deepcopy(lu3)
    c["support"]["layers"][0]["nonzeros"].remove([0, 0])
    rejected(refingerprint(c), "not in the support")
    # Adding W1[1,0] (below the diagonal) changes the reduced core.
    c = copy.deepcopy(lu3)
    c["support"]["layers"][0]["nonzeros"].append([1, 0])
    rejected(refingerprint(c), "core")
    # Making the dense chain non-dense breaks the C3 twin classes.
    c = copy.deepcopy(dense)
    c["support"]["layers"][1]["nonzeros"].remove([0, 0])
    rejected(refingerprint(c), "C3")


def test_changed_limit_entry(lu3):
    entries = lu3["proof"]["limit"]["nonzeros"]
    assert entries == [[0, 1, "1"], [1, 0, "1"]]
    c = copy.deepcopy(lu3)
    c["proof"]["limit"]["nonzeros"][0][2] = "7"            # a changed value
    rejected(c, "limit entry (0,1) is stated as 7")
    c = copy.deepcopy(lu3)
    c["proof"]["limit"]["nonzeros"].append([2, 2, "1"])     # an added entry
    rejected(c, "limit entry (2,2)")
    c = copy.deepcopy(lu3)
    del c["proof"]["limit"]["nonzeros"][1]                  # a dropped entry
    rejected(c, "limit entry (1,0)")
    c = copy.deepcopy(lu3)
    c["proof"]["limit"]["nonzeros"].insert(0, [0, 0, "0"])  # zeros are implicit
    rejected(c, "listed as zero")


def curve_from_json(curve):
    from flint import fmpq
    from certify.laurent import Laurent

    def q(text):
        num, _, den = text.partition("/")
        return fmpq(int(num), int(den or 1))

    return [{(i, j): Laurent.from_terms([(e, q(x)) for e, x in terms]) for i, j, terms in layer}
            for layer in curve]


def test_changed_curve_coefficient(lu3):
    # Every change that moves the limit (or leaves a pole) is rejected; a
    # change that left the limit alone would still prove the claim.
    curve = lu3["proof"]["curve"]
    for l, layer in enumerate(curve):
        for k in range(len(layer)):
            c = copy.deepcopy(lu3)
            term = c["proof"]["curve"][l][k][2][0]
            term[1] = "2" if term[1] != "2" else "3"
            A = limit_of(multiply(curve_from_json(c["proof"]["curve"])))
            # Each weight of this (minimal) curve matters:
            assert A is None or certificate.sparse_matrix((3, 3), A) != c["proof"]["limit"]
            msg = rejected(c)
            assert "limit entry" in msg or "no limit" in msg, msg


def test_deleted_or_reordered_refutation_steps(lu3):
    steps = lu3["proof"]["refutation"]["steps"]
    n = len(steps)
    for k in range(n):
        c = copy.deepcopy(lu3)
        del c["proof"]["refutation"]["steps"][k]
        rejected(c, "refutation")
    for perm in itertools.permutations(range(n)):
        if list(perm) == list(range(n)):
            continue
        c = copy.deepcopy(lu3)
        c["proof"]["refutation"]["steps"] = [steps[k] for k in perm]
        rejected(c, "refutation")


@pytest.mark.parametrize("spec", ["lu:3", "lu:5", "ul:4"])
def test_dropped_reduction_steps(spec):
    base = cert_of(spec)
    for k in range(len(base["proof"]["reduction"]["steps"])):
        c = copy.deepcopy(base)
        del c["proof"]["reduction"]["steps"][k]
        rejected(c)


def test_dropped_reduction_step_in_a_closed_reduce_proof():
    # The C1 example (tests/test_verdicts.py): proved by reductions + C1.
    from certify.rules import reduce_route
    from certify.support import from_masks
    s = from_masks([[[1, 1], [0, 1], [1, 0]], [[1, 1, 0], [1, 0, 1]]])
    proof = reduce_route(Chain.from_support(s))
    assert proof is not None and proof["components"] == [{"rule": "C1"}]
    c = json.loads(certificate.dumps(certificate.build(s, "closed", proof)))
    assert check_certificate(c).accepted
    for k in range(len(c["proof"]["steps"])):
        bad = copy.deepcopy(c)
        del bad["proof"]["steps"][k]
        rejected(bad)


def test_refutation_steps_may_only_use_the_facts_they_cite(lu3):
    c = copy.deepcopy(lu3)
    c["proof"]["refutation"]["steps"][1]["uses"] = []          # the zero step needs step 0
    rejected(c, "zero needs")
    c = copy.deepcopy(lu3)
    c["proof"]["refutation"]["steps"][1]["uses"] = [1]         # itself
    rejected(c, "uses must list earlier steps")
    c = copy.deepcopy(lu3)
    steps = c["proof"]["refutation"]["steps"]
    steps.insert(0, dict(steps[0]))                            # an unused extra step
    for st in steps[1:]:
        st["uses"] = [k + 1 for k in st["uses"]]
    rejected(c, "not used")


# -- forged closedness proofs -----------------------------------------------

def test_forged_closed_proofs_for_lu_are_rejected(lu3):
    forged = [
        ({"rule": "layer"}, "single mask"),
        ({"rule": "C3", "split": 1, "left": {"rule": "layer"}, "right": {"rule": "layer"}}, "overlap"),
        ({"rule": "C3", "split": 2, "left": {"rule": "layer"}, "right": {"rule": "layer"}}, "outside"),
        ({"rule": "reduce", "steps": lu3["proof"]["reduction"]["steps"],
          "core": lu3["proof"]["reduction"]["core"], "components": [{"rule": "C2"}]}, "C2"),
        ({"rule": "reduce", "steps": lu3["proof"]["reduction"]["steps"],
          "core": lu3["proof"]["reduction"]["core"], "components": []}, "one C1/C2 rule"),
        ({"rule": "W1"}, "does not prove closedness"),
    ]
    for proof, words in forged:
        c = copy.deepcopy(lu3)
        c["claim"] = "closed"
        c["proof"] = proof
        rejected(c, words)


def test_forged_c1_on_a_non_complete_pattern():
    # UL 2x2: one rank-one node whose observed pattern is a path (not closed).
    c = cert_of("ul:2")
    c["claim"] = "closed"
    red = c["proof"]["reduction"]
    c["proof"] = {"rule": "reduce", "steps": red["steps"], "core": red["core"],
                  "components": [{"rule": "C1"}]}
    rejected(c, "non-complete block")


# -- malformed input ---------------------------------------------------------

@pytest.mark.parametrize("obj", [[], {"format": "x"}, {"format": "certify-certificate/9", "claim": "closed",
                                                       "support_sha256": "", "support": {}, "proof": {}},
                                 {"format": "certify-certificate/1", "claim": "maybe",
                                  "support_sha256": "", "support": {}, "proof": {}}])
def test_malformed_top_level(obj):
    with pytest.raises(Malformed):
        check_certificate(obj)


def test_broken_inner_structure_is_a_rejection_not_a_crash(lu3):
    for mutate in (lambda c: c["proof"].pop("curve"),
                   lambda c: c["proof"]["curve"][0].append("x"),
                   lambda c: c["proof"]["reduction"]["steps"][0].update(rule="R9"),
                   lambda c: c["proof"]["refutation"]["steps"][0].update(entry=["2:9", "0:0"]),
                   lambda c: c["proof"].update(component=5),
                   lambda c: c["proof"]["limit"]["nonzeros"][0].__setitem__(2, "1.5"),
                   lambda c: c["proof"]["limit"].update(shape=[3, 4]),
                   lambda c: c["proof"]["curve"][0][0][2].__setitem__(0, [0, "1/0"])):
        c = copy.deepcopy(lu3)
        mutate(c)
        assert not check_certificate(c).accepted


# -- R7 in a certificate ----------------------------------------------------

def test_certificate_with_a_transpose_step():
    """Reduce the transposed chain, find W1 there, lift through R7: the checker
    replays R7 and accepts; without the R7 step it rejects."""
    support = build_pattern("ul:3")
    original = State.from_chain(Chain.from_support(support))
    flipped = original.copy()
    apply_step(flipped, {"rule": "R7"})
    red = reduce(flipped)
    comp = red.components[0]
    w = find_w1(red.final, comp)
    steps = [{"rule": "R7"}] + red.steps
    layers = layer_matrices(support, lift(original, steps, w.curve))
    A = limit_of(multiply(layers))
    proof = {"rule": "W1", "reduction": {"steps": steps, "core": red.final.core()}, "component": 0,
             "curve": certificate.curve(layers), "limit": certificate.sparse_matrix((3, 3), A),
             "refutation": w.refutation}
    c = certificate.build(support, "not_closed", proof)
    assert accepted(c).accepted
    bad = json.loads(certificate.dumps(c))
    del bad["proof"]["reduction"]["steps"][0]
    assert not check_certificate(bad).accepted


def test_unknown_report_replays_its_reduction():
    from certify.support import from_masks
    # Three overlapping rank-one nodes (an unknown of the exhaustive study).
    d = decide(from_masks([[[0, 1, 1], [1, 0, 1], [1, 1, 1]], [[0, 1, 1], [1, 0, 1], [1, 1, 1]]]))
    assert d.verdict == "unknown"
    c = json.loads(certificate.dumps(d.certificate))
    v = check_certificate(c)
    assert v.accepted and v.claim == "unknown"
    c["proof"]["core"]["hidden"] = []
    assert not check_certificate(c).accepted
