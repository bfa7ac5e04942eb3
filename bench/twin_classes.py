"""Random supports with twin classes (issue 8, item 3): minor steps.

Random two-factor supports built from 1-3 rectangles (rows and columns kept
with probability 0.6 out of 2-5 inputs and outputs), each repeated 1-3 times
as twin hidden units (fixed seeds), so that twin classes of rank
1 < r < min(|P|, |Q|) are common.  Each is decided twice with all rules:
without the third witness search (W3/W4 with minor steps on twin classes
and single nodes, docs/theory.md §4 ``minor``, run after the closedness
proof search fails) and as shipped.  Every certificate is replayed
by the checker; a verdict decided without minor steps must not change.

usage: python bench/twin_classes.py [--count 600] [--jobs N] [--no-doc]
"""

from __future__ import annotations

import pathlib
import random
import sys
import time
from collections import Counter

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from docsection import write_section  # noqa: E402
from stages import arguments, run_stages  # noqa: E402

STAGES = ["without minor steps", "with minor steps (shipped)"]


def masks_for(k: int) -> list[np.ndarray]:
    rng = random.Random(5000 + k)
    n0, n2 = rng.randint(2, 5), rng.randint(2, 5)
    hidden = []
    for _ in range(rng.randint(1, 3)):
        cols = [j for j in range(n0) if rng.random() < 0.6] or [0]
        rows = [i for i in range(n2) if rng.random() < 0.6] or [0]
        hidden += [(cols, rows)] * rng.choice([1, 2, 2, 3])
    w1, w2 = np.zeros((len(hidden), n0), bool), np.zeros((n2, len(hidden)), bool)
    for h, (cols, rows) in enumerate(hidden):
        w1[h, cols] = True
        w2[rows, h] = True
    return [w1, w2]


def text(masks) -> str:
    return "/".join(",".join("".join(str(int(x)) for x in row) for row in m) for m in masks)


def run_one(args):
    k, stage = args
    import certify.witnesses as wi
    from certify.engine import decide
    from certify.support import from_masks
    if stage < 1:
        wi.SEARCHES["minors"] = ()      # the last witness search finds nothing
    t0 = time.perf_counter()
    d = decide(from_masks(masks_for(k)))
    minor = d.verdict == "not_closed" and any(s.get("rule") == "minor"
                                              for s in d.certificate["proof"]["refutation"].get("steps", []))
    return k, d.verdict, minor, time.perf_counter() - t0, d.internal_error


def main() -> None:
    args = arguments(600)
    t0 = time.perf_counter()
    out = run_stages(run_one, args.count, len(STAGES), args.jobs)
    elapsed = time.perf_counter() - t0
    errors = [k for k, v in out.items() if v[3]]
    assert not errors, f"checker rejected engine certificates: {errors[:5]}"
    counts = [Counter(out[(k, s)][0] for k in range(args.count)) for s in range(len(STAGES))]
    flips = [k for k in range(args.count) if out[(k, 0)][0] != "unknown" and out[(k, 0)][0] != out[(k, 1)][0]]
    assert not flips, f"verdicts changed: {flips[:5]}"
    new = [k for k in range(args.count) if out[(k, 0)][0] == "unknown" and out[(k, 1)][0] != "unknown"]
    with_minor = sum(1 for k in new if out[(k, 1)][1])
    left = [k for k in range(args.count) if out[(k, 1)][0] == "unknown"]
    unknown_secs = [[out[(k, s)][2] for k in left] for s in range(len(STAGES))]
    print(f"{[dict(c) for c in counts]} new {len(new)} ({with_minor} with a minor step) left {len(left)} {elapsed:.0f} s", file=sys.stderr)
    for k in left:
        print(f"  unknown: {text(masks_for(k))}", file=sys.stderr)
    if args.no_doc:
        return
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0   # noqa: E731
    lines = ["## Twin classes: minor steps (`bench/twin_classes.py`)", "",
             f"{args.count} random two-factor supports made of 1 to 3 rectangles, each repeated 1 to 3 times "
             "as twin hidden units (fixed seeds; 2 to 5 inputs and outputs), so twin classes of rank "
             "`1 < r < min(|P|, |Q|)` are common. Each is decided without and with the last witness search "
             f"(W3/W4 crosses whose refutations may use minor steps, run when no closedness proof is found; {elapsed:.0f} s for both runs on "
             f"{args.jobs} processes, every certificate replayed by the checker).", "",
             "| rules | closed | not closed | unknown |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {c['closed']} | {c['not_closed']} | {c['unknown']} |" for name, c in zip(STAGES, counts)]
    how = ("all with a minor step in the refutation" if with_minor == len(new) else
           f"{with_minor} of them with a minor step in the refutation (the others found by the search's own "
           "budget of candidate limits)")
    lines += ["", f"The {len(new)} newly decided supports are `not closed`, {how}; "
              "no verdict decided without it changed. "
              f"Mean time of the {len(left)} supports still unknown: {mean(unknown_secs[0]):.2f} s without the "
              f"last search, {mean(unknown_secs[1]):.2f} s with it (it runs after W1-W4 and the closed-side "
              "rules fail, on components with a twin class or a node on at least 2 × 2 entries, with its "
              "own budget of 5,000 candidate limits, at most 1,000 of them on a component without a twin "
              "class)."]
    if left:
        lines += ["", "Still unknown: " + ", ".join(f"`{text(masks_for(k))}`" for k in left[:12])
                  + (f" and {len(left) - 12} more" if len(left) > 12 else "") + "."]
    lines += [""]
    write_section("twin_classes.py", lines)


if __name__ == "__main__":
    main()
