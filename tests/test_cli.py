import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest


def run(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "certify", *args], capture_output=True, text=True,
                          cwd=cwd, env=None if env is None else dict(os.environ, **env))


def run_checker(*args):
    return subprocess.run([sys.executable, "-m", "certify.checker", *args], capture_output=True,
                          text=True)


def test_console_script_is_installed():
    assert (pathlib.Path(sys.executable).parent / "certify").exists()


def test_decide_not_closed_writes_a_certificate_the_checker_accepts(tmp_path):
    out = tmp_path / "lu3.json"
    r = run("decide", "lu:3", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "verdict: not closed" in r.stdout and "W1" in r.stdout
    assert "[0 1 0]" in r.stdout                      # the limit matrix is printed
    assert out.exists() and [p.name for p in tmp_path.iterdir()] == ["lu3.json"]   # no temp files
    c = run("check", str(out))
    assert c.returncode == 0 and "accepted" in c.stdout
    assert run_checker(str(out)).returncode == 0


def test_decide_json(tmp_path):
    out = tmp_path / "d.json"
    r = run("decide", "dense:2,3,2", "--json", "-o", str(out))
    assert r.returncode == 0
    obj = json.loads(r.stdout)
    assert obj["verdict"] == "closed" and obj["certificate"] == str(out) and obj["checked"] is True
    assert obj["rules"][0] == "C3" and obj["limit"] is None
    r = run("decide", "lu:2", "--json")
    obj = json.loads(r.stdout)
    assert obj["verdict"] == "not_closed" and obj["certificate"] is None
    assert obj["limit"] == {"shape": [2, 2], "nonzeros": [[0, 1, "1"], [1, 0, "1"]]}


def test_unknown_exits_3_with_the_core(tmp_path):
    # Three overlapping rank-one nodes, no reduction applies (an unknown of the exhaustive study).
    p = tmp_path / "open.json"
    p.write_text(json.dumps({"layers": [[[0, 1, 1], [1, 0, 1], [1, 1, 1]], [[0, 1, 1], [1, 0, 1], [1, 1, 1]]]}))
    r = run("decide", str(p), "--json")
    assert r.returncode == 3
    obj = json.loads(r.stdout)
    assert obj["verdict"] == "unknown" and obj["core"]["hidden"] == ["1:0", "1:1", "1:2"]
    r = run("decide", str(p))
    assert r.returncode == 3 and "verdict: unknown" in r.stdout and "component 0" in r.stdout


BAD = {
    "nonbinary.json": ({"layers": [[[0, 2]]]}, "0 or 1"),
    "ragged.json": ({"layers": [[[1, 0], [1]]]}, "ragged"),
    "mismatch.json": ({"layers": [[[1, 1]], [[1, 1]]]}, "layers 1 and 2 do not chain"),
    "empty.json": ({"layers": []}, "empty"),
    "range.json": ({"layers": [{"shape": [2, 2], "nonzeros": [[0, 5]]}]}, "out of range"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_support_files_give_one_line_and_exit_2(tmp_path, name):
    obj, words = BAD[name]
    p = tmp_path / name
    p.write_text(json.dumps(obj))
    r = run("decide", str(p))
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("certify: error:") and words in lines[0], r.stderr


@pytest.mark.parametrize("args, words", [
    (["decide", "missing.json"], "no such file"),
    (["decide", "notjson.json"], "not valid JSON"),
    # json keeps the last of two equal keys: that would decide a 1-1 support.
    (["decide", "twice.json"], "twice.json: the key 'layers' appears twice in one JSON object"),
    (["decide", '{"layers": [{"shape": [2, 2], "shape": [3, 3], "nonzeros": []}]}'], "'shape' appears twice"),
    # Named as a model but neither a torch.save file nor anything else readable.
    (["decide", "model.pt"], "model.pt: not a torch.save file, .npz or .npy archive, nor a JSON support"),
    (["model", "model.pt"], "model.pt: not a torch.save file, .npz or .npy archive, nor a JSON support"),
    (["decide", "foo:3"], "unknown pattern"),
    (["decide", "lu:3", "-o", "no/such/folder/c.json"], "does not exist"),
    (["decide"], "required"),
    (["frobnicate"], "invalid choice"),
    (["pattern", "butterfly:6"], "power of two"),
])
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, args, words):
    (tmp_path / "notjson.json").write_text("{oops")
    (tmp_path / "model.pt").write_bytes(b"\x00garbage")
    (tmp_path / "twice.json").write_text('{"layers": [[[1, 0], [0, 1]]], "layers": [[[1]]]}')
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], r.stderr
    assert not (tmp_path / "no").exists()


def test_npz_support(tmp_path):
    np.savez(tmp_path / "m.npz", np.triu(np.ones((3, 3))), np.tril(np.ones((3, 3))))
    r = run("decide", str(tmp_path / "m.npz"))
    assert r.returncode == 0 and "not closed" in r.stdout


def test_check_exit_codes(tmp_path):
    good = tmp_path / "good.json"
    assert run("decide", "lu:2", "-o", str(good)).returncode == 0
    c = json.loads(good.read_text())
    c["proof"]["limit"]["nonzeros"][0][2] = "5"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(c))
    junk = tmp_path / "junk.json"
    junk.write_text("not json")
    r = run("check", str(good), str(bad))
    assert r.returncode == 1
    assert f"{good}: accepted" in r.stdout and f"{bad}: REJECTED: limit entry (0,1)" in r.stdout
    assert run("check", str(junk)).returncode == 2
    assert run("check", str(good), str(bad), str(junk)).returncode == 2
    assert run("check", str(tmp_path / "absent.json")).returncode == 2
    assert run_checker(str(bad)).returncode == 1 and run_checker().returncode == 2


def test_pattern_roundtrip(tmp_path):
    out = tmp_path / "m.json"
    r = run("pattern", "monarch:16:4", "-o", str(out))
    assert r.returncode == 0
    obj = json.loads(out.read_text())
    assert len(obj["layers"]) == 2 and len(obj["layers"][0]) == 16
    a = json.loads(run("decide", str(out), "--json").stdout)
    b = json.loads(run("decide", "monarch:16:4", "--json").stdout)
    assert a["support_sha256"] == b["support_sha256"] and a["verdict"] == "closed"
    r = run("pattern", "lu:2")
    assert json.loads(r.stdout) == {"layers": [[[1, 1], [0, 1]], [[1, 0], [1, 1]]]}


def test_demo(tmp_path):
    r = run("demo", env={"TMPDIR": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    assert "verdict: not closed" in r.stdout and "independent checker: accepted" in r.stdout
    path = next(line.split()[1] for line in r.stdout.splitlines() if line.startswith("certificate:"))
    assert os.path.exists(path) and path.startswith(str(tmp_path))


def test_help_shows_examples():
    assert "certify decide lu:4" in run("--help").stdout
    assert "certify decide lu:4 -o lu4.json" in run("decide", "--help").stdout
    assert "monarch:16:4" in run("pattern", "--help").stdout
    r = run()
    assert r.returncode == 2 and "decide" in r.stdout


def test_pruned_weight_tensors_with_weights_flag(tmp_path):
    w1 = np.triu(np.random.default_rng(0).normal(size=(3, 3)))
    w2 = np.tril(np.random.default_rng(1).normal(size=(3, 3)))
    np.savez(tmp_path / "w.npz", w1, w2)
    r = run("decide", str(tmp_path / "w.npz"))
    assert r.returncode == 2 and "--weights" in r.stderr and "np.float64" not in r.stderr
    r = run("decide", str(tmp_path / "w.npz"), "--weights", "--json")
    assert r.returncode == 0
    same = json.loads(run("decide", "lu:3", "--json").stdout)
    assert json.loads(r.stdout)["support_sha256"] == same["support_sha256"]


def test_output_may_not_overwrite_the_input(tmp_path):
    p = tmp_path / "m.json"
    p.write_text(json.dumps({"layers": [[[1, 1], [0, 1]], [[1, 0], [1, 1]]]}))
    before = p.read_text()
    r = run("decide", str(p), "-o", str(p))
    assert r.returncode == 2 and "overwrite" in r.stderr and p.read_text() == before


def test_mixed_up_files_get_pointed_errors(tmp_path):
    cert = tmp_path / "c.json"
    run("decide", "lu:2", "-o", str(cert))
    r = run("decide", str(cert))
    assert r.returncode == 2 and "this is a certificate" in r.stderr
    sup = tmp_path / "s.json"
    run("pattern", "lu:2", "-o", str(sup))
    r = run("check", str(sup))
    assert r.returncode == 2 and "support file, not a certificate" in r.stderr


def test_json_mode_reports_errors_as_json_too():
    r = run("decide", "lu:0", "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["error"].startswith("lu:0")


def test_pattern_dash_means_stdout(tmp_path):
    r = run("pattern", "lu:2", "-o", "-", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["layers"][0] == [[1, 1], [0, 1]]
    assert not (tmp_path / "-").exists()


def test_large_limits_are_listed_sparsely():
    # random:50,60,40:0.05:1 is not closed (W1); its 40x50 limit has two non-zeros.
    r = run("decide", "random:50,60,40:0.05:1")
    assert r.returncode == 0 and "verdict: not closed" in r.stdout
    assert "non-zero entries A[" in r.stdout and len(r.stdout.splitlines()) < 25


def test_optimum_writes_data_and_certificate(tmp_path):
    data, cert = tmp_path / "d", tmp_path / "o.json"
    r = run("optimum", "lu:4", "--data-out", str(data), "-o", str(cert))
    assert r.returncode == 0, r.stderr
    assert "verdict: no optimum for some training set" in r.stdout
    rows = (data / "inputs.csv").read_text().splitlines()
    assert rows[0] == "x0,x1,x2,x3" and rows[1:4] == ["1,1,0,0", "2,4,0,0", "3,9,0,0"] and len(rows) == 12
    assert (data / "targets.csv").read_text().splitlines()[2] == "4,2,0,0"
    with np.load(data / "data.npz") as f:
        assert f["inputs"].shape == (11, 4) and f["targets"].shape == (11, 4)
    assert run("check", str(cert)).returncode == 0
    obj = json.loads(run("optimum", "lu:4", "--json").stdout)
    assert obj["verdict"] == "no_optimum" and obj["training_set"]["count"] == 11


def test_optimum_other_verdicts_and_bad_output(tmp_path):
    r = run("optimum", "random:6,10,1:0.4:1")
    assert r.returncode == 0 and "verdict: optimum exists" in r.stdout
    r = run("optimum", "dense:3,3,3,3")
    assert r.returncode == 3 and "undetermined" in r.stdout and "L_I is closed" in r.stdout
    (tmp_path / "f").write_text("x")
    r = run("optimum", "lu:3", "--data-out", str(tmp_path / "f"))
    assert r.returncode == 2 and "is not a folder" in r.stderr


def test_train_table_and_errors(tmp_path):
    data = tmp_path / "d"
    assert run("optimum", "lu:4", "--data-out", str(data)).returncode == 0
    r = run("train", str(data), "--support", "lu:4", "--steps", "200", "--log-every", "100")
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [int(line.split("|")[0]) for line in rows] == [0, 100, 200]
    r = run("train", str(data), "--support", "lu:3")
    assert r.returncode == 2 and "support has widths 3-3-3" in r.stderr
    r = run("train", str(tmp_path / "none"), "--support", "lu:4")
    assert r.returncode == 2 and "certify optimum" in r.stderr
    try:
        import matplotlib  # noqa: F401
        has_mpl = True
    except ImportError:
        has_mpl = False
    r = run("train", str(data), "--support", "lu:4", "--steps", "50", "--log-every", "10",
            "--plot", str(tmp_path / "p.png"))
    if has_mpl:
        assert r.returncode == 0 and (tmp_path / "p.png").stat().st_size > 1000
    else:
        assert r.returncode == 2 and "matplotlib" in r.stderr


def test_a_checker_rejection_never_reaches_the_user(monkeypatch):
    # If the checker rejected an engine certificate, the answer must become
    # unknown / undetermined with an internal-error note (exit 1), never a verdict.
    import certify.checker as checker
    from certify.engine import decide
    from certify.optimum import decide_optimum
    from certify.patterns import build_pattern
    monkeypatch.setattr(checker, "check_certificate",
                        lambda obj: checker.Verdict(False, obj["claim"], "forced rejection"))
    d = decide(build_pattern("lu:3"))
    assert d.verdict == "unknown" and "forced rejection" in d.internal_error and d.certificate is None
    o = decide_optimum(build_pattern("lu:3"))
    assert o.verdict == "undetermined" and o.internal_error


def test_member_command(tmp_path):
    cert = tmp_path / "m.json"
    r = run("member", "lu:3", "[[0,1,0],[1,0,0],[0,0,1]]", "-o", str(cert))
    assert r.returncode == 0 and "verdict: not member" in r.stdout
    assert run("check", str(cert)).returncode == 0
    r = run("member", "lu:3", "[[1,2,3],[2,5,7],[3,8,14]]", "--json")
    obj = json.loads(r.stdout)
    assert r.returncode == 0 and obj["verdict"] == "member" and len(obj["factors"]) == 2
    r = run("member", "lu:3", "[[1,2],[3,4]]")
    assert r.returncode == 2 and "2x2 but products" in r.stderr
    r = run("member", "lu:3", "[[1,2,3],[4,5]]")
    assert r.returncode == 2 and "ragged" in r.stderr


def test_inline_json_support_and_train_summary(tmp_path):
    r = run("decide", '{"layers": [[[1,1],[0,1]], [[1,0],[1,1]]]}')
    assert r.returncode == 0 and "verdict: not closed" in r.stdout
    data = tmp_path / "d"
    r = run("optimum", "lu:4", "--data-out", str(data), "--max-subsets", "3")
    assert f"next: certify train {data} --support lu:4" in r.stdout
    r = run("train", str(data), "--support", "lu:4", "--steps", "3000", "--log-every", "1000")
    assert "Adam: from step 1000 to 3000 the parameter norm went" in r.stdout


def test_a_long_stage_reports_that_it_is_still_running(monkeypatch, capsys):
    # A stage that lasts longer than the heartbeat period says so on stderr,
    # and the heartbeat stops when the command ends.
    import time

    from certify.cli import _Progress
    monkeypatch.setattr(_Progress, "HEARTBEAT", 0.2)
    monkeypatch.setattr(_Progress, "running", True)
    p = _Progress(False)
    p("looking for a witness (W1, W2, W3)")
    time.sleep(0.9)
    _Progress.running = False
    time.sleep(0.3)
    err = capsys.readouterr().err
    assert "certify: still looking for a witness (W1, W2, W3)" in err
    time.sleep(0.5)
    assert capsys.readouterr().err == ""


def test_check_against_a_support_and_a_claim(tmp_path, capsys):
    from certify.cli import main
    cert = tmp_path / "lu4.json"
    assert main(["decide", "lu:4", "-o", str(cert)]) == 0
    capsys.readouterr()
    assert main(["check", "--support", "lu:4", "--claim", "not_closed", str(cert)]) == 0
    assert "lu4.json: accepted" in capsys.readouterr().out
    # the certificate is valid, but about other masks, or not the claim a build requires
    assert main(["check", "--support", "ul:4", str(cert)]) == 1
    assert "about another support" in capsys.readouterr().out
    assert main(["check", "--claim", "closed", str(cert)]) == 1
    assert "it claims not_closed, not closed" in capsys.readouterr().out
    assert main(["check", "--claim", "closedd", str(cert)]) == 2
    assert "--claim takes claims among" in capsys.readouterr().err
