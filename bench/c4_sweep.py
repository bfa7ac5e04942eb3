"""Random sweep: unknown counts without and with C4/C6 (issue 8).

Random two-factor supports (fixed seeds; widths 3..6, densities 0.4..0.7),
each decided twice with all rules: once with C4/C6 switched off (the engine
as it was before them) and once as shipped.  Every certificate is replayed
by the checker.  Verdicts decided both times must agree.

usage: python bench/c4_sweep.py [--count 400] [--jobs N] [--no-doc]
"""

from __future__ import annotations

import argparse
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


def masks_for(k: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1000 + k)
    w = [int(x) for x in rng.integers(3, 7, size=3)]
    p = float(rng.choice([0.4, 0.5, 0.6, 0.7]))
    return [rng.random((b, a)) < p for a, b in zip(w, w[1:])]


def run_one(args):
    k, with_c4 = args
    import certify.constant_rank as cr
    from certify.engine import decide
    from certify.support import from_masks
    if not with_c4:
        cr._prove_c4 = lambda state, comp: None      # the engine before C4/C6
        cr._CACHE.clear()
    d = decide(from_masks(masks_for(k)))
    used = "C6" if "C6" in d.rules else "C4" if "C4" in d.rules else ""
    return k, d.verdict, used, d.internal_error


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    out = {}
    for with_c4 in (False, True):
        # A fresh pool per pass: the "off" switch must not leak into the "on" pass.
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            for k, verdict, used, err in pool.imap_unordered(run_one, [(k, with_c4) for k in range(args.count)],
                                                             chunksize=8):
                out[(k, with_c4)] = (verdict, used, err)
    elapsed = time.perf_counter() - t0
    errors = [k for k, v in out.items() if v[2]]
    assert not errors, f"checker rejected engine certificates: {errors[:5]}"
    before = Counter(out[(k, False)][0] for k in range(args.count))
    after = Counter(out[(k, True)][0] for k in range(args.count))
    flips = [k for k in range(args.count) if out[(k, False)][0] != "unknown" and out[(k, False)][0] != out[(k, True)][0]]
    assert not flips, f"verdicts changed: {flips[:5]}"
    by = Counter(out[(k, True)][1] for k in range(args.count) if out[(k, False)][0] == "unknown"
                 and out[(k, True)][0] == "closed")
    print(f"before {dict(before)} after {dict(after)} by {dict(by)} {elapsed:.0f} s", file=sys.stderr)
    if args.no_doc:
        return
    lines = ["## Random sweep: C4 and C6 (`bench/c4_sweep.py`)", "",
             f"{args.count} random two-factor supports (fixed seeds; widths 3 to 6, densities 0.4 to 0.7), "
             f"each decided with all rules, first with C4/C6 switched off, then as shipped ({elapsed:.0f} s "
             f"on {args.jobs} processes, every certificate replayed by the checker).", "",
             "| rules | closed | not closed | unknown |", "| --- | ---: | ---: | ---: |",
             f"| without C4/C6 | {before['closed']} | {before['not_closed']} | {before['unknown']} |",
             f"| with C4/C6 | {after['closed']} | {after['not_closed']} | {after['unknown']} |", "",
             f"Newly closed: {by.get('C4', 0)} by C4, {by.get('C6', 0)} by C6. No verdict decided without "
             "them changed.", ""]
    write_section("c4_sweep.py", lines)


if __name__ == "__main__":
    main()
