"""Audit ergonomics: `certify check --json`, `--manifest` (proofs/MANIFEST.json)
and `certify explain`."""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil

import pytest

import corpus
from certify import cli
from certify.explain import explain

ROOT = pathlib.Path(__file__).resolve().parent.parent
PROOFS = ROOT / "proofs"
MANIFEST = PROOFS / "MANIFEST.json"


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def write(path: pathlib.Path, obj) -> pathlib.Path:
    path.write_text(json.dumps(obj))
    return path


# ---------------------------------------------------------------------------
# check --json
# ---------------------------------------------------------------------------

def test_check_json_reports_each_file(tmp_path, capsys):
    good = PROOFS / "lu_4.json"
    bad_obj = json.loads(good.read_text())
    bad_obj["proof"]["limit"]["nonzeros"][0][2] = "2"
    bad = write(tmp_path / "bad.json", bad_obj)
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2")
    code, out, _ = run(capsys, "check", "--json", good, bad, junk)
    report = json.loads(out)
    assert code == 2 and report["format"] == "certify-check-report/1" and report["accepted"] is False
    assert report["manifest"] is None
    g, b, j = report["files"]
    cert = json.loads(good.read_text())
    assert g == {"file": str(good), "status": "accepted", "accepted": True, "claim": "not_closed",
                 "support_sha256": cert["support_sha256"],
                 "sha256": hashlib.sha256(good.read_bytes()).hexdigest(),
                 "rules": sorted(corpus.rules_in(cert["proof"])), "seconds": g["seconds"],
                 "message": g["message"]}
    assert "W1" in g["rules"] and "propagation" in g["rules"] and 0 <= g["seconds"] < 60
    assert b["status"] == "rejected" and b["accepted"] is False and b["claim"] == "not_closed"
    assert "limit entry" in b["message"] and b["rules"] == []
    assert j["status"] == "unreadable" and j["claim"] is None and "JSON" in j["message"]


def test_check_json_exit_codes_match_the_text_mode(tmp_path, capsys):
    ok = PROOFS / "butterfly_8.json"
    assert run(capsys, "check", "--json", ok)[0] == 0
    assert run(capsys, "check", ok)[0] == 0
    cert = json.loads(ok.read_text())
    cert["proof"]["split"] = 7
    bad = write(tmp_path / "b.json", cert)
    assert run(capsys, "check", "--json", bad)[0] == 1
    assert run(capsys, "check", bad)[0] == 1
    code, _, err = run(capsys, "check")
    assert code == 2 and "--manifest" in err


# ---------------------------------------------------------------------------
# manifest
# ---------------------------------------------------------------------------

def test_the_shipped_manifest_lists_every_shipped_certificate(capsys):
    entries = json.loads(MANIFEST.read_text())["certificates"]
    names = sorted(p.name for p in PROOFS.glob("*.json") if p.name != "MANIFEST.json")
    assert [e["file"] for e in entries] == names and len(names) == 23
    for e in entries:
        data = (PROOFS / e["file"]).read_bytes()
        cert = json.loads(data)
        assert e == {"file": e["file"], "claim": cert["claim"], "support_sha256": cert["support_sha256"],
                     "sha256": hashlib.sha256(data).hexdigest()}
    code, out, _ = run(capsys, "check", "--manifest", MANIFEST)
    assert code == 0 and "23 certificates; every file listed, unchanged" in out


def test_ci_replay_line_with_the_glob_passes(capsys):
    # .ci/run: certify check --manifest proofs/MANIFEST.json proofs/*.json
    files = sorted(PROOFS.glob("*.json"))
    code, out, _ = run(capsys, "check", "--json", "--manifest", MANIFEST, *files)
    report = json.loads(out)
    assert code == 0 and report["accepted"] and report["manifest"]["ok"]
    assert len(report["files"]) == 23       # the manifest itself is not checked as a certificate
    assert "check --manifest proofs/MANIFEST.json proofs/*.json" in (ROOT / ".ci" / "run").read_text()


def test_a_manifest_among_the_files_is_read_as_the_manifest(capsys):
    code, out, _ = run(capsys, "check", *sorted(PROOFS.glob("*.json")))
    assert code == 0 and "manifest" in out.splitlines()[-1] and "23 certificates" in out


@pytest.fixture
def proofs_copy(tmp_path):
    folder = tmp_path / "proofs"
    shutil.copytree(PROOFS, folder)
    return folder


@pytest.mark.parametrize("where", ["a digit of the limit", "first byte", "middle byte", "last byte"])
def test_editing_one_byte_of_a_shipped_certificate_fails_with_the_file_named(proofs_copy, capsys, where):
    path = proofs_copy / "lu_4.json"
    data = bytearray(path.read_bytes())
    if where == "a digit of the limit":
        k = data.index(b'"limit"')
        k = data.index(b'"1"', k) + 1
        data[k] = ord("2")
    else:
        k = {"first byte": 0, "middle byte": len(data) // 2, "last byte": len(data) - 1}[where]
        data[k] = ord(" ") if data[k] != ord(" ") else ord("x")
    path.write_bytes(bytes(data))
    code, out, err = run(capsys, "check", "--manifest", proofs_copy / "MANIFEST.json")
    assert code in (1, 2)
    assert f"{proofs_copy / 'lu_4.json'}: SHA-256" in out and "FAILED" in out
    assert all("lu_4.json" in line for line in out.splitlines() if "FAILED" in line)
    code, out, _ = run(capsys, "check", "--json", "--manifest", proofs_copy / "MANIFEST.json")
    report = json.loads(out)
    assert code in (1, 2) and not report["manifest"]["ok"]
    assert any("lu_4.json" in p for p in report["manifest"]["problems"])


def test_missing_unlisted_and_mismatched_files_fail_the_manifest(proofs_copy, capsys):
    manifest = proofs_copy / "MANIFEST.json"
    (proofs_copy / "lu_2.json").unlink()
    shutil.copy(PROOFS / "lu_3.json", proofs_copy / "extra.json")
    code, out, _ = run(capsys, "check", "--manifest", manifest)
    assert code == 2          # the missing file is unreadable
    assert f"{proofs_copy / 'lu_2.json'}: listed in the manifest but missing" in out
    assert f"{proofs_copy / 'extra.json'}: in the folder but not in the manifest" in out
    # A manifest entry whose claim or fingerprint is wrong (file untouched).
    shutil.copy(PROOFS / "lu_2.json", proofs_copy / "lu_2.json")
    (proofs_copy / "extra.json").unlink()
    obj = json.loads(manifest.read_text())
    obj["certificates"][0]["claim"] = "not_closed"        # blockdiag is closed
    obj["certificates"][1]["support_sha256"] = "0" * 64
    write(manifest, obj)
    code, out, _ = run(capsys, "check", "--manifest", manifest)
    assert code == 1
    assert "blockdiag_12_3_3.json: claims closed, the manifest says not_closed" in out
    assert "butterfly_128.json: support fingerprint differs" in out


@pytest.mark.parametrize("text", ["", "[]", '{"format": "certify-manifest/1"}',
                                  '{"format": "certify-manifest/1", "certificates": [{"file": "../x.json"}]}'])
def test_an_unusable_manifest_is_bad_input(tmp_path, capsys, text):
    m = tmp_path / "MANIFEST.json"
    m.write_text(text)
    code, _, err = run(capsys, "check", "--manifest", m)
    assert code == 2 and "manifest" in err and err.count("\n") == 1


def test_make_proofs_check_covers_the_manifest(tmp_path, monkeypatch, capsys):
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_proofs", ROOT / "scripts" / "make_proofs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    folder = tmp_path / "proofs"
    shutil.copytree(PROOFS, folder)
    monkeypatch.setattr(mod, "PROOFS", folder)
    monkeypatch.setattr(mod, "SPECS", mod.SPECS)
    text = (folder / "MANIFEST.json").read_text()
    (folder / "MANIFEST.json").write_text(text.replace('"closed"', '"unknown"', 1))
    assert mod.main(["--check"]) == 1
    assert "MANIFEST.json: differs from a fresh run" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(corpus.all_certificates()))
def test_explain_reads_every_kind_of_certificate(name):
    cert = corpus.all_certificates()[name]
    text = "\n".join(explain(cert))
    assert text.startswith(f"claim: {cert['claim'].replace('_', ' ')}")
    for rule in corpus.rules_in(cert["proof"]) - {"refutation", "factors", "reduce"}:
        assert rule.lower() in text.lower(), (name, rule)


def test_explain_lu4_names_rule_entries_limit_and_refutation(capsys):
    code, out, _ = run(capsys, "explain", PROOFS / "lu_4.json")
    assert code == 0
    assert "Witness rule W1: an exclusive" in out and "A (4x4; rows = outputs, columns = inputs):" in out
    cert = json.loads((PROOFS / "lu_4.json").read_text())
    m, n = cert["proof"]["limit"]["shape"]
    dense = [["0"] * n for _ in range(m)]
    for i, j, v in cert["proof"]["limit"]["nonzeros"]:
        dense[i][j] = v
    for row in dense:
        assert "[" + " ".join(row) + "]" in out                  # the limit matrix, row by row
    for k, step in enumerate(cert["proof"]["refutation"]["steps"]):
        assert f"step {k} [{step['rule']}]" in out
    assert "independent checker: accepted" in out.splitlines()[-1]


def test_explain_a_rejected_certificate_says_so(tmp_path, capsys):
    cert = json.loads((PROOFS / "lu_3.json").read_text())
    cert["proof"]["limit"]["nonzeros"][0][2] = "5"
    code, out, _ = run(capsys, "explain", write(tmp_path / "c.json", cert))
    assert code == 1 and "independent checker: REJECTED" in out and "not a proof" in out


@pytest.mark.parametrize("content", [
    "", "not json", "[]", '{"layers": []}', '{"format": "certify-certificate/1"}',
    "[" * 100_000 + "]" * 100_000,
    None,        # a folder
    "proof-missing-fields",
])
def test_explain_bad_input_is_one_error_line_exit_2(tmp_path, capsys, content):
    path = tmp_path / "c.json"
    if content is None:
        path.mkdir()
    elif content == "proof-missing-fields":
        cert = json.loads((PROOFS / "lu_3.json").read_text())
        del cert["proof"]["curve"]
        cert["proof"]["reduction"] = {"steps": 3}
        write(path, cert)
    else:
        path.write_text(content)
    code, out, err = run(capsys, "explain", path)
    assert code == 2 and err.startswith("certify: error: cannot explain") and err.count("\n") == 1
    assert out == ""


def test_explain_missing_file_and_help(capsys):
    code, _, err = run(capsys, "explain", "/nonexistent/c.json")
    assert code == 2 and "cannot explain" in err
    with pytest.raises(SystemExit):
        cli.main(["explain", "--help"])
    out = capsys.readouterr().out
    assert "certify explain proofs/lu_4.json" in out
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    assert "certify check --manifest proofs/MANIFEST.json" in capsys.readouterr().out
