"""``certify sweep``: how often is a random support closed?  (Question 3.2 of
Le, Riccietti, Gribonval 2023.)

Sample ``k`` of a sweep is the catalogue pattern ``random:WIDTHS:DENSITY:SEED``
with ``SEED = first_seed + k``, so every sample can be rebuilt from its name
(``certify decide random:8,8,8:0.3:17``).  Each sample is decided without the
engine's built-in replay and then replayed here by the independent checker,
timed separately; the certificate must be accepted, claim the engine's
verdict and name the sample's support (SHA-256), otherwise the sample is an
*error* (a bug in certify), reported loudly and counted on its own.

Results go to a JSON-lines file, one line per sample, appended and flushed
as each sample finishes, so a stopped sweep loses at most the samples in
flight; rerunning the same command skips the samples already in the file (a
truncated last line, left by a kill, is dropped first).  When a sweep is
complete the file is rewritten (atomically) in seed order, so an interrupted
and resumed sweep ends with the same lines as an uninterrupted one, times
aside.

Samples run on a process pool, or on a Dask distributed cluster through
``Client.get_executor()`` (same submit / as-completed loop).
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from fractions import Fraction

from .errors import InputError

VERDICTS = ("closed", "not_closed", "unknown")
Z95 = 1.959963984540054          # the 0.975 quantile of the standard normal law
MAX_SEED = 999_999_999            # the catalogue's seeds have at most 9 digits
MAX_SAMPLES = 1_000_000           # every record of a run is held in memory


def max_workers() -> int:
    """More local processes than this only costs memory (each is a Python)."""
    return max(64, 4 * (os.cpu_count() or 1))


# ---------------------------------------------------------------------------
# One sample
# ---------------------------------------------------------------------------

def pattern_name(widths: str, density: str, seed: int) -> str:
    return f"random:{widths}:{density}:{seed}"


def certificate_file(name: str) -> str:
    """File name for a sample's certificate: the pattern name with ':' -> '_'
    and a density's '/' -> 'over' (random:8,8,8:3/10:5 -> random_8,8,8_3over10_5.json)."""
    return name.replace(":", "_").replace("/", "over") + ".json"


def run_sample(task: tuple) -> dict:
    """Decide one sample and replay its certificate; a JSON-ready record.
    Runs in worker processes (or Dask workers): top level, picklable."""
    widths, density, seed, cert_dir = task
    from . import certificate as cert
    from .checker import check_certificate
    from .engine import decide
    from .patterns import build_pattern

    name = pattern_name(widths, density, seed)
    support = build_pattern(name)
    nonzeros = [int(m.sum()) for m in support.masks]
    rec = {"pattern": name, "seed": seed, "verdict": None, "rule": None, "rules": [],
           "nonzeros": nonzeros, "empty_layer": 0 in nonzeros, "checked": False,
           "decide_s": None, "check_s": None, "certificate": None, "error": None}
    t0 = time.perf_counter()
    try:
        d = decide(support, self_check=False)
    except Exception as e:  # an engine crash is a bug: record it, keep sweeping
        rec.update(verdict="error", error=f"engine failed: {type(e).__name__}: {e}")
        return rec
    t1 = time.perf_counter()
    rec.update(decide_s=round(t1 - t0, 6), rules=d.rules)
    if d.text is None:
        rec.update(verdict="error", error=f"the engine returned {d.verdict} without a certificate")
        return rec
    obj = json.loads(d.text)
    rec["rule"] = obj["proof"].get("rule") if isinstance(obj.get("proof"), dict) else None
    try:
        v = check_certificate(obj)
        reason = None if v.accepted else v.message
        if reason is None and v.claim != d.verdict:
            reason = f"certificate claims {v.claim}, engine says {d.verdict}"
        if reason is None and obj["support_sha256"] != support.fingerprint():
            reason = "certificate is about another support (SHA-256 differs)"
    except Exception as e:  # a checker failure never counts as acceptance
        reason = f"the checker failed: {type(e).__name__}: {e}"
    rec["check_s"] = round(time.perf_counter() - t1, 6)
    if reason is not None:
        rec.update(verdict="error", error=f"checker REJECTED the {d.verdict} certificate: {reason}")
        return rec
    rec.update(verdict=d.verdict, checked=True)
    if cert_dir is not None:
        path = os.path.join(cert_dir, certificate_file(name))
        cert.write_atomic(path, d.text)
        rec["certificate"] = path
    return rec


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------

def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (95 % by default).
    Statistics about the sweep, not a certified claim: floats are fine here."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At k = 0 and k = n the ends are exactly 0 and 1 (rounding would miss them).
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


@dataclass
class Summary:
    widths: str
    density: str
    samples: int                       # asked for
    counts: dict = field(default_factory=dict)   # verdict -> count, over done samples
    empty_layer: dict = field(default_factory=dict)  # verdict -> samples with an all-zero mask
    errors: list = field(default_factory=list)   # records with verdict "error"
    decide_s: float = 0.0              # summed over samples (CPU-ish time)
    check_s: float = 0.0
    wall_s: float = 0.0                # this run only
    ran: int = 0                       # samples computed by this run (the rest were resumed)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def interval(self, verdict: str) -> tuple[float, float]:
        return wilson(self.counts.get(verdict, 0), self.done)

    def fraction(self, verdict: str) -> float:
        return self.counts.get(verdict, 0) / self.done if self.done else 0.0

    def to_json(self) -> dict:
        return {"widths": self.widths, "density": self.density, "samples": self.samples,
                "done": self.done, "ran": self.ran, "wall_s": round(self.wall_s, 3),
                "decide_s": round(self.decide_s, 3), "check_s": round(self.check_s, 3),
                "interval": "Wilson score, 95%",
                "verdicts": {v: {"count": self.counts.get(v, 0), "fraction": self.fraction(v),
                                 "ci95": list(self.interval(v)),
                                 "with_empty_layer": self.empty_layer.get(v, 0)}
                             for v in VERDICTS + ("error",)},
                "errors": [{"pattern": r["pattern"], "error": r["error"]} for r in self.errors]}

    def lines(self) -> list[str]:
        n = self.done
        out = [f"sweep random:{self.widths}:{self.density}: {n} of {self.samples} samples done "
               f"({self.ran} in this run, {self.wall_s:.1f} s wall; decide {self.decide_s:.1f} s and "
               f"checker replay {self.check_s:.1f} s summed over samples)"]
        for v in VERDICTS + ("error",):
            k = self.counts.get(v, 0)
            if v == "error" and k == 0:
                continue
            lo, hi = self.interval(v)
            extra = f"; {self.empty_layer[v]} with an all-zero mask" if self.empty_layer.get(v) else ""
            out.append(f"  {v.replace('_', ' '):11s} {k:7d}  {self.fraction(v):7.2%}  "
                       f"95% CI [{lo:.2%}, {hi:.2%}]{extra}")
        out.append("  (Wilson score intervals; every verdict's certificate was replayed by the "
                   "independent checker" + (")" if not self.errors else
                                             f" and {len(self.errors)} were REJECTED or failed)"))
        for r in self.errors[:10]:
            out.append(f"  ERROR {r['pattern']}: {r['error']}")
        return out


# ---------------------------------------------------------------------------
# The results file
# ---------------------------------------------------------------------------

def _key(rec: dict) -> tuple:
    """(widths, density as a fraction, seed): '0.3' and '3/10' are one sweep."""
    _, widths, density, seed = rec["pattern"].split(":")
    return widths, Fraction(density), int(seed)


RECORD_START = b'{"pattern": "random:'   # how every line this module writes begins


def load_results(path: str) -> list[dict]:
    """Records in a results file.  A last line without its newline that
    begins like a record (a kill mid-write) is cut off the file, once every
    complete line has been read as a record; anything else unreadable is an
    error and the file is left as it is."""
    if not os.path.exists(path):
        return []
    if os.path.isdir(path):
        raise InputError(f"--out {path} is a folder")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    complete = data.rfind(b"\n") + 1
    refuse = f"{path} line {{}} is not a sweep record; not touching this file (name another --out)"
    records = []
    for no, line in enumerate(data[:complete].split(b"\n")[:-1], start=1):
        try:
            rec = json.loads(line.decode("utf-8"))
            if _key(rec)[2] != rec["seed"] or rec["verdict"] not in VERDICTS + ("error",) or \
                    not isinstance(rec["empty_layer"], bool) or not _plausible(rec):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise InputError(refuse.format(no)) from None
        records.append(rec)
    if complete < len(data):
        if not data[complete:].startswith(RECORD_START[:len(data) - complete]):
            raise InputError(refuse.format(len(records) + 1))
        with open(path, "r+b") as fh:       # drop the torn line; its sample is redone
            fh.truncate(complete)
    return records


def _plausible(rec: dict) -> bool:
    """The fields the summary reads have the types it expects (a hand-edited
    line must not crash the summary)."""
    for k in ("decide_s", "check_s"):
        x = rec.get(k)
        if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float))
                              or not math.isfinite(x) or x < 0):
            return False
    return rec["verdict"] != "error" or isinstance(rec.get("error"), str)


def _lock(fh, path: str) -> None:
    """One sweep per results file at a time (two appenders would interleave)."""
    try:
        import fcntl
    except ImportError:          # not on POSIX: no lock
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise InputError(f"{path} is in use by another sweep") from None


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------

class Progress:
    """A carriage-return bar on a terminal; otherwise, once a run has taken
    a second, a line every 10 % or 30 s.  Plain text on stderr, no dependency."""

    def __init__(self, total: int, already: int, quiet: bool, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.already, self.quiet = total, already, quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = self.last = time.monotonic()
        self.next_tenth = 1

    def update(self, done: int, counts: dict) -> None:
        if self.quiet or self.total == 0:
            return
        now = time.monotonic()
        frac = done / self.total
        ran = done - self.already
        rate = ran / (now - self.start) if now > self.start else 0.0
        eta = (self.total - done) / rate if rate > 0 else float("nan")
        tally = " ".join(f"{v.replace('_', ' ')} {counts.get(v, 0)}" for v in VERDICTS)
        if counts.get("error"):
            tally += f" ERRORS {counts['error']}"
        text = (f"{done}/{self.total} ({frac:.0%}) {tally}; {now - self.start:.0f} s"
                + (f", ~{eta:.0f} s left" if math.isfinite(eta) and done < self.total else ""))
        if self.tty:
            if now - self.last >= 0.1 or done == self.total:
                bar = "#" * int(30 * frac)
                self.stream.write(f"\rsweep [{bar:30s}] {text}\x1b[K")
                self.stream.flush()
                self.last = now
        elif now - self.start < 1.0:
            return                    # a run this short needs no progress lines
        elif frac * 10 >= self.next_tenth or now - self.last >= 30 or done == self.total:
            self.stream.write(f"sweep: {text}\n")
            self.stream.flush()
            self.last = now
            self.next_tenth = int(frac * 10) + 1

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()

    def say(self, text: str) -> None:
        """A message that must be seen (e.g. a rejected certificate)."""
        if self.tty and not self.quiet:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()


# ---------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------

def validate(widths: str, density: str, samples: int, first_seed: int, workers: int | None,
             dask_scheduler: str | None = None) -> None:
    """Bad arguments raise InputError before anything runs or is written."""
    from .patterns import build_pattern
    if dask_scheduler is not None:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError("--dask-scheduler needs Dask distributed: pip install 'certify[dask]' "
                             "(and certify itself on every worker)") from None
    if samples < 1:
        raise InputError(f"--samples must be at least 1, got {samples}")
    if first_seed < 0 or first_seed + samples - 1 > MAX_SEED:
        raise InputError(f"seeds {first_seed}..{first_seed + samples - 1} must lie in 0..{MAX_SEED}")
    if samples > MAX_SAMPLES:
        raise InputError(f"--samples {samples} is more than one run handles ({MAX_SAMPLES:,}; the "
                         "records are kept in memory): split the sweep with --seed, same --out")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if workers is not None and dask_scheduler is None and workers > max_workers():
        raise InputError(f"--workers {workers} is more processes than this machine runs usefully "
                         f"(at most {max_workers()})")
    build_pattern(pattern_name(widths, density, first_seed))   # checks widths and density


def _check_apart(out: str, cert_dir: str, widths: str, density: str, first_seed: int,
                 samples: int) -> None:
    """The results file must be neither the certificates folder nor one of the
    certificates this sweep writes (either would overwrite the other)."""
    real_out, real_dir = os.path.realpath(out), os.path.realpath(cert_dir)
    if real_out == real_dir:
        raise InputError(f"--out and --certificates name the same path {out}")
    if os.path.dirname(real_out) != real_dir:
        return
    stem = certificate_file(pattern_name(widths, density, 0))[:-len("0.json")]
    name = os.path.basename(real_out)
    seed = name[len(stem):-len(".json")] if name.startswith(stem) and name.endswith(".json") else ""
    if seed.isdigit() and seed.isascii() and first_seed <= int(seed) < first_seed + samples:
        raise InputError(f"--out {out} is one of the certificates this sweep writes; choose "
                         "another name")


def _executor(workers: int, dask_scheduler: str | None):
    """A concurrent.futures executor: local processes, or a Dask cluster."""
    if dask_scheduler is None:
        return ProcessPoolExecutor(max_workers=workers), None
    from distributed import Client      # importable: checked by validate()
    try:
        client = Client(dask_scheduler, timeout=30)
    except Exception as e:
        raise InputError(f"cannot reach the Dask scheduler {dask_scheduler}: {type(e).__name__}: {e}") from None
    return client.get_executor(pure=False), client


def sweep(widths: str, density: str, samples: int, *, first_seed: int = 0, workers: int | None = None,
          out: str | None = None, cert_dir: str | None = None, dask_scheduler: str | None = None,
          quiet: bool = False, stream=None) -> tuple[Summary, list[dict]]:
    """Run (or resume) a sweep; the summary and this sweep's records in seed order."""
    validate(widths, density, samples, first_seed, workers, dask_scheduler)
    workers = workers or os.cpu_count() or 1
    if cert_dir is not None:
        if os.path.lexists(cert_dir) and not os.path.isdir(cert_dir):
            raise InputError(f"--certificates {cert_dir} exists and is not a folder")
        if not os.path.isdir(os.path.dirname(os.path.abspath(cert_dir))):
            raise InputError(f"cannot create {cert_dir}: its parent folder does not exist")
    fh = None
    if out is not None:
        if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
            raise InputError(f"cannot write {out}: its folder does not exist")
        if os.path.isdir(out):
            raise InputError(f"--out {out} is a folder")
        if os.path.exists(out) and not stat.S_ISREG(os.stat(out).st_mode):
            # a FIFO would block, /dev/zero never ends, a device would be replaced
            raise InputError(f"--out {out} is not a regular file")
        if cert_dir is not None:
            _check_apart(out, cert_dir, widths, density, first_seed, samples)
        try:
            fh = open(out, "ab")
        except OSError as e:
            raise InputError(f"cannot write {out}: {e.strerror}") from None
        try:
            _lock(fh, out)
        except InputError:
            fh.close()
            raise
    try:
        return _run(widths, density, samples, first_seed, workers, out, fh, cert_dir,
                    dask_scheduler, quiet, stream)
    finally:
        if fh is not None:
            fh.close()


def _run(widths, density, samples, first_seed, workers, out, fh, cert_dir, dask_scheduler,
         quiet, stream):
    start = time.monotonic()
    # This sweep's key without the seed (no table of every wanted seed: a
    # million of them would take hundreds of megabytes).
    sweep_key = _key({"pattern": pattern_name(widths, density, first_seed)})[:2]
    previous = load_results(out) if out is not None else []
    mine: dict[int, dict] = {}
    for rec in previous:
        key = _key(rec)
        if key[:2] == sweep_key and first_seed <= key[2] < first_seed + samples:
            mine[key[2]] = rec        # a sample recorded twice: the later line wins
    if cert_dir is not None:
        try:
            os.makedirs(cert_dir, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create {cert_dir}: {e.strerror}") from None
    todo = [s for s in range(first_seed, first_seed + samples) if s not in mine]
    summary = Summary(widths, density, samples)
    counts: dict = {}
    for rec in mine.values():
        counts[rec["verdict"]] = counts.get(rec["verdict"], 0) + 1
    bar = Progress(samples, len(mine), quiet, stream)
    if mine and not quiet:
        bar.say(f"sweep: resuming: {len(mine)} of {samples} samples already in {out}")

    def record(rec: dict) -> None:
        mine[rec["seed"]] = rec
        counts[rec["verdict"]] = counts.get(rec["verdict"], 0) + 1
        if fh is not None:
            fh.write((json.dumps(rec) + "\n").encode())
            fh.flush()
        if rec["verdict"] == "error":
            bar.say(f"certify sweep: ERROR on {rec['pattern']}: {rec['error']} "
                    "(a bug in certify; please report it with this pattern)")
        bar.update(len(mine), counts)

    tasks = [(widths, density, s, cert_dir) for s in todo]
    try:
        if tasks and workers == 1 and dask_scheduler is None:
            for t in tasks:               # in this process: no pool to start
                record(run_sample(t))
        elif tasks:
            _parallel(tasks, workers, dask_scheduler, record)
    except KeyboardInterrupt:
        bar.close()
        where = f"are in {out}; rerun the same command to continue" if out else \
            "were not saved (use --out FILE.jsonl to make a sweep resumable)"
        bar.say(f"sweep: stopped; {len(mine)} of {samples} samples {where}")
        raise
    bar.close()
    records = [mine[s] for s in sorted(mine)]
    if out is not None:
        _rewrite_sorted(out, fh, previous, mine)
    for rec in records:
        summary.counts[rec["verdict"]] = summary.counts.get(rec["verdict"], 0) + 1
        if rec["empty_layer"]:
            summary.empty_layer[rec["verdict"]] = summary.empty_layer.get(rec["verdict"], 0) + 1
        summary.decide_s += rec.get("decide_s") or 0.0
        summary.check_s += rec.get("check_s") or 0.0
    summary.errors = [r for r in records if r["verdict"] == "error"]
    summary.ran = len(todo)
    summary.wall_s = time.monotonic() - start
    return summary, records


def _parallel(tasks, workers, dask_scheduler, record) -> None:
    """Keep a bounded number of tasks in flight (a long sweep holds no
    million futures); record each result as it completes."""
    if dask_scheduler is None:
        workers = min(workers, len(tasks))      # no idle processes to start
    executor, client = _executor(workers, dask_scheduler)
    window = 4 * workers if client is None else 4 * max(workers, _dask_threads(client))
    pending = set()
    finished_cleanly = False
    try:
        for t in tasks:
            pending.add(executor.submit(run_sample, t))
            if len(pending) >= window:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    record(f.result())
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                record(f.result())
        finished_cleanly = True
    finally:
        # On an interrupt, do not wait for the samples in flight: they are
        # simply redone when the sweep is resumed.
        for f in pending:
            f.cancel()
        if client is None:
            executor.shutdown(wait=finished_cleanly, cancel_futures=True)
        else:
            client.close()


def _dask_threads(client) -> int:
    try:
        return sum(client.nthreads().values()) or 1
    except Exception:
        return 1


def _rewrite_sorted(out: str, fh, previous: list[dict], mine: dict) -> None:
    """Once every sample of this sweep is in, put the file in a fixed order:
    other sweeps' lines first as they were, then this sweep's by seed."""
    from .certificate import write_atomic
    keys = {_key(r) for r in mine.values()}
    others = [r for r in previous if _key(r) not in keys]
    text = "".join(json.dumps(r) + "\n" for r in others + [mine[s] for s in sorted(mine)])
    fh.flush()
    with open(out, "rb") as current:
        if current.read() == text.encode():
            return
    write_atomic(os.path.realpath(out), text)
