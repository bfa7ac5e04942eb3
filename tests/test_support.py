import hashlib
import json

import numpy as np
import pytest

from certify.errors import InputError
from certify.support import from_json_obj, from_masks, load_file, load_support

LU2 = [[[1, 1], [0, 1]], [[1, 0], [1, 1]]]


def test_widths_and_layout():
    s = from_masks([np.ones((3, 2)), np.ones((5, 3))])
    assert s.widths == (2, 3, 5)
    assert s.depth == 2
    assert s.mask(1).shape == (3, 2)          # (out, in) as nn.Linear.weight


def test_fingerprint_is_sha256_of_the_documented_canonical_text():
    text = ('{"layers":[{"nonzeros":[[0,0],[0,1],[1,1]],"shape":[2,2]},'
            '{"nonzeros":[[0,0],[1,0],[1,1]],"shape":[2,2]}]}')
    s = from_masks(LU2)
    assert s.canonical_json() == text
    assert s.fingerprint() == hashlib.sha256(text.encode()).hexdigest()


def test_all_input_forms_give_the_same_support(tmp_path):
    rows = from_json_obj({"layers": LU2})
    sparse = from_json_obj({"layers": [{"shape": [2, 2], "nonzeros": [[0, 0], [0, 1], [1, 1]]},
                                       {"shape": [2, 2], "nonzeros": [[1, 1], [1, 0], [0, 0]]}]})
    arrays = from_masks([np.array(m, dtype=np.float32) for m in LU2])
    bools = from_masks([[[True, True], [False, True]], [[True, False], [True, True]]])
    np.savez(tmp_path / "m.npz", first=np.array(LU2[0]), second=np.array(LU2[1]))
    npz = load_file(str(tmp_path / "m.npz"))
    (tmp_path / "m.json").write_text(json.dumps({"layers": LU2}))
    js = load_support(str(tmp_path / "m.json"))
    fps = {x.fingerprint() for x in (rows, sparse, arrays, bools, npz, js)}
    assert fps == {from_masks(LU2).fingerprint()}


def test_npz_keeps_the_file_order_not_the_alphabetical_one(tmp_path):
    a, b = np.ones((3, 2)), np.ones((1, 3))
    np.savez(tmp_path / "m.npz", z_first=a, a_second=b)
    assert load_file(str(tmp_path / "m.npz")).widths == (2, 3, 1)


def test_graph_views():
    s = from_masks(LU2)
    g = s.layer_graph(1)
    assert sorted(g.edges) == sorted([((0, 0), (1, 0)), ((0, 1), (1, 0)), ((0, 1), (1, 1))])
    assert {d["bipartite"] for _, d in g.nodes(data=True)} == {0, 1}
    dag = s.dag()
    assert dag.number_of_nodes() == 6 and dag.number_of_edges() == 6
    assert ((1, 0), (2, 1)) in dag.edges


def test_transpose_reverses_and_transposes():
    s = from_masks([np.ones((3, 2)), [[1, 0, 1]]])
    t = s.transpose()
    assert t.widths == (1, 3, 2)
    assert t.mask(1).tolist() == [[True], [False], [True]]


@pytest.mark.parametrize("obj, words", [
    ({"layers": [[[0, 2]]]}, ["entry (0, 1)", "0 or 1"]),
    ({"layers": [[[0, 0.5]]]}, ["0 or 1"]),
    ({"layers": [[[0, "1"]]]}, ["0 or 1"]),
    ({"layers": [[[1, 0], [1]]]}, ["ragged", "row 1"]),
    ({"layers": [[[1, 1]], [[1, 1]]]}, ["layers 1 and 2", "1 outputs", "2 inputs"]),
    ({"layers": []}, ["empty"]),
    ({"layers": [{"shape": [2, 2], "nonzeros": [[2, 0]]}]}, ["out of range", "[2, 0]"]),
    ({"layers": [{"shape": [2, 2], "nonzeros": [[0]]}]}, ["not an [i, j] pair"]),
    ({"layers": [{"shape": [2, 2], "nonzeros": [[1, 1], [0, 1], [1, 1]]}]}, ["[1, 1] is listed twice"]),
    ({"layers": [{"shape": [0, 2], "nonzeros": []}]}, ["empty side"]),
    ({"layers": [[]]}, ["non-empty"]),
    ({"masks": []}, ['no "layers" key', "keys: 'masks'", '{"layers"']),
    ({}, ['no "layers" key', "it is empty"]),
    ({"layers": [[[1]]], "transposed": True}, ["unknown key 'transposed'", 'only "layers" is read']),
    ([1, 2], ['{"layers"']),
])
def test_bad_supports_are_one_line_input_errors(obj, words):
    with pytest.raises(InputError) as e:
        from_json_obj(obj)
    msg = str(e.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(InputError, match=r"layer 1 has shape \[4, 3\].*layer 2 has shape \[2, 5\]"):
        from_masks([np.ones((4, 3)), np.ones((2, 5))])


def test_bad_arrays():
    with pytest.raises(InputError, match="2-dimensional"):
        from_masks([np.ones((2, 2, 2))])
    with pytest.raises(InputError, match="0 or 1"):
        from_masks([np.array([[np.nan, 1.0]])])


@pytest.mark.parametrize("content, words", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"PK\x03\x04broken zip", "not a readable .npz"),
])
def test_unreadable_files(tmp_path, content, words):
    p = tmp_path / "bad.json"
    p.write_bytes(content)
    with pytest.raises(InputError, match=words):
        load_file(str(p))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_file(str(tmp_path / "nope.json"))
    with pytest.raises(InputError, match="is a directory"):
        load_file(str(tmp_path))
    with pytest.raises(InputError, match="not a pattern"):
        load_support(str(tmp_path / "nope.json"))


def test_empty_npz(tmp_path):
    np.savez(tmp_path / "e.npz")
    with pytest.raises(InputError, match="no arrays"):
        load_file(str(tmp_path / "e.npz"))


def test_a_model_npz_is_sent_to_certify_model(tmp_path):
    # Biases and torch.nn.utils.prune pairs are a model's arrays, not one mask
    # per layer: the error says which command reads them.
    path = tmp_path / "model.npz"
    np.savez(path, **{"fc1.weight": np.ones((3, 2)), "fc1.bias": np.ones(3), "fc2.weight": np.ones((1, 3))})
    with pytest.raises(InputError, match=r"holds 'fc1.bias' \(shape \[3\]\).*certify model"):
        load_file(str(path), weights=True)
    np.savez(path, **{"fc1.weight_orig": np.ones((3, 2)), "fc1.weight_mask": np.ones((3, 2))})
    with pytest.raises(InputError, match=r"holds 'fc1.weight_orig'.*certify model"):
        load_file(str(path))
