"""certify sweep: exact counts, certificates, resuming, parallel = serial,
bad arguments."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from certify import cli
from certify.checker import check_file
from certify.engine import decide
from certify.patterns import build_pattern
from certify.sweep import Progress, sweep, wilson

TIMES = ("decide_s", "check_s")


def strip(records):
    """Records without their timings (the only part that may differ between runs)."""
    return [{k: v for k, v in r.items() if k not in TIMES} for r in records]


def lines_of(path):
    with open(path) as fh:
        return strip(json.loads(line) for line in fh)


# ---------------------------------------------------------------------------
# Exact results
# ---------------------------------------------------------------------------

def test_small_sweep_exact_counts_match_decide_per_pattern():
    summary, records = sweep("3,3,3", "0.5", 20, workers=1, quiet=True)
    # Pinned: 20 samples random:3,3,3:0.5:0..19.
    assert summary.counts == {"closed": 14, "not_closed": 6}
    assert summary.done == 20 and not summary.errors
    # Independently: decide each pattern by its name, with the engine's own replay.
    expected = [decide(build_pattern(f"random:3,3,3:0.5:{s}")).verdict for s in range(20)]
    assert [r["verdict"] for r in records] == expected
    assert [r["pattern"] for r in records] == [f"random:3,3,3:0.5:{s}" for s in range(20)]
    assert all(r["checked"] for r in records)
    not_closed = [r["seed"] for r in records if r["verdict"] == "not_closed"]
    assert not_closed == [s for s, v in enumerate(expected) if v == "not_closed"]


def test_wilson_interval_known_values():
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.236593, abs=1e-6) and hi == pytest.approx(0.763407, abs=1e-6)
    lo, hi = wilson(0, 10)            # upper end z^2 / (n + z^2)
    assert lo == 0 and hi == pytest.approx(3.841459 / 13.841459, abs=1e-6)
    lo, hi = wilson(10, 10)
    assert hi == 1 and lo == pytest.approx(10 / 13.841459, abs=1e-6)


def test_degenerate_samples_are_counted_as_closed_with_an_empty_layer():
    summary, records = sweep("3,3,3", "0", 4, workers=1, quiet=True)
    assert summary.counts == {"closed": 4} and summary.empty_layer == {"closed": 4}
    assert all(r["nonzeros"] == [0, 0] for r in records)
    summary, records = sweep("2,2,2", "0.2", 30, workers=1, quiet=True)
    empty = [s for s in range(30)
             if any(not m.any() for m in build_pattern(f"random:2,2,2:0.2:{s}").masks)]
    assert 0 < len(empty) < 30
    assert [r["seed"] for r in records if r["empty_layer"]] == empty
    assert all(records[s]["verdict"] == "closed" for s in empty)
    assert sum(summary.empty_layer.values()) == len(empty)


def test_certificates_written_and_replayed(tmp_path):
    folder = tmp_path / "certs"
    summary, records = sweep("3,3,3", "0.5", 6, workers=1, quiet=True, cert_dir=str(folder))
    files = sorted(os.listdir(folder))
    assert files == sorted(f"random_3,3,3_0.5_{s}.json" for s in range(6))
    for r in records:
        v = check_file(r["certificate"])
        assert v.accepted and v.claim == r["verdict"]
    _, records = sweep("3,3,3", "1/2", 1, workers=1, quiet=True, cert_dir=str(folder))
    assert records[0]["certificate"] == str(folder / "random_3,3,3_1over2_0.json")
    assert check_file(records[0]["certificate"]).accepted
    # A tampered copy is rejected.
    path = records[0]["certificate"]
    obj = json.load(open(path))
    obj["claim"] = "not_closed" if obj["claim"] == "closed" else "closed"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(obj))
    assert not check_file(str(bad)).accepted


def test_rejected_certificate_is_an_error(monkeypatch, capsys):
    import certify.checker as checker
    real = checker.check_certificate

    def hostile(obj):
        v = real(obj)
        return type(v)(False, v.claim, "tampered in the test") if obj["claim"] == "not_closed" else v
    monkeypatch.setattr(checker, "check_certificate", hostile)
    assert cli.main(["sweep", "3,3,3", "0.5", "-n", "20", "--workers", "1", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert err.count("ERROR on random:3,3,3:0.5:") == 6
    assert re.search(r"^  error\s+6 ", out, re.M) and re.search(r"^  closed\s+14 ", out, re.M)


def test_certificate_about_another_support_is_an_error(monkeypatch):
    import certify.engine as engine
    real = engine.decide
    monkeypatch.setattr(engine, "decide", lambda support, **kw: real(build_pattern("lu:3"), **kw))
    summary, records = sweep("3,3,3", "0.5", 2, workers=1, quiet=True)
    assert summary.counts == {"error": 2}
    assert all("another support" in r["error"] for r in records)


# ---------------------------------------------------------------------------
# Parallel and resumable
# ---------------------------------------------------------------------------

def test_workers_one_and_two_give_identical_files(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    sa, _ = sweep("4,4,4", "0.3", 24, workers=1, out=str(a), quiet=True)
    sb, _ = sweep("4,4,4", "0.3", 24, workers=2, out=str(b), quiet=True)
    assert lines_of(a) == lines_of(b)
    assert sa.counts == sb.counts and sa.done == 24


def test_resume_after_stop_and_after_a_torn_line(tmp_path):
    full = tmp_path / "full.jsonl"
    sweep("3,3,3", "0.5", 12, workers=1, out=str(full), quiet=True)
    # Stopped after 5 samples, then continued.
    part = tmp_path / "part.jsonl"
    sweep("3,3,3", "0.5", 5, workers=1, out=str(part), quiet=True)
    summary, _ = sweep("3,3,3", "0.5", 12, workers=2, out=str(part), quiet=True)
    assert summary.ran == 7 and lines_of(part) == lines_of(full)
    # Killed mid-write: seven whole lines and half of the eighth.
    raw = full.read_text().splitlines(keepends=True)
    torn = tmp_path / "torn.jsonl"
    torn.write_text("".join(raw[:7]) + raw[7][:len(raw[7]) // 2])
    stream = io.StringIO()
    summary, _ = sweep("3,3,3", "0.5", 12, workers=1, out=str(torn), stream=stream)
    assert summary.ran == 5 and lines_of(torn) == lines_of(full)
    assert "resuming: 7 of 12" in stream.getvalue()
    # Nothing left to do: the file is not touched.
    before = torn.read_bytes()
    summary, _ = sweep("3,3,3", "0.5", 12, workers=1, out=str(torn), quiet=True)
    assert summary.ran == 0 and torn.read_bytes() == before


def test_other_sweeps_in_the_same_file_are_kept(tmp_path):
    out = tmp_path / "mixed.jsonl"
    sweep("2,2,2", "0.5", 3, workers=1, out=str(out), quiet=True)
    s, _ = sweep("3,3,3", "3/10", 4, workers=1, out=str(out), quiet=True)
    assert s.done == 4 and len(lines_of(out)) == 7
    s, _ = sweep("3,3,3", "0.3", 4, workers=1, out=str(out), quiet=True)   # same density
    assert s.ran == 0 and s.done == 4


def test_killed_sweep_resumes_to_the_uninterrupted_result(tmp_path):
    out = tmp_path / "killed.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "certify", "sweep", "4,4,4", "0.3", "-n", "3000",
                             "--workers", "1", "--out", str(out), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 20:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = out.read_bytes().count(b"\n")
    assert 20 <= written < 200
    summary, _ = sweep("4,4,4", "0.3", 200, workers=1, out=str(out), quiet=True)
    assert summary.ran == 200 - written
    ref = tmp_path / "ref.jsonl"
    sweep("4,4,4", "0.3", 200, workers=1, out=str(ref), quiet=True)
    assert lines_of(out) == lines_of(ref)


def test_dask_executor_gives_the_same_records():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        _, via_dask = sweep("3,3,3", "0.5", 10, dask_scheduler=cluster.scheduler_address, quiet=True)
    _, local = sweep("3,3,3", "0.5", 10, workers=1, quiet=True)
    assert strip(via_dask) == strip(local)


def test_dask_missing_is_a_clear_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)     # import fails
    out = tmp_path / "s.jsonl"
    assert cli.main(["sweep", "3,3,3", "0.5", "--dask-scheduler", "tcp://127.0.0.1:1",
                     "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'certify[dask]'" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()                                    # nothing written


# ---------------------------------------------------------------------------
# Progress and command line
# ---------------------------------------------------------------------------

class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_and_lines_otherwise():
    tty = _Tty()
    bar = Progress(10, 0, False, tty)
    bar.update(10, {"closed": 7, "not_closed": 3})
    assert tty.getvalue().startswith("\rsweep [") and "10/10 (100%) closed 7 not closed 3" in tty.getvalue()
    plain = io.StringIO()
    bar = Progress(10, 0, False, plain)
    bar.start -= 5                     # pretend the run has taken 5 s
    for k in range(1, 11):
        bar.update(k, {"closed": k})
    lines = plain.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in plain.getvalue() and lines[-1].startswith("sweep: 10/10")


def test_cli_summary_and_json(tmp_path, capsys):
    out = tmp_path / "s.jsonl"
    assert cli.main(["sweep", "3,3,3", "0.5", "-n", "20", "--workers", "1", "--out", str(out),
                     "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["done"] == 20 and obj["interval"] == "Wilson score, 95%"
    assert obj["verdicts"]["closed"]["count"] == 14 and obj["verdicts"]["unknown"]["count"] == 0
    assert obj["verdicts"]["not_closed"]["ci95"] == pytest.approx(list(wilson(6, 20)))
    assert len(out.read_text().splitlines()) == 20


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        cli.main(["sweep", "--help"])
    assert "certify sweep 8,8,8 0.3 -n 2000 --out sweep.jsonl" in capsys.readouterr().out


@pytest.mark.parametrize("argv, needle", [
    (["8", "0.3"], "at least two widths"),
    (["8,x,8", "0.3"], "whole number"),
    (["8,8,8", "1.5"], "density must be in [0, 1]"),
    (["8,8,8", "abc"], "density must be a number"),
    (["8,8,8", "0.3", "-n", "0"], "--samples must be at least 1"),
    (["8,8,8", "0.3", "--workers", "0"], "--workers must be at least 1"),
    (["8,8,8", "0.3", "--seed", "-1"], "must lie in 0.."),
    (["8,8,8", "0.3", "--seed", "999999999", "-n", "2"], "must lie in 0.."),
    (["8,8,8", "0.3", "-n", "many"], "invalid int value"),
    (["8,8,8", "0.3", "--out", "/nonexistent/folder/s.jsonl"], "folder does not exist"),
    (["8,8,8"], "required"),
])
def test_bad_arguments_one_line_exit_2(argv, needle, capsys):
    assert cli.main(["sweep"] + argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("certify: error:") and needle in err


def test_bad_files_one_line_exit_2(tmp_path, capsys):
    notes = tmp_path / "notes.jsonl"
    sweep("3,3,3", "0.5", 1, workers=1, out=str(notes), quiet=True)
    with open(notes, "a") as fh:
        fh.write("hello\n")
    before = notes.read_bytes()
    afile = tmp_path / "afile"
    afile.write_text("x")
    before_a = afile.read_bytes()
    for argv, needle in ((["--out", str(notes)], "line 2 is not a sweep record"),
                         (["--out", str(afile)], "line 1 is not a sweep record"),
                         (["--out", str(tmp_path)], "is a folder"),
                         (["--certificates", str(afile)], "is not a folder")):
        assert cli.main(["sweep", "3,3,3", "0.5", "-n", "2", "--workers", "1"] + argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and needle in err, err
    assert notes.read_bytes() == before and afile.read_bytes() == before_a
