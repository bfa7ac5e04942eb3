"""Hostile or odd input: one error line and exit 2 (or a rejection), never a
traceback, a hang, or a silent wrong answer.  Cases found by an adversarial
review."""

import copy
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from certify.checker import check_certificate


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "certify", *args], capture_output=True, text=True,
                          timeout=120, **kw)


def one_error_line(r, words):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in r.stderr, r.stderr


@pytest.fixture(scope="module")
def lu3(tmp_path_factory):
    p = tmp_path_factory.mktemp("c") / "lu3.json"
    assert run("decide", "lu:3", "-o", str(p)).returncode == 0
    return json.loads(p.read_text())


def with_fingerprint(c):
    text = json.dumps(c["support"], sort_keys=True, separators=(",", ":"))
    c["support_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return c


def test_huge_exponents_are_rejected_not_crashed(lu3):
    for e in (10 ** 30, -10 ** 30, 10 ** 9):
        c = copy.deepcopy(lu3)
        c["proof"]["curve"][0][0][2] = [[e, "1"]]
        v = check_certificate(c)
        assert not v.accepted and "bound" in v.message


def test_huge_widths_are_rejected(lu3):
    c = copy.deepcopy(lu3)
    c["claim"], c["proof"] = "closed", {"rule": "layer"}
    c["support"] = {"layers": [{"shape": [10 ** 12, 10 ** 12], "nonzeros": []}]}
    v = check_certificate(with_fingerprint(c))
    assert not v.accepted and "bound" in v.message


def test_exponentially_many_paths_are_refused_quickly():
    # dense 1-12-...-12-1 (8 masks): 12^7 paths between the input and the output.
    widths = [1] + [12] * 7 + [1]
    layers = [{"shape": [b, a], "nonzeros": [[i, j] for i in range(b) for j in range(a)]}
              for a, b in zip(widths, widths[1:])]
    c = {"format": "certify-certificate/1", "claim": "not_closed", "support_sha256": "",
         "support": {"layers": layers},
         "proof": {"rule": "W1", "reduction": {"steps": [{"rule": "R6", "components": []}], "core": {}},
                   "component": 0, "curve": [[] for _ in layers],
                   "limit": {"shape": [1, 1], "nonzeros": []},
                   "refutation": {"method": "propagation",
                                  "steps": [{"entry": ["8:0", "0:0"], "rule": "contradiction", "uses": []}]}}}
    v = check_certificate(with_fingerprint(c))
    assert not v.accepted


def test_strict_number_and_label_spelling(lu3):
    for path, value in ((["proof", "reduction", "steps", 0, "node"], "1:2\n"),
                        (["proof", "limit", "nonzeros", 0, 2], "1\n"),
                        (["proof", "limit", "nonzeros", 0, 2], "2/2")):
        c = copy.deepcopy(lu3)
        target = c
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert not check_certificate(c).accepted, value


def test_checker_batch_survives_bad_files(tmp_path, lu3):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(lu3))
    huge = tmp_path / "huge.json"
    huge.write_text('{"format": ' + "9" * 5000 + "}")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    r = subprocess.run([sys.executable, "-m", "certify.checker", str(huge), str(deep), str(good)],
                       capture_output=True, text=True)
    # Over the budget: a rejection (exit 1) with the reason, before json.loads runs.
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout
    assert f"{good}: accepted" in r.stdout
    assert f"{huge}: REJECTED: beyond this checker's budget: a number literal has more than 12 digits" in r.stdout
    assert f"{deep}: REJECTED: beyond this checker's budget: JSON nesting deeper than 512 levels" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"format": "\xff"}')
    r = subprocess.run([sys.executable, "-m", "certify.checker", str(huge), str(bad), str(good)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("unreadable") == 1 and "Traceback" not in r.stderr


def test_oversized_and_deep_json_supports(tmp_path):
    p = tmp_path / "big.json"
    p.write_text('{"layers": [[[1, ' + "1" * 5000 + "]]]}")
    one_error_line(run("decide", str(p)), "not valid JSON")
    p.write_text('{"layers": ' + "[" * 100000 + "]" * 100000 + "}")
    one_error_line(run("decide", str(p)), "not valid JSON")


def test_special_files_are_refused(tmp_path):
    one_error_line(run("decide", "/dev/zero"), "not a regular file")
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    one_error_line(run("decide", str(fifo)), "not a regular file")
    r = run("check", str(fifo))
    assert r.returncode == 2 and "not a regular file" in r.stderr


def test_npy_and_huge_npz_headers(tmp_path):
    # A single .npy is one 2-D mask or a 3-D stack (accepted, tests/test_frameworks.py);
    # anything else is refused in one line, and so is a huge declared shape.
    np.save(tmp_path / "m.npy", np.ones(4))
    one_error_line(run("decide", str(tmp_path / "m.npy")), "np.savez")
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|b1", "fortran_order": False,
                                               "shape": (10 ** 6, 10 ** 6)})
    (tmp_path / "huge.npy").write_bytes(buf.getvalue())     # the header only, no data
    one_error_line(run("decide", str(tmp_path / "huge.npy")), "more than this tool handles")
    # A member whose header declares a 10^6 x 10^6 array, with no data behind it.
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|b1", "fortran_order": False,
                                               "shape": (10 ** 6, 10 ** 6)})
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as z:
        z.writestr("a.npy", buf.getvalue())
    one_error_line(run("decide", str(tmp_path / "huge.npz")), "more than this tool handles")


def test_output_paths(tmp_path):
    one_error_line(run("decide", "lu:3", "-o", ""), "must not be empty")
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert run("decide", "lu:3", "-o", str(link)).returncode == 0
    assert link.is_symlink() and json.loads(target.read_text())["claim"] == "not_closed"


def test_control_characters_in_names_stay_on_one_line():
    one_error_line(run("decide", "missing\nfile.json"), "missing\\nfile.json")


def test_too_many_nonzeros_is_refused_early():
    one_error_line(run("decide", "dense:2100,2100"), "non-zero mask entries")


# -- second adversarial review: optimum, train, member and the checker --------

def test_checker_path_walk_only_follows_branches_to_the_sink():
    # A ladder of width 2 and depth 40 where the source fans out into a huge
    # region that never reaches the refuted sink: the walk must not explore it.
    from certify.checker.graphs import Chain, State
    depth = 40
    widths = [1] + [2] * depth + [2]
    layers = [sorted((i, j) for i in range(b) for j in range(a)) for a, b in zip(widths, widths[1:])]
    layers[-1] = [(0, 0), (1, 1)]
    state = State(Chain.of_support(widths, layers))
    sink, source = (depth + 1, 0), (0, 0)
    # Only the 2^39 ... paths through unit 0 of the last hidden layer reach sink 0:
    # counting refuses them before any enumeration happens.
    import time
    t = time.time()
    with pytest.raises(Exception):
        state.paths(source, sink)
    assert time.time() - t < 5


def test_checker_caps_theta_and_curve_sizes(lu3):
    c = copy.deepcopy(lu3)
    c["proof"]["curve"] = [[[0, 0, [[e, "1"] for e in range(-100, 100)]]], []]
    assert "terms" in check_certificate(c).message
    c = copy.deepcopy(lu3)
    c["support"] = {"layers": [{"shape": [1, 1], "nonzeros": [[0, 0]]}] * 200}
    c["proof"]["curve"] = [[[0, 0, [[-10000, "1"], [10000, "1"]]]]] * 200
    c["proof"]["limit"] = {"shape": [1, 1], "nonzeros": []}
    v = check_certificate(with_fingerprint(c))
    assert not v.accepted and "degree" in v.message


def test_member_rejects_odd_numbers_quickly():
    for m, words in (('[[1,2,"1e999999999"],[4,5,6],[1,1,1]]', "write rationals"),
                     ('[["\u0663",0,0],[0,1,0],[0,0,1]]', "write rationals"),
                     ('[["1_000",0,0],[0,1,0],[0,0,1]]', "write rationals")):
        one_error_line(run("member", "lu:3", m), words)


def test_member_empty_and_large_inputs(tmp_path):
    np.save(tmp_path / "e.npy", np.zeros((0, 3)))
    one_error_line(run("member", "lu:3", str(tmp_path / "e.npy")), "empty")
    np.save(tmp_path / "i.npy", np.eye(40))
    r = run("member", "lu:40", str(tmp_path / "i.npy"))
    assert r.returncode == 3 and "more than the exact solver takes" in r.stdout
    np.save(tmp_path / "ld.npy", np.eye(3, dtype=np.longdouble))
    assert run("member", "lu:3", str(tmp_path / "ld.npy")).returncode == 0


def test_optimum_output_collisions_write_nothing(tmp_path):
    d = tmp_path / "d"
    r = run("optimum", "lu:3", "--data-out", str(d), "-o", str(d / "inputs.csv"))
    one_error_line(r, "same file")
    assert not d.exists()
    sup = tmp_path / "s"
    sup.mkdir()
    np.savez(sup / "data.npz", np.triu(np.ones((3, 3))), np.tril(np.ones((3, 3))))
    before = (sup / "data.npz").read_bytes()
    one_error_line(run("optimum", str(sup / "data.npz"), "--data-out", str(sup)), "would overwrite the input")
    assert (sup / "data.npz").read_bytes() == before
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "targets.csv").mkdir()
    one_error_line(run("optimum", "lu:3", "--data-out", str(tmp_path / "t"), "-o", str(tmp_path / "c.json")),
                   "is a folder")
    assert not (tmp_path / "c.json").exists() and not (tmp_path / "t" / "inputs.csv").exists()


def test_optimum_refuses_to_build_astronomical_training_sets():
    U, Lo, I = np.triu(np.ones((3, 3))), np.tril(np.ones((3, 3))), np.eye(3)
    spec = json.dumps({"layers": [m.astype(int).tolist() for m in [U, Lo] + [I] * 8]})
    r = run("optimum", spec, "--max-subsets", "5")
    assert r.returncode == 3 and "more than" in r.stdout and "points" in r.stdout


def test_train_bad_arguments(tmp_path):
    d = tmp_path / "d"
    assert run("optimum", "lu:3", "--data-out", str(d)).returncode == 0
    for extra, words in ((["--seed", "-1"], "not negative"), (["--lr-adam", "nan"], "learning rates"),
                         (["--plot", str(tmp_path / "p.xyz")], ".png, .pdf or .svg"),
                         (["--plot", str(tmp_path)], "is a folder")):
        one_error_line(run("train", str(d), "--support", "lu:3", "--steps", "5", *extra), words)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "data.npz").write_bytes(b"PK\x03\x04garbage")
    one_error_line(run("train", str(bad), "--support", "lu:3"), "not a training set")
    np.savez(bad / "data.npz", inputs=np.array([[np.nan, 1.0]]), targets=np.array([[1.0]]))
    one_error_line(run("train", str(bad), "--support", "dense:2,1"), "finite")
