"""Masks from framework files (state_dicts, .npz, .npy, dense weights) and
``certify model``'s chain report.

The model used throughout has two towers: a1 -> a2 with the 3x3 LU masks
(W1 upper, W2 lower triangular: not closed, the paper's example) and
b1 -> b2 of widths 4-2-5, b1 pruned to all ones and b2 left dense (closed,
one C3 split).  a2 has 3 outputs and b1 4 inputs, so the towers are two chains.
"""

import json
import zipfile

import numpy as np
import pytest

from certify import certificate
from certify.checker import check_certificate
from certify.cli import main
from certify.errors import InputError
from certify.frameworks import load_arrays, named_layers, read_layers
from certify.model import analyse, split_chains
from certify.patterns import build_pattern
from certify.support import load_file

UP = np.triu(np.ones((3, 3)))
UP4 = np.triu(np.ones((4, 4)))
UNKNOWN = [np.array([[0, 1, 1], [1, 0, 1], [1, 1, 1]]), np.array([[0, 1, 1], [1, 0, 1], [1, 1, 1]])]   # tests/test_cli.py


def two_tower_arrays():
    """The state_dict torch.nn.utils.prune leaves on the two-tower model, as numpy."""
    rng = np.random.default_rng(0)
    d = {}
    for name, mask in (("a1", UP), ("a2", UP.T), ("b1", np.ones((2, 4)))):
        d[f"{name}.bias"] = rng.normal(size=mask.shape[0])
        d[f"{name}.weight_orig"] = rng.normal(size=mask.shape)
        d[f"{name}.weight_mask"] = mask.astype(np.float32)
    d["b2.weight"] = rng.normal(size=(5, 2))
    d["b2.bias"] = rng.normal(size=5)
    return d


def model_cli(capsys, *args):
    code = main(["model", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def assert_two_towers(code, out):
    obj = json.loads(out)
    assert code == 0
    assert [[l["name"] for l in c["layers"]] for c in obj["chains"]] == [["a1", "a2"], ["b1", "b2"]]
    assert [c["verdict"] for c in obj["chains"]] == ["not_closed", "closed"]
    assert [c["widths"] for c in obj["chains"]] == [[3, 3, 3], [4, 2, 5]]
    assert obj["chains"][0]["support_sha256"] == build_pattern("lu:3").fingerprint()
    assert obj["chains"][1]["support_sha256"] == build_pattern("dense:4,2,5").fingerprint()
    assert obj["worst"] == {"chain": 1, "verdict": "not_closed"}
    assert [s["key"] for s in obj["skipped"]] == ["a1.bias", "a1.weight_orig", "a2.bias",
                                                  "a2.weight_orig", "b1.bias", "b1.weight_orig",
                                                  "b2.bias"]
    return obj


def test_npz_state_dict_model_report_without_torch(tmp_path, capsys):
    path = tmp_path / "two.npz"
    np.savez(path, **two_tower_arrays())
    code, out, _ = model_cli(capsys, str(path), "--json", "-o", str(tmp_path / "certs"))
    obj = assert_two_towers(code, out)
    # Certificates were written, and the checker accepts them and rejects tampered copies.
    for k, c in enumerate(obj["chains"], start=1):
        assert c["certificate"] == str(tmp_path / "certs" / f"chain{k}.json") and c["checked"]
        cert = json.loads((tmp_path / "certs" / f"chain{k}.json").read_text())
        v = check_certificate(cert)
        assert v.accepted and v.claim == c["verdict"], v.message
        cert["support"]["layers"][0]["nonzeros"].pop()
        assert not check_certificate(cert).accepted


def test_torch_pruned_model_gives_the_npz_verdicts(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.nn.utils import prune

    class TwoTowers(nn.Module):
        def __init__(self):
            super().__init__()
            self.a1, self.a2 = nn.Linear(3, 3), nn.Linear(3, 3)
            self.b1, self.b2 = nn.Linear(4, 2), nn.Linear(2, 5)

        def forward(self, xa, xb):
            return self.a2(torch.relu(self.a1(xa))), self.b2(torch.relu(self.b1(xb)))

    torch.manual_seed(0)
    m = TwoTowers()
    up = torch.triu(torch.ones(3, 3))
    prune.custom_from_mask(m.a1, "weight", up)
    prune.custom_from_mask(m.a2, "weight", up.T.contiguous())
    prune.custom_from_mask(m.b1, "weight", torch.ones(2, 4))
    m(torch.ones(1, 3), torch.ones(1, 4))
    path = tmp_path / "two.pt"
    torch.save(m.state_dict(), path)
    assert_two_towers(*model_cli(capsys, str(path), "--json")[:2])
    # The same masks saved as .npz (no torch needed to read them) give the same report.
    npz = tmp_path / "two.npz"
    np.savez(npz, **{k: v.numpy() for k, v in m.state_dict().items()})
    assert_two_towers(*model_cli(capsys, str(npz), "--json")[:2])
    # --layers picks one chain; decide reads a state_dict whose layers chain.
    code, out, _ = model_cli(capsys, str(path), "--layers", "a1,a2")
    assert code == 0 and "chain 1: a1 -> a2" in out and "chain 2" not in out
    torch.save({k: v for k, v in m.state_dict().items() if k.startswith("a")}, tmp_path / "a.pt")
    assert load_file(str(tmp_path / "a.pt")).fingerprint() == build_pattern("lu:3").fingerprint()
    with pytest.raises(InputError, match="do not chain; 'certify model"):
        load_file(str(path))


def test_torch_files_are_read_with_weights_only(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    # A whole pickled module (not a state_dict) is refused: weights_only=True
    # does not run arbitrary unpickling.
    torch.save(torch.nn.Linear(2, 2), tmp_path / "whole.pt")
    code, _, err = model_cli(capsys, str(tmp_path / "whole.pt"))
    assert code == 2 and "weights_only=True" in err and "state_dict" in err
    # Boolean tensors are masks; a checkpoint dict {"state_dict": ...} is unwrapped.
    sd = {"first": torch.tensor(UP, dtype=torch.bool), "second": torch.tensor(UP.T) * 0.5}
    torch.save({"epoch": 3, "state_dict": sd}, tmp_path / "ckpt.pt")
    layers, _ = read_layers(str(tmp_path / "ckpt.pt"))
    assert [(l.name, l.kind) for l in layers] == [("first", "mask"), ("second", "weights")]


def test_without_torch_a_torch_file_is_one_clear_error(tmp_path, capsys, monkeypatch):
    # A zip holding archive/data.pkl is what torch.save writes.
    with zipfile.ZipFile(tmp_path / "m.pt", "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    monkeypatch.setitem(__import__("sys").modules, "torch", None)     # import torch fails
    for argv in (["model", str(tmp_path / "m.pt")], ["decide", str(tmp_path / "m.pt")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "needs torch" in err and "'.[torch]'" in err


def test_naming_rules():
    arrays = {"enc.weight": np.array([[0.0, 2.0], [3.0, 0.0]]), "enc.bias": np.zeros(2),
              "mid.weight_orig": np.ones((2, 2)), "mid.weight_mask": np.eye(2),
              "head": np.array([[True, False]]), "conv.weight": np.ones((1, 1, 3, 3))}
    layers, skipped = named_layers(arrays)
    assert [(l.name, l.key, l.kind) for l in layers] == [
        ("enc", "enc.weight", "weights"), ("mid", "mid.weight_mask", "mask"), ("head", "head", "mask")]
    assert [l.mask.astype(int).tolist() for l in layers] == [[[0, 1], [1, 0]], [[1, 0], [0, 1]], [[1, 0]]]
    assert skipped == [("enc.bias", "not 2-D"),
                       ("mid.weight_orig", "weights under a pruning mask, which gives the support"),
                       ("conv.weight", "not 2-D")]
    with pytest.raises(InputError, match="mid.weight_mask: entry .* must be 0 or 1"):
        named_layers({"mid.weight_mask": np.array([[0.5]])})
    with pytest.raises(InputError, match=">= 0"):
        named_layers(arrays, threshold=-1)


def test_split_chains_by_shapes():
    arrays = {"p": np.ones((4, 3)), "q": np.ones((2, 4)), "r": np.ones((2, 5)), "s": np.ones((3, 2))}
    layers, _ = named_layers(arrays)
    assert [[l.name for l in run] for run in split_chains(layers)] == [["p", "q"], ["r", "s"]]
    report = analyse(layers, [])
    assert [c.decision.verdict for c in report.chains] == ["closed", "closed"]
    assert report.worst is report.chains[0]


def test_worst_chain_and_exit_status(tmp_path, capsys):
    # Chain 1 unknown (exit 3 as in decide), chain 2 not closed: the worst is chain 2.
    np.savez(tmp_path / "m.npz", u1=UNKNOWN[0], u2=UNKNOWN[1], l1=UP4, l2=UP4.T)
    code, out, _ = model_cli(capsys, str(tmp_path / "m.npz"))
    assert code == 3
    assert "chain 1: u1 -> u2" in out and "chain 2: l1 -> l2" in out
    assert out.count("verdict: unknown") == 1 and out.count("verdict: not closed") == 1
    assert "worst: chain 2 (l1 -> l2): not closed" in out
    # --layers reorders and selects; layers that do not chain become separate chains.
    code, out, _ = model_cli(capsys, str(tmp_path / "m.npz"), "--layers", "l2,u1", "--json")
    obj = json.loads(out)
    assert code == 0 and [[l["name"] for l in c["layers"]] for c in obj["chains"]] == [["l2"], ["u1"]]
    assert [c["verdict"] for c in obj["chains"]] == ["closed", "closed"]
    for bad, words in ((["--layers", "l1,zz"], "no layer 'zz'"), (["--layers", "l1,l1"], "named twice"),
                       (["--threshold", "nan"], ">= 0"), (["-o", str(tmp_path / "m.npz")], "not a folder")):
        code, _, err = model_cli(capsys, str(tmp_path / "m.npz"), *bad)
        assert code == 2 and words in err and err.count("\n") == 1, err
    code, _, err = model_cli(capsys, str(tmp_path / "none.pt"))
    assert code == 2 and "no such file" in err


def test_layers_listed_from_the_output_side_are_refused(tmp_path, capsys):
    # fc1: 3 -> 4, fc2: 4 -> 2.  "fc2,fc1" chains only the other way round:
    # refused, not split into two chains of one that are both closed.
    np.savez(tmp_path / "m.npz", fc1=np.ones((4, 3), dtype=bool), fc2=np.ones((2, 4), dtype=bool))
    code, out, err = model_cli(capsys, str(tmp_path / "m.npz"), "--layers", "fc2,fc1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "fc1 [4, 3] cannot take the output of fc2 [2, 4]" in err and "from the input side" in err
    code, out, _ = model_cli(capsys, str(tmp_path / "m.npz"), "--layers", "fc1,fc2")
    assert code == 0 and "chain 1: fc1 -> fc2" in out and out.splitlines()[-1] == "the chain is closed"


def test_npy_masks(tmp_path):
    np.save(tmp_path / "one.npy", UP)
    assert load_file(str(tmp_path / "one.npy")).widths == (3, 3)
    np.save(tmp_path / "stack.npy", np.stack([UP, UP.T]))
    assert load_file(str(tmp_path / "stack.npy")).fingerprint() == build_pattern("lu:3").fingerprint()
    assert list(load_arrays(str(tmp_path / "stack.npy"))) == ["layer1", "layer2"]
    (tmp_path / "lu.json").write_text(json.dumps(build_pattern("lu:3").to_json_obj("rows")))
    layers, _ = read_layers(str(tmp_path / "lu.json"))
    assert [(l.name, l.kind) for l in layers] == [("layer1", "mask"), ("layer2", "mask")]
    np.save(tmp_path / "flat.npy", np.ones(3))
    with pytest.raises(InputError, match="one 2-D mask or a 3-D stack"):
        load_file(str(tmp_path / "flat.npy"))


def test_masks_from_dense_weights_by_threshold(tmp_path, capsys):
    rng = np.random.default_rng(3)
    small = 1e-4 * np.tril(rng.normal(size=(3, 3)), -1)       # tiny entries below the diagonal
    w1 = np.triu(rng.normal(size=(3, 3)) + 2) + small
    w2 = w1.T.copy()
    np.savez(tmp_path / "w.npz", w1, w2)
    lu3 = build_pattern("lu:3").fingerprint()

    def decide_json(*args):
        code = main(["decide", *args, "--json"])
        return code, json.loads(capsys.readouterr().out)

    # Exact zeros by default: every entry is non-zero, a dense 3-3-3 chain (closed).
    code, obj = decide_json("--from-weights", str(tmp_path / "w.npz"))
    assert code == 0 and obj["verdict"] == "closed" and obj["widths"] == [3, 3, 3]
    assert obj["support_sha256"] == build_pattern("dense:3,3,3").fingerprint()
    # |w| <= 1e-3 pruned: the LU support (not closed); --weights FILE is the same thing.
    for args in (["--from-weights", str(tmp_path / "w.npz")], [str(tmp_path / "w.npz"), "--weights"]):
        code, obj = decide_json(*args, "--threshold", "1e-3")
        assert code == 0 and obj["verdict"] == "not_closed" and obj["support_sha256"] == lu3
    # Misuse is one error line, exit 2.
    for args, words in (([str(tmp_path / "w.npz"), "--threshold", "1e-3"], "add --weights"),
                        (["lu:3", "--from-weights", str(tmp_path / "w.npz")], "not both"),
                        ([], "required: SUPPORT"),
                        (["--from-weights", str(tmp_path / "w.npz"), "--threshold", "-1"], ">= 0")):
        assert main(["decide", *args]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1, err
    assert main(["member", "lu:3"]) == 2
    assert "required: SUPPORT and MATRIX" in capsys.readouterr().err
    # member takes --from-weights too: the LU support by threshold, and a permutation
    # that is not an LU product (the 2x2 leading block [[0,1],[1,0]] has no LU factors).
    code = main(["member", "--from-weights", str(tmp_path / "w.npz"), "--threshold", "1e-3",
                 "[[0,1,0],[1,0,0],[0,0,1]]", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["verdict"] == "not_member"


def test_model_text_names_skips_and_certificates(tmp_path, capsys):
    np.savez(tmp_path / "two.npz", **two_tower_arrays())
    code, out, _ = model_cli(capsys, str(tmp_path / "two.npz"), "-o", str(tmp_path / "c"))
    assert code == 0
    assert "4 linear layer(s), 2 chain(s)" in out
    assert "layer a1 (3->3, 6 of 9 entries, from a1.weight_mask)" in out
    assert "layer b2 (2->5, 10 of 10 entries, from b2.weight)" in out
    assert f"certificate: {tmp_path / 'c' / 'chain1.json'}; replayed and accepted" in out
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["chain1.json", "chain2.json"]
    text = (tmp_path / "c" / "chain2.json").read_text()
    assert text == certificate.dumps(json.loads(text))        # written as decide -o writes
