"""Targeted tampering of a C7 (onto by cases) and a W4 certificate: the
checker accepts the engine's certificates of the examples in docs/theory.md
and rejects each tampered copy, for the stated reason."""

import copy
import functools
import json
import pathlib

import pytest

from certify.checker.verify import check_certificate
from certify.engine import decide
from certify.support import from_masks

C7_EXAMPLE = "001,011,011/001,011,110"      # docs/theory.md §3 C7
W4_EXAMPLE = "001,011,101/011,101,110"      # docs/theory.md §4 W4


@functools.lru_cache(maxsize=None)
def certificate(text: str) -> str:
    masks = [[[c == "1" for c in row] for row in layer.split(",")] for layer in text.split("/")]
    return decide(from_masks(masks)).text


def fresh(text: str) -> dict:
    return json.loads(certificate(text))


# The engine's certificate of C7_EXAMPLE as it was when these tests were
# written (a three-leaf tree; the engine now finds a two-leaf one). Fixed, so
# the tampering below keeps hitting the same weights; it must stay accepted.
C7_FIXED = pathlib.Path(__file__).resolve().parent / "data" / "c7_three_leaves.json"


def c7() -> dict:
    return json.loads(C7_FIXED.read_text())


def tree(cert: dict) -> dict:
    return cert["proof"]["components"][0]["tree"]


def rejected(cert: dict, words: str) -> None:
    v = check_certificate(cert)
    assert not v.accepted and words in v.message, v.message


def test_the_c7_example_is_accepted_with_its_tree():
    cert = c7()
    assert cert["claim"] == "closed" and cert["proof"]["rule"] == "reduce"
    part, = cert["proof"]["components"]
    assert part["rule"] == "C7"
    assert part["entries"] == [["2:0", "0:1"], ["2:0", "0:2"], ["2:1", "0:1"], ["2:1", "0:2"], ["2:2", "0:1"]]
    # test a_0; zero: a leaf; non-zero: test a_1, then two leaves (docs/theory.md: three leaves)
    t = part["tree"]
    assert t["test"] == ["2:0", "0:1"] and "weights" in t["zero"]
    assert t["nonzero"]["test"] == ["2:0", "0:2"]
    assert "weights" in t["nonzero"]["zero"] and "weights" in t["nonzero"]["nonzero"]
    v = check_certificate(cert)
    assert v.accepted and v.claim == "closed" and "C7 x1" in v.message, v.message


def test_a_changed_coefficient_in_a_leaf_weight_is_rejected():
    cert = c7()
    edge = tree(cert)["zero"]["weights"][3]
    assert edge[:2] == ["1:1", "2:1"] and edge[2] == [[[[2, 1]], "1"]]      # w = a_2
    edge[2][0][1] = "2"
    rejected(cert, "the path sum at entry ((2, 1), (0, 1)) is not a_2")


def test_a_test_naming_an_entry_already_tested_above_is_rejected():
    cert = c7()
    tree(cert)["nonzero"]["test"] = ["2:0", "0:1"]
    rejected(cert, "a test must name an untested entry")


def test_a_test_naming_no_observed_entry_is_rejected():
    cert = c7()
    tree(cert)["nonzero"]["test"] = ["2:2", "0:2"]          # a don't-care entry
    rejected(cert, "a test must name an untested entry")


def test_a_zero_branch_using_its_zero_tested_entry_is_rejected():
    cert = c7()
    edge = tree(cert)["zero"]["weights"][0]
    assert edge[:2] == ["0:1", "1:1"]
    edge[2] = [[[[0, 1]], "1"], [[], "1"]]                  # 1 -> 1 + a_0, with a_0 tested zero
    rejected(cert, "an entry that may not occur")


def test_a_negative_power_of_an_entry_not_tested_nonzero_is_rejected():
    # Rescale hidden node 1:1 by a_3 (in-edges times a_3, out-edges over a_3):
    # every path sum is unchanged, but a_3 is not tested non-zero on this branch.
    cert = c7()
    for tail, head, terms in tree(cert)["zero"]["weights"]:
        if "1:1" in (tail, head):
            for term in terms:
                term[0] = sorted(term[0] + [[3, 1 if head == "1:1" else -1]])
    rejected(cert, "not inverted")


def test_a_negative_power_of_an_entry_tested_nonzero_is_accepted():
    # The same rescaling by a_0 in the leaf where a_0 is known non-zero is valid.
    cert = c7()
    leaf = tree(cert)["nonzero"]["zero"]
    for tail, head, terms in leaf["weights"]:
        if "1:1" in (tail, head):
            for term in terms:
                powers = dict(term[0])
                powers[0] = powers.get(0, 0) + (1 if head == "1:1" else -1)
                term[0] = sorted([k, p] for k, p in powers.items() if p)
    assert check_certificate(cert).accepted


def test_a_weight_on_an_edge_outside_the_component_is_rejected():
    cert = c7()
    tree(cert)["zero"]["weights"].append(["0:0", "1:1", [[[], "1"]]])    # 0:0 is not in the component
    rejected(cert, "a weight on an edge outside the component")
    cert = c7()
    tree(cert)["zero"]["weights"].append(["0:1", "2:0", [[[], "1"]]])    # not an edge at all
    rejected(cert, "a weight on an edge outside the component")


def test_a_missing_nonzero_child_is_rejected():
    cert = c7()
    del tree(cert)["nonzero"]
    rejected(cert, "C7 test: missing field(s) nonzero")


def test_a_wrong_entries_list_is_rejected():
    for edit in (lambda e: e.pop(), lambda e: e.reverse(), lambda e: e.append(["2:2", "0:2"]),
                 lambda e: e.__setitem__(0, ["2:0", "0:0"])):
        cert = c7()
        edit(cert["proof"]["components"][0]["entries"])
        rejected(cert, "entries must list the observed entries reached by a path, sorted")


def test_a_leaf_with_a_weight_dropped_is_rejected():
    for path in (("zero",), ("nonzero", "zero"), ("nonzero", "nonzero")):
        for k in range(len(_leaf(c7(), path)["weights"])):
            cert = c7()
            del _leaf(cert, path)["weights"][k]
            rejected(cert, "the path sum at entry")


def _leaf(cert, path):
    node = tree(cert)
    for key in path:
        node = node[key]
    return node


# -- W4 -------------------------------------------------------------------------

def w4() -> dict:
    return fresh(W4_EXAMPLE)


def test_the_w4_example_is_accepted():
    cert = w4()
    assert cert["claim"] == "not_closed" and cert["proof"]["rule"] == "W4"
    assert cert["proof"]["witness"]["background"] == [["1:1", "2:2", "0:1"]]
    v = check_certificate(cert)
    assert v.accepted and v.claim == "not_closed", v.message


def test_a_changed_w4_limit_entry_is_rejected():
    for k in range(3):
        cert = w4()
        entry = cert["proof"]["limit"]["nonzeros"][k]
        entry[2] = "2" if entry[2] == "1" else "1"
        rejected(cert, f"limit entry ({entry[0]},{entry[1]}) is stated as {entry[2]} but the curve tends to")


def test_a_w4_curve_without_its_background_is_rejected():
    # The background term 1:1 -> (row 2:2, column 0:1) is the curve weights
    # (1, 1) of layer 1 and (2, 1) of layer 2; without it the product's entry
    # (2, 1) is 0, not the stated limit's 1.
    cert = w4()
    curve = cert["proof"]["curve"]
    assert [1, 1, [[0, "1"]]] in curve[0] and [2, 1, [[0, "1"]]] in curve[1]
    assert [2, 1, "1"] in cert["proof"]["limit"]["nonzeros"]
    for dropped in ({0}, {1}, {0, 1}):          # either weight of the term, or both
        bad = copy.deepcopy(cert)
        for l, pair in ((0, [1, 1]), (1, [2, 1])):
            if l in dropped:
                bad["proof"]["curve"][l] = [x for x in bad["proof"]["curve"][l] if x[:2] != pair]
        rejected(bad, "limit entry (2,1) is stated as 1 but the curve tends to 0")


@pytest.mark.parametrize("text", [C7_EXAMPLE, W4_EXAMPLE])
def test_the_proofs_do_not_transfer_to_a_changed_support(text):
    # Same proof, one more non-zero in the support (fingerprint updated): the
    # reduction no longer replays.
    import hashlib
    cert = fresh(text)
    layer = cert["support"]["layers"][0]
    free = next([i, j] for i in range(3) for j in range(3) if [i, j] not in layer["nonzeros"])
    layer["nonzeros"] = sorted(layer["nonzeros"] + [free])
    cert["support_sha256"] = hashlib.sha256(
        json.dumps(cert["support"], sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    rejected(cert, "reduction step 0 (R2)")
