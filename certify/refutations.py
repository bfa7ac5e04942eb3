"""Refutations of ``A ∈ P`` on a reduced state (docs/theory.md §4).

The polynomial system of a state has one equation per observed coordinate
``(sink, source)``: the sum over paths ``source -> sink`` of the products of
the edge variables equals ``A`` there.  A propagation refutation is a list of
deductions; each names the earlier steps whose facts it uses (``uses``) and
may rely on those facts only:

* ``nonzero`` at an entry with target ≠ 0 and exactly one monomial without a
  known-zero variable: all its variables are non-zero;
* ``zero`` at an entry with target 0 and one such monomial whose other
  variables are known non-zero: ``var`` is zero (a contradiction if ``var``
  is known non-zero);
* ``contradiction`` at an entry with target ≠ 0 and no such monomial.

The last step is the contradiction and every other step is used by a later
one, so deleting or reordering steps breaks the references.
"""

from __future__ import annotations


def w1_refutation(node, i1, j1, i2, j2) -> list[dict]:
    """The W1 limit (1 at (i1,j1) and (i2,j2), 0 at (i2,j1)) is not in the set:
    u_i1 v_j1 = 1 makes v_j1 ≠ 0; u_i2 v_j1 = 0 then makes u_i2 = 0; so
    u_i2 v_j2 = 0 ≠ 1."""
    return [
        {"entry": (i1, j1), "rule": "nonzero", "uses": []},
        {"entry": (i2, j1), "rule": "zero", "var": (node, i2), "uses": [0]},
        {"entry": (i2, j2), "rule": "contradiction", "uses": [1]},
    ]
