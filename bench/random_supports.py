"""How likely is a random support to be closed?  (Question 3.2 of Le,
Riccietti, Gribonval 2023; issue 6.)  Writes its section of docs/benchmarks.md
and docs/random_supports.png.

usage: python bench/random_supports.py [--samples N] [--big N] [--workers K] [--keep DIR] [--no-doc]

1. The acceptance sweep: `certify sweep 8,8,8 0.3 -n 2000 --workers 2` as a
   user runs it (a fresh process, timed whole); target under 10 minutes on
   2 cores with every certificate replayed by the checker.
2. A table over widths 4,4,4 / 6,6,6 / 8,8,8 and densities 0.1 .. 0.5
   (N samples each, seeds 0..N-1): fractions closed / not closed / unknown
   with 95 % Wilson score intervals, and a plot of them.

Results files go to a temporary folder (or --keep DIR, which makes a rerun
resume the table instead of recomputing it; the acceptance sweep is always
run afresh so its time is real).  Needs matplotlib for the plot (the `plot`
extra).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from docsection import write_section  # noqa: E402

from certify.sweep import VERDICTS, sweep  # noqa: E402

WIDTHS = ["4,4,4", "6,6,6", "8,8,8"]
DENSITIES = ["0.1", "0.2", "0.3", "0.4", "0.5"]
PLOT = ROOT / "docs" / "random_supports.png"
LABEL = {"closed": "closed", "not_closed": "not closed", "unknown": "unknown"}


def pct(x: float) -> str:
    return f"{100 * x:.1f}"


def cell(summary: dict, verdict: str) -> str:
    v = summary["verdicts"][verdict]
    lo, hi = v["ci95"]
    return f"{pct(v['fraction'])} [{pct(lo)}, {pct(hi)}]"


def acceptance(n: int, workers: int, folder: str) -> tuple[dict, float, Counter, tuple, tuple]:
    out = os.path.join(folder, "acceptance.jsonl")
    if os.path.exists(out):
        os.remove(out)
    cmd = [sys.executable, "-m", "certify", "sweep", "8,8,8", "0.3", "-n", str(n),
           "--workers", str(workers), "--out", out, "--json"]
    load_before = os.getloadavg()
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)   # progress shows on stderr
    wall = time.perf_counter() - t
    load_after = os.getloadavg()
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode})")
    summary = json.loads(r.stdout)
    rules = Counter()
    with open(out) as fh:
        for line in fh:
            rec = json.loads(line)
            if not rec["checked"]:
                raise SystemExit(f"{rec['pattern']}: certificate not checked: {rec['error']}")
            rules[(rec["verdict"], rec["rule"])] += 1
    return summary, wall, rules, load_before, load_after


def plot(table: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from certify.certificate import write_atomic_bytes
    import io

    fig, axes = plt.subplots(1, len(WIDTHS), figsize=(4.2 * len(WIDTHS), 3.6), sharey=True)
    xs = [float(d) for d in DENSITIES]
    for ax, w in zip(axes, WIDTHS):
        for verdict, colour in zip(VERDICTS, ("tab:green", "tab:red", "tab:gray")):
            ys, lo, hi = [], [], []
            for d in DENSITIES:
                v = table[w, d]["verdicts"][verdict]
                ys.append(v["fraction"])
                lo.append(v["fraction"] - v["ci95"][0])
                hi.append(v["ci95"][1] - v["fraction"])
            ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, color=colour, label=LABEL[verdict])
        ax.set_title(f"random:{w}:density")
        ax.set_xlabel("density")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction of samples (95% Wilson CI)")
    axes[0].legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    write_atomic_bytes(str(PLOT), buf.getvalue())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=300, help="samples per table cell (default 300)")
    ap.add_argument("--big", type=int, default=2000, help="samples of the acceptance sweep (default 2000)")
    ap.add_argument("--workers", type=int, default=2, help="processes (default 2, the target machine)")
    ap.add_argument("--keep", metavar="DIR", help="keep the results files here (a rerun resumes the table)")
    ap.add_argument("--no-doc", action="store_true", help="print only; leave docs/ alone")
    args = ap.parse_args()
    tmp = None
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        folder = args.keep
    else:
        tmp = tempfile.TemporaryDirectory()
        folder = tmp.name

    print(f"acceptance: certify sweep 8,8,8 0.3 -n {args.big} --workers {args.workers}", flush=True)
    big, wall, rules, load0, load1 = acceptance(args.big, args.workers, folder)
    unk = big["verdicts"]["unknown"]
    print(f"  {wall:.1f} s; unknown {unk['count']} = {pct(unk['fraction'])}% "
          f"[{pct(unk['ci95'][0])}, {pct(unk['ci95'][1])}]; load {load0[0]:.2f} -> {load1[0]:.2f}",
          flush=True)

    table = {}
    t0 = time.perf_counter()
    for w in WIDTHS:
        for d in DENSITIES:
            t = time.perf_counter()
            s, _ = sweep(w, d, args.samples, workers=args.workers, quiet=True,
                         out=os.path.join(folder, "table.jsonl"))
            if s.errors:
                raise SystemExit(f"random:{w}:{d}: {len(s.errors)} certificate(s) rejected: {s.errors[0]}")
            table[w, d] = dict(s.to_json(), seconds=time.perf_counter() - t,
                               empty=sum(s.empty_layer.values()))
            print(f"  {w} {d}: " + ", ".join(f"{v} {s.counts.get(v, 0)}" for v in VERDICTS) +
                  f" ({table[w, d]['seconds']:.1f} s)", flush=True)
    table_wall = time.perf_counter() - t0
    if args.no_doc:
        return
    plot(table)

    n = big["done"]
    rule_text = "; ".join(
        f"{LABEL[v]}: " + ", ".join(f"{r} {k}" for (vv, r), k in sorted(rules.items(), key=lambda x: -x[1])
                                    if vv == v)
        for v in VERDICTS if any(vv == v for vv, _ in rules))
    lines = [
        "## Random supports: how often is L_I closed? (`bench/random_supports.py`)",
        "",
        "Question 3.2 of the paper asks how likely a random support is to give a non-closed "
        "product set. Sample `k` is the catalogue pattern `random:WIDTHS:DENSITY:k` (every mask "
        "entry is 1 with probability DENSITY, independently; `certify decide random:8,8,8:0.3:17` "
        "rebuilds any one of them), decided by `certify sweep`. Every verdict's certificate, "
        "including the reduction report of an `unknown`, was replayed by the independent checker "
        "and named the sample's support (SHA-256); no certificate was rejected. Intervals are "
        "95 % Wilson score intervals, in percent. An `unknown` sample is undecided, so the "
        "probability of a closed product set lies between the closed fraction and the closed "
        "plus unknown fractions (up to sampling error).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"shared with other jobs (load average {load0[0]:.2f} at the start of the acceptance "
        f"sweep, {load1[0]:.2f} at its end).",
        "",
        f"### Acceptance: {n:,} samples of two-factor `8,8,8` at density 0.3",
        "",
        f"`certify sweep 8,8,8 0.3 -n {args.big} --workers {args.workers} --out FILE.jsonl`: "
        f"**{wall:.1f} s** wall-clock for the whole command on {args.workers} processes "
        f"(target under 600 s: {'met' if wall < 600 else 'NOT met'}); engine time summed over "
        f"samples {big['decide_s']:.1f} s, checker replays {big['check_s']:.1f} s.",
        "",
        "| verdict | samples | % | 95 % CI (%) |",
        "| --- | ---: | ---: | --- |",
    ] + [f"| {LABEL[v]} | {big['verdicts'][v]['count']} | {pct(big['verdicts'][v]['fraction'])} | "
         f"[{pct(big['verdicts'][v]['ci95'][0])}, {pct(big['verdicts'][v]['ci95'][1])}] |"
         for v in VERDICTS] + [
        "",
        f"**Unknown fraction: {pct(unk['fraction'])} %** (95 % CI [{pct(unk['ci95'][0])}, "
        f"{pct(unk['ci95'][1])}] %). Top-level rule of each certificate: {rule_text} "
        "(`reduce`: a closedness proof or, for `unknown`, the replayed reduction to the core; "
        "rule names in docs/theory.md).",
        "",
        f"### Widths and densities ({args.samples} samples per cell, seeds 0..{args.samples - 1})",
        "",
        f"All {len(WIDTHS) * len(DENSITIES)} cells in {table_wall:.0f} s on {args.workers} processes. "
        "Columns: percent of samples with each verdict [95 % CI]; samples with an all-zero mask "
        "(the product set is {0}: closed, and counted as closed).",
        "",
        "| widths | density | closed % | not closed % | unknown % | all-zero mask | time (s) |",
        "| --- | ---: | --- | --- | --- | ---: | ---: |",
    ] + [f"| `{w}` | {d} | {cell(table[w, d], 'closed')} | {cell(table[w, d], 'not_closed')} | "
         f"{cell(table[w, d], 'unknown')} | {table[w, d]['empty']} | {table[w, d]['seconds']:.1f} |"
         for w in WIDTHS for d in DENSITIES] + [
        "",
        "![fractions closed / not closed / unknown against density, with 95 % Wilson intervals]"
        "(random_supports.png)",
    ]
    write_section("random_supports.py", lines)
    print(f"wrote docs/benchmarks.md and {PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
