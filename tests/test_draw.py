"""``certify draw``: the picture renders for each verdict (a PNG of some size;
the pictures themselves were looked at by a person), the highlighted
evidence is the certificate's, and bad requests fail cleanly."""

import json

import pytest

from certify.cli import main
from certify.draw import MAX_NODES, plan
from certify.engine import decide
from certify.patterns import build_pattern
from certify.support import from_masks

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"
# Three overlapping rank-one nodes, no reduction applies: unknown in this version.
OPEN = {"layers": [[[0, 1, 1], [1, 0, 1], [1, 1, 1]], [[0, 1, 1], [1, 0, 1], [1, 1, 1]]]}


@pytest.mark.parametrize("support, verdict", [("lu:4", "not closed"), ("butterfly:16", "closed"),
                                              ("OPEN", "unknown")])
def test_drawing_renders(tmp_path, capsys, support, verdict):
    if support == "OPEN":
        (tmp_path / "open.json").write_text(json.dumps(OPEN))
        support = str(tmp_path / "open.json")
    out = tmp_path / "picture.png"
    assert main(["draw", support, "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000
    text = capsys.readouterr().out
    assert f"verdict: {verdict}" in text and f"drawing: written to {out}" in text
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".certify-")] == []


def test_not_closed_highlights_the_certificate_curve_and_limit():
    s = build_pattern("lu:4")
    d = decide(s)
    pic = plan(s, d, "lu:4")
    # The lu:4 W1 curve (see docs/certificate-format.md): W_1[0,1] = 1/t and W_1[1,1] = -1/t blow up.
    red = {e for e, c in pic.edge_colors.items() if c == "#d62728"}
    assert red == {((0, 1), (1, 0)), ((0, 1), (1, 1))}
    assert len(pic.edge_colors) == 6          # every non-zero curve entry, nothing else
    assert {v for v, c in pic.node_colors.items() if c == "#ff7f0e"} == {(1, 0), (1, 1)}
    assert sorted((u, v) for u, v, *_ in pic.arcs) == [((0, 0), (2, 1)), ((0, 1), (2, 0))]


def test_closed_shows_the_c3_split_and_its_twin_classes():
    s = build_pattern("butterfly:16")
    pic = plan(s, decide(s), "butterfly:16")
    assert pic.split == 3
    assert all((3, k) in pic.node_colors for k in range(16))
    assert "16 twin class(es)" in pic.caption[0]


def test_unknown_shows_the_reduced_core():
    s = from_masks(OPEN["layers"])
    d = decide(s)
    pic = plan(s, d, "open")
    assert d.verdict == "unknown"
    assert {v for v in pic.node_colors} == {(1, 0), (1, 1), (1, 2)}
    assert len(pic.edge_colors) == 14 and not pic.arcs   # units 0, 1 read two inputs and feed two outputs, unit 2 three


@pytest.mark.parametrize("args, message", [
    (["draw", "butterfly:1024", "-o", "x.png"], f"limited to {MAX_NODES} nodes"),
    (["draw", "lu:4", "-o", "x.txt"], "name a .png, .pdf or .svg file"),
    (["draw", "lu:4", "-o", "missing/x.png"], "its folder does not exist"),
    (["draw", "lu:4"], "required"),
])
def test_bad_requests_fail_in_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_closed_by_reductions_colours_the_core_and_names_the_free_entries():
    # tests/test_verdicts.py's C2 example: two rank-one units and five series
    # units that the reductions turn into free entries.
    free = [(2, 0), (2, 1), (2, 2), (3, 2), (4, 2)]
    w1 = [[int(j in (0, 1, 2)) for j in range(5)], [int(j in (2, 3, 4)) for j in range(5)]]
    w1 += [[int(j == c) for j in range(5)] for _, c in free]
    w2 = [[int(i in (0, 1, 2)), int(i in (2, 3, 4))] + [int(i == r) for r, _ in free] for i in range(5)]
    s = from_masks([w1, w2])
    d = decide(s)
    assert d.verdict == "closed" and d.certificate["proof"]["rule"] == "reduce"
    pic = plan(s, d, "c2")
    assert {v for v in pic.node_colors} == {(1, 0), (1, 1)}
    assert pic.faded == {(1, k) for k in range(2, 7)}
    assert len(pic.edge_colors) == 12          # 3 + 3 inputs and 3 + 3 outputs of the two units
    assert "(2,0), (2,1), (2,2), (3,2), (4,2)" in pic.caption[-1] and "C2" in pic.caption[0]


def test_routed_witness_marks_the_units_its_curve_blows_up_at():
    masks = [[[0, 1, 1], [1, 0, 1], [1, 1, 0]], [[1, 0, 1], [0, 0, 0], [0, 0, 1]],
             [[1, 0, 1], [1, 1, 0], [0, 1, 1]]]
    s = from_masks(masks)
    d = decide(s)
    assert d.rules[0] == "routed"
    pic = plan(s, d, "routed")
    red = {e for e, c in pic.edge_colors.items() if c == "#d62728"}
    blowing = {v for e in red for v in e if 0 < v[0] < 3}
    assert red and {v for v, c in pic.node_colors.items() if c == "#ff7f0e"} == blowing
    limit = {(i, j) for i, j, _ in d.certificate["proof"]["limit"]["nonzeros"]}
    assert {(v[1], u[1]) for u, v, *_ in pic.arcs} == limit
