"""The Python API: ``from certify import Support, decide, optimum, check``."""

import json
import pathlib
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import certify
from certify import InputError, Support, check, decide, optimum
from certify.cli import main

UNKNOWN = [[[0, 1, 1], [1, 0, 1], [1, 1, 1]], [[0, 1, 1], [1, 0, 1], [1, 1, 1]]]     # as in tests/test_cli.py


def test_acceptance_one_liner_and_cheap_import():
    code = ("import sys\nimport certify\n"
            "print(sorted(m for m in sys.modules if m.startswith('certify')))\n"
            "from certify import decide\nprint(decide('lu:3').verdict)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["['certify']", "not_closed"]


def test_decide_accepts_every_form_of_support(tmp_path):
    up = np.triu(np.ones((3, 3), dtype=int))
    (tmp_path / "lu.json").write_text(json.dumps({"layers": [up.tolist(), up.T.tolist()]}))
    forms = ["lu:3", str(tmp_path / "lu.json"), tmp_path / "lu.json", Support.load("lu:3"),
             [up, up.T], [up.tolist(), up.T.tolist()], {"layers": [up.tolist(), up.T.tolist()]},
             np.stack([up, up.T])]
    fingerprint = Support.load("lu:3").fingerprint()
    for form in forms:
        r = decide(form)
        assert r.verdict == "not_closed" and r.rules[0] == "W1", form
        assert r.support.fingerprint() == fingerprint
        assert r.limit == [[0, 1, 0], [1, 0, 0], [0, 0, 0]]
        assert all(isinstance(x, Fraction) for row in r.limit for x in row)


def test_results_closed_and_unknown():
    r = decide("dense:2,3,2")
    assert (r.verdict, r.decided, r.limit, r.core) == ("closed", True, None, None)
    assert r.certificate["claim"] == "closed"
    u = decide(UNKNOWN)
    assert (u.verdict, u.decided) == ("unknown", False)
    assert u.core["hidden"] == ["1:0", "1:1", "1:2"]      # no reduction applies: no series node, twin or free entry
    assert check(u).accepted and check(u).claim == "unknown"


def test_to_json_is_what_the_command_writes(tmp_path, capsys):
    assert main(["decide", "lu:3", "-o", str(tmp_path / "c.json")]) == 0
    capsys.readouterr()
    r = decide("lu:3")
    assert r.to_json() == (tmp_path / "c.json").read_text()
    assert json.loads(r.to_json()) == r.certificate
    r.save(tmp_path / "d.json")
    assert (tmp_path / "d.json").read_text() == r.to_json()


def test_check_accepts_every_form_and_rejects_tampering(tmp_path):
    r = decide("lu:3")
    (tmp_path / "c.json").write_text(r.to_json())
    for form in (r, r.certificate, r.to_json(), str(tmp_path / "c.json"), tmp_path / "c.json"):
        v = check(form)
        assert v.accepted and v.claim == "not_closed" and v.verdict == "accepted" and bool(v)
    bad = json.loads(r.to_json())
    bad["proof"]["limit"]["nonzeros"][0][2] = "2"
    v = check(bad)
    assert not v.accepted and v.claim == "not_closed" and v.reason
    for junk in ({"layers": []}, "{not json", tmp_path / "missing.json", 42):
        v = check(junk)
        assert not v.accepted and v.claim is None and v.reason.startswith("not a certificate"), junk
    assert json.loads(check(r).to_json())["accepted"] is True


def test_optimum():
    o = optimum("lu:3")
    assert o.verdict == "no_optimum" and o.rule == "training-set"
    assert check(o).accepted and check(o).claim == "no_optimum"
    assert len(o.inputs) == len(o.targets) == len(o.certificate["proof"]["t"])
    assert o.columns == o.certificate["proof"]["columns"]
    assert [[str(y) for y in row] for row in o.targets] == o.certificate["proof"]["targets"]
    e = optimum("dense:3,2")
    assert (e.verdict, e.rule, e.inputs) == ("optimum_exists", "no-hidden-layer", None)
    with pytest.raises(InputError, match="max_subsets"):
        optimum("lu:3", max_subsets=-1)


def test_reprs_are_short_and_readable():
    r = decide("lu:3")
    assert repr(r) == ("DecideResult(verdict='not_closed', rules=['W1', 'R2', 'R5', 'R6'], "
                       "support=Support(widths 3-3-3, 2 layer(s), 12 nonzeros), "
                       f"certificate=<not_closed certificate, {len(r.to_json().encode())} bytes>)")
    assert repr(Support.load("dense:2,3")) == "Support(widths 2-3, 1 layer(s), 6 nonzeros)"
    assert repr(optimum("lu:3")).startswith("OptimumResult(verdict='no_optimum', rule='training-set', "
                                            "training_set=")


def test_weights_and_threshold():
    w1 = np.triu(np.full((3, 3), 0.5)) + np.tril(np.full((3, 3), 1e-6), -1)
    assert decide([w1, w1.T], weights=True).support.fingerprint() == \
        Support.load("dense:3,3,3").fingerprint()
    assert decide([w1, w1.T], weights=True, threshold=1e-3).verdict == "not_closed"
    with pytest.raises(InputError, match="must be 0 or 1"):
        decide([w1, w1.T])


def test_bad_input_raises_input_error():
    for bad, words in (("foo:3", "unknown pattern"), (42, "cannot make a support"),
                       ([], "empty"), ([[[1, 1]], [[1, 1]]], "do not chain"),
                       (np.ones((2, 2)), r"give one 2-D array per layer, e.g. \[mask\]")):
        with pytest.raises(InputError, match=words):
            decide(bad)


def test_optimum_name_is_the_function_even_after_importing_the_module():
    import importlib
    module = importlib.import_module("certify.optimum")    # the submodule of the same name
    assert module.__name__ == "certify.optimum"
    from certify.optimum import decide_optimum
    assert callable(decide_optimum)
    assert certify.optimum is optimum and optimum.__module__ == "certify.api"
    assert set(certify.__all__) <= set(dir(certify))
    with pytest.raises(AttributeError):
        certify.no_such_name


def test_docs_api_examples_are_true():
    """docs/api.md shows real outputs: each '>>> ' line is run and compared."""
    import doctest
    path = pathlib.Path(__file__).parent.parent / "docs" / "api.md"
    result = doctest.testfile(str(path), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0
