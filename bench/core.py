"""Benchmark of the core commands; writes its section of docs/benchmarks.md.

usage: python bench/core.py [--repeat N]

Times whole commands as a user runs them (a fresh process each, so start-up
is included), median of N runs, all in one run of this script so the ratios
compare like with like.  Target (issue 2): `certify decide butterfly:1024 -o`
and `certify check` on its certificate, each under 5 s on the 2-core machine.
"""

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
from docsection import write_section  # noqa: E402
CERTIFY = [sys.executable, "-m", "certify"]
SPECS = ["lu:8", "dense:4,6,3,5", "monarch:64:8", "butterfly:256", "butterfly:1024"]


def timed(cmd) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr}")
    return elapsed


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline = statistics.median(timed([sys.executable, "-c", "import certify.cli"])
                                     for _ in range(repeat))
        for spec in SPECS:
            cert = os.path.join(tmp, "c.json")
            decide = statistics.median(timed(CERTIFY + ["decide", spec, "-o", cert]) for _ in range(repeat))
            check = statistics.median(timed(CERTIFY + ["check", cert]) for _ in range(repeat))
            size = os.path.getsize(cert)
            rows.append((spec, decide, check, size))
            print(f"{spec:16s} decide {decide:6.2f} s  check {check:6.2f} s  {size} bytes", flush=True)
    big = next(r for r in rows if r[0] == "butterfly:1024")
    lines = [
        "## Core commands (`bench/core.py`)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Wall-clock time of each whole command (fresh process), median of {repeat} runs. "
        f"Python start-up plus importing the CLI alone takes {baseline:.2f} s.",
        "",
        "| support | `certify decide -o` (s) | `certify check` (s) | certificate (bytes) |",
        "| --- | ---: | ---: | ---: |",
    ] + [f"| `{s}` | {d:.2f} | {c:.2f} | {n:,} |" for s, d, c, n in rows] + [
        "",
        f"Target: `butterfly:1024` decide (with certificate writing and the built-in replay by "
        f"the checker) and check each under 5 s: **{big[1]:.2f} s** and **{big[2]:.2f} s** "
        f"({'met' if max(big[1], big[2]) < 5 else 'NOT met'}). `decide` includes one full "
        f"replay by the checker, so decide minus check is roughly the engine's own time.",
    ]
    write_section("core.py", lines)
    print("wrote docs/benchmarks.md")


if __name__ == "__main__":
    main()
