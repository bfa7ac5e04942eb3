"""Hostile input to the newer commands (model, sweep, draw, explain, check
--json/--manifest) and the Python API: each case below was a bug (a clobbered
device or input, a hang, a silent wrong support, an internal error) before
its fix.  All in-process and fast."""

import json
import os
import stat

import numpy as np
import pytest

import certify
from certify import InputError
from certify.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def device(path):
    """A character device node like /dev/null, made in tmp_path (root only)."""
    try:
        os.mknod(path, 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("creating a device node needs root")
    return str(path)


def is_device(path):
    return stat.S_ISCHR(os.lstat(path).st_mode)


# --- writers never replace a device or a FIFO -------------------------------

def test_decide_o_device_is_refused_and_kept(tmp_path, capsys):
    dev = device(tmp_path / "null")
    code, _, err = run(capsys, "decide", "lu:3", "-o", dev)
    assert code == 2 and "not a regular file" in err and len(err.splitlines()) == 1
    assert is_device(dev)


def test_api_save_errors_are_input_errors(tmp_path):
    r = certify.decide("lu:3")
    dev = device(tmp_path / "null")
    for bad in (dev, str(tmp_path), str(tmp_path / "missing" / "x.json"), "", 3):
        with pytest.raises(InputError):
            r.save(bad)
    assert is_device(dev)
    r.save(tmp_path / "ok.json")
    assert certify.check(tmp_path / "ok.json").accepted


def test_sweep_out_must_be_a_regular_file(tmp_path, capsys):
    dev = device(tmp_path / "null")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # A reader keeps a regression from blocking on open (it used to block for ever).
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        for out in (dev, str(fifo)):
            code, _, err = run(capsys, "sweep", "2,2", "0.5", "-n", "2", "--workers", "1",
                               "--quiet", "--out", out)
            assert code == 2 and "not a regular file" in err
    finally:
        os.close(reader)
    assert is_device(dev) and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_sweep_out_is_not_a_certificate_of_the_sweep(tmp_path, capsys):
    certs = tmp_path / "certs"
    code, _, err = run(capsys, "sweep", "2,2", "0.5", "-n", "2", "--workers", "1", "--quiet",
                       "--certificates", str(certs), "--out", str(certs))
    assert code == 2 and "name the same path" in err and not os.path.exists(certs)
    certs.mkdir()
    code, _, err = run(capsys, "sweep", "2,2", "0.5", "-n", "2", "--workers", "1", "--quiet",
                       "--certificates", str(certs), "--out", str(certs / "random_2,2_0.5_1.json"))
    assert code == 2 and "one of the certificates" in err and os.listdir(certs) == []
    # a name outside the sweep's seeds is an ordinary results file
    code, _, _ = run(capsys, "sweep", "2,2", "0.5", "-n", "2", "--workers", "1", "--quiet",
                     "--certificates", str(certs), "--out", str(tmp_path / "random_2,2_0.5_7.json"))
    assert code == 0 and sorted(os.listdir(certs)) == ["random_2,2_0.5_0.json", "random_2,2_0.5_1.json"]


def test_sweep_refuses_absurd_workers_and_samples(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from certify import sweep
    with pytest.raises(InputError, match="--workers 100000"):   # used to fork 100000 processes
        sweep.validate("2,2", "0.5", 2, 0, 100000)
    with pytest.raises(InputError, match="--samples 5000000"):
        sweep.validate("2,2", "0.5", 5_000_000, 0, None)
    started = []

    def pool(max_workers):            # threads stand in for processes: nothing is forked
        started.append(max_workers)
        return ThreadPoolExecutor(max_workers=max_workers)
    monkeypatch.setattr(sweep, "ProcessPoolExecutor", pool)
    summary, _ = sweep.sweep("2,2", "0.5", 3, workers=40, quiet=True)
    assert started == [3] and summary.done == 3       # no more processes than samples


@pytest.mark.parametrize("line", [
    '{"pattern": "random:2,2:0.5:0", "seed": 0, "verdict": "closed", "empty_layer": false, "decide_s": "x"}',
    '{"pattern": "random:2,2:0.5:0", "seed": 0, "verdict": "closed", "empty_layer": false, "check_s": -1}',
    '{"pattern": "random:2,2:0.5:0", "seed": 0, "verdict": "closed", "empty_layer": false, "decide_s": Infinity}',
    '{"pattern": "random:2,2:0.5:0", "seed": 0, "verdict": "error", "empty_layer": false}',
])
def test_sweep_hand_edited_records_are_refused_not_crashed(tmp_path, capsys, line):
    out = tmp_path / "r.jsonl"
    out.write_text(line + "\n")
    code, _, err = run(capsys, "sweep", "2,2", "0.5", "-n", "2", "--workers", "1", "--out", str(out))
    assert code == 2 and "line 1 is not a sweep record" in err
    assert out.read_text() == line + "\n"


# --- model -------------------------------------------------------------------

def test_int8_minimum_weight_stays_in_the_support(tmp_path, capsys):
    # np.abs(np.int8(-128)) == -128: the entry was silently dropped.
    w = np.array([[-128, 1], [0, 1]], dtype=np.int8)
    s = certify.support_of([w], weights=True)
    assert s.masks[0].tolist() == [[True, True], [False, True]]
    path = tmp_path / "w.npz"
    np.savez(path, fc=w, big=np.array([[np.iinfo(np.int64).min, 0]], dtype=np.int64).T @ np.ones((1, 2), np.int64))
    code, out, _ = run(capsys, "model", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and [l["nonzeros"] for c in report["chains"] for l in c["layers"]] == [3, 2]


def test_model_o_checks_every_path_before_writing(tmp_path, capsys):
    model = tmp_path / "two.npz"
    np.savez(model, a=np.ones((3, 2)), b=np.ones((4, 4)))      # two chains
    folder = tmp_path / "certs"
    folder.mkdir()
    victim = folder / "chain2.json"
    victim.write_bytes(model.read_bytes())
    code, _, err = run(capsys, "model", str(victim), "-o", str(folder))
    assert code == 2 and "overwrite the input" in err
    assert os.listdir(folder) == ["chain2.json"]             # chain1.json was written first
    dev = device(folder / "chain1.json")
    code, _, err = run(capsys, "model", str(model), "-o", str(folder))
    assert code == 2 and "not a regular file" in err and is_device(dev)


def test_model_names_with_control_characters_stay_on_their_lines(tmp_path, capsys):
    path = tmp_path / "n.npz"
    np.savez(path, **{"a\nb\x1b[31m": np.ones((2, 2)), ".weight_mask": np.ones((2, 2), bool)})
    code, out, _ = run(capsys, "model", str(path))
    assert code == 0 and "\x1b" not in out
    assert "chain 1: a\\nb\\x1b[31m -> ''" in out
    code, _, err = run(capsys, "model", str(path), "--layers", "x" * 10_000)
    assert code == 2 and len(err) < 300


def test_from_weights_needs_a_file(capsys):
    code, _, err = run(capsys, "decide", "--from-weights", "lu:3", "--threshold", "5")
    assert code == 2 and "--from-weights lu:3: no such file" in err


# --- draw, explain, check ------------------------------------------------------

def test_draw_does_not_overwrite_its_input(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    src = tmp_path / "s.svg"
    code, _, _ = run(capsys, "pattern", "lu:3", "-o", str(src))
    before = src.read_bytes()
    code, _, err = run(capsys, "draw", str(src), "-o", str(src))
    assert code == 2 and "overwrite the input" in err and src.read_bytes() == before


def test_explain_escapes_control_characters(tmp_path, capsys):
    cert = certify.decide("lu:3").certificate
    cert["proof"]["rule"] = "\x1b[2J"                   # rejected, but still explained
    path = tmp_path / "x\x1b[31m.json"
    path.write_text(json.dumps(cert))
    code, out, _ = run(capsys, "explain", str(path))
    assert code == 1 and "\x1b" not in out and "Witness rule \\x1b[2J" in out


def test_check_json_and_manifest_never_read_special_files(tmp_path, capsys):
    # A null device reads as empty, so a regression fails here instead of
    # hanging as a FIFO or /dev/zero did.
    dev = device(tmp_path / "MANIFEST.json")
    code, _, err = run(capsys, "check", "--manifest", dev)
    assert code == 2 and "not a regular file" in err
    code, out, _ = run(capsys, "check", "--json", dev, "--manifest", str(tmp_path / "none.json"))
    assert code == 2
    other = device(tmp_path / "p.json")
    code, out, _ = run(capsys, "check", "--json", other)
    report = json.loads(out)
    assert code == 2 and report["files"][0]["status"] == "unreadable"
    assert report["files"][0]["sha256"] is None


# --- Python API ------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"threshold": float("nan")}, {"threshold": "abc"}, {"threshold": None}, {"threshold": 10 ** 400},
    {"threshold": -1}, {"threshold": 0.5},          # 0.5 without weights=True: refused, not ignored
])
def test_api_threshold_is_validated_for_patterns_too(kwargs):
    with pytest.raises(InputError):
        certify.decide("lu:3", **kwargs)


def test_api_bad_arguments_raise_input_error():
    for bad in (None, 5, b"lu:3"):
        with pytest.raises(InputError):
            certify.Support.load(bad)
    # A hand-made Support is validated before the engine sees it.
    for masks in ((), (np.ones((2, 2)) * 2,), (np.ones((3, 2), bool), np.ones((2, 2), bool))):
        with pytest.raises(InputError):
            certify.decide(certify.Support(masks))
    with pytest.raises(InputError):
        certify.optimum("lu:3", max_subsets=1.5)
    assert certify.optimum("lu:3", max_subsets=np.int64(3)).verdict == "no_optimum"
    # numpy scalars and fractions inside nested lists are numbers too
    assert certify.decide([[[np.int64(1), np.bool_(False)]]]).support.masks[0].tolist() == [[True, False]]
    s = certify.support_of([[[np.float32(0.5), 0]]], weights=True, threshold=0.25)
    assert s.masks[0].tolist() == [[True, False]]
