"""Two rank-one nodes with free entries (issue 8; bench/width_two.py, second
part): the enumeration is one support per orbit, a spread sample of the
N0, N2 <= 4 study is decided with the verdict and main rule of the
benchmark run and a certificate the checker accepts, and hand-worked cases
get their exact verdict (and, where not closed, their limit)."""

import copy
import itertools
import json
import pathlib
import sys

import pytest

from certify import certificate
from certify.checker import check_certificate
from certify.support import from_masks

from conftest import decided

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "bench"))
import width_two  # noqa: E402


def support(text):
    """"rows,rows/rows": input layer first, each mask's rows as bits."""
    return from_masks(width_two.text_masks(text))


def images(n: int, pair, cells):
    """Every image of (rectangles, free cells) under a row permutation, a
    column permutation and possibly swapping the units."""
    r1, c1, r2, c2 = pair
    for sr in itertools.permutations(range(n)):
        for sc in itertools.permutations(range(n)):
            im = lambda m, p: sum(1 << p[k] for k in range(n) if m >> k & 1)   # noqa: E731
            x, y = (im(r1, sr), im(c1, sc)), (im(r2, sr), im(c2, sc))
            d = tuple(sorted((sr[i], sc[j]) for i, j in cells))
            yield x, y, d
            yield y, x, d


def orbit_keys(n: int, size: int) -> set:
    """Brute force, independent of the canonical pairs: the least image of
    every pair of non-empty rectangles with ``size`` cells of their union."""
    keys = set()
    for pair in itertools.product(range(1, 1 << n), repeat=4):
        r1, c1, r2, c2 = pair
        union = sorted({(i, j) for r, c in ((r1, c1), (r2, c2))
                        for i in range(n) if r >> i & 1 for j in range(n) if c >> j & 1})
        for cells in itertools.combinations(union, size):
            keys.add(min(images(n, pair, cells)))
    return keys


@pytest.mark.parametrize("n, size, orbits", [(2, 1, 30), (2, 2, 39), (2, 3, 14), (3, 1, 247)])
def test_one_support_per_orbit(n, size, orbits):
    keys = orbit_keys(n, size)
    assert len(keys) == orbits
    cases = list(width_two.free_entry_cases(n, (size,)))
    assert sorted(min(images(n, pair, cells)) for pair, cells in cases) == sorted(keys)


def test_the_study_has_11090_supports_and_realises_each_free_entry_by_one_unit():
    cases = list(width_two.free_entry_cases(4, (1, 2, 3)))
    assert len(cases) == 11090
    assert len({width_two.masks_text(width_two.free_entry_masks(4, p, d)) for p, d in cases}) == 11090
    pair, cells = cases[-1]
    W1, W2 = width_two.free_entry_masks(4, pair, cells)
    for k, (i, j) in enumerate(cells):
        assert W1[2 + k].nonzero()[0].tolist() == [j] and W2[:, 2 + k].nonzero()[0].tolist() == [i]


# Four per (verdict, main rule), spread over the benchmark's list of supports
# whose reduced core keeps two rank-one nodes and a free entry (sorted by
# text); for C4, four of the quicker ones (the 5-unit C4 cases take ~1 s).
SAMPLE = [
    ("011,111,100,010,001/10000,10000,01110,01001", "closed", "C2"),
    ("101,011,100,001,100/10110,10001,01000,01000", "closed", "C2"),
    ("1100,0011,0010,0010,0010/10000,01100,01010,11001", "closed", "C2"),
    ("1100,0011,1000,1000,0100/10100,01000,11011", "closed", "C2"),
    ("111,011,010,001/0111,1100,1100", "closed", "C4"),
    ("111,011,100,100/0100,1110,1101", "closed", "C4"),
    ("1111,0011,0010,0001/0111,1100,1100", "closed", "C4"),
    ("1111,0111,1000,1000/0100,1110,1101", "closed", "C4"),
    ("011,111,010,100,010/10100,01000,11011", "closed", "C6"),
    ("101,011,010,100,001/01100,11011,11000", "closed", "C6"),
    ("11,11,10,01,10/10100,01010,11001", "closed", "C6"),
    ("111,011,010,010,001/01100,11010,11001", "closed", "C6"),
    ("011,111,100,010,001/01100,11010,11001", "closed", "C7"),
    ("1001,0111,0100,0010,0100/11110,11001", "closed", "C7"),
    ("11,11,10,01,10/10000,01110,01001,11000", "closed", "C7"),
    ("11,11,10/101,010,110", "closed", "C7"),
    ("0011,1111,1000,0100,0010/10000,01111,01000,11000", "not_closed", "W1"),
    ("1001,0111,0001,1000,0100/10100,01000,11010,11001", "not_closed", "W1"),
    ("1011,0111,0010,0010,0001/10100,01010,11001,11000", "not_closed", "W1"),
    ("1101,0011,1000,0100,0001/01000,11110,11001,11000", "not_closed", "W1"),
    ("0111,1111,1000,0100,0010/10000,01000,11111", "not_closed", "W2"),
    ("101,011,010,010,001/01100,11010,11001,11000", "not_closed", "W2"),
    ("1011,0111,1000,0100,1000/10100,01010,11001,11000", "not_closed", "W2"),
    ("1111,0111,1000,1000/1010,0100,0100,1101", "not_closed", "W2"),
    ("011,111,010,001,100/10110,01001,11000,11000", "not_closed", "W3"),
    ("011,111,100,100/0110,1101,1100,1100", "not_closed", "W3"),
    ("0111,1111,1000,0100,0100/01110,11001,11000", "not_closed", "W3"),
    ("1011,0111,0100,0100,1000/01100,01010,11001,11000", "not_closed", "W3"),
    ("011,111,100,010,100/01000,01000,11110,11001", "not_closed", "W4"),
    ("101,011,100,100,010/11100,11010,11001,11000", "not_closed", "W4"),
    ("111,111,100,010/1011,0100,0100,1100", "not_closed", "W4"),
    ("1111,0111,1000,0100,1000/01000,11110,11001", "not_closed", "W4"),
]


@pytest.mark.parametrize("text, verdict, rule", SAMPLE)
def test_a_spread_sample_is_decided_with_an_accepted_certificate(text, verdict, rule):
    s = support(text)
    rect, free = width_two.two_node_core(s)
    assert len(rect) == 2 and free
    d = decided(s, verdict)
    assert width_two.main_rule(d.rules) == rule


def test_the_c7_example_keeps_two_nodes_and_one_free_entry_and_is_closed():
    # docs/theory.md §3 C7: nodes rows {1,2} and {0,1}, both on columns {1,2}, entry (2,2) free.
    s = support("001,011,011/001,011,110")
    assert width_two.two_node_core(s) == ([(0b110, 0b110), (0b011, 0b110)], [(2, 2)])
    d = decided(s, "closed")
    assert width_two.main_rule(d.rules) == "C7"


def test_the_w4_block_step_example_is_not_closed_with_the_anti_diagonal_limit():
    s = support("001,110,111/011,111,111")
    assert width_two.two_node_core(s) == ([(0b111, 0b011), (0b111, 0b111)], [(1, 2), (2, 2)])
    d = decided(s, "not_closed")
    assert "W4" in d.rules and "block" in d.rules
    assert d.limit == {"shape": [3, 3], "nonzeros": [[0, 2, "1"], [1, 1, "1"], [2, 0, "1"]]}


def test_an_exclusive_row_and_column_survive_a_free_corner():
    # Nodes a = {0,1} x {0,1}, b = {1,2} x {1,2}, (0,0) free. M = e12 + e21 is a
    # limit (b = (1/t, 1) x (1, t) on rows 1, 2 and columns 1, 2, a cancels
    # b's 1/t at (1,1) with zero (0,1), (1,0)), not a product: b's rank-one
    # block needs M12 * M21 = M22 * (b's (1,1) entry) = 0.
    s = support("110,011,100/101,110,010")
    assert width_two.two_node_core(s) == ([(0b011, 0b011), (0b110, 0b110)], [(0, 0)])
    d = decided(s, "not_closed")
    assert d.limit == {"shape": [3, 3], "nonzeros": [[1, 2, "1"], [2, 1, "1"]]}


def test_twins_on_a_2x2_block_with_a_free_entry_collapse_and_are_closed():
    # Two units on the same 2 x 2 block: R4 absorbs them (rank 2 = every 2 x 2
    # matrix), so no two-node core is left and every matrix is a product.
    s = support("11,11,10/101,111")
    assert width_two.two_node_core(s) is None
    decided(s, "closed")


@pytest.mark.parametrize("text", ["001,011,011/001,011,110", "110,011,100/101,110,010"])
def test_tampered_certificates_are_rejected(text):
    d = decided(support(text))
    flipped = json.loads(certificate.dumps(d.certificate))
    flipped["claim"] = "not_closed" if d.verdict == "closed" else "closed"
    v = check_certificate(flipped)
    assert not v.accepted and "does not prove" in v.message, v.message
    if d.verdict == "not_closed":
        moved = copy.deepcopy(d.certificate)
        moved["proof"]["limit"]["nonzeros"][0][2] = "2"
        v = check_certificate(json.loads(certificate.dumps(moved)))
        assert not v.accepted and "is stated as 2 but the curve tends to 1" in v.message, v.message
