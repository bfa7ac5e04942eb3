"""Exhaustive study of small supports (issue 4).

Every two-factor support with N0, N1, N2 <= 3 and every three-factor support
with all widths <= 2, each up to permutations of inputs, hidden units and
outputs; for each canonical support: the verdict, the rules, the time.  Every
certificate is replayed by the checker (decide's self-check).

usage: python bench/exhaustive.py [--rules core|all] [--jobs N] [--table FILE] [--no-doc]

Writes its section of docs/benchmarks.md and, with --table, the compact
verdict table pinned by tests/test_regression.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import pathlib
import sys
import time
from collections import Counter, defaultdict

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from unknown_reasons import reason  # noqa: E402
from docsection import write_section  # noqa: E402


def canonical(masks: list[np.ndarray]) -> tuple:
    """Canonical key of a chain up to permutations of every level.  Levels 0
    and L are canonised by sorting (their permutation acts on one mask only);
    hidden levels by trying every permutation."""
    hidden = [range(m.shape[0]) for m in masks[:-1]]
    best = None
    for perms in itertools.product(*(itertools.permutations(h) for h in hidden)):
        ms = [m.copy() for m in masks]
        for l, p in enumerate(perms):
            ms[l] = ms[l][list(p), :]
            ms[l + 1] = ms[l + 1][:, list(p)]
        first = ms[0][:, np.lexsort(ms[0][::-1])]          # sort input columns
        last = ms[-1][np.lexsort(ms[-1].T[::-1]), :]       # sort output rows
        ms[0], ms[-1] = first, last
        key = tuple((m.shape, m.astype(np.uint8).tobytes()) for m in ms)
        if best is None or key < best:
            best = key
    return best


def supports(widths: tuple[int, ...]):
    """All canonical supports with these widths (input first)."""
    shapes = [(b, a) for a, b in zip(widths, widths[1:])]
    sizes = [r * c for r, c in shapes]
    seen = set()
    for bits in range(2 ** sum(sizes)):
        masks, off = [], 0
        for (r, c), n in zip(shapes, sizes):
            chunk = (bits >> off) & ((1 << n) - 1)
            masks.append(np.array([(chunk >> k) & 1 for k in range(n)], dtype=bool).reshape(r, c))
            off += n
        key = canonical(masks)
        if key not in seen:
            seen.add(key)
            yield key


def key_masks(key) -> list[np.ndarray]:
    return [np.frombuffer(b, dtype=np.uint8).reshape(shape).astype(bool) for shape, b in key]


def key_text(key) -> str:
    """Compact text: masks as rows of bits, layers separated by '/'."""
    return "/".join(",".join("".join("1" if x else "0" for x in row) for row in m) for m in key_masks(key))


def decide_one(args):
    text, rules = args
    from certify.engine import decide
    from certify.support import from_masks
    masks = [np.array([[c == "1" for c in row] for row in layer.split(",")], dtype=bool)
             for layer in text.split("/")]
    t = time.perf_counter()
    d = decide(from_masks(masks), rules=rules)
    return text, d.verdict, d.rules, time.perf_counter() - t, d.internal_error


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", choices=("core", "all"), default="all")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--table", help="write the verdict table (JSON) here")
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    groups = [w for w in itertools.product((1, 2, 3), repeat=3)] + \
             [w for w in itertools.product((1, 2), repeat=4)]
    work = []
    for w in groups:
        for key in supports(w):
            work.append((w, key_text(key)))
    print(f"{len(work)} canonical supports in {len(groups)} width classes "
          f"(enumerated in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    def run(rules: str) -> dict:
        out = {}
        with multiprocessing.Pool(args.jobs) as pool:
            for text, verdict, used, secs, err in pool.imap_unordered(
                    decide_one, [(t, rules) for _, t in work], chunksize=8):
                out[text] = (verdict, used, secs, err)
                if len(out) % 100 == 0 or len(out) == len(work):
                    bar = "#" * int(40 * len(out) / len(work))
                    print(f"\r{rules:4s} [{bar:40s}] {len(out)}/{len(work)}", end="", file=sys.stderr,
                          flush=True)
        print(file=sys.stderr)
        return out

    baseline = run("core") if args.rules == "all" else None
    results = run(args.rules)
    elapsed = time.perf_counter() - t0
    errors = [t for r in (results, baseline or {}) for t, x in r.items() if x[3]]
    assert not errors, f"checker rejected engine certificates: {errors[:5]}"
    counts: dict = defaultdict(Counter)
    rules_used: Counter = Counter()
    for w, text in work:
        verdict, rules, _, _ = results[text]
        counts[w][verdict] += 1
        if verdict != "unknown":
            rules_used[(verdict, rules[0])] += 1
        if baseline and baseline[text][0] != "unknown":
            assert baseline[text][0] == verdict, f"rule sets disagree on {text}"
    unknown = sorted(text for _, text in work if results[text][0] == "unknown")
    two = [w for w in groups if len(w) == 3]
    tot = lambda ws: sum((counts[w] for w in ws), Counter())   # noqa: E731
    print(f"rules={args.rules}: {dict(tot(groups))}; unknown two-factor: {tot(two)['unknown']}; "
          f"{elapsed:.0f} s", file=sys.stderr)
    if args.table:
        table = {v: sorted(t for _, t in work if results[t][0] == v) for v in ("closed", "not_closed")}
        pathlib.Path(args.table).write_text(
            "{\n" + ",\n".join(f'"{v}": [\n' + ",\n".join(json.dumps(t) for t in ts) + "\n]"
                               for v, ts in table.items()) + "\n}\n")
    if args.no_doc:
        return
    slowest = max(results.items(), key=lambda kv: kv[1][2])
    lines = ["## Exhaustive study of small supports (`bench/exhaustive.py`)", "",
             f"Every two-factor support with `N0, N1, N2 <= 3` and every three-factor support with all "
             f"widths `<= 2`, up to permutations of each level: {len(work)} canonical supports, "
             f"decided with `python bench/exhaustive.py --rules {args.rules}` (the engine's rule set; "
             f"`certify decide` always uses all rules) on {args.jobs} processes in {elapsed:.0f} s "
             f"(slowest single support {slowest[1][2]:.2f} s). Every certificate was replayed by the "
             "checker.", "",
             "| widths | supports | closed | not closed | unknown |", "| --- | ---: | ---: | ---: | ---: |"]
    for w in groups:
        c = counts[w]
        lines.append(f"| {'-'.join(map(str, w))} | {sum(c.values())} | {c['closed']} | "
                     f"{c['not_closed']} | {c['unknown']} |")
    t2, t3 = tot(two), tot([w for w in groups if len(w) == 4])
    lines += [f"| **two-factor** | {sum(t2.values())} | {t2['closed']} | {t2['not_closed']} | "
              f"{t2['unknown']} |",
              f"| **three-factor** | {sum(t3.values())} | {t3['closed']} | {t3['not_closed']} | "
              f"{t3['unknown']} |", "",
              "Main rule per verdict: " + ", ".join(f"{v} by {r}: {n}" for (v, r), n in
                                                    sorted(rules_used.items())) + ".", ""]
    if baseline:
        base_two = sum(1 for w, t in work if len(w) == 3 and baseline[t][0] == "unknown")
        base_all = sum(1 for _, t in work if baseline[t][0] == "unknown")
        lines += [f"Unknown two-factor supports: **{base_two}** with the first rule set (`--rules core`: "
                  f"W1; C0-C3), **{t2['unknown']}** with all rules (W2, W3, W4, C5, C4, C6, C7 and C8 added); all supports: "
                  f"{base_all} and {tot(groups)['unknown']}. No support decided by both rule sets "
                  "gets different verdicts.", ""]
    lines += [
              f"Unknown canonical supports ({len(unknown)}; masks input side first, rows separated by "
              "`,`, layers by `/`), each with the reason no rule applies to its undecided reduced "
              "component (`bench/unknown_reasons.py`):", "", "```"] + [f"{t}  # {reason(t)}" for t in unknown] + ["```"]
    write_section("exhaustive.py", lines)


if __name__ == "__main__":
    main()
