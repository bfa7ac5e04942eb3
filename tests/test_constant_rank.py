"""C4, the constant-rank rule (docs/theory.md §3): the worked example of
THEORY.md §7, tampering, the width-two classification, and a cross-check
against the witness rules."""

import copy
import json
import sys
import pathlib

import numpy as np

from certify import certificate
from certify.chains import Chain
from certify.checker import check_certificate
from certify.constant_rank import prove_c4
from certify.engine import decide
from certify.reductions import State, reduce
from certify.support import from_masks

from conftest import decided

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "bench"))
import width_two  # noqa: E402

# THEORY.md §7: rows {0,1} x columns {0,1,2} plus rows {0,1,2} x columns {0,1}.
EXAMPLE = from_masks([[[1, 1, 1], [1, 1, 0]],            # hidden x inputs
                      [[1, 1], [1, 1], [0, 1]]])         # outputs x hidden


def c4_part(cert):
    (part,) = cert["proof"]["components"]
    assert part["rule"] == "C4"
    return part


def test_the_c4_example_is_closed_with_an_accepted_certificate():
    assert decide(EXAMPLE, rules="core").verdict == "unknown"
    d = decided(EXAMPLE, "closed")
    assert d.rules[-1] == "C4"
    part = c4_part(d.certificate)
    # THEORY: orient the 2-row node by its row direction and the 2-column node
    # by its column direction; the kernel is one-dimensional, so the rank is
    # 6 free coordinates - 1 = 5, and there are 2 x 2 charts.
    assert part["orientation"] == [["1:0", "out"], ["1:1", "in"]]
    assert part["rank"] == 5 and len(part["kernel"]) == 1 and len(part["charts"]) == 4


def rejected(cert, change) -> str:
    bad = copy.deepcopy(cert)
    change(c4_part(bad))
    v = check_certificate(json.loads(certificate.dumps(bad)))
    assert not v.accepted
    return v.message


def test_tampered_c4_certificates_are_rejected():
    cert = decided(EXAMPLE, "closed").certificate

    def cofactor(p):
        p["charts"][1]["minors"][0]["cofactor"][0][1] = "2"

    def kernel(p):
        vec = p["kernel"][0]
        k = next(i for i, x in enumerate(vec) if x)
        vec[k][0][1] = "-" + vec[k][0][1] if not vec[k][0][1].startswith("-") else vec[k][0][1][1:]

    def orientation(p):
        p["orientation"][0][1] = "in"

    def rank(p):
        p["rank"] = 6
        p["kernel"] = []

    def chart(p):
        p["charts"].pop()

    def point(p):
        p["point"] = ["0"] * len(p["point"])

    def rows(p):
        p["charts"][0]["minors"][0]["rows"][0] = 5

    assert "expand to 1" in rejected(cert, cofactor)
    assert "not in the kernel" in rejected(cert, kernel)
    assert rejected(cert, orientation)
    assert rejected(cert, rank)
    assert "one chart per choice" in rejected(cert, chart)
    assert "dependent at the point" in rejected(cert, point)
    assert rejected(cert, rows)


def test_width_two_matches_the_classification():
    # Every pair of rank-one nodes with N0, N2 <= 4 whose reduced core keeps
    # both nodes: decided (never unknown), certificate accepted, and the
    # verdict is THEORY.md's classification (W1 / W2 / transpose: not closed).
    n, seen = 4, 0
    big = lambda m: bin(m).count("1") >= 2      # noqa: E731  (R2 collapses thinner rectangles)
    for pair in width_two.rectangle_pairs(n):
        if not all(map(big, pair)):
            continue
        _, verdict, _, err, core = width_two.run_one((n, pair))
        assert err is None
        if core is None:
            continue
        seen += 1
        kind, ((r1, c1), (r2, c2)) = core
        assert kind == "plain"
        assert verdict == width_two.expected(r1, c1, r2, c2), (pair, verdict)
    assert seen == 110     # pinned: the cores that keep both nodes


def test_c4_never_proves_a_component_with_a_witness():
    # Soundness cross-check: on non-closed two-factor supports (N0, N2 <= 3)
    # the component carrying the witness is never proved closed by C4.
    table = json.loads((pathlib.Path(__file__).parent / "data" / "verdicts.json").read_text())
    texts = [t for t in table["not_closed"] if t.count("/") == 1][::6]
    assert len(texts) > 100
    for text in texts:
        s = from_masks([np.array([[c == "1" for c in row] for row in layer.split(",")], dtype=bool)
                        for layer in text.split("/")])
        d = decide(s, self_check=False)
        assert d.verdict == "not_closed"
        red = reduce(State.from_chain(Chain.from_support(s)))
        comp = red.components[d.certificate["proof"]["component"]]
        assert prove_c4(red.final, comp) is None, text


def test_the_nullstellensatz_path_gives_accepted_charts(monkeypatch):
    # Without the constant-pivot shortcut every chart goes through the
    # Nullstellensatz search over candidate minors; the checker still accepts.
    import certify.constant_rank as cr
    monkeypatch.setattr(cr, "_constant_minor", lambda rows, r: None)
    d = decided(EXAMPLE, "closed")
    part = c4_part(d.certificate)
    assert part["rank"] == 5
    assert sum(len(c["minors"]) for c in part["charts"]) >= 4


def test_c4_with_three_nodes():
    # The C4 example plus a third node on rows {3,4} x columns {2,3} that meets
    # the first node's column 2 only on distinct entries: the kernel stays
    # one-dimensional (rank 3 + 3 + 2 - 1 = 7 of 8 free coordinates), so C2 and
    # C5 fail and C4 proves it, with 2 x 2 x 2 charts.
    s = from_masks([[[1, 1, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]],
                    [[1, 1, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]])
    assert decide(s, rules="core").verdict == "unknown"
    part = c4_part(decided(s, "closed").certificate)
    assert len(part["orientation"]) == 3 and part["rank"] == 7 and len(part["charts"]) == 8


def test_mangled_c4_certificates_never_crash_the_checker():
    # Every field replaced by values of the wrong type or size: a rejection
    # with a message, never an exception, never an acceptance.
    cert = decided(EXAMPLE, "closed").certificate
    junk = [None, 7, -1, "x", [], {}, [[]], [["1:0", "up"]], ["1"] * 40, 10 ** 6]
    for field in ("orientation", "rank", "kernel", "point", "charts"):
        for value in junk:
            bad = copy.deepcopy(cert)
            c4_part(bad)[field] = value
            v = check_certificate(json.loads(certificate.dumps(bad)))
            assert not v.accepted and v.message, (field, value)
    for key in ("ones", "minors"):
        for value in junk:
            bad = copy.deepcopy(cert)
            c4_part(bad)["charts"][0][key] = value
            assert not check_certificate(json.loads(certificate.dumps(bad))).accepted


def test_a_full_fibre_is_closed_by_c6():
    # Reduced core (exhaustive study, 011,011,111/011,111): A on rows {0,1} x
    # columns {0,1,2}, B on rows {0,1} x columns {1,2}, entries (1,1), (1,2)
    # free.  Four observed entries; with A oriented by its column direction
    # and B by its row direction, 2 + 2 free coordinates and M is onto R^4.
    s = from_masks([[[0, 1, 1], [0, 1, 1], [1, 1, 1]], [[0, 1, 1], [1, 1, 1]]])
    assert decide(s, rules="core").verdict == "unknown"
    d = decided(s, "closed")
    assert d.rules[-1] == "C6"
    (part,) = d.certificate["proof"]["components"]
    bad = copy.deepcopy(d.certificate)
    bad["proof"]["components"][0]["point"] = ["0"] * len(part["point"])
    v = check_certificate(json.loads(certificate.dumps(bad)))
    assert not v.accepted and "not onto" in v.message
    bad["proof"]["components"][0] = dict(part, rule="C4")
    assert not check_certificate(json.loads(certificate.dumps(bad))).accepted


def test_c4_certificates_are_byte_identical_across_hash_seeds(tmp_path):
    import os
    import subprocess
    support = tmp_path / "c4.json"
    support.write_text(json.dumps({"layers": [[[1, 1, 1], [1, 1, 0]], [[1, 1], [1, 1], [0, 1]]]}))
    texts = []
    for seed in ("1", "2"):
        out = tmp_path / f"c{seed}.json"
        r = subprocess.run([sys.executable, "-m", "certify", "decide", str(support), "-o", str(out)],
                           env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        texts.append(out.read_bytes())
    assert texts[0] == texts[1] and b'"C4"' in texts[0]
