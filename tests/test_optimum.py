"""The training question: verdicts, training sets, θ(ε), and the checker."""

import copy
import json
from fractions import Fraction

import numpy as np
import pytest

from certify.checker import check_certificate
from certify.optimum import decide_optimum
from certify.patterns import build_pattern
from certify.support import from_masks
from certify.training import Config, train


def optimum(spec_or_support, expect):
    s = build_pattern(spec_or_support) if isinstance(spec_or_support, str) else spec_or_support
    d = decide_optimum(s)
    assert d.internal_error is None, d.internal_error
    assert d.verdict == expect, (spec_or_support, d.verdict, d.explanation)
    if d.text is not None:
        v = check_certificate(json.loads(d.text))
        assert v.accepted, v.message
    return d


@pytest.mark.parametrize("n", range(2, 9))
def test_lu_has_no_optimum_with_the_formula_size(n):
    d = optimum(f"lu:{n}", "no_optimum")
    cols = d.data.cols
    # Independently: in LU, input j reaches hidden units 0..j (W_1 upper
    # triangular), so N'_1 = max(C') + 1 and M = d'(1 + d' N'_1) + 1.
    dd, n1 = len(cols), max(cols) + 1
    assert len(d.data.t) == dd * (1 + dd * n1) + 1
    assert cols == [0, 1] and len(d.data.t) == 11
    # The data lie on the moment curve and the targets are A' x.
    assert d.data.inputs[2][:2] == [3, 9] and all(v == 0 for v in d.data.inputs[2][2:])


def lu4_cert():
    return json.loads(decide_optimum(build_pattern("lu:4")).text)


def test_tampered_training_certificates_are_rejected():
    base = lu4_cert()
    assert check_certificate(base).accepted
    c = copy.deepcopy(base)
    c["proof"]["targets"][3][0] = "10"
    assert "target 3" in check_certificate(c).message
    c = copy.deepcopy(base)
    c["proof"]["t"][4] = "12"
    assert not check_certificate(c).accepted
    c = copy.deepcopy(base)
    c["proof"]["t"] = c["proof"]["t"][:-1]
    c["proof"]["targets"] = c["proof"]["targets"][:-1]
    assert "count bound" in check_certificate(c).message
    c = copy.deepcopy(base)
    c["proof"]["t"][1] = c["proof"]["t"][0]
    c["proof"]["targets"][1] = c["proof"]["targets"][0]
    assert "not distinct" in check_certificate(c).message
    # every coefficient of θ(ε) matters
    th = base["proof"]["theta"]
    spots = [("weights", l, k, e) for l, layer in enumerate(th["weights"]) for k in range(len(layer))
             for e in range(len(layer[k][2]))]
    spots += [("biases", l, k, e) for l, layer in enumerate(th["biases"]) for k in range(len(layer))
              for e in range(len(layer[k]))]
    assert len(spots) == 11
    for kind, l, k, e in spots:
        c = copy.deepcopy(base)
        terms = c["proof"]["theta"][kind][l][k][2] if kind == "weights" else c["proof"]["theta"][kind][l][k]
        terms[e][1] = "7" if terms[e][1] != "7" else "5"
        assert not check_certificate(c).accepted, (kind, l, k, e)
    c = copy.deepcopy(base)
    c["proof"]["columns"] = [0, 2]
    assert not check_certificate(c).accepted


def _theta_at(th, eps: Fraction):
    """Substitute ε into θ(ε) (JSON form): exact weights and biases."""
    def val(terms):
        return sum((Fraction(c) * eps ** e for e, c in terms), Fraction(0))
    weights = [{(i, j): val(x) for i, j, x in layer} for layer in th["weights"]]
    biases = [[val(b) for b in layer] for layer in th["biases"]]
    return weights, biases


def _relu_net(weights, biases, x, widths, zero, relu):
    h = list(x)
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        z = list(b)
        for (i, j), v in w.items():
            z[i] = z[i] + v * h[j]
        h = [relu(v) for v in z] if l < len(weights) else z
    return h


def test_network_at_theta_eps_has_loss_tending_to_zero_exact_and_float():
    c = lu4_cert()
    widths = [4, 4, 4]
    ts = [Fraction(t) for t in c["proof"]["t"]]
    X = [[t, t * t, 0, 0] for t in ts]
    Y = [[Fraction(v) for v in y] for y in c["proof"]["targets"]]
    exact, floats = [], []
    for eps in (Fraction(1, 4), Fraction(1, 16), Fraction(1, 64), Fraction(1, 256)):
        w, b = _theta_at(c["proof"]["theta"], eps)
        loss = sum(sum((o - y) ** 2 for o, y in zip(_relu_net(w, b, x, widths, 0, lambda v: max(v, 0)), yy))
                   for x, yy in zip(X, Y))
        exact.append(loss)
        wf = [{k: float(v) for k, v in m.items()} for m in w]
        bf = [[float(v) for v in layer] for layer in b]
        lossf = sum(sum((o - float(y)) ** 2 for o, y in
                        zip(_relu_net(wf, bf, [float(v) for v in x], widths, 0.0, lambda v: max(v, 0.0)), yy))
                    for x, yy in zip(X, Y))
        floats.append(lossf)
    assert all(a > b for a, b in zip(exact, exact[1:])) and exact[-1] < exact[0] / 1000
    assert exact[0] > 0                      # not a minimizer: the loss is positive at every ε
    for a, f in zip(exact, floats):
        assert abs(float(a) - f) <= 1e-6 * max(1.0, float(a))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_one_hidden_layer_single_output_has_an_optimum(seed):
    d = optimum(f"random:6,10,1:0.4:{seed}", "optimum_exists")
    assert d.rule == "one-hidden-layer"


@pytest.mark.parametrize("spec", ["dense:3,5,1", "dense:1,1,1", "dense:7,2,1"])
def test_dense_single_output_has_an_optimum(spec):
    optimum(spec, "optimum_exists")


def test_disjoint_outputs_and_no_hidden_layer():
    s = from_masks([np.ones((4, 3)), [[1, 1, 0, 0], [0, 0, 1, 1]]])
    optimum(s, "optimum_exists")
    optimum(from_masks([[[1, 0], [1, 1]]]), "optimum_exists")


def test_deep_dense_is_undetermined_with_what_is_known():
    d = optimum("dense:3,3,3,3", "undetermined")
    assert "L_I is closed" in d.explanation
    assert json.loads(d.text)["claim"] == "closed"


def test_forged_optimum_exists_claims_are_rejected():
    c = lu4_cert()
    c["claim"] = "optimum_exists"
    c["proof"] = {"rule": "one-hidden-layer"}
    assert "disjoint" in check_certificate(c).message
    c["proof"] = {"rule": "no-hidden-layer"}
    assert "single mask" in check_certificate(c).message
    c = json.loads(decide_optimum(build_pattern("dense:3,5,1")).text)
    c["claim"] = "no_optimum"
    assert not check_certificate(c).accepted


def test_training_diverges_on_lu4_and_levels_off_on_dense():
    d = decide_optimum(build_pattern("lu:4"))
    X = np.array([[float(v) for v in x] for x in d.data.inputs])
    Y = np.array([[float(v) for v in y] for y in d.data.targets])
    cfg = Config(steps=20_000, log_every=500)
    lu = train(build_pattern("lu:4"), X, Y, "adam", cfg)
    after = [n for s, n in zip(lu.steps, lu.norm) if s >= 1000]
    assert all(b > a for a, b in zip(after, after[1:])), "the LU norm should grow at every log"
    assert min(lu.loss[-5:]) < lu.loss[2] / 10
    dense = train(build_pattern("dense:4,4,4"), X, Y, "adam", cfg)
    assert min(dense.loss) < 1e-8
    late = [n for s, n in zip(dense.steps, dense.norm) if s >= 5000]
    assert max(late) - min(late) < 0.25 * (after[-1] - after[0])   # levelled off, by comparison
