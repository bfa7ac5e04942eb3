"""Scaling of decide, certificate size and checking with the support size;
writes its section of docs/benchmarks.md and the plot docs/scaling.png.

usage: python bench/scaling.py [--quick] [--max-run SECONDS] [--budget SECONDS]
                               [--repeat N] [--no-plot]

For each family (butterfly, Monarch, dense, LU, block-diagonal, random
two-factor supports at densities 0.1-0.5) it decides growing supports, one
fresh process per size (so a slow run can be stopped), and records: the
engine's decide time (no checker replay), the certificate's size, and the
checker's time on the certificate file (reading and parsing included); runs shorter than a second are
repeated (up to 5 in all) and the best time kept.  A family stops growing when
the next size is predicted (from the last two) to take longer than
--max-run seconds (default 60), and the whole run stops starting new sizes
after --budget seconds (default 540).  --quick: small sizes, 5 s per run,
90 s in all.  Growth: time per non-zero at each size, its ratio largest /
smallest, and the log-log slope (least squares) of time against non-zeros.
Target (issue 6): `certify decide butterfly:4096 -o` and `certify check` each
under 10 s as whole commands, and time per non-zero of butterfly and Monarch
within 2x from the smallest to the largest size measured.
"""

import json
import math
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from core import timed  # noqa: E402  (bench/core.py: a whole command, timed)
from docsection import write_section  # noqa: E402

PLOT = ROOT / "docs" / "scaling.png"


def _random(density):
    return lambda n: f"random:{n},{n},{n}:{density}:0"


# (family, spec of size parameter n, sizes, quick sizes)
FAMILIES = [
    ("butterfly", lambda n: f"butterfly:{n}", [16, 64, 256, 1024, 2048, 4096], [16, 64, 256]),
    ("monarch", lambda n: f"monarch:{n * n}:{n}", [4, 8, 16, 32, 64, 90], [4, 8, 16]),
    ("dense", lambda n: f"dense:{n},{n},{n}", [8, 16, 32, 64, 128, 256, 512], [8, 16, 32]),
    ("lu", lambda n: f"lu:{n}", [8, 16, 32, 64, 128, 256, 384], [8, 16, 32]),
    ("blockdiag", lambda n: f"blockdiag:{n}:{n // 4}:3", [16, 64, 256, 1024, 4096], [16, 64, 256]),
] + [(f"random {d}", _random(d), [8, 16, 32, 64, 128, 256, 512], [8, 16])
     for d in ("0.1", "0.2", "0.3", "0.4", "0.5")]
# monarch:n^2:n (b = m = n): the square Monarch shape.  90^2 = 8100.


def one(spec: str) -> dict:
    """Run in a fresh process: decide, serialise, check; times without start-up."""
    from certify import certificate as cert
    from certify.checker import check_certificate, check_file
    from certify.engine import decide
    from certify.patterns import build_pattern

    for warm in ("lu:3", "dense:2,2,2"):      # lazy imports and first-call costs, not timed
        check_certificate(json.loads(cert.dumps(decide(build_pattern(warm), self_check=False).certificate)))
    support = build_pattern(spec)
    decide_s = check_s = math.inf
    spent, runs = 0.0, 0
    while runs < 1 or (spent < 1.0 and runs < 5):     # short runs: best of several
        t = time.perf_counter()
        d = decide(support, self_check=False)
        decide_s = min(decide_s, time.perf_counter() - t)
        text = cert.dumps(d.certificate)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.json")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            t = time.perf_counter()
            verdict = check_file(path)
            check_s = min(check_s, time.perf_counter() - t)
        if not verdict.accepted:
            raise SystemExit(f"{spec}: the checker rejected the certificate: {verdict.message}")
        spent, runs = spent + decide_s + check_s, runs + 1
    return {"spec": spec, "nonzeros": int(sum(int(m.sum()) for m in support.masks)),
            "verdict": d.verdict, "decide": decide_s, "check": check_s,
            "bytes": len(text.encode("utf-8"))}


def run_one(spec: str, timeout: float) -> dict | None:
    try:
        r = subprocess.run([sys.executable, __file__, "--one", spec], capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        raise SystemExit(f"{spec} failed ({r.returncode}): {r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def slope(rows, key) -> float:
    """Least-squares slope of log(time) against log(non-zeros)."""
    xs = [math.log(r["nonzeros"]) for r in rows]
    ys = [math.log(max(r[key], 1e-6)) for r in rows]
    if len(rows) < 2 or max(xs) == min(xs):
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def per_nnz(r, key) -> float:
    return r[key] / r["nonzeros"] * 1e6      # microseconds per non-zero


def whole_commands(spec: str, repeat: int) -> tuple[float, float, int]:
    """Median wall-clock of `certify decide SPEC -o` and `certify check` (fresh processes)."""
    certify = [sys.executable, "-m", "certify"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.json")
        decide = statistics.median(timed(certify + ["decide", spec, "-o", path])
                                   for _ in range(repeat))
        check = statistics.median(timed(certify + ["check", path]) for _ in range(repeat))
        return decide, check, os.path.getsize(path)


def plot(results: dict) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (pip install -e '.[plot]'): no plot")
        return False
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for family, rows in results.items():
        if not rows:
            continue
        x = [r["nonzeros"] for r in rows]
        axes[0].loglog(x, [r["decide"] for r in rows], "o-", label=family)
        axes[1].loglog(x, [r["check"] for r in rows], "o-", label=family)
        axes[2].loglog(x, [r["bytes"] for r in rows], "o-", label=family)
    for ax, title in zip(axes, ("decide (s, engine only)", "check (s)", "certificate (bytes)")):
        ax.set_xlabel("non-zeros of the support")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    tmp = PLOT.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=90)
    os.replace(tmp, PLOT)
    return True


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        print(json.dumps(one(args[1])))
        return
    quick = "--quick" in args

    def option(name, default):
        return float(args[args.index(name) + 1]) if name in args else default

    max_run = option("--max-run", 5.0 if quick else 60.0)
    budget = option("--budget", 90.0 if quick else 540.0)
    repeat = int(option("--repeat", 1 if quick else 3))
    start = time.perf_counter()
    results: dict[str, list[dict]] = {}
    stopped: dict[str, str] = {}
    for family, spec_of, sizes, quick_sizes in FAMILIES:
        rows = results.setdefault(family, [])
        for n in (quick_sizes if quick else sizes):
            spec = spec_of(n)
            if time.perf_counter() - start > budget:
                stopped[family] = f"budget spent before {spec}"
                break
            if len(rows) >= 2:
                # Predict from the growth seen so far (at least linear).
                a, b = rows[-2], rows[-1]
                grow = max(1.0, math.log(max(b["decide"] + b["check"], 1e-3) /
                                         max(a["decide"] + a["check"], 1e-3)) /
                           math.log(b["nonzeros"] / a["nonzeros"]))
                from certify.patterns import build_pattern
                nnz = sum(int(m.sum()) for m in build_pattern(spec).masks)
                guess = (b["decide"] + b["check"]) * (nnz / b["nonzeros"]) ** grow
                if guess > max_run:
                    stopped[family] = f"{spec} predicted to take {guess:.0f} s"
                    break
            r = run_one(spec, timeout=3 * max_run + 30)
            if r is None:
                stopped[family] = f"{spec} timed out"
                break
            rows.append(r)
            print(f"{spec:24s} {r['nonzeros']:9d} nnz  {r['verdict']:10s} decide {r['decide']:7.2f} s  "
                  f"check {r['check']:7.2f} s  {r['bytes']:11,d} bytes", flush=True)
    target = None if quick else whole_commands("butterfly:4096", repeat)
    plotted = plot(results)
    write_section("scaling.py", report(results, stopped, target, repeat, quick, max_run, budget,
                                       time.perf_counter() - start, plotted))
    print("wrote docs/benchmarks.md" + (" and docs/scaling.png" if plotted else ""))


def report(results, stopped, target, repeat, quick, max_run, budget, elapsed, plotted) -> list[str]:
    lines = [
        "## Scaling with the support size (`bench/scaling.py`)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        f"{' (quick run: small sizes only)' if quick else ''}. One fresh process per support; times "
        "exclude start-up (best of up to 5 runs below 1 s): **decide** is the engine alone (`decide(..., self_check=False)`), "
        "**check** the independent checker on the certificate file (`check_file`: reading and parsing included). "
        f"A family grows until the next size is predicted to exceed {max_run:.0f} s; the run "
        f"starts no new size after {budget:.0f} s (this one took {elapsed:.0f} s). "
        "Random supports are `random:n,n,n:density:0` (two factors); Monarch is `monarch:n²:n`, "
        "block-diagonal `blockdiag:n:n/4:3` (blocks of 4).",
        "",
        "| support | non-zeros | verdict | decide (s) | check (s) | certificate (bytes) "
        "| decide µs/nnz | check µs/nnz |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for family, rows in results.items():
        for r in rows:
            lines.append(f"| `{r['spec']}` | {r['nonzeros']:,} | {r['verdict'].replace('_', ' ')} | "
                         f"{r['decide']:.3f} | {r['check']:.3f} | {r['bytes']:,} | "
                         f"{per_nnz(r, 'decide'):.1f} | {per_nnz(r, 'check'):.1f} |")
    lines += [
        "",
        "Growth per family: log-log slope of time against non-zeros (1 = linear); time per "
        "non-zero at the largest size divided by that at the smallest size (*last/first*) and "
        "by the lowest over all sizes (*last/best*: small sizes carry fixed costs, so this is "
        "the stricter measure).",
        "",
        "| family | sizes | non-zeros | decide slope | check slope | bytes slope "
        "| decide µs/nnz last/first | last/best | check µs/nnz last/first | last/best "
        "| stopped because |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for family, rows in results.items():
        if not rows:
            continue
        lo, hi = rows[0], rows[-1]
        lines.append(
            f"| {family} | {len(rows)} | {lo['nonzeros']:,} - {hi['nonzeros']:,} | "
            f"{slope(rows, 'decide'):.2f} | {slope(rows, 'check'):.2f} | {slope(rows, 'bytes'):.2f} | "
            f"{per_nnz(hi, 'decide') / per_nnz(lo, 'decide'):.2f} | "
            f"{per_nnz(hi, 'decide') / min(per_nnz(r, 'decide') for r in rows):.2f} | "
            f"{per_nnz(hi, 'check') / per_nnz(lo, 'check'):.2f} | "
            f"{per_nnz(hi, 'check') / min(per_nnz(r, 'check') for r in rows):.2f} | "
            f"{stopped.get(family, 'all sizes run')} |")
    checks = []
    for family in ("butterfly", "monarch"):
        rows = results.get(family, [])
        if len(rows) >= 2:
            ratio = max(per_nnz(rows[-1], k) / per_nnz(rows[0], k) for k in ("decide", "check"))
            best = max(per_nnz(rows[-1], k) / min(per_nnz(r, k) for r in rows) for k in ("decide", "check"))
            checks.append(f"{family} {rows[0]['spec']} -> {rows[-1]['spec']}: time per non-zero "
                          f"x{ratio:.2f} at most ({'met' if ratio <= 2 else 'NOT met'}); against "
                          f"the fastest size x{best:.2f}")
    lines += ["", "Targets (issue 6): " + "; ".join(checks) + "."]
    if target is not None:
        d, c, size = target
        lines[-1] += (f" Whole commands (fresh process, median of {repeat}): `certify decide "
                      f"butterfly:4096 -o` **{d:.2f} s** (with the checker's replay), `certify check` "
                      f"**{c:.2f} s**, certificate {size:,} bytes "
                      f"({'met' if max(d, c) < 10 else 'NOT met'}: under 10 s each).")
    lines += [
        "",
        "Where the time went (cProfile; figures from before the changes, same machine, loaded): "
        "on closed structured supports the C3 check dominated. The engine grouped twins by "
        "sorting dense row keys (`np.unique(axis=0)`) and wrote one dense rectangle per twin class "
        "into an outputs x inputs matrix, Θ(n²) per split with large constants, with several "
        "more full passes over each n x n mask (`np.nonzero`, `packbits` of the transpose); "
        "butterfly:4096 was refused (mask-entry limit 50,000,000), and with the limit raised it "
        "took 17.7 s in C3 alone. The checker recomputed reachability from the inputs for every "
        "split of the proof tree (Θ(L² · edges)). Now: twins are grouped by hashing their "
        "neighbour lists, reachability is kept as bit-packed 64-bit rows merged per layer, "
        "rectangle disjointness is one popcount comparison per output row, each mask's "
        "non-zeros are taken once, the checker keeps its reachability sets across nested "
        "splits, and both pause Python's cyclic garbage collector (its full passes over "
        "millions of acyclic lists cost a third to a half of the time on the largest "
        "certificates). Certificate writing built a one-line JSON form of every list just to "
        "measure it; long lists now skip that. On random supports that end unknown, the W2 "
        "search's matrix products for every node pair dominated (random:128,128,128:0.5: 12.5 "
        "of 15 s); pairs that cannot match are now skipped first (1.8 s). What remains: linear "
        "work in the non-zeros (encoding, JSON, the checker's pure-Python replay), one pass "
        "over each dense mask (masks are stored densely: n² entries per layer), and for unknown "
        "random supports the W2/W3 searches, which grow faster than the non-zeros (pairs of "
        "hidden nodes, a fixed budget of candidate limits).",
    ]
    if plotted:
        lines += ["", "![scaling](scaling.png)"]
    return lines


if __name__ == "__main__":
    main()
