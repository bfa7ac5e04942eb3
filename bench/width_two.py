"""Width two, exhaustively (issue 8): every pair of rank-one nodes.

Every two-factor support with two hidden units and N0, N2 <= 4 is given by
the two rectangles R1 x C1, R2 x C2 (the units' out- and in-sets), up to
permutations of rows and columns and swapping the units.  Each is decided
(every certificate replayed by the checker); those whose reduced core keeps
exactly two rank-one nodes are tallied, and where the core has no free entry
the verdict is compared with THEORY.md's width-two classification:
not closed iff the rectangles overlap and (W1) one has an exclusive row and
an exclusive column, or (W2) they share >= 2 rows and each has a column the
other lacks, or the transpose.

usage: python bench/width_two.py [--max 4] [--jobs N] [--no-doc]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import pathlib
import sys
import time
from collections import Counter

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from docsection import write_section  # noqa: E402


def rectangle_pairs(n: int):
    """Canonical (rows1, cols1, rows2, cols2) bitmasks on n x n.  Up to
    permutations a pair is fixed by how many rows lie in R1 only, R2 only and
    both (the same for columns); swapping the units swaps the first two."""
    counts = [(a, b, c) for a in range(n + 1) for b in range(n + 1) for c in range(n + 1)
              if a + b + c <= n and a + c and b + c]
    seen = set()
    for rows, cols in itertools.product(counts, repeat=2):
        swapped = ((rows[1], rows[0], rows[2]), (cols[1], cols[0], cols[2]))
        key = min((rows, cols), swapped)
        if key in seen:
            continue
        seen.add(key)
        masks = []
        for a, b, c in (rows, cols):
            only1, only2, both = (1 << a) - 1, ((1 << b) - 1) << a, ((1 << c) - 1) << (a + b)
            masks.append((only1 | both, only2 | both))
        (r1, r2), (c1, c2) = masks
        yield r1, c1, r2, c2


def expected(r1, c1, r2, c2) -> str:
    """THEORY.md §3, width two, on two rectangles (bitmasks)."""
    if not (r1 & r2 and c1 & c2):
        return "closed"
    w1 = (r1 & ~r2 and c1 & ~c2) or (r2 & ~r1 and c2 & ~c1)
    w2 = bin(r1 & r2).count("1") >= 2 and c1 & ~c2 and c2 & ~c1
    w2t = bin(c1 & c2).count("1") >= 2 and r1 & ~r2 and r2 & ~r1
    return "not_closed" if (w1 or w2 or w2t) else "closed"


def run_one(args):
    n, (r1, c1, r2, c2) = args
    from certify.chains import Chain
    from certify.engine import decide
    from certify.reductions import State, reduce
    from certify.support import from_masks
    bits = lambda m: [bool(m >> k & 1) for k in range(n)]   # noqa: E731
    W1 = np.array([bits(c1), bits(c2)], dtype=bool)          # hidden x inputs
    W2 = np.array([bits(r1), bits(r2)], dtype=bool).T        # outputs x hidden
    s = from_masks([W1, W2])
    red = reduce(State.from_chain(Chain.from_support(s)))
    st = red.final
    hidden = [v for comp in red.components for v in comp if st.is_hidden(v)]
    core = None
    if len(hidden) == 2 and len(red.components) == 1:
        g = st.graph
        rect = []
        for h in sorted(hidden):
            rect.append((sum(1 << q[1] for q in g.successors(h)), sum(1 << p[1] for p in g.predecessors(h))))
        core = ("free" if st.dont_care else "plain", rect)
    d = decide(s)
    return (r1, c1, r2, c2), d.verdict, d.rules, d.internal_error, core


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    work = [(args.max, p) for p in rectangle_pairs(args.max)]
    print(f"{len(work)} canonical rectangle pairs", file=sys.stderr)
    tally, rules, mismatch, errors, open_ = Counter(), Counter(), [], [], []
    with multiprocessing.Pool(args.jobs) as pool:
        for k, (pair, verdict, used, err, core) in enumerate(
                pool.imap_unordered(run_one, work, chunksize=16)):
            if err:
                errors.append(pair)
            if core is None:
                continue
            kind, rect = core
            tally[(kind, verdict)] += 1
            if verdict != "unknown":
                rules[(verdict, [r for r in used if r[0] in "CW"][0])] += 1
            else:
                open_.append((pair, rect, kind))
            if kind == "plain" and verdict != expected(rect[0][0], rect[0][1], rect[1][0], rect[1][1]):
                mismatch.append((pair, verdict))
            if (k + 1) % 500 == 0:
                print(f"\r{k + 1}/{len(work)}", end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    print(f"\n{dict(tally)}; mismatches {len(mismatch)}; errors {len(errors)}; {elapsed:.0f} s", file=sys.stderr)
    assert not errors, f"checker rejected engine certificates: {errors[:5]}"
    assert not mismatch or all(v == "unknown" for _, v in mismatch), f"verdict against theory: {mismatch[:5]}"
    if args.no_doc:
        return
    fmt = lambda m: "{" + ",".join(str(k) for k in range(args.max) if m >> k & 1) + "}"   # noqa: E731
    lines = ["## Width two, exhaustively (`bench/width_two.py`)", "",
             f"Every two-factor support with two hidden units and `N0, N2 <= {args.max}`, given by its two "
             f"rectangles up to permutations and swapping the units: {len(work)} canonical supports, "
             f"decided in {elapsed:.0f} s on {args.jobs} processes, every certificate replayed by the checker. "
             "Those whose reduced core keeps exactly two rank-one nodes (no R2/R4 collapse):", "",
             "| core | closed | not closed | unknown |", "| --- | ---: | ---: | ---: |"]
    for kind, name in (("plain", "no free entry"), ("free", "with free entries (R5)")):
        lines.append(f"| {name} | {tally[(kind, 'closed')]} | {tally[(kind, 'not_closed')]} | "
                     f"{tally[(kind, 'unknown')]} |")
    lines += ["", "Main rule per verdict: " + ", ".join(f"{v} by {r}: {n}" for (v, r), n in sorted(rules.items()))
              + ".", "",
              ("Every verdict agrees with THEORY.md's width-two classification." if not mismatch else
               f"{len(mismatch)} cores are `unknown`; every decided verdict agrees with THEORY.md's "
               "width-two classification."),
              "With two hidden units no free entry can arise (R5 needs a collapsed unit); cores with two "
              "rank-one nodes and free entries come from three or more units: see the exhaustive section.", ""]
    lines += ["Effect of C4 and C6 on the exhaustive study (`bench/exhaustive.py`, `N0, N1, N2 <= 3`), "
              "measured when they were added: unknown two-factor supports **135 before, 118 with C4, 78 "
              "with C4 and C6** (all supports: 140, 123, 83). The 57 newly closed supports: C4 closes 15 "
              "(the 12 nested-across cores without free entries, THEORY's width two case (b), and 3 "
              "two-node cores with free entries), C6 closes 42 (28 two-node cores with free entries, 14 "
              "three-node cores). No verdict changed between closed and not closed, and on the 651 "
              "non-closed two-factor supports C4/C6 never proves the component that carries the witness "
              "(`tests/test_constant_rank.py` checks a sample). The remaining unknowns are listed with their "
              "reasons in the exhaustive section: two rank-one nodes with free entries (R5 after a third "
              "unit collapsed) or three overlapping rank-one nodes, where the fibre rank drops in every "
              "orientation and no fibre is onto, and 5 deep three-factor cores.", ""]
    if open_:
        lines += [f"Undecided cores ({len(open_)}; rectangles of the reduced core as rows x columns, "
                  "with free entries where marked). C4 does not apply to them: in every orientation "
                  "the rank of the linear fibre drops somewhere (the free entries let the union of "
                  "fibres be larger than any one fibre), and no witness rule matches:", "", "```"]
        lines += sorted(f"{fmt(a)}x{fmt(b)} + {fmt(c)}x{fmt(d)}  [{kind}]" for _, ((a, b), (c, d)), kind in open_)
        lines += ["```"]
    write_section("width_two.py", lines)


if __name__ == "__main__":
    main()
